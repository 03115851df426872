"""The quality bar's checks: known inputs give known scores, and the table says what the rows say."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from casestudy.evaluation import quality_check as qc


def test_centre_crop_takes_the_middle_square() -> None:
    image = np.arange(10 * 6 * 3, dtype=np.float32).reshape(10, 6, 3)
    crop = qc.centre_crop(image, 4)
    assert crop.shape == (4, 4, 3) and np.array_equal(crop, image[3:7, 1:5])
    assert qc.centre_crop(image, 20).shape == (10, 6, 3)


def test_quality_table_averages_per_condition_orders_levels_and_reports_the_worst_dark_shift() -> None:
    rows = pd.DataFrame.from_records([
        {"check": "unseen", "condition": level, "image": image, "method": method, "psnr": value, "dark_shift": 0.0}
        for level, base in (("medium", 30.0), ("heavy", 25.0), ("light", 35.0))
        for image, offset in (("a", 0.0), ("b", 2.0))
        for method, value in (("noisy", base + offset - 5), ("net", base + offset))
    ] + [
        {"check": "clean", "condition": "clean in", "image": image, "method": "net", "psnr": 45.0, "dark_shift": shift}
        for image, shift in (("a", -3.0), ("b", 1.0))
    ])  # fmt: skip
    table = qc.quality_table(rows, spread=False)
    assert list(table.loc["unseen"].index) == ["light", "medium", "heavy", "all"]
    assert table.loc[("unseen", "light"), "net"] == 36.0
    assert table.loc[("unseen", "all"), "noisy"] == 26.0
    assert table.loc[("clean", "largest dark shift (/255)"), "net"] == 3.0
    assert qc.quality_table(rows).loc[("unseen", "light"), "net"] == "36.00 ±1.00"
    assert "| unseen | light |" in qc.table_markdown(table)


def test_quality_rows_score_every_method_on_every_condition() -> None:
    from casestudy.config import get_profile

    identity = {"keep (blind)": lambda x: x}
    rows = qc.quality_rows(get_profile("smoke"), {}, checks=("white", "clean"), long_side=48, crop=32, max_images=2,
                           blind=identity)  # fmt: skip
    white = rows[rows["check"] == "white"]
    assert set(white["condition"]) == {f"sigma {s}" for s in qc.WHITE_SIGMAS}
    assert set(white["method"]) == {"noisy", "nlm (true)", "bm3d (true)", "keep (blind)"}
    noisy = white[white["method"] == "noisy"].groupby("condition")["psnr"].mean()
    assert noisy["sigma 5"] > noisy["sigma 15"] > noisy["sigma 25"] > noisy["sigma 50"]
    assert noisy["sigma 25"] == pytest.approx(20.2 + 0.0, abs=1.0)  # 20 log10(255 / 25), less clipping
    bm3d = white[white["method"] == "bm3d (true)"].groupby("condition")["psnr"].mean()
    assert (bm3d > noisy).all()
    clean = rows[rows["check"] == "clean"]
    assert np.isinf(clean["psnr"]).all() and (clean["dark_shift"].fillna(0) == 0).all()  # the identity keeps it
    with pytest.raises(ValueError, match="unknown check"):
        qc.quality_rows(get_profile("smoke"), {}, checks=("grey",), blind=identity)


def test_quality_rows_reuse_earlier_rows_instead_of_running_the_method_again() -> None:
    from casestudy.config import get_profile

    profile = get_profile("smoke")
    identity = {"keep (blind)": lambda x: x}
    first = qc.quality_rows(profile, {}, checks=("clean",), long_side=48, max_images=2, blind=identity)
    earlier = first.assign(psnr=first["psnr"].where(first["method"] != "keep (blind)", 12.5))

    def must_not_run(image: np.ndarray) -> np.ndarray:
        raise AssertionError("a reused method ran again")

    again = qc.quality_rows(profile, {}, checks=("clean",), long_side=48, max_images=2,
                            blind={"keep (blind)": must_not_run}, reuse=earlier)  # fmt: skip
    assert len(again) == len(first) and (again["psnr"] == 12.5).all()
    with pytest.raises(AssertionError, match="ran again"):  # a row it lacks (another image) is computed
        qc.quality_rows(profile, {}, checks=("clean",), long_side=48, max_images=2,
                        blind={"keep (blind)": must_not_run}, reuse=earlier.iloc[:1])  # fmt: skip
