"""The noise's power spectral density (PSD): estimated from residuals, handed to BM3D.

Real sRGB camera noise is spatially correlated (demosaicing spreads each raw
sample over its neighbours, ``03_eda_pixels.ipynb`` measures it), so a denoiser
that assumes white noise underestimates how much of the low-frequency content
is noise. The ``bm3d`` library (4.0.3) is BM3D for *correlated* noise: instead of
one sigma it takes the noise PSD. This module provides it:

* :func:`estimate_noise_kernel` measures the noise's spatial autocorrelation,
  normalised to 1 at lag 0, from residuals ``noisy - clean`` of some pairs
  (the validation split's, in :mod:`casestudy.evaluation.tuning`); a small
  ``(2r+1) x (2r+1)`` kernel that does not depend on the image size and fits
  in the JSON file of tuned filter settings;
* :func:`kernel_to_psd` turns it into the PSD of an ``H x W`` image with a given
  per-pixel standard deviation, in the normalisation ``bm3d`` expects (white noise
  of standard deviation sigma has the constant PSD ``sigma**2 * H * W``);
* :func:`numpy_for_bm4d` works around ``bm3d``'s call to ``np.trapz``, removed
  in NumPy 2.4 (the library's PSD branch crashes without it); the project does
  not pin an old NumPy for it.

Introduced in ``04_classical_filters.ipynb``.
"""

from __future__ import annotations

import contextlib
import threading
import types
from collections.abc import Iterable, Iterator

import numpy as np

#: Default half-width of the estimated autocorrelation kernel (a 9 x 9 kernel):
#: demosaiced noise decorrelates within 2-3 pixels.
KERNEL_RADIUS = 4
#: PSD values below this fraction of the mean are raised to it: a truncated
#: autocorrelation can dip slightly below zero at some frequencies.
PSD_FLOOR = 1e-3


class NoisePSDError(ValueError):
    """Residuals or a kernel that cannot give a noise PSD; the message says why."""


def _residual_planes(residuals: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    for index, residual in enumerate(residuals):
        array = np.asarray(residual, dtype=np.float64)
        if array.ndim == 2:
            array = array[..., None]
        if array.ndim != 3:
            raise NoisePSDError(f"residual {index}: expected an (H, W) or (H, W, C) array, got shape {array.shape}")
        if not np.all(np.isfinite(array)):
            raise NoisePSDError(f"residual {index}: holds NaN or infinite values")
        for channel in range(array.shape[-1]):
            yield array[..., channel]


def estimate_noise_kernel(residuals: Iterable[np.ndarray], radius: int = KERNEL_RADIUS) -> np.ndarray:
    """Spatial autocorrelation of the noise, lags ``-radius..radius`` in each direction, 1 at lag 0.

    Each residual (``noisy - clean``, (H, W) or (H, W, C)) is centred per channel;
    the autocovariance at every lag is summed over all channels and residuals
    (counting only overlapping pixel pairs, so no wrap-around) and divided by the
    number of pairs, then by the lag-0 value. Mean-free white noise gives a
    kernel near a unit impulse.

    Returns:
        A symmetric float64 ``(2 radius + 1, 2 radius + 1)`` array; entry
        ``[radius + dy, radius + dx]`` is the correlation at lag (dy, dx).

    Raises:
        NoisePSDError: no residuals, a residual smaller than the kernel, bad
            shapes or values, or residuals with no variance.
    """
    radius = int(radius)
    if radius < 0:
        raise NoisePSDError(f"radius must be >= 0, got {radius}")
    size = 2 * radius + 1
    sums = np.zeros((size, size))
    counts = np.zeros((size, size))
    planes = 0
    for plane in _residual_planes(residuals):
        height, width = plane.shape
        if height <= radius or width <= radius:
            raise NoisePSDError(f"a {height}x{width} residual is too small for a kernel of radius {radius}")
        centred = plane - plane.mean()
        shape = (height + radius, width + radius)
        spectrum = np.fft.rfft2(centred, s=shape)
        full = np.fft.irfft2(np.abs(spectrum) ** 2, s=shape)  # linear autocovariance sums, all lags
        lags = np.arange(-radius, radius + 1)
        sums += full[np.ix_(lags % shape[0], lags % shape[1])]
        counts += np.outer(height - np.abs(lags), width - np.abs(lags))
        planes += 1
    if planes == 0:
        raise NoisePSDError("no residuals to estimate the noise kernel from")
    covariance = sums / counts
    if not covariance[radius, radius] > 0:
        raise NoisePSDError("the residuals have no variance (noisy == clean?)")
    kernel = covariance / covariance[radius, radius]
    return 0.5 * (kernel + kernel[::-1, ::-1])  # exactly symmetric


def check_noise_kernel(kernel: object) -> np.ndarray:
    """Validate a noise kernel (e.g. read back from JSON) and return it as a float64 array.

    Raises:
        NoisePSDError: not a square 2-D array of odd side, non-finite, or not 1 at its centre.
    """
    try:
        array = np.asarray(kernel, dtype=np.float64)
    except (TypeError, ValueError):
        raise NoisePSDError(f"a noise kernel must be a square 2-D array of numbers, got {type(kernel).__name__}") from None
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] % 2 == 0:
        raise NoisePSDError(f"a noise kernel must be square with an odd side, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise NoisePSDError("the noise kernel holds NaN or infinite values")
    centre = array.shape[0] // 2
    if not np.isclose(array[centre, centre], 1.0, atol=1e-6):
        raise NoisePSDError(f"a noise kernel is normalised to 1 at its centre, got {array[centre, centre]:.4g}")
    return array


def kernel_to_psd(kernel: object, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """The noise PSD of an ``shape = (H, W)`` image whose noise has per-pixel standard deviation
    ``sigma`` and autocorrelation ``kernel``, normalised as ``bm3d`` expects.

    The kernel is placed at the origin of an H x W grid (negative lags wrap
    around), Fourier transformed, floored at :data:`PSD_FLOOR` of its mean and
    scaled so that its mean is ``sigma**2 * H * W``: a unit impulse gives
    exactly the white-noise PSD of standard deviation sigma.

    Raises:
        NoisePSDError: a bad kernel, or a kernel larger than the image.
    """
    array = check_noise_kernel(kernel)
    height, width = (int(v) for v in shape)
    radius = array.shape[0] // 2
    if array.shape[0] > min(height, width):
        raise NoisePSDError(f"a {array.shape[0]}x{array.shape[0]} noise kernel does not fit a {height}x{width} image")
    grid = np.zeros((height, width))
    lags = np.arange(-radius, radius + 1)
    grid[np.ix_(lags % height, lags % width)] = array
    psd = np.real(np.fft.fft2(grid))
    psd = np.maximum(psd, PSD_FLOOR * psd.mean())
    return psd * (float(sigma) ** 2 * height * width / psd.mean())


def psd_to_kernel(psd: np.ndarray, radius: int = KERNEL_RADIUS) -> np.ndarray:
    """The autocorrelation kernel of a PSD (inverse of :func:`kernel_to_psd` up to the floor and the scale)."""
    covariance = np.real(np.fft.ifft2(np.asarray(psd, dtype=np.float64)))
    height, width = covariance.shape
    lags = np.arange(-radius, radius + 1)
    kernel = covariance[np.ix_(lags % height, lags % width)]
    return kernel / kernel[radius, radius]


def _numpy_with_trapz() -> types.ModuleType:
    """A stand-in for the ``numpy`` module with ``trapz`` restored as ``numpy.trapezoid``."""
    shim = types.ModuleType("numpy_with_trapz", "numpy, plus trapz (removed in NumPy 2.4) for the bm4d library")
    shim.__getattr__ = lambda name: getattr(np, name)  # type: ignore[attr-defined]  # PEP 562 fallback
    shim.trapz = np.trapezoid  # type: ignore[attr-defined]
    return shim


#: One ``bm3d`` call at a time in a process: the package's native code (4.0.3) aborts the whole process
#: (``Threading.cpp: ThreadPool::launchPool: Assertion `_threads.empty()' failed``) when two calls overlap, as
#: they do in a Streamlit server, which runs every session's script, and a rerun, in threads of its own.
_BM3D_LOCK = threading.Lock()


@contextlib.contextmanager
def numpy_for_bm4d() -> Iterator[None]:
    """Run ``bm3d``/``bm4d`` one call at a time, with ``np.trapz`` available inside the ``bm4d`` module only.

    ``bm3d.bm3d_rgb`` with a PSD calls ``bm4d``'s parameter estimation, which uses
    ``np.trapz``; NumPy 2.4 removed it (``np.trapezoid`` is the same function).
    Within the block the ``bm4d`` module sees a ``numpy`` that also has ``trapz``;
    NumPy itself is not changed, and with an older NumPy nothing is replaced. Every
    BM3D call of the package runs inside this block, which holds a lock
    (:data:`_BM3D_LOCK`): a second thread waits for the first.
    """
    import bm4d

    with _BM3D_LOCK:
        if hasattr(np, "trapz") or getattr(bm4d, "np", None) is not np:
            yield
            return
        bm4d.np = _numpy_with_trapz()
        try:
            yield
        finally:
            bm4d.np = np
