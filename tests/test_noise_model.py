"""The documented noise model: every phone's noise grows with ISO."""

import numpy as np
import pytest

from casestudy.camera.noise import (
    IP_REPORTED,
    NLF_TABLE,
    db_per_iso_doubling,
    iso_proportional_profile,
    noise_level,
    read_noise_slope,
)

#: Shot-noise variance per ISO doubling: 2 in the model; SIDD's measured phones stay within this band.
BETA1_RATIO_BAND = (1.5, 2.5)
#: dB lost per ISO doubling at the reference signal: -3.01 for pure shot noise.
DB_PER_DOUBLING_BAND = (-3.6, -2.0)


@pytest.mark.parametrize("phone", sorted(NLF_TABLE))
def test_shot_noise_roughly_doubles_with_every_iso_doubling(phone):
    isos = np.geomspace(100, 3200, 11)
    ratios = [noise_level(phone, 2 * iso)[0] / noise_level(phone, iso)[0] for iso in isos]
    assert BETA1_RATIO_BAND[0] <= min(ratios) and max(ratios) <= BETA1_RATIO_BAND[1], ratios


@pytest.mark.parametrize("phone", sorted(NLF_TABLE))
def test_every_phone_loses_about_3_db_per_iso_doubling(phone):
    assert DB_PER_DOUBLING_BAND[0] <= db_per_iso_doubling(phone) <= DB_PER_DOUBLING_BAND[1]


def test_iphone_follows_the_iso_proportional_model_anchored_at_its_reported_iso_100():
    assert noise_level("IP", 100) == pytest.approx((IP_REPORTED["beta1"][0], IP_REPORTED["beta2"][0]))
    for iso in (200, 400, 800, 1600, 3200):
        assert noise_level("IP", iso)[0] == pytest.approx(7e-4 * iso / 100, rel=1e-9)
    slope = read_noise_slope()
    assert noise_level("IP", 1600)[1] == pytest.approx(2e-6 * 16**slope, rel=1e-9)
    assert db_per_iso_doubling("IP", signal=10.0) == pytest.approx(-3.0103, abs=0.01)  # shot noise dominates


def test_a_flat_profile_would_fail_the_band():
    """The reported iPhone profile loses no dB with ISO: exactly what the tests above rule out."""
    flat = dict(IP_REPORTED)
    variance = [b1 * 0.1 + b2 for b1, b2 in zip(flat["beta1"], flat["beta2"])]
    slope = -np.polyfit(np.log2(flat["iso"]), 10 * np.log10(variance), 1)[0]
    assert not DB_PER_DOUBLING_BAND[0] <= slope <= DB_PER_DOUBLING_BAND[1]


def test_read_noise_slope_is_the_median_of_the_other_phones_and_clamped():
    assert read_noise_slope(["S6"]) == pytest.approx(0.0, abs=1e-9)  # S6's beta2 is flat
    assert 1.0 < read_noise_slope() < 2.0
    profile = iso_proportional_profile((100, 400), 1e-3, 1e-6, 2.0)
    assert profile["beta1"] == pytest.approx((1e-3, 4e-3))
    assert profile["beta2"] == pytest.approx((1e-6, 16e-6))


def test_db_per_iso_doubling_rejects_bad_input():
    with pytest.raises(ValueError, match="XX"):
        db_per_iso_doubling("XX")
    with pytest.raises(ValueError, match="signal"):
        db_per_iso_doubling("GP", signal=0)
    with pytest.raises(ValueError, match="two ISOs"):
        db_per_iso_doubling("GP", isos=[100])
