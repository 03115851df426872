"""PSNR, SSIM and MSE under one documented convention.

The original case study computed SSIM with scikit-image's defaults (a 7x7
uniform window) and a data range taken from each *prediction*, so its SSIM
numbers cannot be compared with any paper. Every score in this project goes
through this module instead, with Wang et al. 2004's Gaussian-window SSIM at a
fixed data range (the setting of ``tf.image.ssim``):

* images are float arrays in [0, 1], shape (H, W, C) or (H, W); the two images
  of a pair must have the same shape;
* **PSNR** = 10 log10(1 / MSE) with a fixed data range of 1.0, where MSE is the
  mean over every pixel and channel; identical images score ``inf``;
* **SSIM** uses a Gaussian window with sigma 1.5 (11x11 after truncation at
  3.5 sigma), the population covariance (``use_sample_covariance=False``),
  K1 = 0.01, K2 = 0.03 and a fixed data range of 1.0; each channel is scored
  separately and the channel scores are averaged. The SSIM map is averaged
  over the pixels whose window lies inside the image, so both sides must be at
  least 11 pixels. This matches ``tf.image.ssim(max_val=1.0)`` to about 1e-5.
  It is not SIDD's benchmark script: MATLAB's ``ssim`` on an H x W x 3 array
  treats it as one 3-D volume (a 3-D Gaussian window across the channels), so
  its numbers differ slightly from our per-channel mean.

Inputs are checked before anything is computed: integer images (``uint8``
would silently give PSNR on a 0..255 scale), NaN or infinite values, values
outside [0, 1] by more than :data:`RANGE_TOLERANCE` and mismatched shapes raise
:class:`MetricInputError`, whose message names the problem and the fix. Values
outside [0, 1] by less than the tolerance (rounding in a network's output) are
clipped first, so a score is always the score of a displayable image.
Introduced in ``04_classical_filters.ipynb``.
"""

from __future__ import annotations

import numpy as np

#: How far outside [0, 1] a value may lie before the input is rejected (it is clipped instead).
RANGE_TOLERANCE = 1e-3
#: Data range of every image: [0, 1].
DATA_RANGE = 1.0
#: Standard deviation of SSIM's Gaussian window (Wang et al. 2004).
SSIM_SIGMA = 1.5
#: Side of SSIM's Gaussian window: scikit-image truncates at 3.5 sigma, giving 11 like tf.image and MATLAB.
SSIM_WINDOW = 11


class MetricInputError(ValueError):
    """An image that cannot be scored: wrong dtype, shape, non-finite or out-of-range values."""


def check_image(
    image: np.ndarray,
    name: str = "image",
    *,
    rgb: bool = False,
    dtype: type = np.float64,
    error: type[ValueError] = MetricInputError,
) -> np.ndarray:
    """Validate an image in [0, 1] and return it as ``dtype``, clipped to [0, 1] (C-contiguous).

    The one input check of the project: the metrics call it as it is, the
    classical filters (:mod:`casestudy.filters`) with ``rgb=True``,
    ``dtype=np.float32`` and their own error type.

    Args:
        name: what the image is, for the messages.
        rgb: require shape (H, W, 3) instead of (H, W) or (H, W, C).
        error: the exception raised (a ``ValueError`` subclass).

    Raises:
        MetricInputError (or ``error``): not an array of floats, the wrong number of
            dimensions, empty, NaN or infinite values, or values outside [0, 1]
            beyond :data:`RANGE_TOLERANCE`.
    """
    array = np.asarray(image)
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.number):
        raise error(f"{name}: expected a float image in [0, 1], got dtype {array.dtype}")
    if np.issubdtype(array.dtype, np.integer):
        hint = {np.dtype(np.uint8): "255", np.dtype(np.uint16): "65535"}.get(array.dtype, "its maximum value")
        raise error(
            f"{name}: got an integer image (dtype {array.dtype}); expected floats in [0, 1]: "
            f"scale it by 1/{hint} first (e.g. image.astype(np.float32) / {hint})"
        )
    if np.iscomplexobj(array):
        raise error(f"{name}: complex values cannot be used")
    if rgb and (array.ndim != 3 or array.shape[-1] != 3 or min(array.shape[:2]) < 1):
        raise error(f"{name}: expected shape (H, W, 3), got {array.shape}")
    if array.ndim not in (2, 3) or array.size == 0:
        raise error(f"{name}: expected shape (H, W) or (H, W, C), got {array.shape}")
    array = array.astype(dtype, copy=False)
    if not np.all(np.isfinite(array)):
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise error(f"{name}: {bad} NaN or infinite value(s); expected finite pixels")
    low, high = float(array.min()), float(array.max())
    if low < -RANGE_TOLERANCE or high > 1.0 + RANGE_TOLERANCE:
        hint = " (it looks like 0..255: divide by 255)" if high > 2.0 else " (clip it to [0, 1] first)"
        raise error(f"{name}: values span [{low:.4g}, {high:.4g}], outside [0, 1]{hint}")
    return np.ascontiguousarray(np.clip(array, 0.0, 1.0), dtype=dtype)


def _check_pair(reference: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ref = check_image(reference, "reference")
    out = check_image(test, "test")
    if ref.shape != out.shape:
        raise MetricInputError(f"shape mismatch: reference {ref.shape} vs test {out.shape}")
    return ref, out


def mse(reference: np.ndarray, test: np.ndarray) -> float:
    """Mean squared error over every pixel and channel of two images in [0, 1]."""
    ref, out = _check_pair(reference, test)
    return float(np.mean((ref - out) ** 2))


def psnr(reference: np.ndarray, test: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB with data range 1.0 (``inf`` for identical images).

    Computed on the whole image (all channels pooled), like ``tf.image.psnr``;
    averaging over a data set is done on the dB values.
    """
    error = mse(reference, test)
    if error == 0.0:
        return float("inf")
    return float(10.0 * np.log10(DATA_RANGE**2 / error))


def ssim(reference: np.ndarray, test: np.ndarray) -> float:
    """Structural similarity under the module's convention (Gaussian window, fixed range, channel mean).

    Raises:
        MetricInputError: as :func:`check_image`, or a side shorter than
            :data:`SSIM_WINDOW` pixels (the window would not fit).
    """
    from skimage.metrics import structural_similarity

    ref, out = _check_pair(reference, test)
    if min(ref.shape[:2]) < SSIM_WINDOW:
        raise MetricInputError(
            f"SSIM needs images at least {SSIM_WINDOW}x{SSIM_WINDOW} (its Gaussian window), got {ref.shape[:2]}"
        )
    return float(
        structural_similarity(
            ref,
            out,
            data_range=DATA_RANGE,
            gaussian_weights=True,
            sigma=SSIM_SIGMA,
            use_sample_covariance=False,
            channel_axis=-1 if ref.ndim == 3 else None,
        )
    )
