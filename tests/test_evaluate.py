"""casestudy.evaluation.evaluate: rows per image and method, the method registry, the summary, the command end to end."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fakes
from casestudy.cli import main
from casestudy.evaluation import methods as M
from casestudy.evaluation.evaluate import evaluate, summarize
from casestudy.evaluation.methods import METHODS, EvalContext, Method, UnknownMethodError
from casestudy.evaluation.report import ROW_COLUMNS
from casestudy.filters import FILTERS
from casestudy.io import read_image, write_png
from casestudy.metrics import psnr
from casestudy.evaluation.tuning import load_filter_params, save_filter_params

SCENES = {"s1": "train", "s2": "val", "s3": "test", "s4": "test"}


def write_catalogue(root: Path, splits: dict[str, str], per_scene: int = 2) -> pd.DataFrame:
    """Tiny noisy/clean PNG pairs under ``root`` (a smooth ramp per scene, seeded noise) and their catalogue."""
    pairs = []
    y, x = np.mgrid[0:32, 0:48] / 48.0
    for s, (scene, split) in enumerate(splits.items()):
        clean = np.stack([0.3 + 0.4 * x, 0.4 + 0.1 * s + 0.2 * y, 0.5 + 0.2 * x * y], axis=-1)
        for k in range(per_scene):
            noise = np.random.default_rng(10 * s + k).normal(0, 0.08, clean.shape)
            pairs.append({"instance": f"{scene}-{k}", "scene": scene, "split": split, "clean": clean,
                          "noisy": np.clip(clean + noise, 0, 1), "phone": "S6", "iso": 100.0 * (s + 1),
                          "brightness": "L"})
    return fakes.write_catalogue(root, pairs)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return write_catalogue(tmp_path_factory.mktemp("data"), SCENES)


@dataclasses.dataclass(frozen=True)
class Counting(Method):
    """A method that records its calls and the context it was prepared with (``prepare`` returns itself)."""

    calls: list = dataclasses.field(default_factory=list)
    prepared_with: list = dataclasses.field(default_factory=list)

    def prepare(self, context: EvalContext) -> Counting:
        self.prepared_with.append(context)
        return self

    def __call__(self, noisy: np.ndarray) -> np.ndarray:
        self.calls.append(noisy.shape)
        return noisy


# --------------------------------------------------------------------------- evaluate


def test_one_row_per_image_and_method_with_metadata(catalogue) -> None:
    rows = evaluate(catalogue, ["noisy", "gaussian", "tv"], split="test")
    assert list(rows.columns) == list(ROW_COLUMNS)
    assert len(rows) == 4 * 3  # four test images (two scenes x two pairs) x three methods
    assert set(rows["split"]) == {"test"} and set(rows["scene"]) == {"s3", "s4"}
    assert rows["method"].tolist()[:3] == ["noisy", "gaussian", "tv"]
    assert rows["instance"].is_monotonic_increasing
    first = rows.iloc[0]
    assert (first["phone"], first["brightness"], first["iso"]) == ("S6", "L", 300.0)
    assert rows["megapixels"].iloc[0] == pytest.approx(32 * 48 / 1e6)
    assert np.allclose(rows["s_per_mp"], rows["seconds"] / rows["megapixels"])


def test_scores_are_the_metrics_of_the_outputs(catalogue) -> None:
    rows = evaluate(catalogue, "noisy,gaussian", split="test", max_images=1)
    picked = catalogue[catalogue["instance"] == rows["instance"].iloc[0]].iloc[0]
    noisy, clean = read_image(picked["noisy_path"]), read_image(picked["clean_path"])
    by_method = rows.set_index("method")
    assert by_method.loc["noisy", "psnr"] == pytest.approx(psnr(clean, noisy))
    assert by_method.loc["gaussian", "psnr"] == pytest.approx(psnr(clean, FILTERS["gaussian"](noisy)))
    assert by_method.loc["gaussian", "psnr"] > by_method.loc["noisy", "psnr"]
    assert 0 < by_method.loc["noisy", "ssim"] < by_method.loc["gaussian", "ssim"] <= 1


def test_max_images_spreads_over_scenes(catalogue) -> None:
    rows = evaluate(catalogue, ["noisy"], split="test", max_images=2)
    assert len(rows) == 2 and set(rows["scene"]) == {"s3", "s4"}


def test_tuned_params_are_used(catalogue) -> None:
    default = evaluate(catalogue, ["gaussian"], max_images=1)["psnr"].iloc[0]
    tuned = evaluate(catalogue, ["gaussian"], max_images=1, context=EvalContext(params={"gaussian": {"sigma": 0.3}}))["psnr"].iloc[0]
    assert tuned != pytest.approx(default)


def test_each_method_is_warmed_up_once_and_prepared(catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    method = Counting(name="counting", label="Counting")
    monkeypatch.setitem(METHODS, "counting", method)
    evaluate(catalogue, ["counting"], split="test", context=EvalContext(params={"tv": {"weight": 0.2}}))
    assert len(method.calls) == 4 + 1  # four images, plus one untimed warm-up call
    assert method.prepared_with[0].params == {"tv": {"weight": 0.2}}


def test_unknown_method_lists_the_known_ones(catalogue) -> None:
    with pytest.raises(UnknownMethodError, match="'nlmm'.*known methods: noisy, gaussian.*bm3d"):
        evaluate(catalogue, ["noisy", "nlmm"])


def test_empty_split_is_a_clear_error(catalogue) -> None:
    with pytest.raises(ValueError, match="'val' split has no images"):
        evaluate(catalogue[catalogue["split"] != "val"], ["noisy"], split="val")


def test_a_method_returning_the_wrong_shape_is_named(catalogue, monkeypatch: pytest.MonkeyPatch) -> None:
    @dataclasses.dataclass(frozen=True)
    class Cropping(Method):
        def __call__(self, noisy: np.ndarray) -> np.ndarray:
            return noisy[1:]

    monkeypatch.setitem(METHODS, "cropping", Cropping("cropping", "Cropping"))
    with pytest.raises(ValueError, match="method 'cropping' returned shape"):
        evaluate(catalogue, ["cropping"], max_images=1)


def test_registry_holds_noisy_and_every_filter() -> None:
    assert list(METHODS)[: len(FILTERS) + 1] == ["noisy", *FILTERS]
    assert M.default_methods() == ["noisy", *FILTERS]
    with pytest.raises(ValueError, match="already registered"):
        M.register_method(M.NoisyInput())


def test_parse_methods() -> None:
    assert M.parse_methods(" nlm, bm3d ,nlm") == ["nlm", "bm3d"]
    assert M.parse_methods(None) == M.parse_methods("") == M.default_methods()


# --------------------------------------------------------------------------- summary and table


def test_summarize_orders_and_aggregates() -> None:
    rows = pd.DataFrame(
        {
            "instance": ["a", "a", "b", "b", "c", "c"],
            "method": ["nlm", "noisy"] * 3,
            "psnr": [30.0, 20.0, 32.0, 22.0, 34.0, 24.0],
            "ssim": [0.8, 0.5, 0.9, 0.6, 0.7, 0.4],
            "s_per_mp": [1.0, 0.0, 9.0, 0.0, 2.0, 0.0],
        }
    )
    summary = summarize(rows)
    assert summary.index.tolist() == ["nlm", "noisy"]  # order of first appearance
    assert summary.loc["nlm"].tolist() == pytest.approx([32.0, 0.8, 2.0, 3])  # mean, mean, median, images
    assert summarize(rows, ["noisy", "nlm"]).index.tolist() == ["noisy", "nlm"]


# --------------------------------------------------------------------------- the command, end to end


@pytest.fixture
def folders_tree(tmp_path: Path) -> Path:
    """A generic data folder: clean/*.png and noisy/*.png with the same names, five scenes."""
    pytest.importorskip("casestudy.data.catalogue")
    root = tmp_path / "mydata"
    y, x = np.mgrid[0:32, 0:48] / 48.0
    for i in range(5):
        clean = np.stack([0.3 + 0.4 * x, 0.3 + 0.1 * i + 0.2 * y, 0.5 + 0.2 * x * y], axis=-1)
        write_png(root / "clean" / f"photo{i}.png", clean)
        write_png(root / "noisy" / f"photo{i}.png", np.clip(clean + np.random.default_rng(i).normal(0, 0.08, clean.shape), 0, 1))
    return root


def test_cli_evaluate_end_to_end(folders_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out, params = tmp_path / "out" / "results.csv", tmp_path / "params.json"
    argv = ["evaluate", "--profile", "smoke", "--data", str(folders_tree), "--methods", "noisy,gaussian,nlm",
            "--out", str(out), "--params", str(params)]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "tuning gaussian, nlm" in captured.err
    assert "| noisy" in captured.out and "| nlm" in captured.out and str(out) in captured.out
    rows = pd.read_csv(out)
    test_images = rows["instance"].nunique()
    assert test_images >= 1 and len(rows) == 3 * test_images
    assert set(rows["split"]) == {"test"} and list(rows.columns) == list(ROW_COLUMNS)
    assert set(load_filter_params(params)) == {"gaussian", "nlm"}
    # A second run finds the saved settings and does not tune again.
    assert main(argv + ["--no-tune"]) == 0
    assert "tuning" not in capsys.readouterr().err


def test_cli_unknown_method_is_a_one_line_error(folders_tree: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["evaluate", "--data", str(folders_tree), "--methods", "noisy,prid"]) == 1
    err = capsys.readouterr().err
    assert "unknown method(s) 'prid'" in err and "known methods: noisy" in err and "Traceback" not in err


def test_cli_empty_split_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("casestudy.data.catalogue")
    root = tmp_path / "two"
    for i in range(2):  # two scenes: everything goes to train
        write_png(root / "clean" / f"p{i}.png", np.full((16, 16, 3), 0.5))
        write_png(root / "noisy" / f"p{i}.png", np.full((16, 16, 3), 0.55))
    code = main(["evaluate", "--data", str(root), "--methods", "noisy", "--no-tune", "--out", str(tmp_path / "r.csv")])
    assert code == 1
    assert "'test' split has no images (train: 2)" in capsys.readouterr().err


# --------------------------------------------------------------------------- saving rows


def test_cli_split_all_scores_every_pair_with_settings_tuned_elsewhere(
    folders_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    params = tmp_path / "params.json"
    save_filter_params(params, {"nlm": {"h_factor": 1.0, "patch_size": 5, "patch_distance": 6}})
    out = tmp_path / "all.csv"
    argv = ["evaluate", "--profile", "smoke", "--data", str(folders_tree), "--methods", "noisy,nlm",
            "--split", "all", "--params", str(params), "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    rows = pd.read_csv(out)
    assert rows["instance"].nunique() == 5 and len(rows) == 10  # every pair, not only the test split
    assert set(rows["split"]) == {"all"}  # the folder's own splits are mixed; the rows say what was scored
    assert "tuning" not in capsys.readouterr().err
    assert load_filter_params(params) == {"nlm": {"h_factor": 1.0, "patch_size": 5, "patch_distance": 6}}


def test_split_all_tunes_on_the_simulated_set_not_on_the_scored_folder(
    folders_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, smoke_data: Path
) -> None:
    from casestudy.data import simulated

    monkeypatch.setattr(simulated, "ensure_dataset", lambda profile: smoke_data)
    monkeypatch.setattr("casestudy.evaluation.tuning.reports_dir", lambda: tmp_path)  # tuned settings stay out of the repository
    argv = ["evaluate", "--profile", "smoke", "--data", str(folders_tree), "--methods", "noisy,gaussian",
            "--split", "all", "--out", str(tmp_path / "all.csv")]  # fmt: skip
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert f"on the validation split of {smoke_data}" in err and "not on the scored images" in err


def test_strength_multiplies_a_filters_noise_factor_and_keeps_its_tuned_settings() -> None:
    from casestudy.evaluation.methods import NoStrengthControlError

    nlm = M.METHODS["nlm"].prepare(M.EvalContext(params={"nlm": {"h_factor": 0.6, "patch_size": 7}}))
    stronger = nlm.with_strength(1.5)
    assert stronger.params["h_factor"] == pytest.approx(0.9) and stronger.params["patch_size"] == 7
    assert nlm.params["h_factor"] == 0.6  # the prepared method is unchanged
    assert M.METHODS["bm3d"].prepare(M.EvalContext()).with_strength(0.5).params["sigma_factor"] == 0.5
    median = M.METHODS["median"].prepare(M.EvalContext())
    assert median.with_strength(1.0) is median
    with pytest.raises(NoStrengthControlError, match="Median has no strength control"):
        median.with_strength(2)
    with pytest.raises(ValueError, match="positive number"):
        nlm.with_strength(float("nan"))
