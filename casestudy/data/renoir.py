"""RENOIR's aligned layout: one reference and one or more noisy shots per batch.

Layout read (``<root>`` may also be one ``<camera>_Aligned`` folder itself)::

    <root>/<camera>_Aligned/Batch_<NNN>/<name>Reference.bmp   clean (low ISO, long exposure)
    <root>/<camera>_Aligned/Batch_<NNN>/<name>Noisy.bmp       noisy (one or more per batch)
    <root>/<camera>_Aligned/Batch_<NNN>/<name>full.bmp        not used (see below)

Every ``*Noisy.bmp`` pairs with the single ``*Reference.bmp`` of its own batch
(matched by folder and suffix, never by list position). RENOIR also ships
``*full.bmp`` images, another rendition of the reference; the clean image is the
``Reference`` one, so those are not read. Any other image file in a batch is an
error naming it, as are a batch with no or two references, or without noisy shots.

Columns: ``scene`` is ``<camera>_<batch>`` (``Mi3_Batch_001``): the noisy shots
of one batch share their reference, so they must land in the same split.
``instance`` is ``<scene>_<noisy file stem>``. ``phone`` is the camera's short
name (``Mi3``, ``T3i``, ``S90``; an unknown prefix is used as it is) and
``camera`` its full name.

ISO, parsed where it is written down, NaN otherwise:

* from the noisy file name, if it holds ``ISO<digits>`` (e.g. ``IMG_7_ISO3200Noisy.bmp``);
* else from a text file in the batch folder (``*.txt``) with a line naming the
  noisy file (by name or stem) and ``ISO <digits>`` (``ISO=3200`` and ``ISO: 3200`` also work),
  e.g. ``IMG_3Noisy.bmp ISO 3200``.

RENOIR's names (``IMG_3Noisy.bmp``) usually carry no ISO; the catalogue then
fills it from EXIF where the file has any, and leaves NaN otherwise. Shutter,
illuminant and brightness are not recorded by this layout (NaN / ``''``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from casestudy.data import listing
from casestudy.data.errors import DataLayoutError

LAYOUT = "renoir"

#: RENOIR's cameras by folder prefix.
CAMERAS: dict[str, str] = {
    "Mi3": "Xiaomi Mi3",
    "T3i": "Canon EOS Rebel T3i",
    "S90": "Canon PowerShot S90",
}

_CAMERA_FOLDER = re.compile(r"^(?P<camera>.+)_Aligned$", re.IGNORECASE)
_BATCH_FOLDER = re.compile(r"^Batch_?\d+$", re.IGNORECASE)
_ISO_IN_NAME = re.compile(r"ISO[_-]?(?P<iso>\d+)", re.IGNORECASE)
_ISO_IN_TEXT = re.compile(r"\bISO\s*[:=]?\s*(?P<iso>\d+)", re.IGNORECASE)
_ROLES = (("reference", "Reference"), ("noisy", "Noisy"), ("full", "full"))


def camera_folders(root: Path) -> list[Path]:
    """The ``<camera>_Aligned`` folders: those inside ``root``, or ``root`` itself if it is one."""
    root = Path(root)
    if _CAMERA_FOLDER.match(root.name) and root.is_dir():
        return [root]
    return [folder for folder in listing.subfolders(root) if _CAMERA_FOLDER.match(folder.name)]


def looks_like(root: Path) -> bool:
    """True if ``root`` holds (or is) a ``<camera>_Aligned`` folder with ``Batch_*`` folders."""
    root = Path(root)
    if not root.is_dir():
        return False
    return any(
        _BATCH_FOLDER.match(batch.name) for folder in camera_folders(root) for batch in listing.subfolders(folder)
    )


def find_pairs(root: Path) -> list[dict[str, Any]]:
    """One record per noisy image, paired with its batch's reference; sorted by camera, batch, file.

    Raises:
        DataLayoutError: no camera folders, a folder that is not a batch, a batch
            without exactly one reference or without noisy shots, an unexpected image.
    """
    root = Path(root)
    cameras = camera_folders(root)
    if not cameras:
        raise DataLayoutError(f"{root}: no <camera>_Aligned folders (expected e.g. {root / 'Mi3_Aligned'})")
    records = []
    for camera_folder in cameras:
        short = _CAMERA_FOLDER.match(camera_folder.name)["camera"]
        batches = listing.subfolders(camera_folder)
        if not batches:
            raise DataLayoutError(f"{camera_folder}: no Batch_<NNN> folders")
        for batch in batches:
            if not _BATCH_FOLDER.match(batch.name):
                raise DataLayoutError(f"{batch}: not a RENOIR batch folder (expected names like Batch_001)")
            records.extend(_batch_pairs(batch, short))
    return records


def _batch_pairs(batch: Path, short: str) -> list[dict[str, Any]]:
    roles = _classify(batch)
    if len(roles["reference"]) != 1:
        found = ", ".join(path.name for path in roles["reference"]) or "none"
        raise DataLayoutError(f"{batch}: expected exactly one *Reference.bmp, found {found}")
    if not roles["noisy"]:
        raise DataLayoutError(f"{roles['reference'][0]}: no *Noisy.bmp in its batch to pair with")
    reference = roles["reference"][0]
    notes = _iso_notes(batch)
    scene = f"{short}_{batch.name}"
    records = []
    for noisy in roles["noisy"]:
        records.append(
            {
                "source": LAYOUT,
                "scene": scene,
                "instance": f"{scene}_{noisy.stem}",
                "phone": short,
                "camera": CAMERAS.get(short, short),
                "iso": _iso_for(noisy, notes),
                "shutter_s": float("nan"),
                "illuminant_k": float("nan"),
                "brightness": "",
                "clean_path": listing.absolute(reference),
                "noisy_path": listing.absolute(noisy),
            }
        )
    return records


def _classify(batch: Path) -> dict[str, list[Path]]:
    """Sort a batch's images into reference / noisy / full by their name's ending."""
    roles: dict[str, list[Path]] = {role: [] for role, _ in _ROLES}
    for path in listing.files(batch):
        if not listing.is_image(path):
            continue  # text notes are read by _iso_notes
        for role, ending in _ROLES:
            if path.stem.lower().endswith(ending.lower()):
                roles[role].append(path)
                break
        else:
            raise DataLayoutError(f"{path}: not a RENOIR *Reference, *Noisy or *full image; cannot pair it")
    return roles


def _iso_notes(batch: Path) -> dict[str, float]:
    """``{file name or stem (lower case): ISO}`` from the batch's text files (see the module docstring)."""
    notes: dict[str, float] = {}
    for path in listing.files(batch):
        if path.suffix.lower() != ".txt":
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise DataLayoutError(f"{path}: cannot read ({error})") from None
        for line in text.splitlines():
            iso = _ISO_IN_TEXT.search(line)
            if iso is None:
                continue
            for word in re.split(r"[\s,;:=]+", line):
                if word:
                    notes[word.lower()] = float(iso["iso"])
    return notes


def _iso_for(noisy: Path, notes: dict[str, float]) -> float:
    in_name = _ISO_IN_NAME.search(noisy.stem)
    if in_name is not None:
        return float(in_name["iso"])
    for key in (noisy.name.lower(), noisy.stem.lower()):
        if key in notes:
            return notes[key]
    return float("nan")
