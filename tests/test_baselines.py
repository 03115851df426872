"""The classical baseline of the network notebooks: computed once, saved, read back, recomputed when stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from casestudy.evaluation.baselines import CLASSICAL_METHODS, classical_rows, evaluated_instances
from casestudy.config import get_profile
from casestudy.data.catalogue import load_catalogue


@pytest.fixture
def reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point reports/ at a temporary folder for both the rows and the tuned settings."""
    monkeypatch.setattr("casestudy.config.reports_dir", lambda: tmp_path)
    monkeypatch.setattr("casestudy.evaluation.tuning.reports_dir", lambda: tmp_path)
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

    monkeypatch.setattr("casestudy.evaluation.evaluate.evaluate", must_not_run)
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


# --------------------------------------------------------------------------- networks


def _identity_rednet(folder: Path) -> Path:
    """A width-2 REDNet whose last layer is zeroed (it returns its input), saved with a card beside it."""
    import numpy as np

    from casestudy.models import build_model
    from casestudy.models.cards import write_card

    model = build_model("rednet", width=2)
    last = [layer for layer in model.layers if layer.weights][-1]
    last.set_weights([np.zeros_like(weight) for weight in last.get_weights()])
    file = folder / "rednet.keras"
    folder.mkdir(parents=True, exist_ok=True)
    model.save(file)
    write_card(file, {"model": "rednet", "width": 2, "parameters": int(model.count_params()), "training": {},
                      "scores": {}, "reproduce": "none: a test fixture"})
    return file


@pytest.fixture(scope="module")
def identity_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("keras")
    return _identity_rednet(tmp_path_factory.mktemp("weights"))


def test_network_rows_are_scored_saved_and_reused(
    smoke_data: Path, reports: Path, identity_weights: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from casestudy.evaluation.baselines import network_rows
    from casestudy.models.cards import read_card, card_path

    profile = get_profile("smoke")
    catalogue = load_catalogue(smoke_data, read_exif=False)
    rows = network_rows(catalogue, smoke_data, profile, ["rednet"], weights={"rednet": identity_weights})
    assert set(rows["method"]) == {"rednet"}
    assert sorted(rows["instance"]) == evaluated_instances(catalogue, profile)
    assert set(rows["parameters"]) == {read_card(card_path(identity_weights))["parameters"]}
    assert (reports / f"rednet-{smoke_data.name}-test.csv").is_file()

    noisy = classical_rows(catalogue, smoke_data, profile)
    noisy = noisy[noisy["method"] == "noisy"].set_index("instance")["psnr"]
    assert rows.set_index("instance")["psnr"].to_dict() == pytest.approx(noisy.to_dict(), abs=1e-4)  # an identity

    def must_not_run(*args, **kwargs):
        raise AssertionError("saved network rows should have been reused")

    monkeypatch.setattr("casestudy.evaluation.evaluate.evaluate", must_not_run)
    again = network_rows(catalogue, smoke_data, profile, ["rednet"], weights={"rednet": identity_weights})
    assert again["psnr"].to_numpy() == pytest.approx(rows["psnr"].to_numpy())


def test_network_rows_of_other_weights_are_not_reused(
    smoke_data: Path, reports: Path, identity_weights: Path
) -> None:
    """Rows whose parameter count differs from the card's (another model saved them) are scored again."""
    from casestudy.evaluation.baselines import network_rows
    from casestudy.evaluation.report import load_rows, save_rows

    profile = get_profile("smoke")
    catalogue = load_catalogue(smoke_data, read_exif=False)
    rows = network_rows(catalogue, smoke_data, profile, ["rednet"], weights={"rednet": identity_weights})
    path = reports / f"rednet-{smoke_data.name}-test.csv"
    save_rows(rows.assign(parameters=rows["parameters"] + 1, psnr=0.0), path)  # a bigger model's rows
    fresh = network_rows(catalogue, smoke_data, profile, ["rednet"], weights={"rednet": identity_weights})
    assert (fresh["psnr"] > 0).all()
    assert (load_rows(path)["psnr"] > 0).all()  # and saved over the stale ones


def test_network_rows_older_than_the_weights_are_not_reused(
    smoke_data: Path, reports: Path, tmp_path: Path
) -> None:
    import os

    from casestudy.evaluation.baselines import network_rows
    from casestudy.evaluation.report import save_rows

    pytest.importorskip("keras")
    weights = _identity_rednet(tmp_path / "fresh")
    profile = get_profile("smoke")
    catalogue = load_catalogue(smoke_data, read_exif=False)
    rows = network_rows(catalogue, smoke_data, profile, ["rednet"], weights={"rednet": weights})
    path = reports / f"rednet-{smoke_data.name}-test.csv"
    save_rows(rows.assign(psnr=0.0), path)
    stamp = weights.stat().st_mtime
    os.utime(path, (stamp - 60, stamp - 60))  # written before the weights changed
    assert (network_rows(catalogue, smoke_data, profile, ["rednet"], weights={"rednet": weights})["psnr"] > 0).all()


def test_comparison_rows_put_the_baseline_before_the_networks(
    smoke_data: Path, reports: Path, identity_weights: Path
) -> None:
    from casestudy.evaluation.baselines import comparison_rows

    profile = get_profile("smoke")
    catalogue = load_catalogue(smoke_data, read_exif=False)
    rows = comparison_rows(catalogue, smoke_data, profile, ["rednet"], weights={"rednet": identity_weights})
    assert list(dict.fromkeys(rows["method"])) == [*CLASSICAL_METHODS, "rednet"]
    assert str(rows["parameters"].dtype) == "Int64"
    assert rows.loc[rows["method"] != "rednet", "parameters"].isna().all()
    assert rows.loc[rows["method"] == "rednet", "parameters"].notna().all()
