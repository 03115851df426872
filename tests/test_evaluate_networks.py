"""Networks in ``casestudy evaluate``: weights found by name or ``--weights``, loaded in safe mode, scored.

The networks here are untrained and tiny (width 2, or the smoke width): what is
tested is the plumbing (finding, loading, timing, scoring, the table), not how
well they denoise. A network whose last layer is zeroed returns its input, so
its scores must equal the noisy input's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

keras = pytest.importorskip("keras")

from casestudy.cli import main  # noqa: E402
from casestudy.evaluation import methods as M  # noqa: E402
from casestudy.evaluation.evaluate import evaluate, summarize  # noqa: E402
from casestudy.evaluation.methods import EvalContext  # noqa: E402
from casestudy.evaluation.report import PARAMETERS_COLUMN, format_table  # noqa: E402
from casestudy.models import MODELS, ModelLoadError, build_model, resolve_weights  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _zero_last_layer(model: keras.Model) -> keras.Model:
    """Zero the layer predicting the correction: the residual network then returns its input."""
    last = [layer for layer in model.layers if layer.weights][-1]
    last.set_weights([np.zeros_like(weight) for weight in last.get_weights()])
    return model


@pytest.fixture(scope="module")
def identity_rednet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A width-2 REDNet that returns its input, saved as ``<folder>/rednet.keras``."""
    folder = tmp_path_factory.mktemp("weights")
    _zero_last_layer(build_model("rednet", width=2)).save(folder / "rednet.keras")
    return folder / "rednet.keras"


def _placeholder(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"placeholder")
    return path


# --------------------------------------------------------------------------- the registry


def test_every_network_is_a_method_with_its_label() -> None:
    for name in MODELS:
        assert M.METHODS[name].label == MODELS[name].label
        assert isinstance(M.METHODS[name], M.NetworkMethod) and M.parse_methods(f"noisy,{name}") == ["noisy", name]
    assert not set(MODELS) & set(M.default_methods())  # networks are evaluated when named


# --------------------------------------------------------------------------- finding the weights


def test_resolve_weights_folders_pairs_and_one_bare_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("casestudy.config.project_root", lambda: tmp_path / "repo")
    shipped = _placeholder(tmp_path / "repo" / "weights" / "pridnet.keras")
    first = _placeholder(tmp_path / "a" / "rednet.keras")
    _placeholder(tmp_path / "b" / "rednet.keras")
    second_mwcnn = _placeholder(tmp_path / "b" / "mwcnn.keras")
    chosen = _placeholder(tmp_path / "runs" / "best.keras")
    names = ["noisy", "nlm", "rednet", "mwcnn", "pridnet"]
    # folders in order, then the shipped weights/ folder; filters are ignored
    assert resolve_weights(names, [tmp_path / "a", tmp_path / "b"]) == {
        "rednet": first, "mwcnn": second_mwcnn, "pridnet": shipped,
    }  # fmt: skip
    # NAME=FILE wins over folders; NAME=FOLDER looks for NAME.keras in it
    assert resolve_weights(names, [str(tmp_path / "a"), f"mwcnn={chosen}", f"rednet={tmp_path / 'b'}"]) == {
        "rednet": tmp_path / "b" / "rednet.keras", "mwcnn": chosen, "pridnet": shipped,
    }  # fmt: skip
    # a bare file is the weights of the one network evaluated; pairs for networks not evaluated are ignored
    assert resolve_weights(["noisy", "mwcnn"], [str(chosen), f"rednet={chosen}"]) == {"mwcnn": chosen}
    assert resolve_weights(["noisy", "nlm"], None) == {}


def test_a_training_run_folder_serves_its_own_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("casestudy.config.project_root", lambda: tmp_path / "repo")
    runs = {}
    for name in ("rednet", "mwcnn"):
        runs[name] = tmp_path / "runs" / f"{name}-smoke"
        _placeholder(runs[name] / "best.keras")
        (runs[name] / "config.json").write_text(json.dumps({"format": "casestudy-train-config", "model": name}))
    folders = [str(runs["rednet"]), str(runs["mwcnn"])]
    assert resolve_weights(["rednet", "mwcnn"], folders) == {name: run / "best.keras" for name, run in runs.items()}
    assert resolve_weights(["rednet"], [f"rednet={runs['rednet']}"]) == {"rednet": runs["rednet"] / "best.keras"}
    with pytest.raises(ModelLoadError, match=r"mwcnn-smoke/rednet.keras: no weights for 'rednet'.*or the run folder"):
        resolve_weights(["rednet"], [f"rednet={runs['mwcnn']}"])  # a run of another network


def test_resolve_weights_errors_name_the_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("casestudy.config.project_root", lambda: tmp_path / "repo")
    file = _placeholder(tmp_path / "best.keras")
    with pytest.raises(ModelLoadError, match=r"a bare file is only clear for one network.*--weights NAME="):
        resolve_weights(["rednet", "mwcnn"], [str(file)])
    with pytest.raises(ModelLoadError, match=r"unknown network 'unet'; known networks: rednet"):
        resolve_weights(["rednet"], [f"unet={file}"])
    with pytest.raises(ModelLoadError, match="names 'rednet' twice"):
        resolve_weights(["rednet"], [f"rednet={file}", str(file)])
    with pytest.raises(ModelLoadError, match=r"nowhere: --weights names no such file or folder"):
        resolve_weights(["rednet"], [str(tmp_path / "nowhere")])
    # nowhere to be found: every place looked in is named, and how to get a file
    with pytest.raises(ModelLoadError) as caught:
        resolve_weights(["mwcnn"], [str(tmp_path)])
    message = str(caught.value)
    assert f"{tmp_path / 'mwcnn.keras'}, {tmp_path / 'repo' / 'weights' / 'mwcnn.keras'}: no weights for 'mwcnn'" in message
    assert "casestudy train mwcnn" in message and "--weights mwcnn=runs/mwcnn-<profile>/best.keras" in message


# --------------------------------------------------------------------------- evaluating


def test_a_network_that_returns_its_input_scores_like_the_noisy_input(smoke_data: Path, identity_rednet: Path) -> None:
    from casestudy.data.catalogue import load_catalogue

    catalogue = load_catalogue(smoke_data)
    context = EvalContext(weights={"rednet": identity_rednet})
    rows = evaluate(catalogue, ["noisy", "rednet"], max_images=2, context=context)
    assert rows["method"].tolist() == ["noisy", "rednet"] * 2
    noisy, network = rows[rows["method"] == "noisy"], rows[rows["method"] == "rednet"]
    np.testing.assert_allclose(network["psnr"].to_numpy(), noisy["psnr"].to_numpy(), atol=1e-4)
    np.testing.assert_allclose(network["ssim"].to_numpy(), noisy["ssim"].to_numpy(), atol=1e-5)
    assert (network["seconds"] > 0).all()
    expected = build_model("rednet", width=2).count_params()
    assert network[PARAMETERS_COLUMN].tolist() == [expected] * 2 and noisy[PARAMETERS_COLUMN].isna().all()
    summary = summarize(rows)
    assert summary.loc["rednet", PARAMETERS_COLUMN] == expected
    table = format_table(summary).splitlines()
    assert table[0].rstrip(" |").endswith("parameters") and f"{expected:,}" in table[3] and "REDNet" in table[3]


def test_evaluate_refuses_weights_of_another_network(smoke_data: Path, identity_rednet: Path) -> None:
    from casestudy.data.catalogue import load_catalogue

    context = EvalContext(weights={"mwcnn": identity_rednet})
    with pytest.raises(ModelLoadError, match=r"rednet.keras: holds a 'rednet' network, not 'mwcnn'"):
        evaluate(load_catalogue(smoke_data), ["mwcnn"], max_images=1, context=context)


def test_cli_refuses_a_lambda_model_and_a_missing_file_in_one_line(
    smoke_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    inputs = keras.Input((None, None, 3))
    keras.Model(inputs, keras.layers.Lambda(lambda x: x * 1.0)(inputs), name="rednet").save(tmp_path / "rednet.keras")
    base = ["evaluate", "--profile", "smoke", "--data", str(smoke_data), "--out", str(tmp_path / "rows.csv")]
    assert main([*base, "--methods", "noisy,rednet", "--weights", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'rednet.keras'}: cannot load this model in safe mode" in err and "Traceback" not in err
    missing = tmp_path / "pridnet.keras"  # named explicitly: a folder would fall back to the shipped weights
    assert main([*base, "--methods", "noisy,pridnet", "--weights", f"pridnet={missing}"]) == 1
    err = capsys.readouterr().err
    assert f"{missing}" in err and "no weights for 'pridnet'" in err
    assert "casestudy train pridnet" in err and "Traceback" not in err
    assert not (tmp_path / "rows.csv").exists()


_EVALUATE = "import sys; from casestudy.cli import main; sys.exit(main(sys.argv[1:]))"


def test_cli_scores_a_saved_network_in_a_fresh_process(smoke_data: Path, tmp_path: Path) -> None:
    """A smoke-width REDNet saved to .keras, evaluated by a fresh process that loads it in safe mode."""
    weights = tmp_path / "weights"
    weights.mkdir()
    model = build_model("rednet", profile="smoke")
    model.save(weights / "rednet.keras")
    out = tmp_path / "rows.csv"
    argv = ["evaluate", "--profile", "smoke", "--data", str(smoke_data), "--methods", "noisy,rednet",
            "--weights", str(weights), "--out", str(out)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-W", "ignore", "-c", _EVALUATE, *argv]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"rednet: {weights / 'rednet.keras'}" in done.stderr
    rows = pd.read_csv(out)
    images = rows["instance"].nunique()
    assert images >= 1 and rows["method"].tolist() == ["noisy", "rednet"] * images
    assert np.isfinite(rows[["psnr", "ssim", "s_per_mp"]].to_numpy()).all()
    assert rows.loc[rows["method"] == "rednet", PARAMETERS_COLUMN].tolist() == [model.count_params()] * images
    table = [line for line in done.stdout.splitlines() if line.startswith("| rednet")]
    assert len(table) == 1 and "REDNet" in table[0] and f"{model.count_params():,}" in table[0]
