"""The demo's report: built from the rows notebook 04 saves, honest when they are missing."""

from pathlib import Path

import pandas as pd
import pytest

from casestudy import demo
from casestudy.evaluation.report import results_path, save_rows


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


def _network_rows(method: str, parameters: int, psnr: float) -> pd.DataFrame:
    rows = _rows()
    rows = rows[rows["method"] == "noisy"].assign(method=method, psnr=psnr, parameters=parameters)
    return pd.concat([_rows(), rows], ignore_index=True)  # a network notebook may save the baseline beside it


def test_report_merges_each_networks_rows_with_its_parameters_and_draws_the_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("casestudy.config.reports_dir", lambda: tmp_path)
    data_dir = tmp_path / "simulated-sidd"
    save_rows(_rows(), results_path(data_dir, "test"))
    save_rows(_network_rows("pridnet", 2_478_195, 31.0), results_path(data_dir, "test", "pridnet"))
    save_rows(_network_rows("rednet", 298_947, 28.0), results_path(data_dir, "test", "rednet"))
    report = demo.results_report(data_dir, "laptop", figures_dir=tmp_path)
    table = [line for line in report.splitlines() if line.startswith("| ")]
    assert [line.split("|")[1].strip() for line in table[1:]] == ["noisy", "nlm", "rednet", "pridnet"]
    assert "parameters" in table[0] and "2,478,195" in table[-1] and "298,947" in table[-2]
    assert table[1].split("|")[-2].strip() == ""  # the noisy input has no parameter count
    for name in demo.REPORT_FIGURES:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({name})" in report
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]  # no temporary file left
    assert "pridnet-simulated-sidd-test.csv" in report


def test_report_without_networks_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("casestudy.config.reports_dir", lambda: tmp_path)
    data_dir = tmp_path / "simulated-sidd"
    save_rows(_rows(), results_path(data_dir, "test"))
    assert "No network rows yet" in demo.results_report(data_dir, "laptop")


def test_report_adds_the_unseen_check_when_scored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from casestudy.evaluation.unseen.check import results_file, save_table

    monkeypatch.setattr("casestudy.config.reports_dir", lambda: tmp_path)
    data_dir, check_dir = tmp_path / "simulated-sidd", tmp_path / "unseen-check"
    save_rows(_rows(), results_path(data_dir, "test"))
    assert "unseen-noise check" not in demo.results_report(data_dir, "laptop", check_dir=check_dir)
    table = pd.DataFrame({"file": ["a_light.png", "a_heavy.png"], "level": ["light", "heavy"], "noisy": [30.0, 20.0],
                          "nlm (true sigma)": [33.0, 26.0], "bm3d (true PSD)": [34.0, 27.0], "rednet": [32.5, 25.5],
                          "pridnet": [34.5, 26.5]})  # fmt: skip
    save_table(table, results_file(check_dir))
    report = demo.results_report(data_dir, "laptop", check_dir=check_dir)
    assert "## The unseen-noise check" in report
    assert "| all | 25.00 | 29.50 | 30.50 | 29.00 | 30.50 |" in report
    assert "not met: rednet -1.50 dB overall (worst level -1.50), pridnet +0.00 dB overall (worst level -0.50) against " \
        "the better of NLM and BM3D given the true noise" in report
    # with the blind filters' columns the bar is theirs, and the true-noise columns stay as a reference
    table["nlm (blind)"], table["bm3d (blind)"] = [32.0, 25.0], [33.0, 26.5]
    save_table(table, results_file(check_dir))
    report = demo.results_report(data_dir, "laptop", check_dir=check_dir)
    assert "run blind (estimating the noise, as a user runs them)" in report
    assert ("not met: rednet -0.75 dB overall (worst level -1.00), pridnet +0.75 dB overall (worst level +0.00) "
            "against the better of NLM and BM3D run blind") in report  # a tie at one level is not a win
    table["rednet"], table["pridnet"] = [34.0, 27.0], [34.5, 26.6]
    save_table(table, results_file(check_dir))
    assert "every network beats the better of NLM and BM3D run blind, overall and at every level" in \
        demo.results_report(data_dir, "laptop", check_dir=check_dir)
