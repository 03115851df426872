"""The clean photo pool: more content for training, and held-out photos for the unseen-noise check.

Ten embedded scenes (seven in training) are too little content: a network trained on
them learns those photos. ``data/photos/`` holds 13 redistributable photographs from
two Debian wallpaper packages (origins, authors and licences in ``data/README.md``),
recorded in ``data/photos/photos.json`` with each file's SHA-256 and a ``role``:

* ``train``: clean content for training, with the simulator's noise and with the
  generic degradations of :mod:`casestudy.data.degrade`;
* ``check``: never trained on; the clean half of the unseen-noise check
  (:mod:`casestudy.data.unseen`).

Two ways in:

* ``casestudy data build --photos DIR`` makes every photo of ``DIR`` extra scenes of
  the simulated set's *training* split (:mod:`casestudy.data.photo_scenes`); a
  folder holding ``photos.json`` contributes its ``train`` photos only;
* training code draws patches straight from the photos with
  :class:`PhotoPatchSampler` (clean patch + :func:`casestudy.data.degrade.degrade`)
  and mixes them with the simulated pairs with :class:`MixedSampler`.

Every file is checked against its recorded SHA-256 when loaded; a missing, changed or
unreadable photo is an error naming the file. Used by the networks' notebooks (05-07).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from casestudy.data import listing
from casestudy.data.degrade import DEFAULT_CONFIG, DegradationConfig, degrade
from casestudy.io import read_image, to_uint8

POOL_FILE = "photos.json"
POOL_FORMAT = "casestudy-photo-pool"
ROLES = ("train", "check")
_REQUIRED = ("name", "file", "sha256", "role", "author", "licence", "source_package", "source_path")


class PhotoPoolError(ValueError):
    """A photo pool or folder that cannot be used; the message names the file and the problem."""


@dataclasses.dataclass(frozen=True)
class CleanPhoto:
    """One clean photo: where it is, its expected SHA-256 (``''``: not recorded) and what is known about it."""

    name: str
    path: Path
    sha256: str = ""
    role: str = "train"
    author: str = ""
    licence: str = ""
    source: str = ""

    def load(self, verify: bool = True) -> np.ndarray:
        """The photo as uint8 (H, W, 3).

        Raises:
            PhotoPoolError: the file is missing, its SHA-256 differs from the record, or it is not an image.
        """
        if not self.path.is_file():
            raise PhotoPoolError(f"{self.path}: photo {self.name!r} is missing")
        data = self.path.read_bytes()
        if verify and self.sha256 and hashlib.sha256(data).hexdigest() != self.sha256:
            raise PhotoPoolError(
                f"{self.path}: SHA-256 {hashlib.sha256(data).hexdigest()[:12]}... differs from the recorded "
                f"{self.sha256[:12]}...; the file was changed or corrupted (restore it from git)"
            )
        try:
            return to_uint8(read_image(self.path))
        except ValueError as error:
            raise PhotoPoolError(f"{self.path}: not a readable image ({error})") from None


def pool_dir() -> Path:
    """The committed pool, ``data/photos/`` in the repository."""
    from casestudy.config import data_root

    return data_root() / "photos"


def read_pool(root: str | os.PathLike | None = None) -> list[CleanPhoto]:
    """Every photo recorded in ``root/photos.json`` (default :func:`pool_dir`), in the file's order.

    Raises:
        PhotoPoolError: no or unreadable ``photos.json``, another format, a missing field, an unknown
            role or a name listed twice.
    """
    root = Path(root).expanduser() if root is not None else pool_dir()
    path = root / POOL_FILE
    if not path.is_file():
        raise PhotoPoolError(f"{path}: no photo pool record here")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PhotoPoolError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(record, dict) or record.get("format") != POOL_FORMAT or not isinstance(record.get("photos"), list):
        raise PhotoPoolError(f"{path}: not a {POOL_FORMAT} record (needs 'format' and a 'photos' list)")
    photos, seen = [], set()
    for index, entry in enumerate(record["photos"]):
        missing = [key for key in _REQUIRED if not isinstance(entry, dict) or not entry.get(key)]
        if missing:
            raise PhotoPoolError(f"{path}: photo #{index} lacks {missing}")
        if entry["role"] not in ROLES:
            raise PhotoPoolError(f"{path}: photo {entry['name']!r} has role {entry['role']!r}; expected one of {ROLES}")
        if entry["name"] in seen:
            raise PhotoPoolError(f"{path}: photo {entry['name']!r} is listed twice")
        seen.add(entry["name"])
        photos.append(
            CleanPhoto(
                name=entry["name"], path=root / entry["file"], sha256=entry["sha256"], role=entry["role"],
                author=entry["author"], licence=entry["licence"],
                source=f"{entry['source_package']}:{entry['source_path']}",
            )
        )  # fmt: skip
    return photos


def pool_photos(role: str | None = "train", root: str | os.PathLike | None = None) -> list[CleanPhoto]:
    """The pool's photos of one role (``None``: all), sorted by name.

    Raises:
        PhotoPoolError: an unknown role, or the problems of :func:`read_pool`.
    """
    if role is not None and role not in ROLES:
        raise PhotoPoolError(f"unknown role {role!r}; expected one of {ROLES} or None")
    return sorted((p for p in read_pool(root) if role is None or p.role == role), key=lambda p: p.name)


def load_photo_pool(role: str | None = "train", root: str | os.PathLike | None = None) -> list[np.ndarray]:
    """The pool's photos of one role as uint8 (H, W, 3) arrays, sorted by name, each checked against its SHA-256."""
    return [photo.load() for photo in pool_photos(role, root)]


def photo_folder(folder: str | os.PathLike) -> list[CleanPhoto]:
    """The clean photos of a folder, for training, sorted by name.

    A folder with a ``photos.json`` (the pool) gives its ``train`` photos only, so the
    held-out ``check`` photos can never slip into training; any other folder gives
    every image file in it (its SHA-256 computed now, so builds can record it).

    Raises:
        PhotoPoolError: a missing folder, or one without images.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise PhotoPoolError(f"{folder}: photo folder not found")
    if (folder / POOL_FILE).is_file():
        photos = pool_photos("train", folder)
    else:
        photos = [
            CleanPhoto(name=path.stem, path=path, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), source=path.name)
            for path in listing.files(folder)
            if listing.is_image(path)
        ]
    if not photos:
        raise PhotoPoolError(f"{folder}: no photos ({', '.join(listing.IMAGE_SUFFIXES)})")
    names = [photo.name for photo in photos]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise PhotoPoolError(f"{folder}: several files named {duplicated[0]!r} (different suffixes); keep one")
    return photos


def _dihedral(image: np.ndarray, k: int) -> np.ndarray:
    from casestudy.data.patches import dihedral

    return dihedral(image, k)


class PhotoPatchSampler:
    """Training sample ``i``: a random patch of a clean photo and its random degradation.

    Same contract as :class:`casestudy.data.patches.TrainingSampler`: ``sampler(i)`` returns
    ``(noisy, clean)`` float32 (p, p, 3) patches in [0, 1], deterministic in ``(seed, i)``.
    Photos are drawn in proportion to their area; position and one of the 8 symmetries
    are random; the noise is :func:`casestudy.data.degrade.degrade` with ``config``.

    ``scale_range=(s_min, s_max)`` shrinks each patch's photo by a factor drawn
    log-uniformly from that range before the patch is cut (a square of
    ``patch_size / s`` pixels, resampled to ``patch_size`` with a Lanczos filter). The
    default ``(1, 1)`` cuts patches at the photos' own size. Shrinking shows the
    network the same photos at other viewing sizes: finer texture per pixel (gravel,
    foliage, stars), as in a photo seen smaller than the pool's 1280 pixels. Without
    it a network trained on large, smooth wallpapers learns that fine detail is noise.
    """

    def __init__(self, photos: Sequence[np.ndarray], patch_size: int, seed: int,
                 config: DegradationConfig = DEFAULT_CONFIG,
                 scale_range: tuple[float, float] = (1.0, 1.0)):  # fmt: skip
        if not photos:
            raise ValueError("PhotoPatchSampler needs at least one photo")
        if patch_size < 2 or patch_size % 2:
            raise ValueError(f"patch_size must be an even number >= 2, got {patch_size}")
        small = [index for index, photo in enumerate(photos) if min(photo.shape[:2]) < patch_size]
        if small:
            raise ValueError(f"photos {small[:3]} are smaller than the {patch_size}-pixel patch")
        low, high = (float(value) for value in scale_range)
        if not 0.0 < low <= high <= 1.0:
            raise ValueError(f"scale_range must be (min, max) with 0 < min <= max <= 1, got {tuple(scale_range)}")
        self.photos = [to_uint8(photo) for photo in photos]
        self.patch_size, self.seed, self.config = patch_size, seed, config
        self.scale_range = (low, high)
        areas = np.array([p.shape[0] * p.shape[1] for p in self.photos], dtype=np.float64)
        self.weights = areas / areas.sum()

    def clean_patch(self, rng: np.random.Generator) -> np.ndarray:
        """A random uint8 patch (random photo, scale, position and symmetry)."""
        photo = self.photos[int(rng.choice(len(self.photos), p=self.weights))]
        size = self.patch_size
        low, high = self.scale_range
        scale = high if low == high else math.exp(rng.uniform(math.log(low), math.log(high)))
        crop = min(int(round(size / scale)), *photo.shape[:2])
        top = int(rng.integers(photo.shape[0] - crop + 1))
        left = int(rng.integers(photo.shape[1] - crop + 1))
        patch = photo[top : top + crop, left : left + crop]
        if crop != size:
            patch = np.asarray(Image.fromarray(patch).resize((size, size), Image.Resampling.LANCZOS))
        return np.ascontiguousarray(_dihedral(patch, int(rng.integers(8))))

    def __call__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng((self.seed, 0x9707, int(index)))
        clean = self.clean_patch(rng)
        noisy = degrade(clean, rng, self.config)
        return noisy, clean.astype(np.float32) / np.float32(255.0)


class MixedSampler:
    """Sample ``i`` comes from one of several samplers, chosen at random with the given weights.

    ``MixedSampler([(simulated, 0.5), (photos, 0.5)], seed)``: half the patches from the
    simulated pairs (fresh simulator noise), half from the photo pool (generic degradations),
    the mix MEASURED.md found to generalise. Each sampler is called with its own index ``i``,
    so every sample stays deterministic.
    """

    def __init__(self, samplers: Sequence[tuple[Callable[[int], Any], float]], seed: int):
        weights = np.array([weight for _, weight in samplers], dtype=np.float64)
        if not len(samplers) or weights.min() < 0 or weights.sum() <= 0:
            raise ValueError(f"MixedSampler needs samplers with non-negative weights summing above 0, got {weights}")
        self.samplers = [sampler for sampler, _ in samplers]
        self.weights = weights / weights.sum()
        self.seed = seed

    def __call__(self, index: int) -> Any:
        choice = np.random.default_rng((self.seed, 0x313C, int(index))).choice(len(self.samplers), p=self.weights)
        return self.samplers[int(choice)](index)
