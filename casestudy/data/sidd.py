"""SIDD's sRGB layout (SIDD-Small and SIDD-Medium), and the simulated set that copies it.

Layout read (``<root>`` may also be the ``Data`` folder itself)::

    <root>/Data/<instance folder>/GT_SRGB_010.PNG     clean (ground truth)
    <root>/Data/<instance folder>/NOISY_SRGB_010.PNG  noisy
    <root>/Data/<instance folder>/GT_SRGB_011.PNG     SIDD-Medium's second pair, and so on

``GT_SRGB_<k>`` pairs with ``NOISY_SRGB_<k>`` of the same folder and the same
``k``; matching is by name only. Other files in an instance folder (SIDD's raw
``.MAT`` files, metadata) are outside the sRGB layout and are not read; files
directly in ``Data`` (read-me files, ``split.csv``) are not instances.

The instance folder name carries the capture settings
(:func:`casestudy.data.sidd_names.parse_instance_name`, e.g.
``0001_001_S6_00100_00060_3200_L``). Every folder must parse; one that does not
is an error naming it.

The ``instance`` column is the folder name (SIDD calls these names the "scene
instance names"); a folder holding several pairs (SIDD-Medium) gives
``<folder>_010``, ``<folder>_011``. The ``scene`` column is the scene number
(``"001"``): SIDD photographs ten scenes with every phone, so the split must keep
a scene's photos together.

The simulated SIDD-like set (:mod:`casestudy.data.simulated`) uses this layout
with a ``manifest.json`` in its root whose ``"format"`` is
``"casestudy-simulated-sidd"`` (a manifest whose ``"source"`` is ``"simulated"``
is accepted too); its rows get ``source == "simulated"``, real SIDD rows ``"sidd"``.
Its hidden ``.done.json`` records are never read here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from casestudy.data import listing
from casestudy.data.errors import DataLayoutError
from casestudy.data.sidd_names import EXAMPLE_NAME, parse_instance_name

LAYOUT = "sidd"

MANIFEST = "manifest.json"
#: Manifest ``format`` values of simulated sets (must include casestudy.data.simulated.FORMAT;
#: compared as text so reading a catalogue never imports the simulator).
SIMULATED_FORMATS = ("casestudy-simulated-sidd",)
DATA_FOLDER = "Data"
_LOOKS_LIKE_INSTANCE = re.compile(r"^\d{4}_\d{3}_")
_PAIR_FILE = re.compile(r"^(?P<kind>GT|NOISY)_SRGB_(?P<index>\d+)\.png$", re.IGNORECASE)


def data_folder(root: Path) -> Path:
    """The folder holding the instance folders: ``root/Data`` if it exists, else ``root`` itself."""
    data = Path(root) / DATA_FOLDER
    return data if data.is_dir() else Path(root)


def looks_like(root: Path) -> bool:
    """True if ``root`` has a ``Data`` folder, or holds folders named like SIDD instances.

    A ``Data`` folder alone is enough, so that a half-built or emptied set is
    reported by :func:`find_pairs` ("no SIDD instance folders") rather than as
    an unknown layout.
    """
    root = Path(root)
    if not root.is_dir():
        return False
    if (root / DATA_FOLDER).is_dir():
        return True
    data = root
    return any(_LOOKS_LIKE_INSTANCE.match(folder.name) for folder in listing.subfolders(data))


def source_of(root: Path) -> str:
    """``"simulated"`` if the data set's ``manifest.json`` says so, else ``"sidd"``.

    The manifest is looked for in ``root`` and, when ``root`` is the ``Data``
    folder itself, in its parent. It marks a simulated set by its ``format``
    (one of :data:`SIMULATED_FORMATS`) or by ``"source": "simulated"``.

    Raises:
        DataLayoutError: a manifest that is not a valid JSON object, or whose
            ``source`` is neither ``simulated`` nor ``sidd``.
    """
    root = Path(root)
    candidates = [root / MANIFEST]
    if root.name == DATA_FOLDER:
        candidates.append(root.parent / MANIFEST)
    for path in candidates:
        if not path.is_file():
            continue
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DataLayoutError(f"{path}: not a readable JSON manifest ({error})") from None
        if not isinstance(manifest, dict):
            raise DataLayoutError(f"{path}: expected a JSON object, got {type(manifest).__name__}")
        if manifest.get("format") in SIMULATED_FORMATS:
            return "simulated"
        source = str(manifest.get("source", "sidd")).lower()
        if source.startswith("simulated"):
            return "simulated"
        if source.startswith("sidd"):
            return "sidd"
        raise DataLayoutError(f"{path}: unknown source {source!r}; expected 'simulated' or 'sidd'")
    return "sidd"


def find_pairs(root: Path) -> list[dict[str, Any]]:
    """One record per GT/NOISY pair, sorted by instance folder then pair index.

    Raises:
        DataLayoutError: no instance folders, a folder name that does not parse,
            a folder with no sRGB pair, or a GT/NOISY file without its partner.
    """
    root = Path(root)
    data = data_folder(root)
    source = source_of(root)
    folders = listing.subfolders(data)
    if not folders:
        raise DataLayoutError(f"{data}: no SIDD instance folders (expected e.g. {data / EXAMPLE_NAME})")
    records = []
    for folder in folders:
        try:
            settings = parse_instance_name(folder.name)
        except DataLayoutError as error:
            raise DataLayoutError(f"{folder}: {error}") from None
        pairs = _pair_files(folder)
        for index, (clean, noisy) in pairs.items():
            instance = folder.name if len(pairs) == 1 else f"{folder.name}_{index}"
            records.append(
                {
                    "source": source,
                    "scene": settings["scene"],
                    "instance": instance,
                    "phone": settings["phone"],
                    "camera": settings["camera"],
                    "iso": settings["iso"],
                    "shutter_s": settings["shutter_s"],
                    "illuminant_k": settings["illuminant_k"],
                    "brightness": settings["brightness"],
                    "clean_path": listing.absolute(clean),
                    "noisy_path": listing.absolute(noisy),
                }
            )
    return records


def _pair_files(folder: Path) -> dict[str, tuple[Path, Path]]:
    """``{index: (GT file, NOISY file)}`` for one instance folder, sorted by index."""
    found: dict[str, dict[str, Path]] = {}
    for path in listing.files(folder):
        match = _PAIR_FILE.match(path.name)
        if match is None:
            continue  # raw .MAT files, metadata: not part of the sRGB layout
        kind, index = match["kind"].upper(), match["index"]
        previous = found.setdefault(index, {}).get(kind)
        if previous is not None:
            raise DataLayoutError(f"{path}: a second {kind} image for pair {index} (besides {previous.name})")
        found[index][kind] = path
    if not found:
        raise DataLayoutError(f"{folder}: no GT_SRGB_<k>.PNG / NOISY_SRGB_<k>.PNG pair in this instance folder")
    pairs = {}
    for index in sorted(found):
        sides = found[index]
        for kind, partner in (("GT", "NOISY"), ("NOISY", "GT")):
            if partner not in sides:
                present = sides[kind]
                raise DataLayoutError(
                    f"{present}: no matching {partner}_SRGB_{index}{present.suffix} in {folder}"
                )
        pairs[index] = (sides["GT"], sides["NOISY"])
    return pairs
