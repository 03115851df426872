"""Scores on the unseen-noise check's noise: networks against NLM and BM3D given the true noise.

The check (:mod:`casestudy.data.unseen`) asks whether a network trained on the camera
simulator holds up on photos and noise it never saw. Its yardstick is two classical
filters handed what a blind denoiser never has, the true noise: NLM with
``h = 0.8 x`` the true residual standard deviation (patch 5, distance 6), and BM3D
with the true standard deviation and the true noise PSD (the check's own kernel).
:func:`nlm_true_noise` and :func:`bm3d_true_noise` are those two, used by
``tools/unseen_check.py`` on the whole check; :func:`unseen_noise_scores` scores them
and any networks on one clean image given each of the check's noise levels, small
enough for a notebook (introduced in ``06_mwcnn.ipynb``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import keras

#: The yardsticks, by the method names :func:`unseen_noise_scores` gives them.
TRUE_NOISE_METHODS = ("nlm_true", "bm3d_true")


def _check_pair(noisy: np.ndarray, clean: np.ndarray) -> float:
    if np.shape(noisy) != np.shape(clean):
        raise ValueError(f"noisy and clean differ in shape: {np.shape(noisy)} and {np.shape(clean)}")
    return float(np.std(np.asarray(noisy, np.float64) - np.asarray(clean, np.float64)))


def nlm_true_noise(noisy: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """Non-Local Means given the true noise level: ``h = 0.8 sigma``, ``sigma = std(noisy - clean)``."""
    from skimage.restoration import denoise_nl_means

    sigma = _check_pair(noisy, clean)
    out = denoise_nl_means(noisy, h=0.8 * sigma, sigma=sigma, patch_size=5, patch_distance=6, fast_mode=True,
                           channel_axis=-1)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def bm3d_true_noise(noisy: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """BM3D given the true noise: its standard deviation and the PSD of the check's correlation kernel."""
    import scipy.signal

    from casestudy.data.unseen import noise_kernel
    from casestudy.filters import bm3d, estimate_noise_sigma

    sigma = _check_pair(noisy, clean)
    kernel = noise_kernel().astype(np.float64)
    autocorrelation = scipy.signal.correlate2d(kernel, kernel)
    autocorrelation /= autocorrelation.max()
    return bm3d(noisy, sigma_factor=sigma / estimate_noise_sigma(noisy), noise_kernel=autocorrelation)


def unseen_noise_scores(
    clean: np.ndarray,
    networks: Mapping[str, keras.Model],
    *,
    seed: int,
    baselines: Sequence[str] = TRUE_NOISE_METHODS,
    long_side: int | None = None,
) -> pd.DataFrame:
    """PSNR of the noisy input, the true-noise baselines and each network on ``clean`` at every noise level.

    The noise is the check's (:func:`casestudy.data.unseen.add_unseen_noise`, quantised to
    8 bits as the check's files are), drawn from ``default_rng([seed, level index])``.
    With ``long_side`` the image is first downscaled as the check downscales its photos
    (never enlarged), so a whole photo can be scored at a notebook's size.

    Returns:
        One row per level (index ``level``, in :data:`casestudy.data.unseen.LEVELS`
        order) and one column per method: ``noisy``, the baselines, then the networks.

    Raises:
        ValueError: an unknown baseline, or an image that is not (H, W, 3) in [0, 1].
    """
    from casestudy.data.unseen import LEVELS, _resize, add_unseen_noise
    from casestudy.io import to_uint8
    from casestudy.metrics import check_image, psnr
    from casestudy.models.inference import denoise_image

    runners = {"nlm_true": nlm_true_noise, "bm3d_true": bm3d_true_noise}
    unknown = [name for name in baselines if name not in runners]
    if unknown:
        raise ValueError(f"unknown baseline(s) {unknown}; known: {', '.join(runners)}")
    clean = check_image(clean, "clean", rgb=True, dtype=np.float32, error=ValueError)
    if long_side is not None:
        clean = _resize(clean, int(long_side))
    clean8 = to_uint8(clean).astype(np.float32) / np.float32(255.0)
    rows = {}
    for index, level in enumerate(LEVELS):
        rng = np.random.default_rng([int(seed), index])
        noisy = to_uint8(add_unseen_noise(clean8, level, rng)).astype(np.float32) / np.float32(255.0)
        row = {"noisy": psnr(clean8, noisy)}
        row.update({name: psnr(clean8, runners[name](noisy, clean8)) for name in baselines})
        row.update({name: psnr(clean8, denoise_image(model, noisy)) for name, model in networks.items()})
        rows[level.name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("level")
