"""casestudy.evaluation.report: per-image rows saved and read back as CSV, summaries as Markdown tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_evaluate import SCENES, write_catalogue

from casestudy.evaluation.report import ROW_COLUMNS
from casestudy.evaluation.evaluate import evaluate, summarize
from casestudy.evaluation.report import format_table, load_rows, results_path, save_rows


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return write_catalogue(tmp_path_factory.mktemp("data"), SCENES)


def test_format_table_is_markdown_with_every_method() -> None:
    summary = pd.DataFrame(
        {"psnr": [math.inf, 30.444], "ssim": [1.0, 0.76], "s_per_mp": [0.0, 1.2345], "images": [2, 2]},
        index=pd.Index(["noisy", "nlm"], name="method"),
    )
    lines = format_table(summary).splitlines()
    assert lines[0].startswith("| method") and set(lines[1]) <= {"|", "-", ":"}
    assert " inf " in lines[2] and "Noisy input" in lines[2]
    assert "Non-Local Means" in lines[3] and "30.44" in lines[3] and "1.234" in lines[3]
    assert len({len(line) for line in lines}) == 1  # columns aligned


def test_results_path_names_kind_data_set_and_split(tmp_path: Path) -> None:
    from casestudy.config import reports_dir

    assert results_path(tmp_path / "simulated-sidd") == reports_dir() / "classical-simulated-sidd-test.csv"
    assert results_path(tmp_path / "mine/", "val", kind="evaluate").name == "evaluate-mine-val.csv"


def test_rows_round_trip_with_text_kept_as_text(catalogue, tmp_path: Path) -> None:
    rows = evaluate(catalogue, ["noisy", "gaussian"], max_images=2)
    rows["scene"] = "007"  # a scene name that looks like a number
    rows.loc[0, "phone"] = ""
    rows.loc[1, "psnr"] = math.inf  # a perfect output
    path = save_rows(rows, tmp_path / "reports" / "rows.csv")
    assert path == tmp_path / "reports" / "rows.csv"
    back = load_rows(path)
    assert list(back.columns) == list(ROW_COLUMNS)
    assert back["scene"].tolist() == ["007"] * len(rows) and back.loc[0, "phone"] == ""
    np.testing.assert_allclose(back["psnr"].to_numpy(), rows["psnr"].to_numpy())
    assert back["iso"].dtype.kind == "f" and back["method"].tolist() == rows["method"].tolist()
    pd.testing.assert_frame_equal(summarize(back), summarize(rows), check_dtype=False)


def test_save_rows_refuses_a_table_that_is_not_rows(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not evaluation rows"):
        save_rows(pd.DataFrame({"method": ["nlm"]}), tmp_path / "rows.csv")
    assert not (tmp_path / "rows.csv").exists()


def test_load_rows_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="04_classical_filters.ipynb writes them"):
        load_rows(tmp_path / "missing.csv")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="other.csv: not evaluation rows"):
        load_rows(tmp_path / "other.csv")


def test_merged_rows_take_each_network_from_its_own_file(catalogue, tmp_path: Path, monkeypatch) -> None:
    from casestudy.evaluation.report import merged_rows

    monkeypatch.setattr("casestudy.config.reports_dir", lambda: tmp_path)
    data_dir = tmp_path / "data-set"
    assert merged_rows(data_dir).empty
    rows = evaluate(catalogue, ["noisy", "gaussian"], split="all")
    save_rows(rows, results_path(data_dir, "test"))
    network = rows.assign(psnr=rows["psnr"] + 1.0)
    network["method"] = network["method"].replace({"gaussian": "rednet"})
    save_rows(network.assign(parameters=42), results_path(data_dir, "test", "rednet"))
    merged = merged_rows(data_dir)
    assert list(dict.fromkeys(merged["method"])) == ["noisy", "gaussian", "rednet"]
    noisy = merged[merged["method"] == "noisy"]
    assert noisy["psnr"].tolist() == rows[rows["method"] == "noisy"]["psnr"].tolist()  # the classical file's
    assert str(merged["parameters"].dtype) == "Int64"
    assert merged.loc[merged["method"] == "rednet", "parameters"].eq(42).all()
    assert merged.loc[merged["method"] != "rednet", "parameters"].isna().all()
