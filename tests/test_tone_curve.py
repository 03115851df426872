"""The tone curve is a documented option, off by default as in SIDD."""

import dataclasses

import numpy as np
import pytest

from casestudy.camera import CaptureSettings
from casestudy.camera.process import gamma_compress, process_rgb, tone_curve
from casestudy.camera.unprocess import inverse_gamma, inverse_tone_curve, unprocess_rgb


def settings(tone: bool | None = None) -> CaptureSettings:
    if tone is None:
        return CaptureSettings.from_metadata("GP", 100, 1 / 50, 5500, "N")
    return CaptureSettings.from_metadata("GP", 100, 1 / 50, 5500, "N", tone_curve=tone)


def test_default_pipeline_has_no_tone_curve_and_records_it():
    assert settings().tone_curve is False
    assert settings().to_dict()["tone_curve"] is False
    assert CaptureSettings.from_dict(settings(True).to_dict()).tone_curve is True


def test_without_tone_curve_processing_is_plain_gamma():
    """A grey patch through process_rgb: the output is gains -> matrix -> gamma, no smoothstep."""
    s = settings(False)
    grey = np.full((4, 4, 3), 0.3, dtype=np.float32)
    stages: dict = {}
    unprocess_rgb(grey, s, stages)
    assert np.allclose(stages["linear"], 0.3**2.2, rtol=1e-4)  # no inverse smoothstep before the gamma
    on: dict = {}
    unprocess_rgb(grey, settings(True), on)
    assert np.allclose(on["linear"], inverse_tone_curve(np.float32(0.3)) ** 2.2, rtol=1e-4)


@pytest.mark.parametrize("tone", [False, True])
def test_round_trip_holds_with_and_without_tone_curve(tone):
    ramp = np.linspace(0.02, 0.8, 48, dtype=np.float32)
    image = np.stack([ramp, ramp[::-1], np.full_like(ramp, 0.4)], axis=-1)[None].repeat(4, axis=0)
    s = settings(tone)
    back = process_rgb(unprocess_rgb(image, s), s, quantize=False)
    assert np.abs(back - image).max() < 1e-3


def test_tone_curve_changes_the_rendering_of_the_same_raw():
    s_off, s_on = settings(False), settings(True)
    raw = np.full((2, 2, 3), 0.05, dtype=np.float32)
    off = process_rgb(raw, s_off, quantize=False)
    on = process_rgb(raw, s_on, quantize=False)
    assert np.allclose(on, tone_curve(off), atol=1e-6)
    assert not np.allclose(on, off, atol=1e-2)


def test_inverse_tone_curve_inverts_the_curve():
    x = np.linspace(0, 1, 101, dtype=np.float32)
    assert np.allclose(inverse_tone_curve(tone_curve(x)), x, atol=1e-5)
    assert np.allclose(inverse_gamma(gamma_compress(x[1:])), x[1:], atol=1e-5)


def test_settings_without_the_field_default_to_no_tone_curve():
    stored = settings(True).to_dict()
    del stored["tone_curve"]
    assert CaptureSettings.from_dict(stored).tone_curve is False
    assert dataclasses.replace(settings(), tone_curve=True).tone_curve is True
