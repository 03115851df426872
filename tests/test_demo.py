"""The demo's report: built from the rows notebook 04 saves, honest when they are missing."""

from pathlib import Path

import pandas as pd
import pytest

from casestudy import demo
from casestudy.report import results_path, save_rows


def _rows() -> pd.DataFrame:
    rows = []
    for instance, scene in (("0001_001_GP", "001"), ("0002_007_IP", "007")):
        for method, psnr in (("noisy", 20.0), ("nlm", 26.0)):
            rows.append({"instance": instance, "scene": scene, "source": "simulated", "phone": "GP",
                         "iso": 800.0, "brightness": "N", "split": "test", "method": method,
                         "psnr": psnr + (instance == "0002_007_IP"), "ssim": 0.5, "seconds": 0.1,
                         "megapixels": 0.1, "s_per_mp": 1.0})
    return pd.DataFrame(rows)


def test_report_summarises_the_saved_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("casestudy.config.reports_dir", lambda: tmp_path)
    data_dir = tmp_path / "simulated-sidd"
    save_rows(_rows(), results_path(data_dir, "test"))
    report = demo.results_report(data_dir, "laptop")
    assert "2 test images from 2 scenes" in report
    table_lines = [line for line in report.splitlines() if line.startswith("| noisy") or line.startswith("| nlm")]
    assert len(table_lines) == 2
    assert "20.50" in table_lines[0] and "26.50" in table_lines[1]  # means over the two images


def test_report_says_when_there_are_no_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("casestudy.config.reports_dir", lambda: tmp_path)
    report = demo.results_report(tmp_path / "elsewhere", "smoke")
    assert report.startswith("No results yet") and "notebook 04" in report
