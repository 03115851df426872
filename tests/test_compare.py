"""casestudy.evaluation.compare: paired differences and the scene-clustered bootstrap."""

import numpy as np
import pandas as pd
import pytest

from casestudy.evaluation.compare import COMPARISON_COLUMNS, bootstrap_comparison, cluster_bootstrap_ci, paired_differences


def rows_for(diffs_by_scene: dict[str, list[float]], base: float = 30.0) -> pd.DataFrame:
    """Evaluation-shaped rows: method 'a' scores base + diff, 'b' scores base, per image."""
    rows = []
    for scene, diffs in diffs_by_scene.items():
        for k, diff in enumerate(diffs):
            instance = f"{scene}-{k}"
            iso = 100 if k % 2 == 0 else 1600
            rows.append({"instance": instance, "scene": scene, "iso": iso, "method": "a", "psnr": base + diff})
            rows.append({"instance": instance, "scene": scene, "iso": iso, "method": "b", "psnr": base})
    return pd.DataFrame(rows)


def test_constant_differences_give_a_zero_width_interval_at_that_value():
    table = bootstrap_comparison(rows_for({"s1": [0.5, 0.5], "s2": [0.5, 0.5, 0.5]}), "a", "b")
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    overall = table.iloc[0]
    assert overall["group"] == "all" and overall["n_images"] == 5 and overall["n_scenes"] == 2
    assert overall["mean_diff"] == pytest.approx(0.5)
    assert overall["ci_low"] == pytest.approx(0.5) and overall["ci_high"] == pytest.approx(0.5)


def test_scenes_are_resampled_as_clusters():
    """Two scenes, each internally constant: every resample mean is a mix of whole scenes, so the
    interval spans the two scene means (a per-image bootstrap of 20 images would be far narrower)."""
    values = [1.0] * 10 + [3.0] * 10
    scenes = ["x"] * 10 + ["y"] * 10
    mean, low, high = cluster_bootstrap_ci(values, scenes, resamples=4000, seed=1)
    assert mean == pytest.approx(2.0)
    assert low == pytest.approx(1.0) and high == pytest.approx(3.0)  # both all-x and all-y draws occur
    _, image_low, image_high = cluster_bootstrap_ci(values, range(20), resamples=4000, seed=1)
    assert image_high - image_low < 1.0


def test_cluster_weights_follow_image_counts():
    """A drawn scene brings all its images: resample means lie between scene means, weighted by size."""
    values = [0.0] * 9 + [10.0]
    scenes = ["big"] * 9 + ["small"]
    mean, low, high = cluster_bootstrap_ci(values, scenes, resamples=2000, seed=3)
    assert mean == pytest.approx(1.0)
    assert low == pytest.approx(0.0) and high == pytest.approx(10.0)  # {big, big} and {small, small}
    _, middle_low, middle_high = cluster_bootstrap_ci(values, scenes, resamples=2000, level=0.2, seed=3)
    assert middle_low == pytest.approx(1.0) and middle_high == pytest.approx(1.0)  # {big, small}: 10 / 10


def test_bootstrap_is_seeded():
    rng = np.random.default_rng(0)
    values, scenes = rng.normal(size=30), np.repeat(list("abcdef"), 5)
    assert cluster_bootstrap_ci(values, scenes, seed=5) == cluster_bootstrap_ci(values, scenes, seed=5)
    assert cluster_bootstrap_ci(values, scenes, seed=5) != cluster_bootstrap_ci(values, scenes, seed=6)


def test_groups_break_the_difference_down():
    table = bootstrap_comparison(rows_for({"s1": [1.0, 3.0], "s2": [1.0, 3.0]}), "a", "b", by=["iso"])
    by_iso = table[table["group_by"] == "iso"].set_index("group")
    assert by_iso.loc["100", "mean_diff"] == pytest.approx(1.0) and by_iso.loc["1600", "mean_diff"] == pytest.approx(3.0)
    assert by_iso["n_images"].tolist() == [2, 2] and by_iso["n_scenes"].tolist() == [2, 2]
    assert table.iloc[0]["mean_diff"] == pytest.approx(2.0)


def test_paired_differences_pair_by_image():
    rows = rows_for({"s1": [1.0, 2.0]})
    rows = rows[~((rows["method"] == "b") & (rows["instance"] == "s1-1"))]  # b missed one image
    paired = paired_differences(rows, "a", "b")
    assert paired["instance"].tolist() == ["s1-0"] and paired["diff"].tolist() == [1.0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"method_a": "c"}, "no rows for method 'c'"), ({"metric": "lpips"}, "no 'lpips' column"),
     ({"by": ["phone"]}, "cannot group by 'phone'")],
)
def test_bad_requests_are_clear_errors(kwargs, message):
    arguments = {"method_a": "a", "method_b": "b", **kwargs}
    with pytest.raises(ValueError, match=message):
        bootstrap_comparison(rows_for({"s1": [1.0]}), **arguments)


def test_cluster_bootstrap_rejects_bad_input():
    with pytest.raises(ValueError, match="no values"):
        cluster_bootstrap_ci([], [])
    with pytest.raises(ValueError, match="cluster labels"):
        cluster_bootstrap_ci([1.0, 2.0], ["a"])
    with pytest.raises(ValueError, match="level"):
        cluster_bootstrap_ci([1.0], ["a"], level=1.5)


def test_largest_gap_picks_the_image_with_the_largest_lead_first_on_ties():
    from casestudy.evaluation.compare import largest_gap

    rows = rows_for({"s1": [0.5, 2.0], "s2": [2.0, -1.0]})
    pick = largest_gap(rows, "a", "b")
    assert pick["instance"] == "s1-1" and pick["diff"] == pytest.approx(2.0)  # s1-1 and s2-0 tie; s1-1 first
    assert largest_gap(rows, "b", "a")["instance"] == "s2-1"


def test_beside_original_measures_each_gain_from_its_own_noisy_input():
    from casestudy.evaluation.compare import ORIGINAL_RESULTS, beside_original

    ours = pd.DataFrame({"psnr": [25.0, 29.0, 31.5], "ssim": [0.6, 0.8, 0.9]},
                        index=pd.Index(["noisy", "bm3d", "pridnet"], name="method"))
    table = beside_original(ours)
    assert table.index.tolist() == ["noisy", "bm3d", "pridnet", "nlm", "rednet", "mwcnn"]
    assert table.loc["pridnet", "original_gain"] == pytest.approx(33.31 - 26.38)
    assert table.loc["pridnet", "our_gain"] == pytest.approx(6.5)
    assert np.isnan(table.loc["bm3d", "original_psnr"]) and np.isnan(table.loc["nlm", "our_psnr"])
    assert table.loc["noisy", "original_ssim"] == ORIGINAL_RESULTS["noisy"][1]
    with pytest.raises(ValueError, match="noisy"):
        beside_original(ours.drop(index="noisy"))


def test_breakdown_groups_come_in_reading_order_not_string_order():
    from casestudy.noise.stats import iso_band

    rows = rows_for({"s1": [1.0, 2.0, 3.0, 4.0], "s2": [1.0, 2.0, 3.0, 4.0]})
    rows["iso"] = rows["instance"].map(lambda name: {0: 100, 1: 400, 2: 800, 3: 1600}[int(name[-1])])
    rows["iso_band"] = rows["iso"].map(iso_band)  # plain strings: "ISO 801–1600" sorts before "ISO 401–800"
    table = bootstrap_comparison(rows, "a", "b", by=["iso_band", "iso"])
    bands = table[table["group_by"] == "iso_band"]["group"].tolist()
    assert bands == [iso_band(100), iso_band(400), iso_band(800), iso_band(1600)]
    assert table[table["group_by"] == "iso"]["group"].tolist() == ["100", "400", "800", "1600"]  # numbers by value
