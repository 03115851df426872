"""The one scoring loop: known outputs give known rows, reused rows are not recomputed, bad outputs name the method."""

from __future__ import annotations

import numpy as np
import pytest

from casestudy.evaluation.scoring import Pair, dark_shift, on_noisy, score_output, score_pairs, wide_table
from casestudy.metrics import MetricInputError, psnr


def _pair(name: str, value: float, noise: float = 0.1) -> Pair:
    clean = np.full((16, 16, 3), value, np.float32)
    noisy = clean.copy()
    noisy[::2] += noise  # half the rows off by `noise`
    return Pair({"image": name, "level": "light"}, noisy, clean)


def test_rows_come_pairs_outer_methods_inner_with_the_scores_of_each_output() -> None:
    pairs = [_pair("a", 0.3), _pair("b", 0.5)]
    rows = list(score_pairs(pairs, {"noisy": lambda pair: pair.noisy, "clean": lambda pair: pair.clean,
                                    "half": lambda pair: (pair.noisy + pair.clean) / 2}))  # fmt: skip
    assert [(row["image"], row["method"]) for row in rows] == [
        ("a", "noisy"), ("a", "clean"), ("a", "half"), ("b", "noisy"), ("b", "clean"), ("b", "half")]  # fmt: skip
    # half the pixels off by 0.1: MSE 0.005, 10 log10(1 / 0.005) = 23.01 dB; halving the error adds 6.02 dB
    assert rows[0]["psnr"] == pytest.approx(10 * np.log10(1 / 0.005), abs=1e-3)
    assert np.isinf(rows[1]["psnr"])
    assert rows[2]["psnr"] - rows[0]["psnr"] == pytest.approx(20 * np.log10(2), abs=1e-3)
    assert set(rows[0]) == {"image", "level", "method", "psnr"}


def test_a_method_that_writes_into_its_input_spoils_nothing_for_the_next() -> None:
    def vandal(pair: Pair) -> np.ndarray:
        pair.noisy[:] = 0.0
        return pair.noisy

    pair = _pair("a", 0.3)
    rows = list(score_pairs([pair], {"vandal": vandal, "noisy": lambda p: p.noisy}))
    assert rows[1]["psnr"] == pytest.approx(psnr(pair.clean, pair.noisy))
    assert pair.noisy.max() > 0.3  # the caller's array too


def test_timed_rows_warm_each_method_up_once_untimed() -> None:
    calls: list[str] = []
    runner = on_noisy(lambda noisy: calls.append("x") or noisy)
    rows = list(score_pairs([_pair("a", 0.3), _pair("b", 0.4)], {"m": runner}, timed=True))
    assert len(calls) == 3  # one warm-up, then one call per pair
    assert all(row["seconds"] >= 0 for row in rows)


def test_known_rows_are_yielded_instead_of_running_the_method() -> None:
    def never(pair: Pair) -> np.ndarray:
        raise AssertionError("a reused row must not run its method")

    known = {("a", "light", "slow"): {"image": "a", "level": "light", "method": "slow", "psnr": 12.5}}
    seen: list[dict] = []
    rows = list(score_pairs([_pair("a", 0.3)], {"slow": never, "noisy": lambda p: p.noisy}, known=known,
                            on_row=seen.append))  # fmt: skip
    assert rows[0]["psnr"] == 12.5 and rows[1]["method"] == "noisy" and seen == rows


def test_true_sigma_is_the_given_one_else_the_spread_of_the_noise() -> None:
    pair = _pair("a", 0.3, noise=0.1)
    assert pair.sigma == pytest.approx(0.05, abs=1e-6)  # half the pixels at +0.1: std 0.05
    assert Pair(pair.keys, pair.noisy, pair.clean, noise_sigma=0.2).sigma == 0.2


def test_bad_outputs_name_the_method_and_the_pair() -> None:
    pair = _pair("a", 0.3)
    with pytest.raises(ValueError, match=r"method 'crop' returned shape \(8, 16, 3\) for a/light"):
        score_output("crop", pair, pair.noisy[:8])
    with pytest.raises(MetricInputError, match="method 'nan' on scene-7"):
        score_output("nan", Pair({}, pair.noisy, pair.clean, label="scene-7"), np.full_like(pair.clean, np.nan))
    with pytest.raises(KeyError, match="unknown metric"):
        list(score_pairs([pair], {"noisy": lambda p: p.noisy}, metrics=("psnr", "lpips")))


def test_wide_table_has_one_row_per_pair_and_one_column_per_method_in_order() -> None:
    rows = list(score_pairs([_pair("b", 0.3), _pair("a", 0.5)], {"z": lambda p: p.clean, "noisy": lambda p: p.noisy}))
    table = wide_table(rows, ["image", "level"])
    assert list(table.columns) == ["image", "level", "z", "noisy"]
    assert list(table["image"]) == ["b", "a"] and np.isinf(table["z"]).all()
    assert list(wide_table([], ["image"]).columns) == ["image"]


def test_dark_shift_measures_the_mean_change_over_dark_pixels_only() -> None:
    clean = np.full((8, 8, 3), 0.5, np.float32)
    clean[:4] = 0.05  # the dark half
    output = clean.copy()
    output[:4] -= 2 / 255  # darker by 2 levels in the dark
    output[4:] += 10 / 255  # a bright change does not count
    assert dark_shift(clean, output) == pytest.approx(-2.0, abs=1e-4)
    assert np.isnan(dark_shift(np.full((4, 4, 3), 0.9, np.float32), np.zeros((4, 4, 3), np.float32)))
