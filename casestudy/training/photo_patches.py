"""Training patches cut from clean photos, each given a random degradation; the photo validation set.

:class:`PhotoPatchSampler` draws sample ``i`` from the photo pool's ``train`` photos
(:mod:`casestudy.data.photos`): a random photo (each equally likely), shrunk by a random
factor, a random patch (a flat one redrawn), one of the 8 symmetries, and a random
degradation (:func:`casestudy.noise.degrade.degrade`). :class:`MixedSampler` mixes it with
the simulated pairs' sampler. :func:`photo_validation_pairs` makes the fixed validation
set from the held-out ``val`` photos. Used by the networks' training (``05_rednet.ipynb``
onwards).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image

from casestudy.noise.degrade import DEFAULT_CONFIG, DegradationConfig, add_gaussian, degrade
from casestudy.data.pairs import PairImages, dihedral
from casestudy.data.photos import POOL_FILE, CleanPhoto, PhotoPoolError, pool_dir, pool_photos
from casestudy.io import to_uint8

#: A patch whose high-pass detail (:func:`high_pass_detail`, in 8-bit levels) is below this counts as flat.
FLAT_DETAIL = 1.0
#: How many times :class:`PhotoPatchSampler` redraws a flat patch before it keeps one.
FLAT_REDRAWS = 1
#: The default shrink range of training photos: chosen so that the training stream's median detail matches
#: the validation photos' (``benchmarks/bench_patches.py`` prints both).
DEFAULT_SCALE_RANGE = (0.5, 1.0)


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


class PhotoPatchSampler:
    """Training sample ``i``: a random patch of a clean photo and its random degradation.

    Same contract as :class:`casestudy.training.patches.TrainingSampler`: ``sampler(i)`` returns
    ``(noisy, clean)`` float32 (p, p, 3) patches in [0, 1], deterministic in ``(seed, i)``.
    Photos are drawn in proportion to their area; position and one of the 8 symmetries
    are random; the noise is :func:`casestudy.noise.degrade.degrade` with ``config``.

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
        return np.ascontiguousarray(dihedral(patch, int(rng.integers(8))))

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
        :class:`casestudy.data.pairs.PairImages` (uint8), named ``<photo>-white05``, ``<photo>-generic1``, ...

    Raises:
        PhotoPoolError: no ``val`` photos, or the problems of :func:`read_pool`.
    """
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
