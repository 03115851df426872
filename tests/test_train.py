"""The training engine: schedule, metric, checkpoints, resume after SIGKILL, NaN guard, errors, precision, strategy.

Everything trains REDNet at the smoke width on the smoke data set (built once
for the module, about a second). Runs that must be killed, or that need a fresh
TensorFlow (op determinism, logical devices), run in subprocesses.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from casestudy.config import project_root
from casestudy.training import precision as precision_module
from casestudy.training.checkpoint import STATE_ENTRY, CheckpointError, read_state, remove_temporaries

CHILD = Path(__file__).resolve().parent / "train_child.py"
SMOKE = dict(profile="smoke", precision="float32", checkpoint_minutes=None, verbose=0)


@pytest.fixture(scope="module")
def finished_run(smoke_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """A complete 2-epoch run of 3 steps each, in-process."""
    from casestudy.training.train import train

    run_dir = tmp_path_factory.mktemp("runs") / "rednet"
    return train("rednet", data_dir=smoke_data, run_dir=run_dir, epochs=2, steps_per_epoch=3, **SMOKE)


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(project_root()), "TF_CPP_MIN_LOG_LEVEL": "2"}


def _child(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHILD), *args], capture_output=True, text=True, env=_environment(), timeout=timeout
    )


def _saved_variables(path: Path) -> dict[str, np.ndarray]:
    """Every array in a .keras file's weights: the model's and the optimizer's (Adam moments, iteration count)."""
    import h5py

    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive, h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as weights:
        weights.visititems(lambda name, item: arrays.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None)
    return arrays


# --------------------------------------------------------------------------- schedule and metric


def test_warmup_rises_linearly_then_the_cosine_decays_to_the_final_fraction() -> None:
    from casestudy.training.schedule import WarmupCosine

    schedule = WarmupCosine(peak=1e-3, warmup_steps=4, total_steps=14, final_fraction=0.1)
    rates = [float(schedule(step)) for step in range(16)]
    np.testing.assert_allclose(rates[:4], [2.5e-4, 5e-4, 7.5e-4, 1e-3], rtol=1e-6)
    assert rates[4] == pytest.approx(1e-3)
    assert rates[9] == pytest.approx(1e-4 + 0.9e-3 * 0.5)  # halfway through the decay
    assert rates[14] == rates[15] == pytest.approx(1e-4)
    assert all(a >= b for a, b in zip(rates[4:], rates[5:]))
    again = WarmupCosine.from_config(schedule.get_config())
    assert [float(again(step)) for step in range(16)] == rates


def test_bad_schedules_are_refused() -> None:
    from casestudy.training.schedule import WarmupCosine

    with pytest.raises(ValueError, match="positive"):
        WarmupCosine(peak=0.0, warmup_steps=1, total_steps=10)
    with pytest.raises(ValueError, match="final_fraction"):
        WarmupCosine(peak=1e-3, warmup_steps=1, total_steps=10, final_fraction=2.0)


def test_the_psnr_metric_matches_the_projects_metric_per_patch() -> None:
    from casestudy.metrics import psnr as reference_psnr
    from casestudy.training.schedule import psnr

    rng = np.random.default_rng(0)
    clean = rng.random((3, 16, 16, 3)).astype(np.float32)
    noisy = np.clip(clean + rng.normal(0, 0.05, clean.shape), -0.01, 1.01).astype(np.float32)
    scores = np.asarray(psnr(clean, noisy))
    expected = [reference_psnr(c, np.clip(n, 0, 1)) for c, n in zip(clean, noisy)]
    np.testing.assert_allclose(scores, expected, atol=1e-3)
    assert float(np.asarray(psnr(clean[:1], clean[:1]))[0]) == pytest.approx(100.0)  # capped, not infinite


# --------------------------------------------------------------------------- precision


def test_cpu_bf16_support_is_read_from_cpuinfo(tmp_path: Path) -> None:
    with_bf16, without = tmp_path / "a", tmp_path / "b"
    with_bf16.write_text("processor : 0\nflags : fpu sse avx512f avx512_bf16 amx_tile\n")
    without.write_text("processor : 0\nflags : fpu sse avx2\n")
    assert precision_module.cpu_has_bf16(with_bf16) and not precision_module.cpu_has_bf16(without)
    assert not precision_module.cpu_has_bf16(tmp_path / "missing")


def test_auto_precision_picks_a_fast_one_only_if_measured_cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    choose = precision_module.default_precision
    monkeypatch.setattr(precision_module, "MEASURED_COST_DB", {"mixed_bfloat16": 0.01, "mixed_float16": None})
    assert choose(has_gpu=False, has_bf16=True) == "mixed_bfloat16"
    assert choose(has_gpu=False, has_bf16=False) == "float32"
    assert choose(has_gpu=True, has_bf16=True) == "float32"  # mixed_float16 was not measured
    monkeypatch.setattr(precision_module, "MEASURED_COST_DB", {"mixed_bfloat16": 0.2, "mixed_float16": 0.0})
    assert choose(has_gpu=False, has_bf16=True) == "float32"
    assert choose(has_gpu=True, has_bf16=False) == "mixed_float16"


def test_unknown_or_unavailable_precisions_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown precision"):
        precision_module.resolve_precision("float8")
    import tensorflow as tf

    if not tf.config.list_physical_devices("GPU"):
        with pytest.raises(ValueError, match="needs a GPU"):
            precision_module.resolve_precision("mixed_float16")


# --------------------------------------------------------------------------- pieces of the engine


def test_a_resumed_stream_continues_the_uninterrupted_one() -> None:
    from casestudy.training.patches import PairImages, training_dataset

    rng = np.random.default_rng(1)
    pairs = [PairImages("a", rng.integers(0, 255, (24, 30, 3), np.uint8), rng.integers(0, 255, (24, 30, 3), np.uint8))]
    whole = [batch[0].numpy() for batch in training_dataset(pairs, 8, 2, seed=5).take(5)]
    resumed = [batch[0].numpy() for batch in training_dataset(pairs, 8, 2, seed=5, start=3 * 2).take(2)]
    np.testing.assert_array_equal(np.stack(resumed), np.stack(whole[3:]))


def test_fit_segments_finish_an_interrupted_epoch_first() -> None:
    from casestudy.training.train import _segments

    assert _segments(0, 4, 3) == [(0, 3, 4)]
    assert _segments(5, 4, 3) == [(1, 2, 3), (2, 3, 4)]
    assert _segments(8, 4, 3) == [(2, 3, 4)]
    assert _segments(11, 4, 3) == [(2, 3, 1)]
    assert _segments(12, 4, 3) == []


def test_config_differences_ignore_versions_and_checkpoint_cadence() -> None:
    from casestudy.training.train import config_differences

    saved = {"model": "rednet", "seed": 1, "keras_version": "3.0", "checkpoint_steps": 2}
    assert config_differences(saved, {**saved, "keras_version": "3.9", "checkpoint_steps": None}) == []
    assert config_differences(saved, {**saved, "model": "mwcnn"}) == ["model: 'rednet' -> 'mwcnn'"]


def test_config_differences_read_a_saved_range_as_the_same_setting() -> None:
    """A range saved as a JSON list is the tuple it was made from (a generic run must resume)."""
    from casestudy.noise.degrade import DEFAULT_CONFIG
    from casestudy.training.train import config_differences

    current = {"model": "rednet", "generic_degradations": dataclasses.asdict(DEFAULT_CONFIG)}
    saved = json.loads(json.dumps({**current, "generic_degradations": DEFAULT_CONFIG.to_dict()}))
    assert config_differences(saved, current) == []
    wider = {**current, "generic_degradations": {**current["generic_degradations"], "poisson_a": (1e-4, 4e-2)}}
    assert [entry.split(":")[0] for entry in config_differences(saved, wider)] == ["generic_degradations"]


# --------------------------------------------------------------------------- a whole run, in-process


def test_a_run_folder_holds_config_checkpoints_and_log(finished_run) -> None:
    result = finished_run
    assert (result.step, result.epoch, result.stop_reason) == (6, 2, "completed 2 epochs")
    assert list(result.history["epoch"]) == [1, 2] and list(result.history["step"]) == [3, 6]
    assert np.isfinite(result.history[["loss", "val_loss", "val_psnr"]].to_numpy()).all()
    config = json.loads((result.run_dir / "config.json").read_text())
    for key in ("model", "width", "profile", "manifest_sha256", "seed", "precision", "loss", "learning_rate",
                "warmup_steps", "package_version", "data_dir"):  # fmt: skip
        assert config[key] is not None, key
    assert config["manifest_sha256"] == __import__("hashlib").sha256(
        (Path(config["data_dir"]) / "manifest.json").read_bytes()
    ).hexdigest()
    log = (result.run_dir / "log.csv").read_text().splitlines()
    assert log[0].startswith("epoch,step,learning_rate,loss") and len(log) == 3
    state = read_state(result.last_path)
    assert state["step"] == 6 and state["finished"]
    assert json.loads((result.run_dir / "state.json").read_text())["step"] == 6
    best = read_state(result.best_path)
    assert best["best_val_psnr"] == pytest.approx(result.history["val_psnr"].max())


def test_the_best_checkpoint_loads_in_safe_mode_and_denoises(finished_run) -> None:
    model = finished_run.load_best()
    out = model.predict(np.full((1, 33, 47, 3), 0.5, np.float32), verbose=0)
    assert out.shape == (1, 33, 47, 3) and np.isfinite(out).all()


def test_a_checkpoint_restores_the_optimizer(finished_run) -> None:
    from casestudy.training.checkpoint import load_checkpoint

    model, state = load_checkpoint(finished_run.last_path)
    assert int(model.optimizer.iterations.numpy()) == state["step"] == 6
    moments = [v for v in model.optimizer.variables if "momentum" in v.path or "velocity" in v.path]
    assert moments and any(float(np.abs(v.numpy()).max()) > 0 for v in moments)


def test_running_a_finished_run_again_does_nothing(finished_run, smoke_data: Path) -> None:
    from casestudy.training.train import train

    before = finished_run.last_path.stat().st_mtime_ns
    again = train("rednet", data_dir=smoke_data, run_dir=finished_run.run_dir, epochs=2, steps_per_epoch=3, **SMOKE)
    assert again.step == 6 and again.resumed_from_step == 6 and len(again.history) == 2
    assert finished_run.last_path.stat().st_mtime_ns == before


def test_resuming_a_run_folder_of_another_model_or_setting_is_refused(finished_run, smoke_data: Path) -> None:
    from casestudy.training.train import RunFolderError, train

    with pytest.raises(RunFolderError, match=r"model: 'rednet' -> 'mwcnn'.*--no-resume"):
        train("mwcnn", data_dir=smoke_data, run_dir=finished_run.run_dir, epochs=2, steps_per_epoch=3, **SMOKE)
    with pytest.raises(RunFolderError, match="loss: 'mse' -> 'l1'"):
        train("rednet", data_dir=smoke_data, run_dir=finished_run.run_dir, epochs=2, steps_per_epoch=3, loss="l1", **SMOKE)


def test_a_checkpoint_without_state_and_leftover_temporaries(tmp_path: Path, finished_run) -> None:
    plain = tmp_path / "plain.keras"
    with zipfile.ZipFile(finished_run.last_path) as source, zipfile.ZipFile(plain, "w") as target:
        for item in source.infolist():
            if item.filename != STATE_ENTRY:
                target.writestr(item, source.read(item))
    with pytest.raises(CheckpointError, match="without training state"):
        read_state(plain)
    (tmp_path / ".last.123.part.keras").write_bytes(b"half")
    assert remove_temporaries(tmp_path) == 1 and plain.is_file()


class _PoisonWeights:
    """A callback that sets every weight of the model's last layer to NaN after a given step."""

    def __new__(cls, step: int):
        import keras

        class Poison(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if int(self.model.optimizer.iterations.numpy()) == step:
                    for weight in self.model.layers[-1].weights or self.model.trainable_weights[-1:]:
                        weight.assign(np.full(weight.shape, np.nan, weight.dtype))

        return Poison()


def test_a_nan_stops_the_run_and_keeps_the_last_good_checkpoint(smoke_data: Path, tmp_path: Path) -> None:
    from casestudy.models import load_model
    from casestudy.training.train import TrainingDivergedError, train

    with pytest.raises(TrainingDivergedError, match=r"(?i)nan.*last good checkpoint.*step 3"):
        train(
            "rednet", data_dir=smoke_data, run_dir=tmp_path, epochs=2, steps_per_epoch=4, checkpoint_steps=1,
            callbacks=[_PoisonWeights(3)], **SMOKE,
        )  # fmt: skip
    assert read_state(tmp_path / "last.keras")["step"] == 3
    model = load_model(tmp_path / "last.keras")
    assert all(np.isfinite(weight.numpy()).all() for weight in model.weights)


def _copy_with_splits(source: Path, target: Path, moves: dict[str, str]) -> Path:
    shutil.copytree(source, target)
    lines = (target / "split.csv").read_text().splitlines()
    rows = [lines[0]] + [f"{scene},{moves.get(split, split)}" for scene, split in (line.split(",") for line in lines[1:])]
    (target / "split.csv").write_text("\n".join(rows) + "\n")
    return target


def test_an_empty_training_split_or_no_validation_split_is_a_clear_error(smoke_data: Path, tmp_path: Path) -> None:
    from casestudy.training.train import train

    no_train = _copy_with_splits(smoke_data, tmp_path / "no_train", {"train": "test"})
    with pytest.raises(ValueError, match=r"no_train: the training split is empty"):
        train("rednet", data_dir=no_train, run_dir=tmp_path / "run", **SMOKE)
    no_val = _copy_with_splits(smoke_data, tmp_path / "no_val", {"val": "train"})
    with pytest.raises(ValueError, match=r"no_val: the data set has no validation split"):
        train("rednet", data_dir=no_val, run_dir=tmp_path / "run", **SMOKE)
    assert not (tmp_path / "run").exists()


def test_mixed_bfloat16_trains_and_its_checkpoint_keeps_the_policy(smoke_data: Path, tmp_path: Path) -> None:
    import keras

    from casestudy.training.train import train

    settings = {**SMOKE, "precision": "mixed_bfloat16"}
    result = train("rednet", data_dir=smoke_data, run_dir=tmp_path, epochs=1, steps_per_epoch=2, **settings)
    assert result.config["precision"] == "mixed_bfloat16" and np.isfinite(result.history["val_psnr"]).all()
    policies = {layer.dtype_policy.name for layer in result.load_best().layers}
    assert "mixed_bfloat16" in policies
    assert keras.config.dtype_policy().name == "float32"  # the global policy was restored


# --------------------------------------------------------------------------- kill and resume, in subprocesses


def test_a_run_killed_mid_epoch_resumes_to_the_uninterrupted_weights(smoke_data: Path, tmp_path: Path) -> None:
    whole = _child(str(smoke_data), str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr[-2000:]
    killed = _child(str(smoke_data), str(tmp_path / "killed"), "--kill-at", "7")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    state = read_state(tmp_path / "killed" / "last.keras")
    assert (state["step"], state["epoch"]) == (6, 1)  # checkpoint every 2 steps: step 7 was lost, mid-epoch 2
    resumed = _child(str(smoke_data), str(tmp_path / "killed"))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "finished at step 12, epoch 3, resumed from step 6" in resumed.stdout

    expected, actual = _saved_variables(tmp_path / "whole" / "last.keras"), _saved_variables(tmp_path / "killed" / "last.keras")
    assert sorted(expected) == sorted(actual) and any(name.startswith("optimizer") for name in expected)
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name], err_msg=name)
    history = [json.loads((tmp_path / run / "state.json").read_text())["history"] for run in ("whole", "killed")]
    assert [row["val_psnr"] for row in history[0]] == [row["val_psnr"] for row in history[1]]
    assert [row["loss"] for row in history[0]] == pytest.approx([row["loss"] for row in history[1]], rel=1e-5)


def test_the_train_command_survives_sigkill_and_resumes(smoke_data: Path, tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "casestudy.cli", "train", "rednet", "--profile", "smoke", "--data", str(smoke_data),
        "--run-dir", str(tmp_path), "--epochs", "3", "--steps-per-epoch", "8", "--checkpoint-steps", "1",
        "--precision", "float32", "--quiet",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_environment())
    state_file, deadline = tmp_path / "state.json", time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if state_file.is_file() and json.loads(state_file.read_text() or "{}").get("step", 0) >= 3:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    killed_at = read_state(tmp_path / "last.keras")["step"]
    assert 3 <= killed_at < 24
    finished = subprocess.run(command, capture_output=True, text=True, env=_environment(), timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "completed 3 epochs: step 24" in finished.stdout
    log = (tmp_path / "log.csv").read_text().splitlines()
    assert [line.split(",")[:2] for line in log[1:]] == [["1", "8"], ["2", "16"], ["3", "24"]]


def test_training_under_mirrored_strategy_on_two_logical_cpus(smoke_data: Path, tmp_path: Path) -> None:
    run = _child(str(smoke_data), str(tmp_path), "--mirrored")
    assert run.returncode == 0, run.stderr[-2000:]
    config = json.loads((tmp_path / "config.json").read_text())
    assert (config["replicas"], config["batch_size"], config["global_batch_size"]) == (2, 4, 8)
    state = read_state(tmp_path / "last.keras")
    assert state["step"] == 2 and math.isfinite(state["history"][0]["val_psnr"])


def test_early_stopping_after_patience_epochs_without_a_better_score(tmp_path: Path) -> None:
    from casestudy.training.monitor import RunMonitor, new_state

    class FakeModel:
        stop_training = False

        def save(self, path: Path) -> None:
            zipfile.ZipFile(path, "w").close()

    monitor, model = RunMonitor(tmp_path, new_state(), epochs=10, patience=2), FakeModel()
    monitor.set_model(model)
    for epoch, score in enumerate([20.0, 21.0, 20.5], start=1):
        monitor._update_best(epoch, score)
        assert not model.stop_training
    assert (monitor.state["best_val_psnr"], monitor.state["best_epoch"], monitor.state["stale_epochs"]) == (21.0, 2, 1)
    monitor._update_best(4, 21.0)  # equal is not better
    assert model.stop_training and monitor.state["finished"]
    assert "early stopping" in monitor.state["stop_reason"] and "epoch 2" in monitor.state["stop_reason"]
    assert read_state(tmp_path / "best.keras")["best_epoch"] == 2


def test_a_run_with_generic_patches_resumes_and_records_the_photo_scale(smoke_data: Path, tmp_path: Path) -> None:
    """Its saved degradations (ranges as JSON lists) are the ones it is resumed with; a new scale is another run."""
    from casestudy.training.train import RunFolderError, train

    settings = dict(data_dir=smoke_data, run_dir=tmp_path / "generic", epochs=1, steps_per_epoch=1,
                    generic_fraction=0.5, generic_scale_min=0.5, **SMOKE)  # fmt: skip
    first = train("rednet", **settings)
    assert json.loads((first.run_dir / "config.json").read_text())["generic_scale_min"] == 0.5
    again = train("rednet", **settings)
    assert again.step == first.step == 1 and again.resumed_from_step == 1
    with pytest.raises(RunFolderError, match="generic_scale_min: 0.5 -> None"):
        train("rednet", **{**settings, "generic_scale_min": 1.0})
    with pytest.raises(ValueError, match=r"generic_scale_min must lie in \(0, 1\]"):
        train("rednet", **{**settings, "run_dir": tmp_path / "other", "generic_scale_min": 0.0})


def test_a_run_records_the_camera_step_it_was_given(smoke_data: Path, tmp_path: Path) -> None:
    from casestudy.training.train import RunFolderError, train

    settings = dict(data_dir=smoke_data, run_dir=tmp_path / "camera", epochs=1, steps_per_epoch=1,
                    generic_fraction=0.5, generic_camera=0.3, **SMOKE)  # fmt: skip
    result = train("rednet", **settings)
    assert json.loads((result.run_dir / "config.json").read_text())["generic_degradations"]["p_camera"] == 0.3
    with pytest.raises(RunFolderError, match="generic_degradations"):
        train("rednet", **{**settings, "generic_camera": None})  # the default camera step: another run
    with pytest.raises(ValueError, match=r"p_camera must be a probability in \[0, 1\], got 1.5"):
        train("rednet", **{**settings, "run_dir": tmp_path / "bad", "generic_camera": 1.5})


def test_a_new_run_can_start_from_trained_weights_and_records_them(finished_run, smoke_data: Path, tmp_path: Path) -> None:
    from casestudy.models.cards import sha256_of
    from casestudy.training.train import train

    start = finished_run.last_path
    result = train(
        "rednet", data_dir=smoke_data, run_dir=tmp_path / "tuned", epochs=1, steps_per_epoch=1,
        init_weights=start, generic_fraction=0.5, **SMOKE,
    )  # fmt: skip
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["init_weights"]["sha256"] == sha256_of(start)
    assert config["generic_fraction"] == 0.5 and "original photos" in config["generic_sources"]
    from casestudy.noise.degrade import DEFAULT_CONFIG

    assert config["generic_degradations"] == json.loads(json.dumps(DEFAULT_CONFIG.to_dict()))
    with pytest.raises(ValueError, match="another width or network"):
        train("rednet", data_dir=smoke_data, run_dir=tmp_path / "wider", epochs=1, steps_per_epoch=1,
              init_weights=start, **{**SMOKE, "width": 16})  # fmt: skip
