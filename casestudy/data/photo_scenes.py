"""Extra clean photos as extra *training* scenes of the simulated data set (``casestudy data build --photos DIR``).

Each photo becomes a scene of its own, with ``captures`` simulated pairs. Its scene
id is ``101``, ``102``, ... in name order (SIDD-style numbers, so the SIDD loader and
the catalogue read them like the ten embedded scenes, ``001``..``010``), its instance
numbers start at 1001, and every pair is laid out and recorded like the others
(folder name, ``.done.json``, manifest entry with the photo's SHA-256). Photo scenes
always go to the ``train`` split: they are written into ``split.csv`` as such, and a
split file that says otherwise is corrected, so no extra photo can reach validation
or test, whose scores must stay comparable with and without them.

Capture ``k`` of a photo first takes a *view* of it: view 0 is the whole photo, the
others are windows of geometrically growing size, from about the capture's own size
(native resolution) up to the whole photo, at seeded random positions. The view then
goes through the embedded scenes' path (crop to the phone's aspect, resize, simulate).
A capture's phone, ISO, shutter, illuminant and light level are those of a SIDD-Small
row drawn at random, so the extra pairs follow the same metadata distribution.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from casestudy.data.photos import CleanPhoto, photo_folder
from casestudy.data.split import SPLIT_FILE, read_split, write_split

FIRST_SCENE = 101
FIRST_INSTANCE = 1001
MAX_INSTANCE = 9999
DEFAULT_CAPTURES = 4


@dataclasses.dataclass(frozen=True)
class PhotoCapture:
    """One simulated pair to make from a photo.

    Attributes:
        row: the capture's :class:`casestudy.data.captures.CaptureRow` (folder name, scene, settings).
        photo: the clean photo.
        view: ``(top, left, height, width)`` of the window of the photo this capture shows.
    """

    row: Any
    photo: CleanPhoto
    view: tuple[int, int, int, int]

    @property
    def source(self) -> str:
        """The manifest's ``source`` label: ``photos:<file>``."""
        return f"photos:{self.photo.path.name}"

    def key(self) -> dict[str, Any]:
        """What besides the settings decides this pair's bytes (part of the pair's reuse key)."""
        return {"file": self.photo.path.name, "sha256": self.photo.sha256, "view": list(self.view)}

    def image(self, cache: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """The view as float32 RGB in [0, 1] (the photo is loaded and SHA-256-checked once per ``cache``)."""
        cache = {} if cache is None else cache
        if self.photo.name not in cache:
            cache[self.photo.name] = self.photo.load()
        top, left, height, width = self.view
        return cache[self.photo.name][top : top + height, left : left + width].astype(np.float32) / np.float32(255.0)


def _view(shape: tuple[int, ...], k: int, captures: int, long_side: int, rng: np.random.Generator) -> tuple[int, int, int, int]:
    """Window ``k`` of ``captures`` over a photo of ``shape`` (see the module docstring)."""
    height, width = shape[:2]
    if k == 0 or captures < 2:
        return 0, 0, height, width
    smallest = min(1.0, long_side / 0.85 / max(height, width))  # the crop keeps >= 85 %: still >= long_side
    scale = smallest ** (1.0 - k / (captures - 1))
    view_h, view_w = max(2, round(height * scale)), max(2, round(width * scale))
    top = int(rng.integers(height - view_h + 1))
    left = int(rng.integers(width - view_w + 1))
    return top, left, view_h, view_w


def photo_captures(
    folder: str | os.PathLike, seed: int, long_side: int, captures: int = DEFAULT_CAPTURES
) -> list[PhotoCapture]:
    """The pairs ``casestudy data build --photos folder`` adds, in instance order.

    Raises:
        casestudy.data.photos.PhotoPoolError: a missing or empty folder, a changed pool photo.
        ValueError: ``captures`` below 1, or more photos than scene or instance numbers allow.
    """
    from casestudy.data.captures import CaptureRow, sidd_small_rows

    if captures < 1:
        raise ValueError(f"captures per photo must be at least 1, got {captures}")
    photos = photo_folder(folder)
    if FIRST_SCENE + len(photos) - 1 > 999 or FIRST_INSTANCE + len(photos) * captures - 1 > MAX_INSTANCE:
        raise ValueError(f"{folder}: {len(photos)} photos x {captures} captures exceed the SIDD-style numbering")
    templates = sidd_small_rows()
    out = []
    for rank, photo in enumerate(photos):
        shape = photo.load().shape  # also checks the file before any pair is built
        scene = f"{FIRST_SCENE + rank:03d}"
        for k in range(captures):
            instance = FIRST_INSTANCE + rank * captures + k
            rng = np.random.default_rng([int(seed), instance, 0x9707])
            template = templates[int(rng.integers(len(templates)))]
            name = f"{instance:04d}_{scene}_" + template.name.split("_", 2)[2]
            out.append(PhotoCapture(CaptureRow.from_name(name), photo, _view(shape, k, captures, long_side, rng)))
    return out


def add_train_scenes(root: str | os.PathLike, split: Mapping[str, str], scenes: list[str]) -> dict[str, str]:
    """``split`` plus ``scenes`` as ``train``, written to ``root/split.csv``; other scenes the file lists are kept."""
    path = Path(root) / SPLIT_FILE
    merged = read_split(path) if path.is_file() else {}
    merged.update(split)
    merged.update({scene: "train" for scene in scenes})
    write_split(path, merged)
    return {scene: merged[scene] for scene in [*split, *scenes]}
