"""casestudy.evaluation.unseen.scores: the true-noise yardsticks, and the check's scores as rows, summarised and judged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from casestudy.evaluation.unseen.build import LEVELS
from casestudy.metrics import psnr
from casestudy.evaluation.unseen.check import load_table, results_file, save_table
from casestudy.evaluation.unseen.scores import (bm3d_true_noise, check_summary, network_margins, nlm_true_noise,
                                                rows_from_table, score_table, unseen_noise_scores)

def _smooth_image(size: int = 48) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size] / size
    return np.stack([0.2 + 0.6 * x, 0.3 + 0.4 * y, 0.5 + 0.3 * x * y], axis=-1).astype(np.float32)


def test_the_filters_given_the_truth_beat_the_noisy_input() -> None:
    clean = _smooth_image()
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 0.08, clean.shape), 0, 1).astype(np.float32)
    for denoiser in (nlm_true_noise, bm3d_true_noise):
        out = denoiser(noisy, clean)
        assert out.shape == clean.shape
        assert psnr(clean, out) > psnr(clean, noisy) + 3


def test_mismatched_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        nlm_true_noise(_smooth_image(32), _smooth_image(48))


def test_scores_per_level_are_seeded_and_ordered() -> None:
    clean = _smooth_image()
    table = unseen_noise_scores(clean, {}, seed=3, baselines=("nlm_true",))
    assert list(table.index) == [level.name for level in LEVELS]
    assert list(table.columns) == ["noisy", "nlm_true"]
    assert table["noisy"].is_monotonic_decreasing  # light, medium, heavy
    assert (table["nlm_true"] > table["noisy"]).all()
    again = unseen_noise_scores(clean, {}, seed=3, baselines=("nlm_true",))
    assert again.equals(table)
    assert not unseen_noise_scores(clean, {}, seed=4, baselines=()).equals(table[["noisy"]])


def test_unknown_baseline_and_bad_image_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown baseline"):
        unseen_noise_scores(_smooth_image(), {}, seed=0, baselines=("median",))
    with pytest.raises(ValueError):
        unseen_noise_scores(_smooth_image()[..., :2], {}, seed=0)


def test_long_side_downscales_before_the_noise() -> None:
    big = np.repeat(np.repeat(_smooth_image(24), 4, axis=0), 4, axis=1)  # 96 x 96
    small = unseen_noise_scores(big, {}, seed=1, baselines=(), long_side=24)
    assert small.shape == (3, 1)
    assert not small.equals(unseen_noise_scores(big, {}, seed=1, baselines=()))


#: A check's per-pair table as ``casestudy.evaluation.unseen.check.run_unseen_check`` returns it.
TABLE = pd.DataFrame({
    "file": ["astronaut_light.png", "astronaut_heavy.png", "scene009_light.png"],
    "image": ["astronaut", "astronaut", "scene009"],
    "level": ["light", "heavy", "light"],
    "noise_std": [0.02, 0.09, 0.02],
    "noisy": [31.0, 21.0, 32.0],
    "nlm (true sigma)": [34.0, 27.0, 36.0],
    "bm3d (true PSD)": [35.0, 28.0, 35.0],
    "rednet": [33.0, 26.0, 34.0],
    "pridnet": [36.0, 27.0, 35.0],
})  # fmt: skip


def test_rows_are_one_per_pair_and_method_in_the_tables_order() -> None:
    rows = rows_from_table(TABLE)
    assert list(rows.columns) == ["image", "level", "method", "psnr"]
    assert len(rows) == 3 * 5
    assert list(dict.fromkeys(rows["image"])) == ["astronaut_light", "astronaut_heavy", "scene009_light"]
    assert set(rows["level"]) == {"light", "heavy"}
    scene = rows[(rows["image"] == "scene009_light") & (rows["method"] == "nlm (true sigma)")]
    assert scene["psnr"].tolist() == [36.0]


@pytest.mark.parametrize("drop", [["level"], ["noisy", "nlm (true sigma)", "bm3d (true PSD)", "rednet", "pridnet"]])
def test_rows_refuse_a_table_that_is_not_a_check_table(drop: list[str]) -> None:
    with pytest.raises(ValueError, match="not a check table"):
        rows_from_table(TABLE.drop(columns=drop))


def test_summary_is_per_level_light_to_heavy_then_all() -> None:
    summary = check_summary(rows_from_table(TABLE))
    assert summary.index.tolist() == ["light", "heavy", "all"]
    assert summary.loc["light", "noisy"] == pytest.approx(31.5)
    assert summary.loc["all", "bm3d (true PSD)"] == pytest.approx((35 + 28 + 35) / 3)
    assert summary.columns.tolist()[:3] == ["noisy", "nlm (true sigma)", "bm3d (true PSD)"]


def test_margins_are_against_the_better_classical_filter() -> None:
    margins = network_margins(rows_from_table(TABLE))
    assert margins.columns.tolist() == ["rednet", "pridnet"]
    assert margins.loc["light", "pridnet"] == pytest.approx(35.5 - 35.0)  # NLM 35.0, BM3D 35.0 on average
    assert margins.loc["heavy", "rednet"] == pytest.approx(26.0 - 28.0)  # BM3D is the better one there


def test_margins_need_both_classical_filters() -> None:
    rows = rows_from_table(TABLE)
    with pytest.raises(ValueError, match="bm3d"):
        network_margins(rows[rows["method"] != "bm3d (true PSD)"])


def test_scoring_needs_a_built_check(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="casestudy data unseen"):
        score_table(tmp_path)


def test_notebook_check_is_full_size_only_where_the_profile_affords_it() -> None:
    from casestudy.config import get_profile
    from casestudy.evaluation.unseen.scores import notebook_check_dir

    assert notebook_check_dir(get_profile("gpu")).name == "unseen-check"  # the check the weights cards report
    assert notebook_check_dir(get_profile("laptop")).name == "unseen-check-160px"
    assert notebook_check_dir(get_profile("smoke")).name == "unseen-check-48px"


def test_notebook_scores_reuse_saved_scores_newer_than_check_and_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from casestudy.evaluation.unseen import scores as unseen_scores
    from casestudy.config import get_profile

    monkeypatch.setattr("casestudy.config.data_root", lambda: tmp_path / "data")
    monkeypatch.setattr("casestudy.config.reports_dir", lambda: tmp_path / "reports")
    profile = get_profile("smoke")
    check_dir = unseen_scores.notebook_check_dir(profile)
    (check_dir).mkdir(parents=True)
    (check_dir / "unseen.json").write_text("{}")
    saved = save_table(TABLE, results_file(check_dir))

    def must_not_run(*args, **kwargs):
        raise AssertionError("the saved scores should have been reused")

    monkeypatch.setattr(unseen_scores, "score_table", must_not_run)
    rows, folder = unseen_scores.notebook_scores(profile)
    assert folder == check_dir and len(rows) == 15

    os.utime(saved, (0, 0))  # older than the check: scored again
    monkeypatch.setattr(unseen_scores, "score_table", lambda *a, **k: TABLE.head(2))
    rows, _ = unseen_scores.notebook_scores(profile)
    assert len(rows) == 2 * 5 and len(load_table(saved)) == 2  # 2 pairs of 5 methods each, saved as the check's table
