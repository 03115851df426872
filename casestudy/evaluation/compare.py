"""Comparing two methods honestly: paired differences with a scene-clustered bootstrap interval.

A test split of a dozen images from two scenes cannot carry claims such as
"BM3D leads at every ISO": images of one scene share content, so they are not
independent evidence, and a per-ISO mean of three images says little. Here
every comparison is *paired* (both methods on the same image, difference per
image) and its uncertainty comes from a *cluster bootstrap*: whole scenes are
resampled with replacement (every image of a drawn scene comes along), the mean
difference recomputed, and the 2.5 and 97.5 percentiles of those means give a
95 % interval. With few scenes the interval is wide, and that is the point:
it says what the data can and cannot support.

:func:`paired_differences` turns :mod:`casestudy.evaluation.evaluate`'s per-image rows into
one row per image; :func:`bootstrap_comparison` returns the tidy table (overall
and per group, e.g. per ISO band or phone). Introduced in
``04_classical_filters.ipynb``; notebook 08 reuses it for the networks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Bootstrap resamples drawn by default.
DEFAULT_RESAMPLES = 2000
#: Default confidence level of the interval.
DEFAULT_LEVEL = 0.95
#: Columns of :func:`bootstrap_comparison`'s result, in order.
COMPARISON_COLUMNS = (
    "method_a", "method_b", "metric", "group_by", "group", "mean_diff", "ci_low", "ci_high", "n_images", "n_scenes",
)


def paired_differences(
    rows: pd.DataFrame, method_a: str, method_b: str, metric: str = "psnr", image_key: str = "instance"
) -> pd.DataFrame:
    """One row per image scored by both methods: ``diff = metric(method_a) - metric(method_b)``.

    The other columns of ``rows`` (scene, phone, iso, ...) are kept from
    ``method_a``'s rows.

    Raises:
        ValueError: a missing column, a method with no rows, or no image scored by both.
    """
    for column in (image_key, "method", metric, "scene"):
        if column not in rows.columns:
            raise ValueError(f"the rows have no {column!r} column; columns: {list(rows.columns)}")
    present = set(rows["method"])
    for method in (method_a, method_b):
        if method not in present:
            raise ValueError(f"no rows for method {method!r}; methods present: {sorted(present)}")
    a = rows[rows["method"] == method_a].drop_duplicates(image_key).set_index(image_key)
    b = rows[rows["method"] == method_b].drop_duplicates(image_key).set_index(image_key)
    common = a.index.intersection(b.index, sort=False)
    if common.empty:
        raise ValueError(f"no image was scored by both {method_a!r} and {method_b!r}")
    paired = a.loc[common].drop(columns=["method"]).copy()
    paired["a"] = a.loc[common, metric].astype(float)
    paired["b"] = b.loc[common, metric].astype(float)
    paired["diff"] = paired["a"] - paired["b"]
    return paired.reset_index()


def largest_gap(rows: pd.DataFrame, method_a: str, method_b: str, metric: str = "psnr") -> pd.Series:
    """The image where ``method_a`` beats ``method_b`` by the most: one row of :func:`paired_differences`.

    Ties go to the first image in ``instance`` order, so the choice is the same on
    every run. The rule behind the crops of ``08_comparison.ipynb``: show the gap
    where it is largest, not where it looks best.
    """
    paired = paired_differences(rows, method_a, method_b, metric).sort_values("instance", kind="stable")
    return paired.loc[paired["diff"].idxmax()]


def cluster_bootstrap_ci(
    values: Sequence[float],
    clusters: Sequence[object],
    resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> tuple[float, float, float]:
    """``(mean, low, high)``: the mean of ``values`` and a percentile bootstrap interval over clusters.

    Each resample draws as many clusters as there are, with replacement, and
    takes the mean over all values of the drawn clusters (a cluster drawn twice
    counts twice). Seeded: the same inputs and seed give the same interval.

    Raises:
        ValueError: no values, lengths that differ, or a level outside (0, 1).
    """
    values = np.asarray(values, dtype=np.float64)
    labels = np.asarray(clusters)
    if values.size == 0:
        raise ValueError("no values to bootstrap")
    if labels.shape != values.shape:
        raise ValueError(f"{values.size} values but {labels.size} cluster labels")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    _, codes = np.unique(labels, return_inverse=True)
    sums = np.bincount(codes, weights=values)
    counts = np.bincount(codes).astype(np.float64)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, sums.size, size=(int(resamples), sums.size))
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(values.mean()), float(low), float(high)


def bootstrap_comparison(
    rows: pd.DataFrame,
    method_a: str,
    method_b: str,
    metric: str = "psnr",
    by: Sequence[str] = (),
    cluster: str = "scene",
    resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> pd.DataFrame:
    """Mean paired difference ``method_a - method_b`` with a scene-clustered bootstrap interval.

    Args:
        rows: per-image evaluation rows (:func:`casestudy.evaluation.evaluate.evaluate`):
            ``instance``, ``scene``, ``method``, the metric and any grouping columns.
        method_a, method_b: the two methods; a positive difference favours ``method_a``.
        metric: ``"psnr"`` or ``"ssim"`` (any numeric column).
        by: grouping columns for the breakdown (e.g. ``["iso_band"]``, ``["phone"]``);
            each gets one row per value, after the overall row.
        cluster: the column whose values are resampled as whole clusters.
        resamples, level, seed: the bootstrap's size, confidence level and seed.

    Returns:
        A tidy table with :data:`COMPARISON_COLUMNS`: the overall row has
        ``group_by == "all"`` and ``group == "all"``; a group with a single scene
        gets an interval from its images' scene alone, i.e. of zero width:
        one scene cannot show how results vary between scenes.
    """
    paired = paired_differences(rows, method_a, method_b, metric)
    if cluster not in paired.columns:
        raise ValueError(f"the rows have no {cluster!r} column to cluster by")
    records = []

    def record(group_by: str, group: object, part: pd.DataFrame) -> None:
        mean, low, high = cluster_bootstrap_ci(part["diff"], part[cluster], resamples, level, seed)
        records.append(
            {
                "method_a": method_a, "method_b": method_b, "metric": metric, "group_by": group_by,
                "group": str(group), "mean_diff": mean, "ci_low": low, "ci_high": high,
                "n_images": len(part), "n_scenes": part[cluster].nunique(),
            }
        )

    record("all", "all", paired)
    for column in by:
        if column not in paired.columns:
            raise ValueError(f"cannot group by {column!r}: not a column of the rows")
        parts = dict(list(paired.groupby(column, sort=False, observed=True)))
        for value in sorted(parts, key=_group_key):
            record(column, value, parts[value])
    return pd.DataFrame(records, columns=list(COMPARISON_COLUMNS))


def _group_key(value: object) -> tuple[int, float, str]:
    """Reading order of a breakdown's groups: ISO bands low to high (:data:`casestudy.noise.stats.ISO_BANDS`),
    then numbers by value, then text alphabetically (``"ISO 801–1600"`` must not come before ``"ISO 401–800"``)."""
    from casestudy.noise.stats import ISO_BANDS

    bands = [label for _, label in ISO_BANDS]
    if value in bands:
        return (0, float(bands.index(value)), "")
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return (1, float(value), "")
    return (2, 0.0, str(value))


#: The original 2021 case study's table (SIDD + RENOIR + NIND test split, photos squashed to 256x256,
#: pairs split without regard to scenes, SSIM with a uniform 7x7 window): ``{method: (PSNR dB, SSIM)}``.
ORIGINAL_RESULTS = {
    "noisy": (26.38, 0.600),
    "nlm": (30.44, 0.762),
    "rednet": (30.57, 0.793),
    "mwcnn": (32.52, 0.840),
    "pridnet": (33.31, 0.853),
}


def beside_original(summary: pd.DataFrame, original: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Our summary beside the original case study's table, each with its gain over its own noisy input.

    Args:
        summary: :func:`casestudy.evaluation.evaluate.summarize`'s table (index ``method``), with a ``noisy`` row.
        original: ``{method: (psnr, ssim)}`` with a ``noisy`` entry (default :data:`ORIGINAL_RESULTS`).

    Returns:
        One row per method of either table (ours first, in their order), columns
        ``original_psnr, original_ssim, original_gain, our_psnr, our_ssim, our_gain``
        (gains in dB over the noisy input of the same table; NaN where a table lacks the method).

    Raises:
        ValueError: either table without a ``noisy`` row.
    """
    original = ORIGINAL_RESULTS if original is None else original
    if "noisy" not in summary.index or "noisy" not in original:
        raise ValueError("both tables need a 'noisy' row: gains are measured from each table's own noisy input")
    theirs = pd.DataFrame.from_dict(original, orient="index", columns=["original_psnr", "original_ssim"])
    theirs["original_gain"] = theirs["original_psnr"] - theirs.loc["noisy", "original_psnr"]
    ours = summary[["psnr", "ssim"]].astype(float).rename(columns={"psnr": "our_psnr", "ssim": "our_ssim"})
    ours["our_gain"] = ours["our_psnr"] - ours.loc["noisy", "our_psnr"]
    order = list(dict.fromkeys([*ours.index, *theirs.index]))
    table = theirs.reindex(order).join(ours.reindex(order))
    table.index.name = "method"
    return table
