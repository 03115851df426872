"""Learning-curve figure: reads a run's log from a file, a folder or a frame; bad logs get clear errors."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from casestudy.plots.training import learning_curve, read_log  # noqa: E402

LOG = pd.DataFrame({"epoch": [1, 2, 3], "step": [10, 20, 30], "loss": [0.1, 0.05, 0.04], "val_psnr": [25.0, 27.5, 28.0]})


def test_curve_plots_every_epoch_on_two_axes(tmp_path: Path) -> None:
    LOG.to_csv(tmp_path / "log.csv", index=False)
    figure = learning_curve(tmp_path, "rednet")
    loss_axes, psnr_axes = figure.axes
    assert list(loss_axes.lines[0].get_xdata()) == [10, 20, 30]
    assert list(psnr_axes.lines[0].get_ydata()) == [25.0, 27.5, 28.0]
    assert loss_axes.get_yscale() == "log"
    assert "rednet" in loss_axes.get_title()


def test_read_log_accepts_file_and_frame(tmp_path: Path) -> None:
    LOG.to_csv(tmp_path / "log.csv", index=False)
    assert read_log(tmp_path / "log.csv").equals(read_log(LOG))


def test_missing_log_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="log.csv"):
        read_log(tmp_path)


def test_log_without_scores_is_refused() -> None:
    with pytest.raises(ValueError, match="val_psnr"):
        read_log(LOG.drop(columns="val_psnr"))
