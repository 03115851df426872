"""Your own pairs: a ``clean`` and a ``noisy`` folder with the same file names.

Layout read::

    <root>/clean/<name>.<ext>     clean images
    <root>/noisy/<name>.<ext>     noisy images, one per clean image
    <root>/scenes.csv             optional: which scene each pair shows

Images are png, jpg, jpeg, bmp, tif or tiff, in any letter case. A clean and a
noisy image pair when their names match without the suffix (so
``clean/cat.png`` pairs with ``noisy/cat.jpg``); a name found on one side only,
two files of one side with the same stem, a non-image file or a sub-folder in
``clean``/``noisy`` is an error naming it.

The ``scene`` of a pair is the file stem, unless ``scenes.csv`` (columns
``file,scene``; ``file`` is the file name or its stem) says otherwise. Give it
when several pairs show the same scene (several noise levels of one photo,
say), so that they land in the same split. When it is given it must list
every pair and nothing else.

``instance`` is the stem; the camera, ISO and shutter are unknown here
(``''`` / NaN): the catalogue fills them from the noisy file's EXIF.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from casestudy.data import listing
from casestudy.data.errors import DataLayoutError

LAYOUT = "folders"
CLEAN, NOISY = "clean", "noisy"
SCENES_FILE = "scenes.csv"


def looks_like(root: Path) -> bool:
    """True if ``root`` holds both a ``clean`` and a ``noisy`` folder."""
    root = Path(root)
    return (root / CLEAN).is_dir() and (root / NOISY).is_dir()


def find_pairs(root: Path) -> list[dict[str, Any]]:
    """One record per stem found in both folders, sorted by stem.

    Raises:
        DataLayoutError: a missing ``clean``/``noisy`` folder, an unmatched or
            duplicated image, a stray file, or a ``scenes.csv`` that does not fit.
    """
    root = Path(root)
    for side in (CLEAN, NOISY):
        if not (root / side).is_dir():
            raise DataLayoutError(f"{root / side}: folder not found; this layout needs {root}/clean and {root}/noisy")
    clean, noisy = _images(root / CLEAN), _images(root / NOISY)
    only_clean = sorted(set(clean) - set(noisy))
    only_noisy = sorted(set(noisy) - set(clean))
    if only_clean or only_noisy:
        unmatched = [str(clean[stem]) for stem in only_clean] + [str(noisy[stem]) for stem in only_noisy]
        more = f" (and {len(unmatched) - 5} more)" if len(unmatched) > 5 else ""
        raise DataLayoutError(
            f"{unmatched[0]}: no image of the same name on the other side (clean/ vs noisy/); "
            f"unmatched: {', '.join(unmatched[:5])}{more}"
        )
    if not clean:
        raise DataLayoutError(f"{root}: clean/ and noisy/ hold no images ({', '.join(listing.IMAGE_SUFFIXES)})")
    scenes = _read_scenes(root / SCENES_FILE, clean, noisy) if (root / SCENES_FILE).is_file() else {}
    return [
        {
            "source": LAYOUT,
            "scene": scenes.get(stem, stem),
            "instance": stem,
            "phone": "",
            "camera": "",
            "iso": float("nan"),
            "shutter_s": float("nan"),
            "illuminant_k": float("nan"),
            "brightness": "",
            "clean_path": listing.absolute(clean[stem]),
            "noisy_path": listing.absolute(noisy[stem]),
        }
        for stem in sorted(clean)
    ]


def _images(folder: Path) -> dict[str, Path]:
    """``{stem: path}`` of one side, refusing anything that is not a uniquely named image."""
    images: dict[str, Path] = {}
    nested = listing.subfolders(folder)
    if nested:
        raise DataLayoutError(f"{nested[0]}: unexpected folder; put the images directly in {folder}")
    for path in listing.files(folder):
        if not listing.is_image(path):
            raise DataLayoutError(
                f"{path}: not an image file (expected one of {', '.join(listing.IMAGE_SUFFIXES)}); "
                f"move it out of {folder}"
            )
        if path.stem in images:
            raise DataLayoutError(f"{path}: same name as {images[path.stem].name}; which one is the pair is ambiguous")
        images[path.stem] = path
    return images


def _read_scenes(path: Path, clean: dict[str, Path], noisy: dict[str, Path]) -> dict[str, str]:
    """``{stem: scene}`` from ``scenes.csv``, which must cover every pair exactly once."""
    names = {}
    for side in (clean, noisy):
        for stem, file in side.items():
            names[file.name] = stem
            names[stem] = stem
    scenes: dict[str, str] = {}
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or [name.strip() for name in reader.fieldnames] != ["file", "scene"]:
                raise DataLayoutError(f"{path}: expected the header 'file,scene', got {reader.fieldnames}")
            for line, row in enumerate(reader, start=2):
                file, scene = (row.get("file") or "").strip(), (row.get("scene") or "").strip()
                if not file or not scene:
                    raise DataLayoutError(f"{path}:{line}: empty file or scene")
                stem = names.get(file)
                if stem is None:
                    raise DataLayoutError(f"{path}:{line}: {file!r} is not an image in clean/ or noisy/")
                if stem in scenes:
                    raise DataLayoutError(f"{path}:{line}: {file!r} is listed twice")
                scenes[stem] = scene
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataLayoutError(f"{path}: cannot read ({error})") from None
    missing = sorted(set(clean) - set(scenes))
    if missing:
        raise DataLayoutError(f"{path}: no scene for {', '.join(str(noisy[stem].name) for stem in missing[:5])}")
    return scenes
