"""The clean photo pool: more content for training, and held-out photos for the unseen-noise check.

Ten embedded scenes (seven in training) are too little content: a network trained on
them learns those photos. ``data/photos/`` holds 13 redistributable photographs from
two Debian wallpaper packages (origins, authors and licences in ``data/README.md``),
recorded in ``data/photos/photos.json`` with each file's SHA-256 and a ``role``:

* ``train``: clean content for training, with the simulator's noise and with the
  generic degradations of :mod:`casestudy.data.degrade`;
* ``val``: never trained on; the networks' validation set
  (:func:`photo_validation_pairs`), so checkpoints are chosen on photographs like the
  ones users bring, and never on the unseen-noise check;
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
ROLES = ("train", "val", "check")
#: A patch whose high-pass detail (:func:`high_pass_detail`, in 8-bit levels) is below this counts as flat.
FLAT_DETAIL = 1.0
#: How many times :class:`PhotoPatchSampler` redraws a flat patch before it keeps one.
FLAT_REDRAWS = 1
#: The default shrink range of training photos: chosen so that the training stream's median detail matches
#: the validation photos' (``benchmarks/bench_patches.py`` prints both).
DEFAULT_SCALE_RANGE = (0.5, 1.0)
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


def high_pass_detail(patch: np.ndarray) -> float:
    """How much fine detail a patch holds: the standard deviation of its grey level minus a Gaussian blur
    (sigma 1 pixel), in 8-bit levels. Flat sky is below 1; foliage, fabric and text are 5-20.

    The statistic the training stream is matched to the validation photos on (``tests/test_photos.py``).
    """
    from scipy import ndimage

    patch = np.asarray(patch)
    scale = 1.0 if patch.dtype == np.uint8 else 255.0
    grey = patch.astype(np.float32).mean(axis=-1) * np.float32(scale)
    return float(np.std(grey - ndimage.gaussian_filter(grey, 1.0, mode="reflect")))


def _dihedral(image: np.ndarray, k: int) -> np.ndarray:
    from casestudy.data.pairs import dihedral

    return dihedral(image, k)


class PhotoPatchSampler:
    """Training sample ``i``: a random patch of a clean photo and its random degradation.

    Same contract as :class:`casestudy.data.patches.TrainingSampler`: ``sampler(i)`` returns
    ``(noisy, clean)`` float32 (p, p, 3) patches in [0, 1], deterministic in ``(seed, i)``.
    Photos are drawn in proportion to their area; position and one of the 8 symmetries
    are random; the noise is :func:`casestudy.data.degrade.degrade` with ``config``.

    Every photo is equally likely (``weighting="photo"``, the default), whatever its size: drawn in
    proportion to their area, a few large, smooth wallpapers would fill most of the stream. A flat
    patch (detail below :data:`FLAT_DETAIL`) is redrawn up to :data:`FLAT_REDRAWS` times, so skies
    and walls stay in the stream (a network must keep them flat) but no longer dominate it.
    ``weighting="area"`` draws photos in proportion to their area and ``max_redraws=0`` keeps
    every patch: the stream of earlier versions.

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
                 scale_range: tuple[float, float] = (1.0, 1.0), weighting: str = "photo",
                 max_redraws: int = FLAT_REDRAWS):  # fmt: skip
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
        if weighting not in ("photo", "area"):
            raise ValueError(f"weighting must be 'photo' or 'area', got {weighting!r}")
        if max_redraws < 0:
            raise ValueError(f"max_redraws must be >= 0, got {max_redraws}")
        self.weighting, self.max_redraws = weighting, int(max_redraws)
        areas = np.array([p.shape[0] * p.shape[1] for p in self.photos], dtype=np.float64)
        self.weights = areas / areas.sum() if weighting == "area" else np.full(len(areas), 1.0 / len(areas))

    def clean_patch(self, rng: np.random.Generator) -> np.ndarray:
        """A random uint8 patch (see :meth:`any_patch`); a flat one is redrawn up to ``max_redraws`` times."""
        patch = self.any_patch(rng)
        for _ in range(self.max_redraws):
            if high_pass_detail(patch) >= FLAT_DETAIL:
                break
            patch = self.any_patch(rng)
        return patch

    def any_patch(self, rng: np.random.Generator) -> np.ndarray:
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
    the mix that held up on photos and noise the network never saw. Each sampler is called with its own index ``i``,
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


#: The noises of the photo validation set (:func:`photo_validation_pairs`): white Gaussian noise at the
#: textbook's four levels, then draws of the training recipe's own degradations (never clean, never white).
VALIDATION_WHITE_SIGMAS = (5, 15, 25, 50)
VALIDATION_GENERIC_DRAWS = 3


def photo_validation_pairs(
    photos: Sequence[CleanPhoto] | None = None,
    crop: int = 256,
    seed: int = 2021,
    config: DegradationConfig = DEFAULT_CONFIG,
) -> list[Any]:
    """A fixed validation set of noisy/clean pairs made from held-out photos (the pool's ``val`` role).

    Each photo's centre ``crop`` x ``crop`` square is given white Gaussian noise at
    :data:`VALIDATION_WHITE_SIGMAS` (of 255) and :data:`VALIDATION_GENERIC_DRAWS` draws of
    ``config``'s degradations (its clean and white shortcuts switched off), each seeded by
    ``(seed, photo, variant)``: the same pairs in every run. Light and heavy noise weigh alike,
    as in the training stream, so the checkpoint chosen on it is the one that does best on
    photographs across noise levels, not on one simulator's scene.

    Returns:
        :class:`casestudy.data.patches.PairImages` (uint8), named ``<photo>-white05``, ``<photo>-generic1``, ...

    Raises:
        PhotoPoolError: no ``val`` photos, or the problems of :func:`read_pool`.
    """
    from casestudy.data.degrade import add_gaussian
    from casestudy.data.pairs import PairImages

    photos = pool_photos("val") if photos is None else list(photos)
    if not photos:
        raise PhotoPoolError(f"{pool_dir() / POOL_FILE}: no photos with role 'val' to validate on")
    noisy_only = dataclasses.replace(config, p_clean=0.0, p_white=0.0)
    pairs = []
    for number, photo in enumerate(photos):
        image = photo.load()
        side = min(crop, *image.shape[:2]) // 2 * 2
        top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
        clean = np.ascontiguousarray(image[top : top + side, left : left + side])
        as_float = clean.astype(np.float32) / np.float32(255.0)
        variants = [(f"white{sigma:02d}", sigma) for sigma in VALIDATION_WHITE_SIGMAS]
        variants += [(f"generic{draw + 1}", None) for draw in range(VALIDATION_GENERIC_DRAWS)]
        for index, (variant, sigma) in enumerate(variants):
            rng = np.random.default_rng((seed, 0x7A11, number, index))
            noisy = add_gaussian(as_float, sigma / 255.0, rng) if sigma is not None else degrade(clean, rng, noisy_only)
            pairs.append(PairImages(f"{photo.name}-{variant}", to_uint8(noisy), clean))
    return pairs
