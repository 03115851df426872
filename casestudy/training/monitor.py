"""The callback that keeps a run safe: counts steps, checkpoints, stops on NaN and on a stalled score.

:class:`RunMonitor` owns the training state (:func:`new_state`) that every
checkpoint carries. After each step it adds one to the global step, checks the
loss and, every ``checkpoint_steps`` steps or ``checkpoint_minutes`` minutes,
writes ``last.keras``. At each epoch's end it records a row of the history
(written to ``log.csv``), keeps ``best.keras`` when the validation PSNR improves,
decides on early stopping, and writes ``last.keras`` again. A NaN or infinite
loss (or weights) stops the run without writing anything, so the last checkpoint
on disk is the last good one.

Training-loss averages survive a resume mid-epoch: the running sums of the epoch
so far are part of the state, and the resumed part is added to them.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from pathlib import Path
from typing import Any

import keras
import numpy as np

from casestudy.io import write_text
from casestudy.training.checkpoint import save_checkpoint

STATE_FORMAT = "casestudy-training-state"
STATE_VERSION = 1
LAST_FILE = "last.keras"
BEST_FILE = "best.keras"
STATE_FILE = "state.json"
LOG_FILE = "log.csv"
#: The validation score that decides the best checkpoint and early stopping.
MONITORED = "val_psnr"


def new_state() -> dict[str, Any]:
    """The training state of a run that has not taken a step yet."""
    return {
        "format": STATE_FORMAT,
        "version": STATE_VERSION,
        "step": 0,
        "epoch": 0,
        "epoch_sums": {},
        "best_val_psnr": None,
        "best_epoch": None,
        "stale_epochs": 0,
        "history": [],
        "finished": False,
        "stop_reason": None,
    }


def check_state(state: dict[str, Any], source: str) -> dict[str, Any]:
    """Return ``state`` if it is a training state this version understands.

    Raises:
        ValueError: another format or version, naming ``source``.
    """
    if state.get("format") != STATE_FORMAT or state.get("version") != STATE_VERSION:
        raise ValueError(
            f"{source}: training state of format {state.get('format')!r} version {state.get('version')!r}; "
            f"expected {STATE_FORMAT!r} version {STATE_VERSION}"
        )
    return state


def write_log(path: str | Path, history: list[dict[str, Any]]) -> None:
    """Write the per-epoch history as CSV, atomically (columns in first-seen order)."""
    columns: list[str] = []
    for row in history:
        columns.extend(key for key in row if key not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    write_text(path, buffer.getvalue())


class RunMonitor(keras.callbacks.Callback):
    """Step counting, checkpoints, NaN guard, best model, early stopping and the CSV log of one run.

    Args:
        run_dir: the run folder (``last.keras``, ``best.keras``, ``state.json``, ``log.csv``).
        state: the training state to continue (:func:`new_state` for a fresh run); updated in place.
        epochs: the run's total number of epochs.
        checkpoint_steps: write ``last.keras`` every this many steps (``None``: only by time and at epoch ends).
        checkpoint_minutes: write ``last.keras`` when this many minutes passed since the last write (``None``: never by time).
        patience: stop after this many epochs without a better validation PSNR (``None`` or 0: never).
    """

    def __init__(
        self,
        run_dir: str | Path,
        state: dict[str, Any],
        epochs: int,
        checkpoint_steps: int | None = None,
        checkpoint_minutes: float | None = 5.0,
        patience: int | None = None,
    ):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.state = state
        self.epochs = int(epochs)
        self.checkpoint_steps = checkpoint_steps or None
        self.checkpoint_seconds = None if checkpoint_minutes is None else 60.0 * float(checkpoint_minutes)
        self.patience = patience or None
        #: The global step at which the loss (or the weights) stopped being finite; None while healthy.
        self.diverged_at: int | None = None
        self.divergence: str = ""
        self.checkpoints_written = 0
        self._last_save = time.monotonic()
        self._base_sums: dict[str, list[float]] = {}
        self._epoch_start = time.monotonic()

    # ------------------------------------------------------------------ Keras hooks

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._last_save = time.monotonic()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        # Empty at a fresh epoch; the sums of the steps already taken when resuming mid-epoch.
        self._base_sums = {key: list(value) for key, value in self.state["epoch_sums"].items()}
        self._epoch_start = time.monotonic()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.state["step"] += 1
        values = {key: float(value) for key, value in (logs or {}).items()}
        if not math.isfinite(values.get("loss", 0.0)):
            self._diverge(f"the training loss became {values.get('loss')}")
            return
        # Keras reports running means over the epoch's batches of this fit call: turn them into sums.
        seen = batch + 1
        sums = {key: list(value) for key, value in self._base_sums.items()}
        for key, mean in values.items():
            total, count = sums.get(key, [0.0, 0])
            sums[key] = [total + mean * seen, count + seen]
        self.state["epoch_sums"] = sums
        if self._checkpoint_due():
            self.checkpoint()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.diverged_at is not None:
            return
        values = {key: float(value) for key, value in (logs or {}).items()}
        if not math.isfinite(values.get("val_loss", 0.0)):
            self._diverge(f"the validation loss became {values.get('val_loss')}")
            return
        row: dict[str, Any] = {"epoch": epoch + 1, "step": self.state["step"], "learning_rate": self._learning_rate()}
        for key, (total, count) in self.state["epoch_sums"].items():
            row[key] = total / count if count else float("nan")
        row.update({key: value for key, value in values.items() if key.startswith("val_")})
        row["seconds"] = round(time.monotonic() - self._epoch_start, 3)
        self.state["history"].append(row)
        self.state["epoch"] = epoch + 1
        self.state["epoch_sums"] = {}
        self._update_best(epoch + 1, row.get(MONITORED))
        if self.state["epoch"] >= self.epochs:
            self.state["finished"] = True
            self.state["stop_reason"] = self.state["stop_reason"] or f"completed {self.epochs} epochs"
        self.checkpoint()

    # ------------------------------------------------------------------ helpers

    def checkpoint(self) -> bool:
        """Write ``last.keras`` (and ``state.json``, ``log.csv``) unless the weights are not finite."""
        if not self._weights_finite():
            self._diverge("a weight became NaN or infinite")
            return False
        save_checkpoint(self.model, self.run_dir / LAST_FILE, self.state)
        write_text(self.run_dir / STATE_FILE, json.dumps(self.state, indent=1) + "\n")
        if self.state["history"]:
            write_log(self.run_dir / LOG_FILE, self.state["history"])
        self._last_save = time.monotonic()
        self.checkpoints_written += 1
        return True

    def _checkpoint_due(self) -> bool:
        if self.checkpoint_steps and self.state["step"] % self.checkpoint_steps == 0:
            return True
        return self.checkpoint_seconds is not None and time.monotonic() - self._last_save >= self.checkpoint_seconds

    def _update_best(self, epoch: int, score: float | None) -> None:
        if score is None or not math.isfinite(score):
            return
        best = self.state["best_val_psnr"]
        if best is None or score > best:
            self.state.update(best_val_psnr=score, best_epoch=epoch, stale_epochs=0)
            save_checkpoint(self.model, self.run_dir / BEST_FILE, self.state)
            return
        self.state["stale_epochs"] += 1
        if self.patience and self.state["stale_epochs"] >= self.patience:
            self.state["finished"] = True
            self.state["stop_reason"] = (
                f"early stopping: no better validation PSNR for {self.patience} epochs "
                f"(best {best:.3f} dB at epoch {self.state['best_epoch']})"
            )
            self.model.stop_training = True

    def _diverge(self, what: str) -> None:
        if self.diverged_at is None:
            self.diverged_at = int(self.state["step"])
            self.divergence = what
        self.model.stop_training = True

    def _weights_finite(self) -> bool:
        return all(bool(np.all(np.isfinite(keras.ops.convert_to_numpy(weight)))) for weight in self.model.weights)

    def _learning_rate(self) -> float:
        optimizer = self.model.optimizer
        return float(keras.ops.convert_to_numpy(optimizer.learning_rate))
