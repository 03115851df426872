"""Classical denoisers behind one signature, registered with their parameter grids.

Every filter is ``denoise(noisy, **params) -> denoised`` on a float32 RGB image
(H, W, 3) in [0, 1], returning the same shape and type clipped to [0, 1], so
the evaluation and the search (:mod:`casestudy.evaluation.tuning`) treat them alike. Each
is registered in :data:`FILTERS` under a short name (``gaussian``, ``median``,
``bilateral``, ``wavelet``, ``tv``, ``nlm``, ``bm3d``) with its defaults and two
grids: ``"small"`` for smoke runs, ``"full"`` for a real search on the
validation split. A spec may cap its tuning images (``max_tuning_images``) when
the filter is slow.

NLM, BM3D and the wavelet filter need the noise level, which a blind denoiser
must estimate from the noisy image. :func:`casestudy.noise.estimate.estimate_noise_sigma` defaults to
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
:mod:`casestudy.noise.psd`) it shrinks each frequency by its own noise level;
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
from casestudy.noise.estimate import (
    DEFAULT_NOISE_METHOD, NoiseInputError, estimate_noise_sigma, pca_min_side,
)  # fmt: skip
from casestudy.registry import Registry

#: Grid sizes every filter offers: a few points for smoke runs, a real range for a search.
GRID_SIZES = ("small", "full")
#: Smallest noise level handed to a filter, so a clean (or constant) image never divides by zero.
MIN_SIGMA = 1e-4
class FilterInputError(NoiseInputError):
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


def _sigma(noisy: np.ndarray, method: str) -> float:
    """The noise level a filter uses: ``method``'s estimate, at least :data:`MIN_SIGMA`.

    An image too small for the ``"pca"`` estimator's covariance (under 40x40
    pixels, a thumbnail) gets the ``"blocks"`` estimate instead, so the filters
    still run on it; :func:`estimate_noise_sigma` itself raises for such an image.
    """
    if method == "pca" and min(noisy.shape[:2]) < pca_min_side():
        method = "blocks"
    try:
        return max(estimate_noise_sigma(noisy, method), MIN_SIGMA)
    except NoiseInputError as error:
        raise FilterInputError(str(error)) from None


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
    :func:`casestudy.noise.psd.estimate_noise_kernel` measures it on validation
    residuals) BM3D gets the full noise PSD of that shape and per-pixel spread
    (:func:`casestudy.noise.psd.kernel_to_psd`); without one (``None``) it
    assumes white noise of standard deviation sigma. Camera noise is
    correlated, so the PSD is what the project tunes and uses; white noise then
    needs a sigma inflated two to three times to smooth as much, which blurs detail.
    ``bm3d``'s PSD code calls ``np.trapz``, gone from NumPy 2.4, so the call runs
    inside :func:`casestudy.noise.psd.numpy_for_bm4d`.
    """
    import bm3d as _bm3d

    from casestudy.noise.psd import kernel_to_psd, numpy_for_bm4d

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
        strength_param: the parameter that scales how hard the filter smooths, a factor on the
            estimated noise level (NLM's ``h_factor``, BM3D's ``sigma_factor``): what a user's
            strength dial multiplies; ``None`` for a filter without one.
    """

    name: str
    label: str
    function: Callable[..., np.ndarray]
    defaults: Mapping[str, Any]
    grids: Mapping[str, Mapping[str, Sequence[Any]]]
    max_tuning_images: int | None = None
    strength_param: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))
        if self.strength_param is not None and self.strength_param not in self.defaults:
            raise ValueError(f"filter {self.name!r}: strength_param {self.strength_param!r} is not one of its parameters")
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
        strength_param="sigma_factor",
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
        strength_param="h_factor",
    ),
    FilterSpec(
        "bm3d", "BM3D", bm3d, {"sigma_factor": 1.0, "sigma_method": DEFAULT_NOISE_METHOD, "noise_kernel": None},
        {"small": {"sigma_factor": [1.0, 2.0]}, "full": {"sigma_factor": [0.75, 1.0, 1.25, 1.5, 2.0]}},
        max_tuning_images=4,
        strength_param="sigma_factor",
    ),
):
    register_filter(_spec)
del _spec
