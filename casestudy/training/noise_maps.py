"""Noise-level maps for the networks that are told how noisy a photo is (FFDNet's idea, DRUNet's too).

Such a network (:mod:`casestudy.models.nafnet`) takes two more input channels after the photo's
three: the noise's standard deviation at each pixel, and a flag that says whether that map is
known (1) or withheld (0, with a map of zeros). In training, the map is the noise the patch
really carries, measured locally: the root of the Gaussian-smoothed square of ``noisy - clean``,
averaged over the colour channels, so its strength is drawn with the noise itself and follows
it wherever the noise depends on brightness. A share of the patches (:data:`WITHHELD`) get the
map withheld, so the same weights also denoise blind.

A photo's map is never that exact: the noise level function read from its ISO is off by its own
spread (about x1.28), an estimate reads texture as noise, and an EXIF can lie. A network trained
only on exact maps trusts them completely. :class:`MapRecipe` can make the training maps as
uncertain as a photo's: each told patch's map is multiplied by ``exp(N(0, jitter))``, and a share
``wrong`` of them by a factor drawn log-uniformly between ``1 / wrong_factor`` and ``wrong_factor``
(an ISO that is off), so the network learns to weigh the map against what it sees.

At inference the map comes from the photo's metadata or from an estimate; a map of zeros with
the flag at 0 is the blind case (:func:`casestudy.inference.network.with_noise_map`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import ndimage

#: Share of training patches whose map is withheld (zeros, flag 0): the network learns to run blind too.
WITHHELD = 0.5
#: Standard deviation (pixels) of the Gaussian that smooths the squared noise into a local level.
SMOOTHING_PX = 4.0


def local_noise_level(noisy: np.ndarray, clean: np.ndarray, smoothing_px: float = SMOOTHING_PX) -> np.ndarray:
    """The noise's local standard deviation, ``(H, W)`` float32: ``sqrt(G * mean_c (noisy - clean)^2)``.

    ``G`` is a Gaussian of ``smoothing_px`` pixels (reflected at the borders). On white noise of
    standard deviation ``s`` it is close to ``s`` everywhere; on a clean patch it is 0.
    """
    if np.shape(noisy) != np.shape(clean):
        raise ValueError(f"noisy and clean differ in shape: {np.shape(noisy)} and {np.shape(clean)}")
    power = np.mean((np.asarray(noisy, np.float32) - np.asarray(clean, np.float32)) ** 2, axis=-1)
    return np.sqrt(ndimage.gaussian_filter(power, smoothing_px, mode="reflect")).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class MapRecipe:
    """How training patches are told their noise: the share withheld, the smoothing, the errors put in the map.

    ``jitter`` is the standard deviation of the log of a per-patch factor on the map (0: exact maps);
    ``wrong`` the share of told patches whose map is also off by a factor in ``[1 / wrong_factor, wrong_factor]``
    (log-uniform), as from an ISO that is wrong.
    """

    withheld: float = WITHHELD
    smoothing_px: float = SMOOTHING_PX
    jitter: float = 0.0
    wrong: float = 0.0
    wrong_factor: float = 4.0

    def __post_init__(self) -> None:
        for name in ("withheld", "wrong"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {getattr(self, name)}")
        if not (self.jitter >= 0.0 and np.isfinite(self.jitter)):
            raise ValueError(f"jitter must be a finite number >= 0, got {self.jitter}")
        if not self.wrong_factor >= 1.0:
            raise ValueError(f"wrong_factor must be at least 1, got {self.wrong_factor}")

    def record(self) -> dict[str, Any]:
        """What a run's ``config.json`` records (the errors only where there are any, so older runs still resume)."""
        errors = {"jitter": self.jitter, "wrong": self.wrong, "wrong_factor": self.wrong_factor}
        return {"withheld": self.withheld, "smoothing_px": self.smoothing_px,
                **(errors if self.jitter or self.wrong else {})}  # fmt: skip

    def factor(self, rng: np.random.Generator) -> float:
        """The factor one told patch's map is multiplied by (1.0 for exact maps; draws nothing then)."""
        factor = 1.0
        if self.jitter:
            factor *= float(np.exp(rng.normal(0.0, self.jitter)))
        if self.wrong and rng.random() < self.wrong:
            factor *= float(self.wrong_factor ** rng.uniform(-1.0, 1.0))
        return factor


class NoiseMapSampler:
    """Wraps a sampler ``i -> (noisy, clean)``: sample ``i`` comes back as ``(noisy + map + flag, clean)``.

    Whether sample ``i``'s map is withheld, and the error put in it (``recipe``, default exact maps), are
    drawn from ``default_rng((seed, i, 1))``, so the stream stays reproducible and a resumed run continues it.
    """

    def __init__(self, sampler: Callable[[int], tuple[np.ndarray, np.ndarray]], seed: int,
                 recipe: MapRecipe | None = None) -> None:  # fmt: skip
        self.sampler, self.seed, self.recipe = sampler, int(seed), MapRecipe() if recipe is None else recipe

    def __call__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        noisy, clean = self.sampler(index)
        rng = np.random.default_rng((self.seed, int(index), 1))
        if rng.random() < self.recipe.withheld:
            level, known = np.zeros(noisy.shape[:2], np.float32), np.zeros(noisy.shape[:2], np.float32)
        else:
            level = local_noise_level(noisy, clean, self.recipe.smoothing_px) * np.float32(self.recipe.factor(rng))
            known = np.ones(noisy.shape[:2], np.float32)
        return np.concatenate([noisy, level[..., None], known[..., None]], axis=-1), clean
