"""Noise-level maps for the networks that are told how noisy a photo is (FFDNet's idea, DRUNet's too).

Such a network (:mod:`casestudy.models.nafnet`) takes two more input channels after the photo's
three: the noise's standard deviation at each pixel, and a flag that says whether that map is
known (1) or withheld (0, with a map of zeros). In training, the map is the noise the patch
really carries, measured locally: the root of the Gaussian-smoothed square of ``noisy - clean``,
averaged over the colour channels, so its strength is drawn with the noise itself and follows
it wherever the noise depends on brightness. A share of the patches (:data:`WITHHELD`) get the
map withheld, so the same weights also denoise blind.

At inference the map comes from the photo's metadata or from an estimate; a map of zeros with
the flag at 0 is the blind case (:func:`casestudy.inference.network.with_noise_map`).
"""

from __future__ import annotations

from collections.abc import Callable

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


class NoiseMapSampler:
    """Wraps a sampler ``i -> (noisy, clean)``: sample ``i`` comes back as ``(noisy + map + flag, clean)``.

    Whether sample ``i``'s map is withheld is drawn from ``default_rng((seed, i, 1))``, so the
    stream stays reproducible and a resumed run continues it.
    """

    def __init__(self, sampler: Callable[[int], tuple[np.ndarray, np.ndarray]], seed: int,
                 withheld: float = WITHHELD, smoothing_px: float = SMOOTHING_PX) -> None:  # fmt: skip
        if not 0.0 <= withheld <= 1.0:
            raise ValueError(f"withheld must lie in [0, 1], got {withheld}")
        self.sampler, self.seed, self.withheld, self.smoothing_px = sampler, int(seed), float(withheld), smoothing_px

    def __call__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        noisy, clean = self.sampler(index)
        if np.random.default_rng((self.seed, int(index), 1)).random() < self.withheld:
            level, known = np.zeros(noisy.shape[:2], np.float32), np.zeros(noisy.shape[:2], np.float32)
        else:
            level, known = local_noise_level(noisy, clean, self.smoothing_px), np.ones(noisy.shape[:2], np.float32)
        return np.concatenate([noisy, level[..., None], known[..., None]], axis=-1), clean
