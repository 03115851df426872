"""The classical baseline of the network notebooks: computed once, saved, read back, recomputed when stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from casestudy.baselines import CLASSICAL_METHODS, classical_rows, evaluated_instances
from casestudy.config import get_profile
from casestudy.data.catalogue import load_catalogue


@pytest.fixture
def reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point reports/ at a temporary folder for both the rows and the tuned settings."""
    monkeypatch.setattr("casestudy.config.reports_dir", lambda: tmp_path)
    monkeypatch.setattr("casestudy.tuning.reports_dir", lambda: tmp_path)
    return tmp_path


def test_rows_are_computed_saved_and_reused(smoke_data: Path, reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = get_profile("smoke")
    catalogue = load_catalogue(smoke_data, read_exif=False)
    rows = classical_rows(catalogue, smoke_data, profile)
    assert list(dict.fromkeys(rows["method"])) == list(CLASSICAL_METHODS)
    assert sorted(rows["instance"].unique()) == evaluated_instances(catalogue, profile)
    assert (reports / f"classical-{smoke_data.name}-test.csv").is_file()
    assert (reports / f"filter_params-{smoke_data.name}.json").is_file()  # tuned on validation, then saved

    def must_not_run(*args, **kwargs):
        raise AssertionError("saved rows should have been reused")

    monkeypatch.setattr("casestudy.evaluate.evaluate", must_not_run)
    again = classical_rows(catalogue, smoke_data, profile)
    assert again[["instance", "method"]].values.tolist() == rows[["instance", "method"]].values.tolist()
    assert again["psnr"].to_numpy() == pytest.approx(rows["psnr"].to_numpy())


def test_rows_for_other_images_are_recomputed(smoke_data: Path, reports: Path) -> None:
    profile = get_profile("smoke")
    catalogue = load_catalogue(smoke_data, read_exif=False)
    rows = classical_rows(catalogue, smoke_data, profile)
    path = reports / f"classical-{smoke_data.name}-test.csv"
    first = rows["instance"].iloc[0]
    path.write_text(rows[rows["instance"] != first].to_csv(index=False))  # a stale file missing one image
    fresh = classical_rows(catalogue, smoke_data, profile)
    assert first in set(fresh["instance"])
