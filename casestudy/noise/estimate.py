"""Blind noise estimation: how much noise an image carries, read from the image alone.

NLM, BM3D and the wavelet filter (:mod:`casestudy.filters`) need the noise level, which a
blind denoiser must estimate from the noisy image. :func:`estimate_noise_sigma` defaults to
``"robust"``: the spread in the flattest 8x8 blocks (``"blocks"``), checked against a
patch-PCA estimate (``"pca"``) that fine texture cannot fool; ``"wavelet"`` is
scikit-image's. Introduced in ``04_classical_filters.ipynb``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from casestudy.metrics import check_image

#: Side of the blocks the ``"blocks"`` noise estimator measures.
NOISE_BLOCK = 8
#: Fraction of the blocks, the flattest ones, whose spread the ``"blocks"`` estimator trusts.
NOISE_QUANTILE = 0.1
#: Side of the square patches (all three channels together) the ``"pca"`` noise estimator analyses.
NOISE_PATCH = 6
#: The ``"pca"`` estimator first averages the image over blocks of this side (see :func:`_sigma_pca`).
NOISE_BIN = 2
#: At most this many patches, on a regular grid, enter the ``"pca"`` estimator's covariance (speed).
NOISE_MAX_PATCHES = 20_000
#: The ``"robust"`` estimator trusts the flat blocks unless they read more than this many times the
#: patch-PCA estimate. 1: the smaller of the two readings. On the simulated laptop data set the block
#: reading is 0.68-0.97 x the PCA reading on the tuning crops (so tuning is unchanged) and above it on one
#: of 26 test images (1.20 x, where the PCA reading then scores better: NLM +0.89 dB, BM3D +0.55 dB); on
#: scikit-image's textures with white noise it is 3.8 (grass), 2.9 (gravel) and 1.07 (brick). A cap of 1.25
#: left NLM on ``grass`` 0.1 dB below the noisy input; 1 leaves it above.
NOISE_PCA_CAP = 1.0
#: The noise estimator the filters use unless told otherwise (see :func:`estimate_noise_sigma`).
DEFAULT_NOISE_METHOD = "robust"


class NoiseInputError(ValueError):
    """An image a noise estimator cannot take, or an unknown estimator; the message says which."""


def check_noisy(noisy: np.ndarray) -> np.ndarray:
    """Validate an estimator's input and return it as C-contiguous float32 in [0, 1] (:func:`casestudy.metrics.check_image`)."""
    return check_image(noisy, "noisy", rgb=True, dtype=np.float32, error=NoiseInputError)


def _sigma_wavelet(image: np.ndarray) -> float:
    """scikit-image's wavelet (MAD of the finest diagonal sub-band) estimate, averaged over channels."""
    from skimage.restoration import estimate_sigma

    return float(estimate_sigma(image, channel_axis=-1, average_sigmas=True))


def _sigma_blocks(image: np.ndarray) -> float:
    """Per-pixel noise spread measured in the flattest blocks of the image.

    The image is cut into 8x8 blocks per channel; a plane (a + b*row + c*col)
    is fitted to each block and the residual standard deviation taken (3
    degrees of freedom removed). Blocks touching 0 or 1 are skipped, since
    clipping hides noise there. Textured blocks only inflate the spread, so the
    flattest ones are trusted: the 10th percentile of the block spreads, divided
    by the 10th percentile that pure Gaussian noise would give (a chi
    distribution with 61 degrees of freedom), estimates sigma. On white noise
    it reads about 5 % high; on noise blurred like a demosaiced photo's it
    reads 10-15 % low (the plane absorbs a little of the correlated noise),
    against 65-75 % low for the wavelet estimator.
    """
    from scipy import stats

    b = NOISE_BLOCK
    height, width, channels = image.shape
    rows, cols = height // b, width // b
    if rows == 0 or cols == 0:
        raise NoiseInputError(f"the 'blocks' noise estimator needs at least {b}x{b} pixels, got {height}x{width}")
    blocks = (
        np.asarray(image[: rows * b, : cols * b], dtype=np.float64)
        .reshape(rows, b, cols, b, channels)
        .transpose(0, 2, 4, 1, 3)
        .reshape(-1, b * b)
    )
    yy, xx = np.mgrid[0:b, 0:b]
    design = np.stack([np.ones(b * b), yy.ravel(), xx.ravel()], axis=1)
    projection = design @ np.linalg.pinv(design)
    residual = blocks - blocks @ projection.T
    dof = b * b - design.shape[1]
    spread = np.sqrt((residual**2).sum(axis=1) / dof)
    unclipped = (blocks.min(axis=1) > 0.002) & (blocks.max(axis=1) < 0.998)
    if np.count_nonzero(unclipped) >= 4:
        spread = spread[unclipped]
    chi_quantile = np.sqrt(stats.chi2.ppf(NOISE_QUANTILE, dof) / dof)
    return float(np.quantile(spread, NOISE_QUANTILE) / chi_quantile)


def _binned(image: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """The image averaged over ``factor`` x ``factor`` blocks, and which blocks hold a clipped value (near 0 or 1)."""
    height, width, channels = image.shape
    rows, cols = height // factor, width // factor
    blocks = np.asarray(image[: rows * factor, : cols * factor], dtype=np.float64).reshape(
        rows, factor, cols, factor, channels
    )
    clipped = ((blocks <= 0.002) | (blocks >= 0.998)).any(axis=(1, 3, 4))
    return blocks.mean(axis=(1, 3)), clipped


def _noise_patches(image: np.ndarray, clipped: np.ndarray, size: int, limit: int) -> np.ndarray:
    """Patches of ``size`` x ``size`` x C pixels on a regular grid, at most about ``limit``, one row each.

    The grid step is the smallest that keeps the count under ``limit``, so a
    small image gives every overlapping patch and a large one an even sample;
    no randomness. Patches holding a ``clipped`` pixel are dropped (clipping
    hides noise there); if fewer than ten per dimension remain, the grid is made
    dense, and if still too few remain the clipped ones are kept.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    dims = image.shape[2] * size * size
    windows = sliding_window_view(image, (size, size), axis=(0, 1))  # (rows, cols, C, s, s), no copy
    flags = sliding_window_view(clipped, (size, size))
    step = max(1, int(np.ceil(np.sqrt(windows.shape[0] * windows.shape[1] / limit))))
    for grid_step in dict.fromkeys((step, 1)):
        patches = np.ascontiguousarray(windows[::grid_step, ::grid_step]).reshape(-1, dims)
        keep = ~flags[::grid_step, ::grid_step].any(axis=(2, 3)).ravel()
        if np.count_nonzero(keep) >= 10 * dims:
            return patches[keep]
    return patches


def _noise_floor(covariance: np.ndarray) -> float:
    """The variance shared evenly by the weakest directions of a patch covariance (see :func:`_sigma_pca`)."""
    eigenvalues = np.clip(np.linalg.eigvalsh(covariance), 0.0, None)  # ascending
    for count in range(eigenvalues.size, 0, -1):  # drop the largest until mean <= median
        tail = eigenvalues[:count]
        if tail.mean() <= np.median(tail):
            return float(tail.mean())
    return float(eigenvalues[0])


def _sigma_pca(image: np.ndarray) -> float:
    """Noise spread from the eigenvalues of a patch covariance (patch PCA, after Chen, Zhu and Heng, 2015).

    The image is first averaged over 2x2 blocks (:data:`NOISE_BIN`). Each patch
    of :data:`NOISE_PATCH` x :data:`NOISE_PATCH` of those blocks and all three
    channels is one vector (108 numbers). Image content is redundant: its
    patches vary along a minority of directions, with large, unequal variances,
    while white noise adds the same variance along *every* direction. So, with
    the covariance eigenvalues sorted, the largest are dropped one at a time
    until the rest look like noise alone, that is until their mean no longer
    exceeds their median (equal values have mean = median; content pulls the
    mean up), and that mean is the noise variance of the averaged image.
    Fine texture (grass, gravel), which has no flat region for a flat-block
    estimator to measure, only occupies more of the leading directions, so it
    does not read as noise; taking the channels together helps further, since
    colour channels move together in content and independently in white noise.

    Why the 2x2 average: white noise of standard deviation sigma averages to
    sigma / 2, so ``2 x`` the measured spread is sigma again; noise correlated
    between neighbouring pixels, as after a camera's demosaicing, is weakest
    exactly at the finest scale, where a PCA at full resolution would read it
    (0.1-0.3 of its per-pixel spread on the simulated camera noise). One scale
    coarser the reading is, for such noise, ``2 x`` the spread of its 2x2 means
    in their weakest directions: 0.7-1.4 of the per-pixel spread on the
    simulated data set's photos, 1.2 for white noise blurred by a Gaussian of
    0.8 pixels; the filters' tuned multipliers absorb the factor.
    """
    factor, size = NOISE_BIN, NOISE_PATCH
    height, width, _ = image.shape
    side = pca_min_side()  # enough patch positions (twice the dimensions) for a covariance
    if height < side or width < side:
        raise NoiseInputError(
            f"the 'pca' noise estimator needs an image of at least {side}x{side} pixels, got {height}x{width}"
        )
    binned, clipped = _binned(image, factor)
    patches = _noise_patches(binned, clipped, size, NOISE_MAX_PATCHES)
    return factor * float(np.sqrt(_noise_floor(np.cov(patches, rowvar=False))))


def _sigma_robust(image: np.ndarray) -> float:
    """The ``"blocks"`` estimate, at most :data:`NOISE_PCA_CAP` x the ``"pca"`` estimate.

    Flat blocks measure camera noise (correlated, signal-dependent) more
    faithfully than patch PCA, which reads it 0.5-1.5 x depending on the photo;
    but when no block is flat, as in grass or gravel, the flattest blocks are
    still texture and read far too high, while PCA does not. So the blocks
    decide unless they exceed the PCA reading by more than the cap: a texture
    check, not an average. An image too small for PCA (under 40 pixels a side)
    gets the block estimate alone.
    """
    blocks = _sigma_blocks(image)
    if min(image.shape[:2]) < pca_min_side():
        return blocks
    return min(blocks, NOISE_PCA_CAP * _sigma_pca(image))


#: Noise estimators by name; :data:`DEFAULT_NOISE_METHOD` is the filters' default.
NOISE_ESTIMATORS: dict[str, Callable[[np.ndarray], float]] = {
    "robust": _sigma_robust,
    "pca": _sigma_pca,
    "blocks": _sigma_blocks,
    "wavelet": _sigma_wavelet,
}


def estimate_noise_sigma(image: np.ndarray, method: str = DEFAULT_NOISE_METHOD) -> float:
    """Estimate the noise standard deviation of an RGB image in [0, 1] (one number for all channels).

    * ``"robust"`` (default): ``"blocks"``, capped at :data:`NOISE_PCA_CAP` x
      ``"pca"`` (:func:`_sigma_robust`): the flat-block reading of camera noise,
      unless the image has no flat blocks and texture inflates it.
    * ``"pca"``: patch PCA (:func:`_sigma_pca`). On white noise it reads
      the noise's standard deviation, on flat and on textured images alike
      (within 10 % for sigma 0.01-0.1 on scikit-image's ``grass``, ``gravel``
      and ``brick``); on noise correlated between neighbouring pixels it reads
      twice the spread of the noise's 2x2 means, 0.5-1.5 of the per-pixel
      spread on the simulated camera noise, depending on the photo.
    * ``"blocks"``: the spread in the flattest 8x8 blocks. It reads most of the
      per-pixel spread of correlated noise, but takes fine texture for noise.
    * ``"wavelet"``: scikit-image's ``estimate_sigma``, accurate only on white noise.

    Introduced in ``04_classical_filters.ipynb``.

    Raises:
        NoiseInputError: an unknown method (the message lists the known ones), a
            bad image (not (H, W, 3) floats in [0, 1], NaN), or an image too small for the method.
    """
    try:
        estimator = NOISE_ESTIMATORS[method]
    except KeyError:
        raise NoiseInputError(f"unknown noise estimator {method!r}; known: {', '.join(NOISE_ESTIMATORS)}") from None
    return estimator(check_noisy(image))


def pca_min_side() -> int:
    """Smallest height and width the ``"pca"`` noise estimator accepts (40 pixels with the defaults)."""
    dims = 3 * NOISE_PATCH * NOISE_PATCH
    return NOISE_BIN * (NOISE_PATCH - 1 + int(np.ceil(np.sqrt(2 * dims))))
