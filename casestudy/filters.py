"""Classical denoisers behind one signature, registered with their parameter grids.

Every filter is ``denoise(noisy, **params) -> denoised`` on a float32 RGB image
(H, W, 3) in [0, 1], returning the same shape and type clipped to [0, 1], so
the evaluation and the search (:mod:`casestudy.tuning`) treat them alike. Each
is registered in :data:`FILTERS` under a short name (``gaussian``, ``median``,
``bilateral``, ``wavelet``, ``tv``, ``nlm``, ``bm3d``) with its defaults and two
grids: ``"small"`` for smoke runs, ``"full"`` for a real search on the
validation split. A spec may cap its tuning images (``max_tuning_images``) when
the filter is slow.

NLM, BM3D and the wavelet filter need the noise level, which a blind denoiser
must estimate from the noisy image. :func:`estimate_noise_sigma` defaults to
``"robust"``: the spread in the flattest 8x8 blocks (``"blocks"``), checked
against a patch-PCA estimate (``"pca"``) that fine texture cannot fool. Flat
blocks read camera noise well, but a photo of grass or gravel has no flat block,
and ``"blocks"`` alone then reads the texture as noise (0.076 for a true 0.02 on
scikit-image's ``grass``) and NLM wipes the grass out, 13 dB below the noisy
input. The smaller reading wins (:data:`NOISE_PCA_CAP`). Real camera noise is spatially correlated after
demosaicing; every estimator then reads a stable fraction of the per-pixel
noise, and each filter takes a *multiplier* of the estimate that the search
picks, absorbing that fraction. The ``bm3d`` library is BM3D for *correlated* noise: given the noise's
power spectral density (``noise_kernel``, estimated from validation residuals by
:mod:`casestudy.noise_psd`) it shrinks each frequency by its own noise level;
without one it assumes white noise. :func:`nlm_weights` writes NLM's weights at
one pixel from the formula, for a figure. Introduced in ``04_classical_filters.ipynb``.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from casestudy.metrics import check_image
from casestudy.registry import Registry

#: Grid sizes every filter offers: a few points for smoke runs, a real range for a search.
GRID_SIZES = ("small", "full")
#: Smallest noise level handed to a filter, so a clean (or constant) image never divides by zero.
MIN_SIGMA = 1e-4
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


class FilterInputError(ValueError):
    """An image a filter cannot take, or parameters it does not know; the message says which."""


# --------------------------------------------------------------------------- input and output


def check_noisy(noisy: np.ndarray) -> np.ndarray:
    """Validate a filter input and return it as C-contiguous float32 in [0, 1] (:func:`casestudy.metrics.check_image`).

    Raises:
        FilterInputError: not float, not (H, W, 3), non-finite values, or values
            outside [0, 1] by more than :data:`casestudy.metrics.RANGE_TOLERANCE`.
    """
    return check_image(noisy, "noisy", rgb=True, dtype=np.float32, error=FilterInputError)


def _finish(image: np.ndarray) -> np.ndarray:
    """Every filter's output: float32, clipped to [0, 1]."""
    return np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)


# --------------------------------------------------------------------------- noise level


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
        raise FilterInputError(f"the 'blocks' noise estimator needs at least {b}x{b} pixels, got {height}x{width}")
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
        raise FilterInputError(
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
        FilterInputError: an unknown method (the message lists the known ones), a
            bad image (not (H, W, 3) floats in [0, 1], NaN), or an image too small for the method.
    """
    try:
        estimator = NOISE_ESTIMATORS[method]
    except KeyError:
        raise FilterInputError(f"unknown noise estimator {method!r}; known: {', '.join(NOISE_ESTIMATORS)}") from None
    return estimator(check_noisy(image))


def _sigma(noisy: np.ndarray, method: str) -> float:
    """The noise level a filter uses: ``method``'s estimate, at least :data:`MIN_SIGMA`.

    An image too small for the ``"pca"`` estimator's covariance (under 40x40
    pixels, a thumbnail) gets the ``"blocks"`` estimate instead, so the filters
    still run on it; :func:`estimate_noise_sigma` itself raises for such an image.
    """
    if method == "pca" and min(noisy.shape[:2]) < pca_min_side():
        method = "blocks"
    return max(estimate_noise_sigma(noisy, method), MIN_SIGMA)


def pca_min_side() -> int:
    """Smallest height and width the ``"pca"`` noise estimator accepts (40 pixels with the defaults)."""
    dims = 3 * NOISE_PATCH * NOISE_PATCH
    return NOISE_BIN * (NOISE_PATCH - 1 + int(np.ceil(np.sqrt(2 * dims))))


# --------------------------------------------------------------------------- the filters


def gaussian(noisy: np.ndarray, *, sigma: float = 1.0) -> np.ndarray:
    """Gaussian blur of each channel with standard deviation ``sigma`` pixels (edges reflected)."""
    from scipy import ndimage

    image = check_noisy(noisy)
    return _finish(ndimage.gaussian_filter(image, sigma=(sigma, sigma, 0), mode="reflect"))


def median(noisy: np.ndarray, *, size: int = 3) -> np.ndarray:
    """Median of each channel over a ``size`` x ``size`` square (edges reflected)."""
    from scipy import ndimage

    image = check_noisy(noisy)
    return _finish(ndimage.median_filter(image, size=(int(size), int(size), 1), mode="reflect"))


def bilateral(noisy: np.ndarray, *, sigma_color: float = 0.05, sigma_spatial: float = 2.0) -> np.ndarray:
    """Bilateral filter: a Gaussian blur whose weights also fall with colour distance ``sigma_color``."""
    from skimage.restoration import denoise_bilateral

    image = check_noisy(noisy)
    return _finish(denoise_bilateral(image, sigma_color=sigma_color, sigma_spatial=sigma_spatial, channel_axis=-1))


def wavelet(
    noisy: np.ndarray, *, wavelet: str = "db2", sigma_factor: float = 1.0, sigma_method: str = DEFAULT_NOISE_METHOD
) -> np.ndarray:
    """BayesShrink soft thresholding of the wavelet coefficients, in YCbCr.

    The noise level handed to scikit-image's ``denoise_wavelet`` is
    ``sigma_factor`` x the estimated sigma (``rescale_sigma=True`` carries it
    through the RGB -> YCbCr conversion).
    """
    from skimage.restoration import denoise_wavelet

    image = check_noisy(noisy)
    sigma = sigma_factor * _sigma(image, sigma_method)
    out = denoise_wavelet(
        image,
        sigma=sigma,
        wavelet=wavelet,
        mode="soft",
        method="BayesShrink",
        rescale_sigma=True,
        convert2ycbcr=True,
        channel_axis=-1,
    )
    return _finish(out)


def tv(noisy: np.ndarray, *, weight: float = 0.1) -> np.ndarray:
    """Total-variation denoising (Chambolle's algorithm); larger ``weight`` smooths more."""
    from skimage.restoration import denoise_tv_chambolle

    image = check_noisy(noisy)
    return _finish(denoise_tv_chambolle(image, weight=weight, channel_axis=-1))


def nlm(
    noisy: np.ndarray,
    *,
    h_factor: float = 0.8,
    patch_size: int = 5,
    patch_distance: int = 6,
    sigma_method: str = DEFAULT_NOISE_METHOD,
) -> np.ndarray:
    """Non-Local Means (scikit-image, fast mode) with ``h = h_factor x`` the estimated sigma.

    The estimated sigma is also passed as ``sigma``, so patch distances are
    reduced by the 2 sigma^2 that noise alone adds (see :func:`nlm_weights`).
    """
    from skimage.restoration import denoise_nl_means

    image = check_noisy(noisy)
    sigma = _sigma(image, sigma_method)
    out = denoise_nl_means(
        image,
        patch_size=int(patch_size),
        patch_distance=int(patch_distance),
        h=h_factor * sigma,
        sigma=sigma,
        fast_mode=True,
        channel_axis=-1,
    )
    return _finish(out)


def bm3d(
    noisy: np.ndarray,
    *,
    sigma_factor: float = 1.0,
    sigma_method: str = DEFAULT_NOISE_METHOD,
    noise_kernel: Sequence[Sequence[float]] | np.ndarray | None = None,
) -> np.ndarray:
    """BM3D for colour images (``bm3d.bm3d_rgb``, opponent colour space), for correlated noise.

    The noise level is ``sigma = sigma_factor x`` the estimated sigma. With a
    ``noise_kernel`` (the noise's spatial autocorrelation, 1 at its centre, as
    :func:`casestudy.noise_psd.estimate_noise_kernel` measures it on validation
    residuals) BM3D gets the full noise PSD of that shape and per-pixel spread
    (:func:`casestudy.noise_psd.kernel_to_psd`); without one (``None``) it
    assumes white noise of standard deviation sigma. Camera noise is
    correlated, so the PSD is what the project tunes and uses; white noise then
    needs a sigma inflated two to three times to smooth as much, which blurs detail.
    ``bm3d``'s PSD code calls ``np.trapz``, gone from NumPy 2.4, so the call runs
    inside :func:`casestudy.noise_psd.numpy_for_bm4d`.
    """
    import bm3d as _bm3d

    from casestudy.noise_psd import kernel_to_psd, numpy_for_bm4d

    image = check_noisy(noisy)
    sigma = sigma_factor * _sigma(image, sigma_method)
    noise: float | np.ndarray = sigma if noise_kernel is None else kernel_to_psd(noise_kernel, image.shape[:2], sigma)
    with numpy_for_bm4d():
        return _finish(_bm3d.bm3d_rgb(image.astype(np.float64), sigma_psd=noise))


# --------------------------------------------------------------------------- NLM weights, for the notebook


def nlm_weights(
    image: np.ndarray,
    pixel: tuple[int, int],
    *,
    h: float,
    sigma: float = 0.0,
    patch_size: int = 5,
    patch_distance: int = 6,
) -> np.ndarray:
    """The weights Non-Local Means gives to each pixel q of the search window around ``pixel`` p.

    For an image with C channels, a patch P(p) of ``patch_size`` x ``patch_size``
    pixels centred on p, and the search window of pixels q within
    ``patch_distance`` of p (in each direction)::

        d2(p, q) = mean over the patch pixels and channels of (P(p) - P(q))^2
        w(p, q)  = exp(-max(d2(p, q) - 2 sigma^2, 0) / h^2)

    Two patches of pure noise with standard deviation sigma differ by 2 sigma^2
    on average, so subtracting it makes patches that differ *only by noise*
    weigh 1; ``h`` sets how fast the weight falls for real differences. The
    denoised pixel is the weighted mean sum_q w(p, q) x(q) / sum_q w(p, q).
    Edges are handled by reflecting the image, as scikit-image does.

    Returns:
        An array of shape (2 d + 1, 2 d + 1) with d = ``patch_distance``; entry
        [d + i, d + j] is the weight of the pixel (row + i, col + j), and the
        centre (p itself) weighs exactly 1. The weights are not normalised.

    scikit-image's fast mode computes the same formula with integral images,
    which brings small differences (its patches span ``patch_size - 1`` pixels,
    weights below exp(-5) are dropped, the exponential is approximated and p
    counts twice), so its output agrees with the weighted mean only to about 1e-2.
    Introduced in ``04_classical_filters.ipynb``.

    Raises:
        FilterInputError: a pixel outside the image, a non-positive ``h``, or an
            even or non-positive patch size.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    array = np.asarray(image, dtype=np.float64)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3:
        raise FilterInputError(f"expected an (H, W) or (H, W, C) image, got shape {array.shape}")
    if patch_size < 1 or patch_size % 2 == 0:
        raise FilterInputError(f"patch_size must be a positive odd number, got {patch_size}")
    if patch_distance < 0:
        raise FilterInputError(f"patch_distance must be >= 0, got {patch_distance}")
    if not h > 0:
        raise FilterInputError(f"h must be positive, got {h}")
    row, col = (int(v) for v in pixel)
    height, width = array.shape[:2]
    if not (0 <= row < height and 0 <= col < width):
        raise FilterInputError(f"pixel {pixel} is outside the {height}x{width} image")
    half, d = patch_size // 2, int(patch_distance)
    pad = half + d
    padded = np.pad(array, ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
    # The window of every patch centre q, plus the patch half-width around it.
    region = padded[row : row + 2 * pad + 1, col : col + 2 * pad + 1]
    reference = region[d : d + patch_size, d : d + patch_size]  # P(p), shape (s, s, C)
    patches = sliding_window_view(region, (patch_size, patch_size), axis=(0, 1))  # (2d+1, 2d+1, C, s, s)
    d2 = np.mean((patches - reference.transpose(2, 0, 1)) ** 2, axis=(2, 3, 4))
    return np.exp(-np.maximum(d2 - 2.0 * sigma**2, 0.0) / h**2)


# --------------------------------------------------------------------------- the registry


@dataclasses.dataclass(frozen=True)
class FilterSpec:
    """A registered filter: its function, default parameters and search grids.

    Attributes:
        name: registry key (``"nlm"``).
        label: name for tables and figures (``"Non-Local Means"``).
        function: ``function(noisy, **params) -> denoised``.
        defaults: every parameter the function takes, with its default value.
        grids: ``{"small": {param: values}, "full": {param: values}}``; a grid
            is the Cartesian product of its value lists, the other parameters
            keeping their defaults.
        max_tuning_images: a slow filter searches its grid on at most this many
            of the tuning images (``None``: as many as the profile allows); BM3D,
            about 50 times slower than NLM, uses 4.
    """

    name: str
    label: str
    function: Callable[..., np.ndarray]
    defaults: Mapping[str, Any]
    grids: Mapping[str, Mapping[str, Sequence[Any]]]
    max_tuning_images: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))
        for size in GRID_SIZES:
            if size not in self.grids:
                raise ValueError(f"filter {self.name!r}: missing the {size!r} grid")
            unknown = set(self.grids[size]) - set(self.defaults)
            if unknown:
                raise ValueError(f"filter {self.name!r}: {size!r} grid varies unknown parameters {sorted(unknown)}")
        if self.max_tuning_images is not None and self.max_tuning_images < 1:
            raise ValueError(f"filter {self.name!r}: max_tuning_images must be at least 1, got {self.max_tuning_images}")

    def params(self, **overrides: Any) -> dict[str, Any]:
        """The defaults updated with ``overrides``.

        Raises:
            FilterInputError: a parameter the filter does not take (the message lists those it does).
        """
        unknown = set(overrides) - set(self.defaults)
        if unknown:
            raise FilterInputError(
                f"filter {self.name!r} has no parameter(s) {sorted(unknown)}; it takes {sorted(self.defaults)}"
            )
        return {**self.defaults, **overrides}

    def grid(self, size: str = "small") -> list[dict[str, Any]]:
        """Every parameter setting of the ``"small"`` or ``"full"`` grid, defaults filled in."""
        if size not in GRID_SIZES:
            raise FilterInputError(f"unknown grid {size!r}; choose one of {GRID_SIZES}")
        axes = self.grids[size]
        names = list(axes)
        return [self.params(**dict(zip(names, values))) for values in itertools.product(*axes.values())]

    def __call__(self, noisy: np.ndarray, **params: Any) -> np.ndarray:
        """Run the filter with the defaults updated by ``params``."""
        return self.function(noisy, **self.params(**params))


#: Every classical filter, by name, in the order tables list them.
FILTERS: Registry[FilterSpec] = Registry("filter", FilterInputError)


def register_filter(spec: FilterSpec) -> FilterSpec:
    """Add a filter to :data:`FILTERS` (a name may be registered once)."""
    return FILTERS.register(spec.name, spec)


def get_filter(name: str) -> FilterSpec:
    """The registered filter called ``name``.

    Raises:
        FilterInputError: an unknown name; the message lists the known ones.
    """
    return FILTERS.lookup(name)


def apply_filter(name: str, noisy: np.ndarray, **params: Any) -> np.ndarray:
    """Denoise ``noisy`` with the registered filter ``name`` (defaults updated by ``params``)."""
    return get_filter(name)(noisy, **params)


for _spec in (
    FilterSpec(
        "gaussian", "Gaussian blur", gaussian, {"sigma": 1.0},
        {"small": {"sigma": [0.7, 1.5]}, "full": {"sigma": [0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0]}},
    ),
    FilterSpec(
        "median", "Median", median, {"size": 3},
        {"small": {"size": [3, 5]}, "full": {"size": [3, 5, 7, 9]}},
    ),
    FilterSpec(
        "bilateral", "Bilateral", bilateral, {"sigma_color": 0.05, "sigma_spatial": 2.0},
        {
            "small": {"sigma_color": [0.03, 0.08], "sigma_spatial": [2.0]},
            "full": {"sigma_color": [0.02, 0.03, 0.05, 0.08, 0.12], "sigma_spatial": [1.0, 2.0, 3.0, 4.0]},
        },
    ),
    FilterSpec(
        "wavelet", "Wavelet (BayesShrink)", wavelet, {"wavelet": "db2", "sigma_factor": 1.0, "sigma_method": DEFAULT_NOISE_METHOD},
        {
            "small": {"sigma_factor": [1.0, 2.0]},
            "full": {"wavelet": ["db1", "db2", "sym4"], "sigma_factor": [0.75, 1.0, 1.5, 2.0, 3.0, 4.0]},
        },
    ),
    FilterSpec(
        "tv", "Total variation", tv, {"weight": 0.1},
        {"small": {"weight": [0.05, 0.1]}, "full": {"weight": [0.02, 0.04, 0.06, 0.08, 0.12, 0.16, 0.24, 0.36, 0.5]}},
    ),
    FilterSpec(
        "nlm", "Non-Local Means", nlm,
        {"h_factor": 0.8, "patch_size": 5, "patch_distance": 6, "sigma_method": DEFAULT_NOISE_METHOD},
        {
            "small": {"h_factor": [0.8, 1.3]},
            "full": {
                "h_factor": [0.4, 0.6, 0.8, 1.0, 1.3, 1.7, 2.2, 3.0],
                "patch_size": [5, 7],
                "patch_distance": [6, 9],
            },
        },
    ),
    FilterSpec(
        "bm3d", "BM3D", bm3d, {"sigma_factor": 1.0, "sigma_method": DEFAULT_NOISE_METHOD, "noise_kernel": None},
        {"small": {"sigma_factor": [1.0, 2.0]}, "full": {"sigma_factor": [0.75, 1.0, 1.25, 1.5, 2.0]}},
        max_tuning_images=4,
    ),
):
    register_filter(_spec)
del _spec
