"""The catalogue: one row of metadata per noisy/clean pair, whatever the data set.

Every later step (EDA, patches, evaluation) starts from this table, so it is
built in one place: the layout's loader finds the pairs by name, the image
headers give the sizes, the noisy file's EXIF gives what the camera recorded,
and the scene-disjoint split (``split.csv`` beside the data) says where each
pair goes. Only headers and EXIF blocks are read, never pixels, so the 160
pairs of SIDD-Small take about a second.

Columns, in this order (one row per pair, sorted by ``instance``):

==================  =====  ==============================================================
column              type   meaning
==================  =====  ==============================================================
source              str    ``sidd``, ``simulated``, ``renoir``, ``nind`` or ``folders``
scene               str    what was photographed; the split never separates a scene
instance            str    the pair's unique name (SIDD: the instance folder name)
phone               str    short camera code (``GP``, ``IP``, ``Mi3``, ``X-T1``); ``''`` unknown
camera              str    full camera name; ``''`` unknown
iso                 float  ISO of the noisy shot; NaN unknown
shutter_s           float  exposure time of the noisy shot in seconds; NaN unknown
illuminant_k        float  illuminant colour temperature in kelvin (SIDD); NaN unknown
brightness          str    SIDD's ``L`` (low light), ``N`` (normal), ``H`` (high exposure); ``''``
height, width       int    image size in pixels, from the noisy file's header
clean_path          str    absolute path of the clean (ground-truth) image
noisy_path          str    absolute path of the noisy image
exif_make           str    EXIF Make of the noisy file; ``''`` if absent
exif_model          str    EXIF Model; ``''`` if absent
exif_iso            float  EXIF ISOSpeedRatings; NaN if absent
exif_exposure_s     float  EXIF ExposureTime in seconds; NaN if absent
exif_fnumber        float  EXIF FNumber; NaN if absent
exif_datetime       str    EXIF DateTimeOriginal as exifread gives it; ``''`` if absent
split               str    ``train``, ``val`` or ``test``
==================  =====  ==============================================================

Where the layout does not record ``camera``, ``iso`` or ``shutter_s`` (your own
folders, RENOIR, NIND's shutter), they are filled from the EXIF columns, so a
value in those columns comes from the file name or folder first and the camera's
own record second. A missing EXIF block is normal (SIDD's PNGs have none) and
never an error. A pair whose clean and noisy images differ in size is an error
naming both files, as is an unreadable image header.
Introduced in ``01_data_tour.ipynb``; ``casestudy data info`` prints :func:`describe`.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from casestudy.data import folders, nind, renoir, sidd
from casestudy.data.errors import DataLayoutError
from casestudy.data.listing import is_hidden
from casestudy.data.split import SPLITS, check_scene_disjoint, load_or_create_split
from casestudy.io import image_size, read_exif

__all__ = ["COLUMNS", "LOADERS", "DataLayoutError", "describe", "detect_layout", "load_catalogue"]

#: Layout name -> loader module (each has LAYOUT, looks_like and find_pairs).
#: Detection tries them in this order: the most specific structure first.
LOADERS: dict[str, ModuleType] = {
    folders.LAYOUT: folders,
    sidd.LAYOUT: sidd,
    renoir.LAYOUT: renoir,
    nind.LAYOUT: nind,
}

#: What each layout looks like, for error messages.
LAYOUT_HINTS: dict[str, str] = {
    "sidd": "sidd: Data/<0001_001_S6_00100_00060_3200_L>/GT_SRGB_010.PNG + NOISY_SRGB_010.PNG (also the simulated set)",
    "renoir": "renoir: <camera>_Aligned/Batch_001/*Reference.bmp + *Noisy.bmp",
    "nind": "nind: <scene>/NIND_<scene>_ISO200.png, ..._ISO3200.png (lowest ISO is the clean image)",
    "folders": "folders: clean/<name>.png + noisy/<name>.png (same names)",
}

COLUMNS: tuple[str, ...] = (
    "source", "scene", "instance", "phone", "camera", "iso", "shutter_s", "illuminant_k", "brightness",
    "height", "width", "clean_path", "noisy_path",
    "exif_make", "exif_model", "exif_iso", "exif_exposure_s", "exif_fnumber", "exif_datetime",
    "split",
)  # fmt: skip

_TEXT = ("source", "scene", "instance", "phone", "camera", "brightness", "clean_path", "noisy_path",
         "exif_make", "exif_model", "exif_datetime", "split")  # fmt: skip
_FLOAT = ("iso", "shutter_s", "illuminant_k", "exif_iso", "exif_exposure_s", "exif_fnumber")
_INT = ("height", "width")
SOURCES = ("sidd", "simulated", "renoir", "nind", "folders")


def detect_layout(root: str | os.PathLike) -> str:
    """The layout of the data folder ``root``: the first of :data:`LOADERS` whose ``looks_like`` agrees.

    Raises:
        DataLayoutError: a missing, non-folder, empty or unrecognised ``root``; the
            message lists the layouts expected and what the folder holds.
    """
    root = Path(root)
    _check_folder(root)
    entries = sorted(entry.name for entry in root.iterdir() if not is_hidden(entry))
    expected = "; ".join(LAYOUT_HINTS[name] for name in LOADERS)
    if not entries:
        raise DataLayoutError(f"{root}: the folder is empty; expected one of these layouts: {expected}")
    for name, loader in LOADERS.items():
        if loader.looks_like(root):
            return name
    shown = ", ".join(entries[:8]) + (f", ... ({len(entries)} entries)" if len(entries) > 8 else "")
    raise DataLayoutError(
        f"{root}: not a recognised data layout (it holds {shown}); expected one of: {expected}. "
        "Pass the layout explicitly (--layout) to see what exactly does not fit."
    )


def _check_folder(root: Path) -> None:
    if not root.exists():
        raise DataLayoutError(f"{root}: folder not found")
    if not root.is_dir():
        raise DataLayoutError(f"{root}: not a folder")


def load_catalogue(
    root: str | os.PathLike, layout: str | None = None, read_exif: bool = True, seed: int = 2021
) -> pd.DataFrame:
    """The catalogue of the data set in ``root`` (columns as the module docstring lists).

    Args:
        root: the data folder.
        layout: one of :data:`LOADERS`; ``None`` detects it.
        read_exif: read each noisy file's EXIF (the ``exif_*`` columns stay empty otherwise).
        seed: seeds the split the first time it is made (then ``split.csv`` rules).

    Raises:
        DataLayoutError: an unknown layout, a folder that does not follow it, no pairs,
            a duplicated instance or a pair whose images differ in size.
        casestudy.io.ImageError: an image whose header cannot be read.
        casestudy.data.split.SplitError: a ``split.csv`` that lacks some scenes.
    """
    root = Path(os.path.abspath(Path(root).expanduser()))
    if layout is None:
        layout = detect_layout(root)
    elif layout not in LOADERS:
        raise DataLayoutError(f"unknown layout {layout!r}; choose one of: {', '.join(LOADERS)}")
    _check_folder(root)
    records = LOADERS[layout].find_pairs(root)
    if not records:
        raise DataLayoutError(f"{root}: no pairs found in the {layout} layout")
    rows = [_complete(record, read_exif) for record in records]
    _check_unique(rows, root)
    frame = pd.DataFrame(rows, columns=[column for column in COLUMNS if column != "split"])
    frame = frame.sort_values("instance", kind="stable").reset_index(drop=True)
    assignment = load_or_create_split(root, frame["scene"], seed=seed)
    frame["split"] = frame["scene"].map(assignment)
    check_scene_disjoint(zip(frame["scene"], frame["split"]))
    return _typed(frame)


def _complete(record: Mapping[str, Any], with_exif: bool) -> dict[str, Any]:
    """A loader's record with sizes, EXIF and defaults added, checked for the sizes to agree."""
    row: dict[str, Any] = {column: "" for column in _TEXT} | {column: math.nan for column in _FLOAT}
    row.update(record)
    unknown = set(record) - set(COLUMNS)
    if unknown:  # a loader bug, not a data problem
        raise KeyError(f"loader record has columns the catalogue does not know: {sorted(unknown)}")
    if row["source"] not in SOURCES:
        raise DataLayoutError(f"{row['noisy_path']}: unknown source {row['source']!r}; expected one of {SOURCES}")
    noisy_size, clean_size = image_size(row["noisy_path"]), image_size(row["clean_path"])
    if noisy_size != clean_size:
        raise DataLayoutError(
            f"{row['noisy_path']}: size {noisy_size[1]}x{noisy_size[0]} (WxH) differs from its clean image "
            f"{row['clean_path']}: {clean_size[1]}x{clean_size[0]}"
        )
    row["height"], row["width"] = noisy_size
    if with_exif:
        row.update(exif_columns(read_exif(row["noisy_path"])))
        _fill_from_exif(row)
    return row


def exif_columns(tags: Mapping[str, Any]) -> dict[str, Any]:
    """The ``exif_*`` columns from :func:`casestudy.io.read_exif`'s tags (``''``/NaN where absent or odd)."""
    return {
        "exif_make": _text(tags.get("Image Make")),
        "exif_model": _text(tags.get("Image Model")),
        "exif_iso": _number(tags.get("EXIF ISOSpeedRatings")),
        "exif_exposure_s": _number(tags.get("EXIF ExposureTime")),
        "exif_fnumber": _number(tags.get("EXIF FNumber")),
        "exif_datetime": _text(tags.get("EXIF DateTimeOriginal")),
    }


def _fill_from_exif(row: dict[str, Any]) -> None:
    """Fill camera, ISO and shutter from EXIF where the layout left them unknown."""
    if not row["camera"] and (row["exif_make"] or row["exif_model"]):
        make, model = row["exif_make"], row["exif_model"]
        row["camera"] = model if make and model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    for column, tag in (("iso", "exif_iso"), ("shutter_s", "exif_exposure_s")):
        if math.isnan(row[column]) and not math.isnan(row[tag]):
            row[column] = row[tag]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, (list, tuple)):
        value = " ".join(map(str, value))
    return str(value).strip().strip("\x00").strip()


def _number(value: Any) -> float:
    """A float from exifread's value: a number, a ratio string ('1/60'), or a list (first item); else NaN."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        number = float(Fraction(str(value).strip())) if isinstance(value, (str, bytes)) else float(value)
    except (ValueError, ZeroDivisionError, TypeError, OverflowError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _check_unique(rows: list[dict[str, Any]], root: Path) -> None:
    seen: dict[str, str] = {}
    for row in rows:
        first = seen.setdefault(row["instance"], row["noisy_path"])
        if first != row["noisy_path"]:
            raise DataLayoutError(
                f"{row['noisy_path']}: instance name {row['instance']!r} is also used by {first} in {root}"
            )


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Fix the column order and dtypes, so an empty EXIF column is still float and a size still int."""
    frame = frame.reindex(columns=list(COLUMNS))
    for column in _FLOAT:
        frame[column] = frame[column].astype("float64")
    for column in _INT:
        frame[column] = frame[column].astype("int64")
    for column in _TEXT:
        frame[column] = frame[column].astype(str)
    return frame


def describe(catalogue: pd.DataFrame, root: str | os.PathLike) -> str:
    """A plain-text summary of a catalogue, as ``casestudy data info`` prints it.

    Pairs and scenes; photos per camera; ISO levels, shutter speeds and
    brightness with their counts; resolutions per camera; split sizes in pairs
    and scenes; how many noisy files carry EXIF.
    """
    n = len(catalogue)
    if n == 0:
        return f"Data set: {root}\nno pairs"
    lines = [
        f"Data set: {root}",
        f"Source: {_counts(catalogue['source'])}",
        f"Pairs: {n} in {catalogue['scene'].nunique()} scenes",
        "",
        "Photos per camera:",
    ]
    cameras = catalogue.assign(label=[_camera_label(p, c) for p, c in zip(catalogue["phone"], catalogue["camera"])])
    for label, count in cameras["label"].value_counts().items():
        lines.append(f"  {label:<34} {count:>5}  {100 * count / n:5.1f} %")
    lines.append("")
    lines.append(_levels("ISO levels", catalogue["iso"], lambda value: f"{value:g}"))
    lines.append(_levels("Shutter speeds", catalogue["shutter_s"], format_shutter))
    brightness = catalogue["brightness"].replace("", "unknown")
    lines.append(f"Brightness: {_counts(brightness)}")
    lines.append("")
    lines.append("Resolutions (height x width) per camera:")
    for label, group in cameras.groupby("label", sort=True):
        sizes = (group["height"].astype(str) + "x" + group["width"].astype(str)).value_counts()
        lines.append(f"  {label:<34} " + ", ".join(f"{size} ({count})" for size, count in sizes.items()))
    lines.append("")
    lines.append("Split (scene-disjoint):")
    for split in SPLITS:
        part = catalogue[catalogue["split"] == split]
        lines.append(f"  {split:<5} {len(part):>5} pairs  {part['scene'].nunique():>4} scenes")
    lines.append("")
    lines.append(_exif_coverage(catalogue))
    return "\n".join(lines)


def _camera_label(phone: str, camera: str) -> str:
    if phone and camera and phone != camera:
        return f"{phone} {camera}"
    return camera or phone or "unknown camera"


def _counts(values: pd.Series) -> str:
    return ", ".join(f"{value} {count}" for value, count in values.value_counts().items())


def _levels(title: str, values: pd.Series, fmt: Any) -> str:
    known = values.dropna()
    unknown = len(values) - len(known)
    if known.empty:
        return f"{title}: unknown for all {len(values)} pairs"
    counts = known.value_counts().sort_index()
    top = known.value_counts().head(5)
    text = (
        f"{title} ({len(counts)}): " + ", ".join(f"{fmt(value)} x{count}" for value, count in counts.items())
        if len(counts) <= 16
        else f"{title} ({len(counts)}, from {fmt(counts.index[0])} to {fmt(counts.index[-1])}); most common: "
        + ", ".join(f"{fmt(value)} x{count}" for value, count in top.items())
    )
    return text + (f"; unknown for {unknown}" if unknown else "")


def format_shutter(seconds: float, unit: bool = True) -> str:
    """A shutter time as photographers write it: ``1/60 s`` below a second (the denominator
    rounded to a whole number), ``2 s`` from a second up; ``unit=False`` leaves out the ``s``
    (axis tick labels). Introduced in ``02_eda_metadata.ipynb``."""
    text = f"1/{round(1 / seconds):g}" if 0 < seconds < 1 else f"{seconds:g}"
    return f"{text} s" if unit else text


def _exif_coverage(catalogue: pd.DataFrame) -> str:
    n = len(catalogue)
    has_any = (
        (catalogue["exif_make"] != "")
        | (catalogue["exif_model"] != "")
        | catalogue["exif_iso"].notna()
        | catalogue["exif_exposure_s"].notna()
        | catalogue["exif_fnumber"].notna()
        | (catalogue["exif_datetime"] != "")
    )
    parts = [
        f"make/model {int(((catalogue['exif_make'] != '') | (catalogue['exif_model'] != '')).sum())}",
        f"ISO {int(catalogue['exif_iso'].notna().sum())}",
        f"exposure {int(catalogue['exif_exposure_s'].notna().sum())}",
        f"f-number {int(catalogue['exif_fnumber'].notna().sum())}",
        f"date {int((catalogue['exif_datetime'] != '').sum())}",
    ]
    return f"EXIF: {int(has_any.sum())} of {n} noisy files carry EXIF ({', '.join(parts)})"


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``casestudy data info``'s options to ``parser``."""
    parser.add_argument("dir", nargs="?", help="data folder (default: $CASESTUDY_DATA, else the profile's simulated set)")
    parser.add_argument("--layout", help="force a layout: sidd, renoir, nind, folders")


def run_cli(args: argparse.Namespace) -> int:
    """``casestudy data info``: summarise a data set (pairs, scenes, phones, ISO, sizes)."""
    from casestudy.config import get_profile, resolve_data_dir

    root = resolve_data_dir(args.dir, get_profile(args.profile))
    print(describe(load_catalogue(root, layout=args.layout), root))
    return 0

