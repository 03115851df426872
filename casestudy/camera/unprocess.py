"""sRGB -> raw: undo a phone's processing, step by step (after Brooks et al., 2019).

A finished sRGB photo is turned back into the linear mosaic a sensor would have
recorded, by inverting each processing step in reverse order:

1. tone curve, only if ``settings.tone_curve``: some phones apply a smoothstep
   ``3x^2 - 2x^3`` for contrast; its inverse is ``0.5 - sin(asin(1 - 2x) / 3)``.
   SIDD's sRGB images have no tone mapping, so by default there is none to undo;
2. gamma: sRGB is roughly ``linear ** (1/2.2)``, so raise to 2.2;
3. colour correction: map linear sRGB to the camera's own RGB with the inverse
   of the phone's colour-correction matrix;
4. white balance and digital gain: divide by the gains the phone would apply,
   *protecting highlights*: near-white pixels keep gains closer to 1 so that
   saturated sRGB stays saturated raw instead of turning into a dim, tinted grey;
5. mosaic: keep one colour per pixel through the RGGB filter.

The result is the raw signal of the standard rendering; the exposure model
(:mod:`casestudy.camera.settings`) scales it to the sensor's actual level.
"""

from __future__ import annotations

import numpy as np

from casestudy.camera.bayer import mosaic
from casestudy.camera.phones import get_phone
from casestudy.camera.settings import CaptureSettings

GAMMA = 2.2
#: Linear grey level above which highlight protection starts (Brooks et al. use 0.9).
HIGHLIGHT_INFLECTION = 0.9


def inverse_tone_curve(image: np.ndarray) -> np.ndarray:
    """Undo the smoothstep tone curve ``3x^2 - 2x^3`` on [0, 1]."""
    image = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)
    return np.float32(0.5) - np.sin(np.arcsin(np.float32(1.0) - 2 * image) / np.float32(3.0))


def inverse_gamma(image: np.ndarray) -> np.ndarray:
    """Gamma-encoded -> linear: ``x ** 2.2``."""
    return np.power(np.maximum(image, np.float32(1e-8)), np.float32(GAMMA))


def apply_matrix(image: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a (3, 3) colour matrix to every pixel of an (H, W, 3) image: ``out = M @ pixel``."""
    return np.matmul(image, np.asarray(matrix, dtype=np.float32).T)


def safe_invert_gains(image: np.ndarray, settings: CaptureSettings) -> np.ndarray:
    """Divide by the white-balance and digital gains, easing them towards 1 for near-white pixels."""
    gains = np.array(
        [1.0 / settings.red_gain, 1.0, 1.0 / settings.blue_gain], dtype=np.float32
    ) / np.float32(settings.digital_gain)
    grey = image.mean(axis=-1, keepdims=True)
    weight = np.square(np.maximum(grey - HIGHLIGHT_INFLECTION, 0.0) / (1.0 - HIGHLIGHT_INFLECTION))
    safe = np.maximum(weight + (1.0 - weight) * gains, gains)
    return image * safe.astype(np.float32)


def unprocess_rgb(srgb: np.ndarray, settings: CaptureSettings, stages: dict | None = None) -> np.ndarray:
    """sRGB (H, W, 3) in [0, 1] -> linear camera RGB before white balance (H, W, 3), steps 1-4.

    If ``stages`` is a dict, the intermediate images are stored in it.
    """
    encoded = inverse_tone_curve(srgb) if settings.tone_curve else np.clip(np.asarray(srgb, np.float32), 0.0, 1.0)
    linear = inverse_gamma(encoded)
    camera = apply_matrix(linear, get_phone(settings.phone).rgb2cam_matrix())
    raw_rgb = np.clip(safe_invert_gains(camera, settings), 0.0, 1.0)
    if stages is not None:
        stages.update(linear=linear, camera_rgb=camera, raw_rgb=raw_rgb)
    return raw_rgb


def unprocess(srgb: np.ndarray, settings: CaptureSettings, stages: dict | None = None) -> np.ndarray:
    """sRGB (H, W, 3) in [0, 1] -> RGGB raw mosaic (H, W) of the standard rendering, float32."""
    raw = mosaic(unprocess_rgb(srgb, settings, stages))
    if stages is not None:
        stages["mosaic"] = raw
    return raw
