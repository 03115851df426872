"""casestudy.evaluation.tuning: the grid search finds the right point, tuning uses the right split, settings round-trip."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fakes
from casestudy.evaluation import tuning
from casestudy.config import get_profile, reports_dir
from casestudy.filters import FILTERS, FilterSpec
from casestudy.evaluation.tuning import (
    TuningWarning,
    load_filter_params,
    save_filter_params,
    search_filter_params,
    spread_over_scenes,
    tune_filters,
)

SMOKE = dataclasses.replace(get_profile("smoke"), filter_search="small", tuning_max_images=2)


def flat_pair(seed: int, level: float = 0.5, sigma: float = 0.1, shape=(32, 48, 3)) -> tuple[np.ndarray, np.ndarray]:
    """(noisy, clean): a flat grey image and a seeded noisy copy, float32."""
    clean = np.full(shape, level, np.float32)
    noisy = np.clip(clean + np.random.default_rng(seed).normal(0, sigma, shape), 0, 1).astype(np.float32)
    return noisy, clean


def write_catalogue(root: Path, splits: dict[str, str], per_scene: int = 1) -> pd.DataFrame:
    """Tiny flat noisy/clean PNG pairs under ``root``, a grey level per scene, and their catalogue."""
    pairs = []
    for s, (scene, split) in enumerate(splits.items()):
        for k in range(per_scene):
            noisy, clean = flat_pair(seed=10 * s + k, level=0.3 + 0.1 * s)
            pairs.append({"instance": f"{scene}-{k}", "scene": scene, "split": split, "clean": clean, "noisy": noisy,
                          "phone": "GP", "camera": "Google Pixel", "iso": 800.0, "shutter_s": 0.01, "brightness": "N"})
    return fakes.write_catalogue(root, pairs).sort_values("instance").reset_index(drop=True)


# --------------------------------------------------------------------------- the search


def _shift(noisy: np.ndarray, *, offset: float = 0.0) -> np.ndarray:
    return np.clip(noisy - offset, 0, 1).astype(np.float32)


@pytest.fixture
def shift_filter(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fake filter that subtracts ``offset``: on pairs with noisy = clean + 0.1, offset 0.1 is clearly right."""
    spec = FilterSpec(
        "shift", "Shift", _shift, {"offset": 0.0},
        {"small": {"offset": [0.0, 0.05, 0.1, 0.15]}, "full": {"offset": [0.0, 0.1]}},
    )
    monkeypatch.setitem(FILTERS, "shift", spec)
    return "shift"


def test_search_picks_the_clearly_right_point(shift_filter) -> None:
    clean = np.full((16, 16, 3), 0.4, np.float32)
    pairs = [(clean + 0.1, clean), (clean * 0.5 + 0.1, clean * 0.5)]
    best, table = search_filter_params(shift_filter, pairs, grid="small")
    assert best == {"offset": 0.1}
    assert list(table.columns) == ["offset", "psnr", "seconds", "extension", "best"]
    assert table["best"].tolist() == [False, False, True, False]
    assert table["psnr"].iloc[2] > 60 and table["psnr"].iloc[1] == pytest.approx(26.02, abs=0.01)


def test_search_on_a_real_filter_prefers_strong_smoothing_of_a_flat_image() -> None:
    pairs = [flat_pair(seed) for seed in range(2)]
    best, table = search_filter_params("gaussian", pairs, grid="full", max_extensions=0)
    assert best == {"sigma": max(FILTERS["gaussian"].grids["full"]["sigma"])}
    assert table["psnr"].is_monotonic_increasing
    assert len(table) == len(FILTERS["gaussian"].grid("full"))
    assert table.attrs["extended"] == {}


def test_an_optimum_on_the_edge_extends_the_grid_and_says_so() -> None:
    """On a flat image more blur is always better: the search walks past 4.0 at the grid's last ratio."""
    pairs = [flat_pair(seed) for seed in range(2)]
    best, table = search_filter_params("gaussian", pairs, grid="full")
    assert table.attrs["extended"] == {"sigma": [5.71, 8.15, 11.6]}  # 4.0 / 2.8 = 1.43 per step
    assert best == {"sigma": 11.6}
    assert table["extension"].tolist()[-3:] == [1, 2, 3]
    assert (table["extension"] == 0).sum() == len(FILTERS["gaussian"].grid("full"))
    assert table["best"].tolist()[-1]


def test_extension_stops_once_the_optimum_is_inside(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = FilterSpec("shift", "Shift", _shift, {"offset": 0.0}, {"small": {"offset": [0.0]}, "full": {"offset": [0.02, 0.04]}})
    monkeypatch.setitem(FILTERS, "shift", spec)
    clean = np.full((16, 16, 3), 0.4, np.float32)
    best, table = search_filter_params("shift", [(clean + 0.1, clean)], grid="full")
    assert table.attrs["extended"] == {"offset": [0.08, 0.16]}  # 0.16 is worse than 0.08: stop there
    assert best == {"offset": 0.08}
    small_best, small = search_filter_params("shift", [(clean + 0.1, clean)], grid="small")
    assert len(small) == 1 and small.attrs["extended"] == {}  # small grids never extend


def test_step_beyond_keeps_integers_positive_and_odd_sizes_odd() -> None:
    assert tuning._step_beyond(7, 5) == 9 and tuning._step_beyond(9, 6) == 12
    assert tuning._step_beyond(5, 7) == 3 and tuning._step_beyond(1, 3) is None
    assert tuning._step_beyond(0.4, 0.6) == pytest.approx(0.267)
    assert tuning._step_beyond(0.0, 0.1) is None


def test_search_holds_fixed_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    def recording(noisy: np.ndarray, *, k: int = 0, tag: str = "") -> np.ndarray:
        seen.append(tag)
        return noisy

    spec = FilterSpec("rec", "Rec", recording, {"k": 0, "tag": ""}, {"small": {"k": [0, 1]}, "full": {"k": [0]}})
    monkeypatch.setitem(FILTERS, "rec", spec)
    best, _ = search_filter_params("rec", [flat_pair(0)], grid="small", fixed={"tag": "x"})
    assert seen == ["x", "x"] and best["tag"] == "x"
    with pytest.raises(ValueError, match="no parameter"):
        search_filter_params("rec", [flat_pair(0)], fixed={"nope": 1})


def test_search_keeps_the_first_of_equal_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = FilterSpec("same", "Same", lambda noisy, *, k=0: noisy, {"k": 0}, {"small": {"k": [2, 1]}, "full": {"k": [0]}})
    monkeypatch.setitem(FILTERS, "same", spec)
    best, _ = search_filter_params("same", [flat_pair(0)], grid="small")
    assert best == {"k": 2}


@pytest.mark.parametrize(
    ("name", "pairs", "grid", "message"),
    [
        ("gaussian", [], "small", "no \\(noisy, clean\\) pairs"),
        ("gaussian", [(np.zeros((8, 8, 3), np.float32), np.zeros((8, 9, 3), np.float32))], "small", "differ in shape"),
        ("gausian", [flat_pair(0)], "small", "unknown filter 'gausian'.*gaussian"),
        ("gaussian", [flat_pair(0)], "medium", "unknown grid 'medium'"),
    ],
)
def test_search_errors(name, pairs, grid, message) -> None:
    with pytest.raises(ValueError, match=message):
        search_filter_params(name, pairs, grid=grid)


# --------------------------------------------------------------------------- choosing images


def test_spread_over_scenes_takes_scenes_in_turn() -> None:
    frame = pd.DataFrame({"scene": ["b", "a", "a", "c", "a", "c"], "instance": ["b0", "a2", "a0", "c1", "a1", "c0"]})
    assert spread_over_scenes(frame, 4)["instance"].tolist() == ["a0", "b0", "c0", "a1"]
    assert len(spread_over_scenes(frame, None)) == 6
    assert spread_over_scenes(frame, 0).empty


def test_centre_crop() -> None:
    image = np.arange(10 * 20).reshape(10, 20)
    assert tuning.centre_crop(image, 4).tolist() == image[3:7, 8:12].tolist()
    assert tuning.centre_crop(image, 16).shape == (10, 16)
    assert tuning.centre_crop(image, None) is image


# --------------------------------------------------------------------------- tune_filters


def test_tune_filters_uses_val_only_and_saves(tmp_path: Path) -> None:
    catalogue = write_catalogue(tmp_path / "data", {"s1": "train", "s2": "val", "s3": "val", "s4": "test"}, per_scene=2)
    path = tmp_path / "params.json"
    save_filter_params(path, {"bm3d": {"sigma_factor": 2.0}})  # settings of another filter must survive
    chosen = tune_filters(catalogue, ["noisy", "gaussian", "median"], SMOKE, path=path)
    assert set(chosen) == {"gaussian", "median"}
    assert chosen["gaussian"] == {"sigma": 1.5}  # flat images: the stronger blur of the small grid wins
    stored = load_filter_params(path, with_info=True)
    assert stored["bm3d"]["params"] == {"sigma_factor": 2.0}
    assert stored["gaussian"]["split"] == "val"
    assert stored["gaussian"]["images"] == 2  # SMOKE.tuning_max_images, out of four val pairs
    assert stored["gaussian"]["grid"] == "small"
    assert load_filter_params(path)["median"] == chosen["median"]


def test_tune_filters_falls_back_to_train_and_says_so(tmp_path: Path) -> None:
    catalogue = write_catalogue(tmp_path / "data", {"s1": "train", "s2": "test"})
    with pytest.warns(TuningWarning, match="no validation pairs"):
        chosen = tune_filters(catalogue, ["tv"], SMOKE)
    assert set(chosen) == {"tv"}


def test_tune_filters_without_filters_reads_nothing() -> None:
    assert tune_filters(pd.DataFrame(columns=["split"]), ["noisy"], SMOKE) == {}


def test_tune_filters_with_no_val_nor_train_is_an_error(tmp_path: Path) -> None:
    catalogue = write_catalogue(tmp_path / "data", {"s1": "test"})
    with pytest.raises(ValueError, match="no validation or training pairs"):
        tune_filters(catalogue, ["tv"], SMOKE)


# --------------------------------------------------------------------------- saving and loading


def test_params_round_trip_atomically(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "params.json"
    params = {"nlm": {"h_factor": 1.3, "patch_size": 7, "patch_distance": 6, "sigma_method": "blocks"}, "tv": {"weight": 0.08}}
    save_filter_params(path, params)
    assert load_filter_params(path) == params
    assert [p.name for p in path.parent.iterdir()] == ["params.json"], "no temporary files left behind"
    assert json.loads(path.read_text())["format"] == tuning.PARAMS_FORMAT


def test_save_rejects_unknown_names_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "params.json"
    with pytest.raises(ValueError, match="unknown filter 'nlmm'"):
        save_filter_params(path, {"nlmm": {}})
    with pytest.raises(ValueError, match="no parameter"):
        save_filter_params(path, {"tv": {"wieght": 0.1}})
    assert not path.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"filters": {}}', "not a filter parameter file"),
        ('{"format": "casestudy-filter-params/1", "filters": {"nope": {"params": {}}}}', "unknown filter 'nope'"),
        ('{"format": "casestudy-filter-params/1", "filters": {"tv": {"params": {"w": 1}}}}', "no parameter"),
        ('{"format": "casestudy-filter-params/1", "filters": {"tv": {"weight": 1}}}', "no 'params' object"),
    ],
)
def test_load_rejects_bad_files_naming_them(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "params.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as caught:
        load_filter_params(path)
    assert "params.json" in str(caught.value)


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no saved filter parameters"):
        load_filter_params(tmp_path / "none.json")


def test_default_params_path_is_under_reports_named_after_the_data_set(tmp_path: Path) -> None:
    path = tuning.filter_params_path(tmp_path / "simulated-sidd")
    assert path == reports_dir() / "filter_params-simulated-sidd.json"


# --------------------------------------------------------------------------- slow filters, crops, sweeps, tables


def test_a_slow_filter_tunes_on_fewer_evenly_spaced_images(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[float] = []

    def recording(noisy: np.ndarray, *, k: int = 0) -> np.ndarray:
        seen.append(float(noisy.mean()))
        return noisy

    spec = FilterSpec("slow", "Slow", recording, {"k": 0}, {"small": {"k": [0]}, "full": {"k": [0]}}, max_tuning_images=2)
    monkeypatch.setitem(FILTERS, "slow", spec)
    catalogue = write_catalogue(tmp_path / "data", {f"s{i}": "val" for i in range(5)})
    profile = dataclasses.replace(SMOKE, tuning_max_images=5)
    path = tmp_path / "params.json"
    monkeypatch.setattr(tuning, "_write_params_file", lambda *args: None)  # the fake filter is not saveable
    tune_filters(catalogue, ["slow"], profile, path=path)
    assert len(seen) == 2  # one grid point on two of the five images: the first scene and the last
    assert seen[0] == pytest.approx(0.3, abs=0.02) and seen[1] == pytest.approx(0.7, abs=0.02)


def test_subset_keeps_first_and_last() -> None:
    items = list(range(8))
    assert tuning._subset(items, None) == items
    assert tuning._subset(items, 20) == items
    assert tuning._subset(items, 1) == [0]
    assert tuning._subset(items, 2) == [0, 7]
    assert tuning._subset(items, 3) == [0, 4, 7]


def test_filter_spec_rejects_a_zero_image_limit() -> None:
    with pytest.raises(ValueError, match="max_tuning_images must be at least 1"):
        FilterSpec("x", "X", _shift, {"offset": 0.0}, {"small": {}, "full": {}}, max_tuning_images=0)


def test_tune_filters_crops_to_the_profile_and_records_it(tmp_path: Path) -> None:
    catalogue = write_catalogue(tmp_path / "data", {"s1": "val"})
    path = tmp_path / "params.json"
    tune_filters(catalogue, ["gaussian"], dataclasses.replace(SMOKE, tuning_crop=16), path=path)
    assert load_filter_params(path, with_info=True)["gaussian"]["crop"] == 16


def test_sweep_parameter_varies_one_parameter(shift_filter) -> None:
    clean = np.full((16, 16, 3), 0.4, np.float32)
    table = tuning.sweep_parameter(shift_filter, [(clean + 0.1, clean)], "offset", [0.0, 0.1, 0.05])
    assert table["offset"].tolist() == [0.0, 0.1, 0.05]
    assert list(table.columns) == ["offset", "psnr", "seconds"]
    assert table["psnr"].idxmax() == 1


def test_sweep_parameter_bad_arguments(shift_filter) -> None:
    with pytest.raises(ValueError, match="no \\(noisy, clean\\) pairs"):
        tuning.sweep_parameter(shift_filter, [], "offset", [0.0])
    with pytest.raises(ValueError, match="has no parameter"):
        tuning.sweep_parameter(shift_filter, [flat_pair(0)], "strength", [1.0])


def test_filter_params_table_lists_settings_in_registry_order(tmp_path: Path) -> None:
    path = tmp_path / "params.json"
    save_filter_params(path, {"nlm": {"h_factor": 1.3, "patch_size": 7}, "gaussian": {"sigma": 2.0}})
    table = tuning.filter_params_table(load_filter_params(path, with_info=True))
    assert table.index.tolist() == ["gaussian", "nlm"]
    assert table.loc["nlm", "settings"] == "h_factor=1.3, patch_size=7, patch_distance=6"
    assert table.loc["gaussian", "label"] == "Gaussian blur"
    assert list(table.columns) == ["label", "settings", "val_psnr", "images", "crop", "grid"]
    plain = tuning.filter_params_table({"median": {"size": 5}})  # {name: params} works too
    assert plain.loc["median", "settings"] == "size=5"


def test_saved_filter_params_for_one_filter_or_none(tmp_path: Path) -> None:
    from casestudy.evaluation.tuning import save_filter_params, saved_filter_params

    path = tmp_path / "params.json"
    assert saved_filter_params("nlm", path) is None  # no file: the defaults
    save_filter_params(path, {"nlm": {"h_factor": 1.1, "patch_size": 5, "patch_distance": 6}})
    assert saved_filter_params("nlm", path) == {"h_factor": 1.1, "patch_size": 5, "patch_distance": 6}
    assert saved_filter_params("bm3d", path) is None  # none tuned for it
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="bad.json"):
        saved_filter_params("nlm", tmp_path / "bad.json")
