"""Figures of training: the learning curve of a run, read from its ``log.csv``.

:func:`casestudy.training.train.train` writes one row per epoch to ``<run>/log.csv``
(``epoch``, ``step``, ``loss``, ``val_psnr`` and more); :func:`learning_curve`
draws the training loss and the validation PSNR against the optimisation step on
two axes, so a reader sees both whether the loss still falls and whether the
score it buys on unseen patches still rises. Introduced in ``05_rednet.ipynb``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from casestudy.plots import label_axes, new_figure
from casestudy.plots.results import method_colour


def read_log(source: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """A run's per-epoch log: a ``log.csv`` file, a run folder holding one, or a frame already read.

    Raises:
        FileNotFoundError: no log at that place (the message names it).
        ValueError: a log without the ``step``, ``loss`` and ``val_psnr`` columns.
    """
    if isinstance(source, pd.DataFrame):
        log = source
    else:
        path = Path(source)
        path = path / "log.csv" if path.is_dir() else path
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no training log (a run writes log.csv at each epoch's end)")
        log = pd.read_csv(path)
    missing = [column for column in ("step", "loss", "val_psnr") if column not in log.columns]
    if missing:
        raise ValueError(f"not a training log: the column(s) {missing} are missing")
    return log


def learning_curve(source: str | os.PathLike | pd.DataFrame, model: str, title: str | None = None) -> Figure:
    """Training loss (left axis, log scale) and validation PSNR (right axis) against the step, one point per epoch."""
    log = read_log(source)
    figure, loss_axes = new_figure(7.5, 4.2)
    loss_axes.plot(log["step"], log["loss"], "o--", color="0.45", label="training loss")
    loss_axes.set_yscale("log")
    psnr_axes = loss_axes.twinx()
    psnr_axes.plot(log["step"], log["val_psnr"], "o-", color=method_colour(model), label="validation PSNR")
    psnr_axes.set_ylabel("validation PSNR (dB)")
    label_axes(loss_axes, title or f"Learning curve of {model}", "optimisation step", "training loss (log scale)")
    handles = loss_axes.get_legend_handles_labels()[0] + psnr_axes.get_legend_handles_labels()[0]
    loss_axes.legend(handles, [h.get_label() for h in handles], loc="center right", fontsize="small")
    loss_axes.grid(alpha=0.3)
    return figure
