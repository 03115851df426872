"""casestudy.evaluation.unseen.scores: the check's scores as rows, summarised and judged against both yardsticks."""

from __future__ import annotations

import os
import types
from pathlib import Path

import pandas as pd
import pytest

from casestudy.evaluation.unseen.check import CheckSize, load_table, notebook_check_dir, results_file, save_table
from casestudy.evaluation.unseen.scores import BLIND, check_summary, network_margins, rows_from_table


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
#: The same with the filters run blind, as notebook 07 and notebook_scores score the check.
WITH_BLIND = TABLE.assign(**{"nlm (blind)": [33.5, 26.5, 34.5], "bm3d (blind)": [34.5, 25.0, 34.0]})


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


def test_margins_against_the_blind_filters_ask_the_quality_bars_question() -> None:
    rows = rows_from_table(WITH_BLIND)
    margins = network_margins(rows, against=BLIND)
    assert margins.columns.tolist() == ["rednet", "pridnet"]  # the blind filters are not networks either
    assert margins.loc["heavy", "rednet"] == pytest.approx(26.0 - 26.5)  # blind NLM is the better one there
    assert margins.loc["light", "pridnet"] == pytest.approx(35.5 - 34.25)
    assert network_margins(rows).loc["heavy", "rednet"] == pytest.approx(26.0 - 28.0)  # true noise by default


def test_every_notebook_of_a_profile_scores_one_check_size() -> None:
    from casestudy.config import get_profile

    assert notebook_check_dir(get_profile("gpu")).name == "unseen-check"  # the check the weights cards report
    assert notebook_check_dir(get_profile("laptop")).name == "unseen-check-256"
    assert notebook_check_dir(get_profile("smoke")).name == "unseen-check-48"


def test_notebook_scores_reuse_a_saved_table_newer_than_check_and_weights_with_blind_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from casestudy.config import get_profile
    from casestudy.evaluation.unseen import check
    from casestudy.evaluation.unseen import scores as unseen_scores

    monkeypatch.setattr("casestudy.config.reports_dir", lambda: tmp_path / "reports")
    check_dir = tmp_path / "unseen-check-48"
    check_dir.mkdir()
    (check_dir / "unseen.json").write_text("{}")
    monkeypatch.setattr(check, "check_for_profile", lambda profile: (check_dir, CheckSize(48, 1)))
    monkeypatch.setattr("casestudy.evaluation.tuning.blind_filters", lambda profile: {"nlm (blind)": None})
    calls: list[dict] = []

    def scored(folder, **options):
        calls.append(options)
        return types.SimpleNamespace(table=WITH_BLIND.head(2))

    monkeypatch.setattr(check, "run_unseen_check", scored)
    monkeypatch.setattr("casestudy.models.network_names", lambda: ("rednet", "pridnet"))
    _old_weights(tmp_path, monkeypatch)
    saved = save_table(WITH_BLIND, results_file(check_dir))
    rows, folder = unseen_scores.notebook_scores(get_profile("smoke"))
    assert folder == check_dir and len(rows) == 3 * 7 and not calls  # reused: 3 pairs of 7 methods

    os.utime(saved, (0, 0))  # older than the check: scored again, with the profile's size and the blind filters
    rows, _ = unseen_scores.notebook_scores(get_profile("smoke"))
    assert len(rows) == 2 * 7 and len(load_table(saved)) == 2
    assert calls == [{"max_images": 1, "blind": {"nlm (blind)": None}}]

    save_table(TABLE, results_file(check_dir))  # newer, but without the blind rows: scored again
    unseen_scores.notebook_scores(get_profile("smoke"))
    assert len(calls) == 2


def test_notebook_scores_add_a_network_the_saved_table_lacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from casestudy.config import get_profile
    from casestudy.evaluation.unseen import check
    from casestudy.evaluation.unseen import scores as unseen_scores

    check_dir = tmp_path / "unseen-check-48"
    check_dir.mkdir()
    (check_dir / "unseen.json").write_text("{}")
    monkeypatch.setattr(check, "check_for_profile", lambda profile: (check_dir, CheckSize(48, 1)))
    monkeypatch.setattr("casestudy.models.network_names", lambda: ("rednet", "pridnet", "nafnet"))
    calls: list[dict] = []

    def scored(folder, **options):
        calls.append(options)
        order = ["scene009_light.png", "astronaut_light.png", "astronaut_heavy.png"]  # another order: joined by file
        scores = {name: [30.0, 31.0, 32.0] for name in options["networks"]}
        return types.SimpleNamespace(table=pd.DataFrame({"file": order, "noisy": [0.0] * 3, **scores}))

    monkeypatch.setattr(check, "run_unseen_check", scored)
    weights = _old_weights(tmp_path, monkeypatch)
    saved = save_table(WITH_BLIND, results_file(check_dir))
    rows, _ = unseen_scores.notebook_scores(get_profile("smoke"))
    assert calls == [{"networks": ["nafnet"], "max_images": 1, "classical": False}]
    assert len(rows) == 3 * 8
    table = load_table(saved)
    assert table["nafnet"].tolist() == [31.0, 32.0, 30.0] and table["noisy"].tolist() == WITH_BLIND["noisy"].tolist()

    # weights newer than the table (the table still newer than the check): the networks alone are scored again
    os.utime(check_dir / "unseen.json", (0, 0))
    os.utime(saved, (5, 5))
    os.utime(weights, (10, 10))
    unseen_scores.notebook_scores(get_profile("smoke"))
    assert len(calls) == 2 and calls[-1]["networks"] == ["rednet", "pridnet", "nafnet"]
    assert load_table(saved)["rednet"].tolist() == [31.0, 32.0, 30.0]  # replaced, not kept


def _old_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every network's weights: one file, older than anything the test writes."""
    weights = tmp_path / "old.keras"
    weights.write_bytes(b"")
    os.utime(weights, (0, 0))
    monkeypatch.setattr("casestudy.models.weights_path", lambda name, *args: weights)
    return weights
