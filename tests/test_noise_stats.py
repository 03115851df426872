"""Pixel and noise statistics: known answers on synthetic images."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import uniform_filter1d

import fakes
from casestudy.noise import stats as ns


def _clean(height: int = 64, width: int = 80) -> np.ndarray:
    """A smooth ramp image covering the intensity range, plus a little texture."""
    rows, cols = np.mgrid[0:height, 0:width]
    ramp = (cols / (width - 1))[..., None] * np.array([0.9, 0.8, 0.7]) + 0.05
    texture = 0.02 * np.sin(rows / 3.0)[..., None]
    return np.clip(ramp + texture, 0, 1).astype(np.float32)


def test_channel_stats_of_a_constant_image() -> None:
    image = np.ones((8, 9, 3), np.float32) * np.array([0.1, 0.5, 0.9], np.float32)
    stats = ns.channel_stats(image)
    assert list(stats.index) == ["R", "G", "B"]
    np.testing.assert_allclose(stats["mean"], [0.1, 0.5, 0.9], atol=1e-6)
    np.testing.assert_allclose(stats["std"], 0, atol=1e-6)


def test_residual_sigma_and_psnr_of_known_noise() -> None:
    clean = np.full((200, 200, 3), 0.5, np.float32)
    noisy = clean + np.random.default_rng(1).normal(0, 0.05, clean.shape).astype(np.float32)
    assert ns.noise_sigma(noisy, clean) == pytest.approx(0.05, rel=0.02)
    np.testing.assert_allclose(ns.residual(noisy, clean), noisy - clean, atol=1e-7)
    shifted = clean + 0.1  # MSE 0.01 -> 20 dB
    assert ns.noisy_psnr(shifted, clean) == pytest.approx(20.0, abs=1e-4)
    assert ns.noisy_psnr(clean, clean) == float("inf")
    with pytest.raises(ValueError, match="differ in shape"):
        ns.residual(noisy[:10], clean)


def test_blind_sigma_is_right_for_white_noise_and_low_for_correlated_noise() -> None:
    rng = np.random.default_rng(2)
    clean = np.full((256, 256, 3), 0.5)
    white = rng.normal(0, 0.04, clean.shape)
    assert ns.blind_sigma(clean + white) == pytest.approx(0.04, rel=0.1)
    # Smoothing makes the noise spatially correlated; rescale it back to the same sigma.
    blotchy = uniform_filter1d(uniform_filter1d(white, 3, axis=0), 3, axis=1)
    blotchy *= 0.04 / blotchy.std()
    assert ns.noise_sigma(clean + blotchy, clean) == pytest.approx(0.04, rel=0.02)
    assert ns.blind_sigma(clean + blotchy) < 0.5 * 0.04


def test_noise_level_function_recovers_heteroscedastic_variance() -> None:
    rng = np.random.default_rng(3)
    clean = rng.uniform(0, 1, (300, 300, 3))
    beta1, beta2 = 4e-3, 1e-4
    noisy = clean + rng.normal(0, 1, clean.shape) * np.sqrt(beta1 * clean + beta2)
    table = ns.noise_level_function([clean[:150], clean[150:]], [noisy[:150], noisy[150:]], bins=10)
    assert list(table.columns) == ["intensity", "count", "mean", "variance", "std"]
    assert len(table) == 10 and table["count"].sum() == clean.size
    expected = beta1 * table["intensity"] + beta2
    np.testing.assert_allclose(table["variance"], expected, rtol=0.05)
    np.testing.assert_allclose(table["std"] ** 2, table["variance"])


def test_sparse_bins_are_dropped() -> None:
    clean = np.full((20, 20, 3), 0.5)
    table = ns.noise_level_function([clean], [clean + 0.01], bins=4, min_count=10)
    assert list(table["intensity"]) == [0.625]  # 0.5 falls in the third of four bins
    assert table["variance"].iloc[0] == pytest.approx(0.0, abs=1e-12)


def _brute_force_acf(noise: np.ndarray, dy: int, dx: int) -> float:
    values = []
    for c in range(noise.shape[-1]):
        x = noise[..., c] - noise[..., c].mean()
        h, w = x.shape
        a = x[max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
        b = x[max(0, dy) : h + min(0, dy), max(0, dx) : w + min(0, dx)]
        values.append(np.mean(a * b) / np.mean(x * x))
    return float(np.mean(values))


def test_autocorrelation_matches_brute_force() -> None:
    noise = np.random.default_rng(4).normal(size=(23, 31, 3))
    acf = ns.autocorrelation(noise, max_lag=2)
    assert acf.shape == (5, 5)
    assert acf[2, 2] == pytest.approx(1.0)
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            assert acf[2 + dy, 2 + dx] == pytest.approx(_brute_force_acf(noise, dy, dx), abs=1e-9)


def test_autocorrelation_of_white_and_smoothed_noise() -> None:
    rng = np.random.default_rng(5)
    white = rng.normal(size=(256, 256, 3))
    acf = ns.autocorrelation(white, max_lag=3)
    off_centre = np.delete(acf.ravel(), acf.size // 2)
    assert np.abs(off_centre).max() < ns.white_noise_band(256 * 256) * 1.5
    # A two-tap horizontal average has correlation 1/2 at dx = 1 and none at dx = 2 or vertically.
    pairs = (white[:, 1:] + white[:, :-1]) / 2
    acf = ns.autocorrelation(pairs, max_lag=2)
    assert acf[2, 3] == pytest.approx(0.5, abs=0.02) and acf[2, 1] == pytest.approx(0.5, abs=0.02)
    assert abs(acf[2, 4]) < 0.02 and abs(acf[3, 2]) < 0.02
    table = ns.autocorrelation_table(acf)
    assert len(table) == 25 and table.query("dy == 0 and dx == 1")["correlation"].item() == pytest.approx(acf[2, 3])


def test_autocorrelation_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="max_lag"):
        ns.autocorrelation(np.zeros((4, 4, 3)) + np.arange(4)[:, None, None], max_lag=4)
    with pytest.raises(ValueError, match="constant"):
        ns.autocorrelation(np.zeros((8, 8, 3)), max_lag=1)


def test_iso_bands_are_ordered_and_cover_every_iso() -> None:
    assert ns.iso_band(50) == ns.iso_band(100) == "ISO ≤ 100"
    assert ns.iso_band(101) == "ISO 101–400"
    assert ns.iso_band(3200) == "ISO 1601–3200" and ns.iso_band(10000) == "ISO > 3200"
    assert ns.iso_band(float("nan")) == "unknown"
    bands = ns.iso_bands([3200, 100, 800, None])
    assert list(bands.categories) == ["ISO ≤ 100", "ISO 401–800", "ISO 1601–3200", "unknown"]
    assert bands.ordered


def test_central_crop() -> None:
    image = np.arange(10 * 12).reshape(10, 12)
    crop = ns.central_crop(image, 4)
    assert crop.shape == (4, 4) and crop[0, 0] == image[3, 4]
    assert ns.central_crop(image, 50).shape == (10, 12)


def _catalogue(tmp_path: Path) -> pd.DataFrame:
    rng = np.random.default_rng(6)
    pairs = []
    for index, (iso, phone) in enumerate([(100, "GP"), (100, "S6"), (1600, "GP"), (3200, "IP")]):
        clean = _clean()
        sigma = 0.01 * (1 + iso / 800)
        noisy = np.clip(clean + rng.normal(0, sigma, clean.shape), 0, 1)
        pairs.append({"instance": f"{index:04d}", "scene": f"{index % 2:03d}", "phone": phone, "iso": iso,
                      "brightness": "N", "split": "train", "clean": clean, "noisy": noisy})
    return fakes.write_catalogue(tmp_path, pairs)


def test_survey_measures_every_pair(tmp_path: Path) -> None:
    catalogue = _catalogue(tmp_path)
    survey = ns.survey_pairs(catalogue, bins=8, max_lag=2, min_count=10)
    pairs = survey.pairs
    assert list(pairs["instance"]) == list(catalogue["instance"])
    assert {"noisy_psnr", "sigma", "sigma_blind", "iso_band", "phone"} <= set(pairs.columns)
    by_iso = pairs.groupby("iso")[["sigma", "noisy_psnr"]].mean()  # noise grows with ISO by construction
    assert by_iso["sigma"].is_monotonic_increasing and by_iso["noisy_psnr"].is_monotonic_decreasing
    assert len(survey.channels) == 3 * len(catalogue)
    assert set(survey.channels["channel"]) == {"R", "G", "B"}
    np.testing.assert_allclose(survey.channels["gt_mean"], survey.channels["noisy_mean"], atol=0.01)
    assert len(survey.histograms) == 3 * 8
    assert (survey.histograms.groupby("channel")["count_gt"].sum() == 4 * 64 * 80).all()
    assert list(survey.noise_levels["iso_band"].cat.categories) == ["ISO ≤ 100", "ISO 801–1600", "ISO 1601–3200"]
    assert len(survey.autocorrelation) == 3 * 25
    centre = survey.autocorrelation.query("dx == 0 and dy == 0")["correlation"]
    np.testing.assert_allclose(centre, 1.0)


def test_survey_refuses_an_empty_catalogue() -> None:
    with pytest.raises(ValueError, match="no pairs"):
        ns.survey_pairs(pd.DataFrame(columns=["noisy_path", "clean_path"]))


def test_pick_per_group_is_deterministic() -> None:
    catalogue = pd.DataFrame({"instance": ["0003", "0001", "0002", "0004"], "iso": [800, 800, 100, None]})
    chosen = ns.pick_per_group(catalogue, "iso")
    assert list(chosen["instance"]) == ["0002", "0001"]
    assert list(ns.pick_per_group(catalogue, "iso", values=[800])["instance"]) == ["0001"]
    with pytest.raises(ValueError, match="no 'phone'"):
        ns.pick_per_group(catalogue, "phone")


def test_pair_noise_agrees_with_the_survey(tmp_path: Path) -> None:
    catalogue = _catalogue(tmp_path)
    light = ns.pair_noise(catalogue)
    full = ns.survey_pairs(catalogue, bins=8, max_lag=1, min_count=10).pairs
    pd.testing.assert_frame_equal(light, full)
    assert list(light["iso_band"].cat.categories) == ["ISO ≤ 100", "ISO 801–1600", "ISO 1601–3200"]
    with pytest.raises(ValueError, match="no pairs"):
        ns.pair_noise(catalogue.iloc[:0])


def test_channel_correlation_of_independent_and_shared_noise() -> None:
    rng = np.random.default_rng(7)
    independent = rng.normal(size=(128, 128, 3))
    matrix = ns.channel_correlation(independent)
    assert list(matrix.columns) == ["R", "G", "B"]
    np.testing.assert_allclose(np.diag(matrix), 1.0)
    assert np.abs(matrix.to_numpy() - np.eye(3)).max() < 0.03
    shared = independent + 2 * rng.normal(size=(128, 128, 1))  # the same noise added to every channel
    assert ns.channel_correlation(shared).loc["R", "B"] == pytest.approx(0.8, abs=0.03)
