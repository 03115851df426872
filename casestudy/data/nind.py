"""NIND's layout: one folder per scene, one image per ISO setting.

Layout read::

    <root>/<scene>/NIND_<scene>_ISO200.png     the lowest ISO: the clean image
    <root>/<scene>/NIND_<scene>_ISO3200.png    every other shot: a noisy image
    <root>/<scene>/NIND_<scene>_ISOH1.jpg      ...

Each image name ends in ``ISO<value>`` with an optional suffix (letters, or
``-2`` / ``_2``), e.g. ``ISO200``, ``ISO6400b``, ``ISOH2``, ``ISO200-2``. The
clean image of a scene is its lowest-ISO shot (ties: the one without a suffix,
then by name); every other shot of the scene pairs with it, including a second
shot at the base ISO. Any image of the folder without an ISO in its name is an
error naming it; non-image files (notes, sidecars) are not read.

``H1``, ``H2`` and ``H3`` are the Fujifilm X-T1's extended settings above its
native maximum of ISO 6400, recorded by NIND as names, not numbers. They are
mapped to the nominal values the camera's extended range uses:
H1 = 12800, H2 = 25600, H3 = 51200 (:data:`EXTENDED_ISO`).

Columns: ``scene`` is the scene folder's name, ``instance`` the noisy file's
stem, ``phone`` ``X-T1`` and ``camera`` ``Fujifilm X-T1``. Shutter, illuminant
and brightness are not in the names (NaN / ``''``; the catalogue fills the
shutter from EXIF where the file carries it).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from casestudy.data import listing
from casestudy.data.errors import DataLayoutError

LAYOUT = "nind"
PHONE = "X-T1"
CAMERA = "Fujifilm X-T1"

#: Nominal ISO of the X-T1's extended settings (named H1..H3 in NIND's file names).
EXTENDED_ISO: dict[str, float] = {"H1": 12800.0, "H2": 25600.0, "H3": 51200.0}

_ISO_NAME = re.compile(r"ISO(?P<iso>H\d+|\d+)(?P<suffix>(?:[A-Za-z]|[-_]\w)[\w-]*)?$", re.IGNORECASE)


def parse_iso(name: str) -> tuple[float, str]:
    """(ISO, suffix) from an image file stem ending in ``ISO<value>[suffix]``.

    Raises:
        DataLayoutError: no ISO at the end of the name, or an unknown ``H`` setting.
    """
    match = _ISO_NAME.search(name)
    if match is None:
        raise DataLayoutError(f"{name!r} does not end in ISO<value>, e.g. NIND_scene_ISO200 or NIND_scene_ISOH1")
    value = match["iso"].upper()
    if value.startswith("H"):
        if value not in EXTENDED_ISO:
            raise DataLayoutError(f"{name!r}: unknown extended ISO {value}; known: {', '.join(EXTENDED_ISO)}")
        return EXTENDED_ISO[value], match["suffix"] or ""
    return float(int(value)), match["suffix"] or ""


def looks_like(root: Path) -> bool:
    """True if some sub-folder of ``root`` holds an image whose name ends in ``ISO<value>``."""
    root = Path(root)
    if not root.is_dir():
        return False
    for folder in listing.subfolders(root):
        for path in listing.files(folder):
            if listing.is_image(path) and _ISO_NAME.search(path.stem):
                return True
    return False


def find_pairs(root: Path) -> list[dict[str, Any]]:
    """One record per noisy shot, paired with its scene's lowest-ISO shot; sorted by scene, then name.

    Raises:
        DataLayoutError: images directly in ``root``, no scene folders, a scene
            folder with fewer than two shots, an image without an ISO in its name,
            or a sub-folder inside a scene folder.
    """
    root = Path(root)
    loose = [path for path in listing.files(root) if listing.is_image(path)]
    if loose:
        raise DataLayoutError(f"{loose[0]}: NIND images must sit in a folder per scene (<root>/<scene>/...)")
    scenes = listing.subfolders(root)
    if not scenes:
        raise DataLayoutError(f"{root}: no scene folders (expected e.g. {root / 'droid' / 'NIND_droid_ISO200.png'})")
    records = []
    for folder in scenes:
        records.extend(_scene_pairs(folder))
    return records


def _scene_pairs(folder: Path) -> list[dict[str, Any]]:
    nested = listing.subfolders(folder)
    if nested:
        raise DataLayoutError(f"{nested[0]}: unexpected folder inside NIND scene folder {folder.name}")
    shots = []
    for path in listing.files(folder):
        if not listing.is_image(path):
            continue
        try:
            iso, suffix = parse_iso(path.stem)
        except DataLayoutError as error:
            raise DataLayoutError(f"{path}: {error}") from None
        shots.append((iso, suffix != "", path.name, path))
    if len(shots) < 2:
        raise DataLayoutError(
            f"{folder}: a NIND scene needs a clean (lowest ISO) and at least one noisy image, found {len(shots)}"
        )
    shots.sort(key=lambda shot: shot[:3])
    clean = shots[0][3]
    return [
        {
            "source": LAYOUT,
            "scene": folder.name,
            "instance": path.stem,
            "phone": PHONE,
            "camera": CAMERA,
            "iso": iso,
            "shutter_s": float("nan"),
            "illuminant_k": float("nan"),
            "brightness": "",
            "clean_path": listing.absolute(clean),
            "noisy_path": listing.absolute(path),
        }
        for iso, _, _, path in sorted(shots[1:], key=lambda shot: shot[2])
    ]
