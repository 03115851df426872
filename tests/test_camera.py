"""The camera simulator: its noise must be realistic, not merely present."""

from __future__ import annotations

import json

import numpy as np
import pytest

from casestudy.camera import (
    PHONES,
    CaptureSettings,
    noise_level,
    resimulate_noisy,
    simulate_capture,
    simulate_stages,
)
from casestudy.camera.bayer import demosaic_bilinear, mosaic
from casestudy.camera.noise import NLF_TABLE, add_raw_noise
from casestudy.camera.process import process, process_rgb
from casestudy.camera.settings import exposure_factor, white_balance_gains
from casestudy.camera.unprocess import unprocess, unprocess_rgb


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(1.0 / np.mean((np.asarray(a, np.float64) - b) ** 2)))


def neighbour_correlation(residual: np.ndarray) -> float:
    """Correlation of horizontally adjacent values (per channel, pooled)."""
    left, right = residual[:, :-1], residual[:, 1:]
    left, right = left - left.mean(), right - right.mean()
    return float((left * right).mean() / np.sqrt((left**2).mean() * (right**2).mean()))


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    """A small natural photo (the cat, 96 x 128)."""
    from skimage.transform import resize

    from casestudy.data.scenes import load_scene

    return resize(load_scene("002"), (96, 128), anti_aliasing=True).astype(np.float32)


def normal(phone: str = "GP", iso: float = 800, shutter_s: float = 1 / 50, kelvin: float = 5500) -> CaptureSettings:
    return CaptureSettings.from_metadata(phone, iso, shutter_s, kelvin, "N")


# --- unprocess / process -------------------------------------------------------------------


@pytest.mark.parametrize("phone", sorted(PHONES))
@pytest.mark.parametrize("kelvin", [3200, 5500])
def test_round_trip_without_mosaic_is_within_one_level(scene, phone, kelvin):
    """unprocess -> process (no noise, no mosaic) returns the input to within one 8-bit level
    (the only loss is the final quantisation) wherever highlight protection is not active."""
    settings = normal(phone, iso=100, kelvin=kelvin)
    assert settings.exposure == 1.0
    image = scene * 0.85  # keep linear grey below the highlight-protection knee
    back = process_rgb(unprocess_rgb(image, settings), settings)
    assert np.abs(back - image).max() <= 1 / 255 + 1e-6


def test_round_trip_on_a_full_photo_differs_only_in_rare_highlights(scene):
    settings = normal("S6", iso=100)
    back = process_rgb(unprocess_rgb(scene, settings), settings)
    error = np.abs(back - scene)
    assert np.mean(error <= 1 / 255 + 1e-6) > 0.995
    assert error.max() < 0.1


def test_round_trip_with_mosaic_is_close_on_smooth_images(scene):
    """Bilinear demosaicing loses only fine detail: on a smooth image the round trip is > 40 dB."""
    from scipy.ndimage import gaussian_filter

    smooth = gaussian_filter(scene, (2, 2, 0))
    settings = normal("IP", iso=100)
    assert psnr(process(unprocess(smooth, settings), settings), smooth) > 40


def test_demosaicing_keeps_measured_samples_and_flat_images():
    rng = np.random.default_rng(0)
    raw = rng.uniform(0, 1, (10, 14)).astype(np.float32)
    assert np.array_equal(mosaic(demosaic_bilinear(raw)), raw)
    flat = np.full((9, 11, 3), [0.2, 0.5, 0.7], dtype=np.float32)
    assert np.allclose(demosaic_bilinear(mosaic(flat)), flat, atol=1e-6)


# --- noise level functions -----------------------------------------------------------------


@pytest.mark.parametrize("phone", sorted(NLF_TABLE))
def test_noise_level_is_exact_at_tabulated_isos(phone):
    table = NLF_TABLE[phone]
    for iso, beta1, beta2 in zip(table["iso"], table["beta1"], table["beta2"]):
        assert noise_level(phone, iso) == pytest.approx((beta1, beta2), rel=1e-12)


@pytest.mark.parametrize("phone", sorted(NLF_TABLE))
def test_noise_level_is_monotone_and_interpolates_between_neighbours(phone):
    isos = np.geomspace(25, 25600, 200)
    levels = np.array([noise_level(phone, iso) for iso in isos])
    assert np.all(np.diff(levels, axis=0) >= -1e-15)
    assert np.all(levels > 0)
    table = NLF_TABLE[phone]
    for low, high, b1_low, b1_high in zip(table["iso"], table["iso"][1:], table["beta1"], table["beta1"][1:]):
        beta1 = noise_level(phone, np.sqrt(low * high))[0]
        assert min(b1_low, b1_high) * (1 - 1e-12) <= beta1 <= max(b1_low, b1_high) * (1 + 1e-12)
        assert beta1 == pytest.approx(np.sqrt(b1_low * b1_high), rel=1e-9)  # log-log midpoint


def test_noise_level_extrapolates_shot_noise_in_proportion_to_iso():
    beta1_3200 = noise_level("GP", 3200)[0]
    assert noise_level("GP", 6400)[0] == pytest.approx(2 * beta1_3200)
    assert noise_level("GP", 50)[0] == pytest.approx(noise_level("GP", 100)[0] / 2)


def test_noise_level_rejects_bad_input():
    with pytest.raises(ValueError, match="XX"):
        noise_level("XX", 100)
    with pytest.raises(ValueError, match="ISO"):
        noise_level("GP", 0)


@pytest.mark.parametrize("phone", ["GP", "S6", "N6"])
def test_raw_noise_variance_grows_with_iso(phone):
    """At the same raw signal, measured variance follows beta1 * x + beta2 and rises with ISO."""
    rng = np.random.default_rng(1)
    signal = np.full((200, 200), 0.2, dtype=np.float32)
    variances = []
    for iso in (100, 400, 800, 1600, 3200):
        beta1, beta2 = noise_level(phone, iso)
        measured = float(np.var(add_raw_noise(signal, beta1, beta2, rng) - signal))
        assert measured == pytest.approx(beta1 * 0.2 + beta2, rel=0.05)
        variances.append(measured)
    assert np.all(np.diff(variances) > 0)


@pytest.mark.parametrize("phone,iso", [("GP", 800), ("N6", 3200)])
def test_raw_noise_variance_is_linear_in_signal(phone, iso):
    """A flat ramp through the whole simulator: fitting var vs raw signal recovers (beta1, beta2)."""
    levels = np.linspace(0.1, 0.75, 8, dtype=np.float32)
    ramp = np.repeat(np.repeat(levels, 32)[None, :], 160, axis=0)
    image = np.repeat(ramp[..., None], 3, axis=-1)
    settings = normal(phone, iso=iso)
    stages = simulate_stages(image, settings, np.random.default_rng(2))
    sensor, residual = stages["sensor"], stages["noisy_sensor"] - stages["sensor"]
    means, variances = [], []
    for band in range(len(levels)):
        columns = slice(band * 32 + 6, band * 32 + 26)  # away from the lens blur at band edges
        for rows, cols in ((slice(0, None, 2), slice(0, None, 2)), (slice(0, None, 2), slice(1, None, 2)),
                           (slice(1, None, 2), slice(1, None, 2))):
            block_signal = sensor[:, columns][rows, cols]
            block_noise = residual[:, columns][rows, cols]
            means.append(block_signal.mean())
            variances.append(block_noise.var())
    slope, intercept = np.polyfit(means, variances, 1)
    assert slope == pytest.approx(settings.beta1, rel=0.1)
    assert intercept == pytest.approx(settings.beta2, abs=max(0.25 * settings.beta2, 2e-5))


# --- what the noise looks like in sRGB -----------------------------------------------------


@pytest.mark.parametrize("phone", ["GP", "IP", "S6"])
def test_low_light_is_noisier_than_normal_light(scene, phone):
    low = CaptureSettings.from_metadata(phone, 100, 1 / 100, 5500, "L")
    norm = CaptureSettings.from_metadata(phone, 100, 1 / 100, 5500, "N")
    assert low.exposure < norm.exposure
    gt_low, noisy_low = simulate_capture(scene, low, np.random.default_rng(3))
    gt_norm, noisy_norm = simulate_capture(scene, norm, np.random.default_rng(3))
    assert psnr(noisy_low, gt_low) < psnr(noisy_norm, gt_norm) - 1.0


def test_high_exposure_clips_highlights():
    """H (exposure > 1) brightens the capture and saturates its upper tones; N does not."""
    ramp = np.repeat(np.linspace(0.0, 0.85, 128, dtype=np.float32)[None, :, None], 64, axis=0)
    ramp = np.repeat(ramp, 3, axis=-1)
    high = CaptureSettings.from_metadata("S6", 100, 1 / 60, 3200, "H")
    norm = CaptureSettings.from_metadata("S6", 100, 1 / 60, 3200, "N")
    assert high.exposure > 1.0 >= norm.exposure
    gt_high, _ = simulate_capture(ramp, high, np.random.default_rng(0))
    gt_norm, _ = simulate_capture(ramp, norm, np.random.default_rng(0))
    assert np.mean(gt_norm >= 1.0) == 0
    assert np.mean(gt_high >= 1.0) > 0.1
    assert gt_high.mean() > gt_norm.mean()


def test_noise_is_spatially_correlated_after_demosaicing_only():
    flat = np.full((128, 128, 3), 0.45, dtype=np.float32)
    stages = simulate_stages(flat, normal("GP", iso=1600), np.random.default_rng(4))
    raw_residual = stages["noisy_sensor"] - stages["sensor"]
    srgb_residual = stages["noisy"] - stages["gt"]
    assert abs(neighbour_correlation(raw_residual)) < 0.05
    assert neighbour_correlation(srgb_residual) > 0.2


def test_output_is_quantised_to_8_bits(scene):
    gt, noisy = simulate_capture(scene, normal(), np.random.default_rng(5))
    for image in (gt, noisy):
        assert image.dtype == np.float32 and image.shape == scene.shape
        assert image.min() >= 0 and image.max() <= 1
        assert np.allclose(image * 255, np.round(image * 255), atol=1e-3)


def test_same_seed_same_output_different_seed_different(scene):
    settings = normal()
    first = simulate_capture(scene, settings, np.random.default_rng(7))
    again = simulate_capture(scene, settings, np.random.default_rng(7))
    other = simulate_capture(scene, settings, np.random.default_rng(8))
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert np.array_equal(first[0], other[0])  # the ground truth has no randomness
    assert not np.array_equal(first[1], other[1])


@pytest.mark.parametrize(
    "settings",
    [normal("GP", iso=800), CaptureSettings.from_metadata("IP", 1600, 1 / 2000, 3200, "L"),
     CaptureSettings.from_metadata("S6", 100, 1 / 60, 3200, "H")],
    ids=["GP-N", "IP-L", "S6-H"],
)
def test_resimulated_noise_matches_the_original(scene, settings):
    gt, noisy = simulate_capture(scene, settings, np.random.default_rng(9))
    fresh = resimulate_noisy(gt, settings, np.random.default_rng(10))
    original_std, fresh_std = np.std(noisy - gt), np.std(fresh - gt)
    assert fresh_std == pytest.approx(original_std, rel=0.15)
    assert not np.array_equal(fresh, noisy)
    crop = gt[10:74, 22:110]  # top-left at even coordinates keeps the Bayer phase
    fresh_crop = resimulate_noisy(crop, settings, np.random.default_rng(11))
    assert np.std(fresh_crop - crop) == pytest.approx(np.std((noisy - gt)[10:74, 22:110]), rel=0.15)


def test_simulate_stages_match_simulate_capture(scene):
    settings = normal("N6", iso=400)
    stages = simulate_stages(scene, settings, np.random.default_rng(12))
    gt, noisy = simulate_capture(scene, settings, np.random.default_rng(12))
    assert np.array_equal(stages["gt"], gt) and np.array_equal(stages["noisy"], noisy)
    assert stages["mosaic"].shape == scene.shape[:2]
    for key in ("linear", "camera_rgb", "raw_rgb", "optics", "demosaiced", "color_corrected"):
        assert stages[key].shape == scene.shape


def test_bad_images_are_rejected_with_a_message():
    with pytest.raises(ValueError, match="RGB"):
        simulate_capture(np.zeros((8, 8)), normal(), np.random.default_rng(0))
    with pytest.raises(ValueError, match="integer"):
        simulate_capture(np.zeros((8, 8, 3), dtype=np.uint8), normal(), np.random.default_rng(0))


# --- settings -------------------------------------------------------------------------------


def test_settings_round_trip_through_json():
    settings = CaptureSettings.from_metadata("G4", 320, 1 / 80, 4400, "L")
    data = json.loads(json.dumps(settings.to_dict()))
    assert CaptureSettings.from_dict(data) == settings
    metadata_only = {key: data[key] for key in ("phone", "iso", "shutter_s", "illuminant_k", "brightness")}
    assert CaptureSettings.from_dict(metadata_only) == settings
    with pytest.raises(ValueError, match="unknown"):
        CaptureSettings.from_dict({**data, "colour": 1})
    with pytest.raises(ValueError, match="lack"):
        CaptureSettings.from_dict({"phone": "GP"})


def test_settings_reject_bad_metadata():
    with pytest.raises(ValueError, match="phone"):
        CaptureSettings.from_metadata("XX", 100, 0.01, 5500, "N")
    with pytest.raises(ValueError, match="brightness"):
        CaptureSettings.from_metadata("GP", 100, 0.01, 5500, "X")
    with pytest.raises(ValueError, match="shutter_s"):
        CaptureSettings.from_metadata("GP", 100, 0, 5500, "N")


@pytest.mark.parametrize("phone", sorted(PHONES))
def test_warmer_light_means_smaller_red_and_larger_blue_gain(phone):
    red_warm, blue_warm = white_balance_gains(phone, 3200)
    red_mid, blue_mid = white_balance_gains(phone, 4400)
    red_day, blue_day = white_balance_gains(phone, 5500)
    assert red_warm < red_mid < red_day
    assert blue_warm > blue_mid > blue_day
    assert (red_day, blue_day) == PHONES[phone].daylight_gains


def test_exposure_follows_iso_times_shutter_and_is_clipped():
    base = exposure_factor("GP", 100, 1 / 400, "L")
    assert exposure_factor("GP", 200, 1 / 400, "L") == pytest.approx(2 * base)
    assert exposure_factor("GP", 100, 1 / 200, "L") == pytest.approx(2 * base)
    assert exposure_factor("GP", 100, 10.0, "N") == 1.0
    assert exposure_factor("GP", 1, 1e-6, "L") == pytest.approx(1 / 64)
