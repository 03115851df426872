"""Raw -> sRGB: a phone's processing pipeline, the inverse of :mod:`casestudy.camera.unprocess`.

1. gains: white balance (red, blue), the ISP's digital gain, and the extra gain
   that brightens an under-exposed capture; then clip to the white level;
2. bilinear demosaicing (:mod:`casestudy.camera.bayer`);
3. colour correction with the phone's matrix (camera RGB -> linear sRGB), clip;
4. gamma ``x ** (1/2.2)``; the smoothstep tone curve ``3x^2 - 2x^3`` only if
   ``settings.tone_curve`` (off by default: SIDD's sRGB images are gamma
   corrected without tone mapping);
5. 8-bit quantisation, as in the PNG a phone would save.

Every step runs on float32 arrays with NumPy/SciPy vector operations.
"""

from __future__ import annotations

import numpy as np

from casestudy.camera.bayer import apply_site_gains, demosaic_bilinear
from casestudy.camera.phones import get_phone
from casestudy.camera.settings import CaptureSettings
from casestudy.camera.unprocess import GAMMA, apply_matrix


def gamma_compress(image: np.ndarray) -> np.ndarray:
    """Linear -> gamma-encoded: ``x ** (1/2.2)`` (values below 1e-8 are raised to it)."""
    return np.power(np.maximum(image, np.float32(1e-8)), np.float32(1.0 / GAMMA))


def tone_curve(image: np.ndarray) -> np.ndarray:
    """The smoothstep tone curve ``3x^2 - 2x^3`` on [0, 1]."""
    return image * image * (np.float32(3.0) - np.float32(2.0) * image)


def quantize_8bit(image: np.ndarray) -> np.ndarray:
    """Round to the 256 levels of an 8-bit file, kept as float32 multiples of 1/255."""
    return np.round(np.clip(image, 0.0, 1.0) * np.float32(255.0)) / np.float32(255.0)


def _overall_gain(settings: CaptureSettings) -> float:
    return settings.digital_gain * settings.isp_gain


def _finish(rgb: np.ndarray, settings: CaptureSettings, quantize: bool, stages: dict | None) -> np.ndarray:
    """Steps 3-5 on a white-balanced camera-RGB image."""
    linear = apply_matrix(rgb, get_phone(settings.phone).cam2rgb_matrix())
    np.clip(linear, 0.0, 1.0, out=linear)
    srgb = gamma_compress(linear)
    if settings.tone_curve:
        srgb = tone_curve(srgb)
    if quantize:
        srgb = quantize_8bit(srgb)
    if stages is not None:
        stages["color_corrected"] = linear
    return srgb.astype(np.float32, copy=False)


def process(
    sensor: np.ndarray, settings: CaptureSettings, quantize: bool = True, stages: dict | None = None
) -> np.ndarray:
    """Sensor mosaic (H, W) in white-level units -> sRGB (H, W, 3) float32 in [0, 1].

    If ``stages`` is a dict, the intermediate images are stored in it
    (``white_balanced``, ``demosaiced``, ``color_corrected``).
    """
    overall = _overall_gain(settings)
    balanced = apply_site_gains(sensor, settings.red_gain * overall, overall, settings.blue_gain * overall)
    np.clip(balanced, 0.0, 1.0, out=balanced)
    rgb = demosaic_bilinear(balanced)
    if stages is not None:
        stages.update(white_balanced=balanced, demosaiced=rgb)
    return _finish(rgb, settings, quantize, stages)


def process_rgb(
    sensor_rgb: np.ndarray, settings: CaptureSettings, quantize: bool = True
) -> np.ndarray:
    """Like :func:`process`, for a full-colour (H, W, 3) sensor image: no mosaic, no demosaicing.

    This is the exact inverse of :func:`casestudy.camera.unprocess.unprocess_rgb`
    away from highlights and clipping, which is what the round-trip test checks;
    the notebooks use it to show what demosaicing alone changes.
    """
    overall = _overall_gain(settings)
    gains = np.array([settings.red_gain, 1.0, settings.blue_gain], dtype=np.float32) * np.float32(overall)
    balanced = np.clip(np.asarray(sensor_rgb, dtype=np.float32) * gains, 0.0, 1.0)
    return _finish(balanced, settings, quantize, None)
