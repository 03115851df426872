"""Clean sRGB photo -> (ground truth, noisy) capture, the way a phone would take it.

The clean photo is unprocessed to linear camera RGB of the standard rendering
(:mod:`casestudy.camera.unprocess`), blurred slightly by the lens
(:mod:`casestudy.camera.optics`), sampled through the RGGB filter, scaled to the
sensor's signal level by the exposure model and saturated at the white level
(:mod:`casestudy.camera.settings`).
That *sensor* mosaic is processed twice (:mod:`casestudy.camera.process`):

* as it is, giving the ground truth (the scene through the same pipeline, no noise);
* with shot + read noise drawn from the phone's noise level function at the
  capture's ISO (:mod:`casestudy.camera.noise`), giving the noisy image.

Both are quantised to 8 bits. :func:`resimulate_noisy` starts from a saved
ground truth instead, so training can see a fresh noise draw every epoch.
"""

from __future__ import annotations

import numpy as np

from casestudy.camera.bayer import mosaic
from casestudy.camera.noise import add_raw_noise
from casestudy.camera.optics import optical_blur
from casestudy.camera.process import process
from casestudy.camera.settings import CaptureSettings
from casestudy.camera.unprocess import unprocess, unprocess_rgb


def _as_rgb(image: np.ndarray, what: str) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"{what}: expected an (H, W, 3) RGB image, got shape {image.shape}")
    if image.shape[0] < 2 or image.shape[1] < 2:
        raise ValueError(f"{what}: image of shape {image.shape} is smaller than one 2x2 Bayer cell")
    if np.issubdtype(image.dtype, np.integer):
        raise ValueError(f"{what}: expected floats in [0, 1], got integer dtype {image.dtype}")
    return np.clip(image.astype(np.float32, copy=False), 0.0, 1.0)


def _expose(raw: np.ndarray, settings: CaptureSettings) -> np.ndarray:
    """Standard-rendering raw -> sensor signal: scale by the exposure, saturate at white."""
    return np.minimum(raw * np.float32(settings.exposure), np.float32(1.0))


def _scene_raw(clean: np.ndarray, settings: CaptureSettings, stages: dict | None = None) -> np.ndarray:
    """Clean sRGB -> lens-blurred raw mosaic of the standard rendering."""
    blurred = optical_blur(unprocess_rgb(clean, settings, stages))
    raw = mosaic(blurred)
    if stages is not None:
        stages.update(optics=blurred, mosaic=raw)
    return raw


def _noisy_sensor(sensor: np.ndarray, settings: CaptureSettings, rng: np.random.Generator) -> np.ndarray:
    return np.minimum(add_raw_noise(sensor, settings.beta1, settings.beta2, rng), np.float32(1.0))


def simulate_stages(
    clean_srgb: np.ndarray, settings: CaptureSettings, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Every intermediate image of one simulated capture, in pipeline order.

    Keys: ``clean``; unprocessing ``linear``, ``camera_rgb``, ``raw_rgb``; the lens
    ``optics``; the colour filter ``mosaic``; the sensor ``sensor`` (exposed,
    noise-free) and ``noisy_sensor``; processing of the noisy mosaic
    ``white_balanced``, ``demosaiced``, ``color_corrected``, ``noisy``; and the
    ground truth ``gt``. Mosaics are (H, W), the rest (H, W, 3).
    """
    clean = _as_rgb(clean_srgb, "simulate_stages")
    stages: dict[str, np.ndarray] = {"clean": clean}
    sensor = _expose(_scene_raw(clean, settings, stages), settings)
    noisy_sensor = _noisy_sensor(sensor, settings, rng)
    stages.update(sensor=sensor, noisy_sensor=noisy_sensor)
    stages["noisy"] = process(noisy_sensor, settings, stages=stages)
    stages["gt"] = process(sensor, settings)
    return stages


def simulate_capture(
    clean_srgb: np.ndarray, settings: CaptureSettings, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate one capture of a clean sRGB photo: ``(gt_srgb, noisy_srgb)``.

    Args:
        clean_srgb: float (H, W, 3) in [0, 1]; odd sizes work, even ones keep
            whole Bayer cells.
        settings: the capture's metadata and derived numbers.
        rng: the only source of randomness (the noise draw).

    Returns:
        Two float32 (H, W, 3) images in [0, 1], quantised to multiples of 1/255.
    """
    clean = _as_rgb(clean_srgb, "simulate_capture")
    sensor = _expose(_scene_raw(clean, settings), settings)
    gt = process(sensor, settings)
    noisy = process(_noisy_sensor(sensor, settings, rng), settings)
    return gt, noisy


def resimulate_noisy(gt_srgb: np.ndarray, settings: CaptureSettings, rng: np.random.Generator) -> np.ndarray:
    """A fresh noisy version of a simulated ground truth (or of a crop of it).

    The ground truth is unprocessed with the same settings, which recovers the
    sensor mosaic up to 8-bit rounding (bilinear demosaicing keeps each measured
    sample, and the crop's top-left corner must sit at even coordinates so the
    RGGB phase is unchanged); a new noise draw is added and processed back.
    """
    gt = _as_rgb(gt_srgb, "resimulate_noisy")
    rendered = unprocess(gt, settings)
    sensor = np.minimum(rendered / np.float32(settings.isp_gain), np.float32(1.0))
    return process(_noisy_sensor(sensor, settings, rng), settings)
