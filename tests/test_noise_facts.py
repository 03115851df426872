"""casestudy.noise.facts: patch distances, NLF readings and the generalised Anscombe transform."""

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage

from casestudy.noise.facts import (
    generalized_anscombe,
    inverse_generalized_anscombe,
    nlf_at_levels,
    nlm_distance_facts,
    patch_distance_stats,
)


def test_white_noise_patches_differ_by_two_sigma_squared():
    noise = np.random.default_rng(0).normal(0, 0.1, (128, 128, 3))
    stats = patch_distance_stats(noise, patch_size=7, pairs=4000)
    assert stats["two_sigma2"] == pytest.approx(0.02, rel=0.02)
    assert stats["ratio"] == pytest.approx(1.0, abs=0.02)
    # d2 is a mean of 147 squared differences of variance 2 sigma^2: its std is 2 sigma^2 sqrt(2 / 147)
    assert stats["std_d2"] == pytest.approx(0.02 * np.sqrt(2 / 147), rel=0.1)


def test_correlated_noise_keeps_the_mean_distance_and_widens_its_spread():
    raw = ndimage.gaussian_filter(np.random.default_rng(1).normal(size=(160, 160, 3)), (1.0, 1.0, 0))
    table = nlm_distance_facts(raw / raw.std() * 0.1, patch_size=7, pairs=4000)
    measured, white = table.set_index("noise").loc["measured"], table.set_index("noise").loc["white"]
    assert measured["ratio"] == pytest.approx(1.0, abs=0.05) and white["ratio"] == pytest.approx(1.0, abs=0.05)
    assert measured["spread_vs_white"] > 1.8 and white["spread_vs_white"] == 1.0


def test_patch_distance_stats_is_seeded_and_checks_input():
    noise = np.random.default_rng(2).normal(size=(40, 40))
    assert patch_distance_stats(noise, 5, 500, seed=3) == patch_distance_stats(noise, 5, 500, seed=3)
    with pytest.raises(ValueError, match="odd"):
        patch_distance_stats(noise, 4)
    with pytest.raises(ValueError, match="cannot hold"):
        patch_distance_stats(noise[:10], 7)


def test_nlf_at_levels_interpolates_and_gives_the_ratio():
    table = pd.DataFrame({"intensity": [0.1, 0.3, 0.5], "std": [0.02, 0.04, 0.01]})
    values, ratio = nlf_at_levels(table, levels=[0.05, 0.2, 0.5])
    assert values.tolist() == pytest.approx([0.02, 0.03, 0.01])
    assert ratio == pytest.approx(3.0)
    with pytest.raises(ValueError, match="'std'"):
        nlf_at_levels(table.drop(columns="std"))


def test_generalized_anscombe_stabilises_poisson_gaussian_variance():
    rng = np.random.default_rng(4)
    beta1, beta2 = 0.01, 1e-4
    raw, stabilised = [], []
    for level in (0.1, 0.3, 0.9):  # the raw spread triples over these levels
        x = level + rng.normal(size=200_000) * np.sqrt(beta1 * level + beta2)
        raw.append(np.std(x))
        stabilised.append(np.std(generalized_anscombe(x, beta1, beta2)))
    assert max(raw) / min(raw) > 2.5
    assert stabilised == pytest.approx([1.0, 1.0, 1.0], rel=0.05)
    values = np.linspace(0, 1, 11)
    assert inverse_generalized_anscombe(generalized_anscombe(values, beta1, beta2), beta1, beta2) == pytest.approx(values)
    assert generalized_anscombe(np.array([5.0]), 1.0, 0.0)[0] == pytest.approx(2 * np.sqrt(5.375))
    with pytest.raises(ValueError, match="beta1"):
        generalized_anscombe(values, 0.0, 0.0)


def test_iso_slope_table_recovers_a_known_slope_per_phone():
    from casestudy.noise.facts import iso_slope_table

    isos = np.array([100, 200, 400, 800, 1600] * 2)
    pairs = pd.DataFrame(
        {
            "iso": np.concatenate([isos, isos]),
            "phone": ["GP"] * 10 + ["IP"] * 10,
            "noisy_psnr": np.concatenate([40 - 3 * np.log2(isos / 100), np.full(10, 35.0)]),
        }
    )
    table = iso_slope_table(pairs).set_index("group")
    assert table.loc["GP", "db_per_doubling"] == pytest.approx(-3.0) and table.loc["GP", "r2"] == pytest.approx(1.0)
    assert table.loc["IP", "db_per_doubling"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc["GP", "model_db_per_doubling"] < -2.5 and table.loc["IP", "model_db_per_doubling"] < -2.5
    assert table.loc["all", "images"] == 20 and table.loc["GP", "iso_max"] == 1600


def test_profile_db_per_iso_doubling_of_shot_noise_flat_and_simulated_profiles() -> None:
    from casestudy.camera.noise import IP_REPORTED, NLF_TABLE, db_per_iso_doubling
    from casestudy.noise.facts import profile_db_per_iso_doubling

    shot = {"iso": [100, 200, 400], "beta1": [1e-3, 2e-3, 4e-3], "beta2": [0.0, 0.0, 0.0]}
    assert profile_db_per_iso_doubling(shot) == pytest.approx(-10 * np.log10(2), abs=1e-9)
    assert profile_db_per_iso_doubling(IP_REPORTED) == pytest.approx(0.0, abs=0.2)
    assert profile_db_per_iso_doubling(NLF_TABLE["S6"]) == pytest.approx(db_per_iso_doubling("S6"), abs=1e-9)
    with pytest.raises(ValueError, match="two distinct ISOs"):
        profile_db_per_iso_doubling({"iso": [100], "beta1": [1e-3], "beta2": [0.0]})
