"""Figures of results: what denoisers do and how they score, for every registered method alike.

A method's colour comes from :func:`method_colour`, which gives any name a
colour, deterministic per name (the classical filters keep fixed ones), so the
networks' results join these figures without a table to update:

* :func:`nlm_weights_figure`: a noisy crop with one pixel's reference patch and
  search window marked, beside the Non-Local Means weights of that window;
* :func:`sweep_figure`: PSNR against one parameter, one panel per parameter;
* :func:`comparison_grid`: rows of image crops (noisy, denoised, ground truth),
  each panel titled with its PSNR against the row's ground truth;
* :func:`quality_speed_figure` and :func:`psnr_by_iso_figure`: the results table
  as pictures (PSNR against seconds per megapixel; PSNR against ISO).

Introduced in ``04_classical_filters.ipynb``.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from casestudy.metrics import psnr
from casestudy.plots import image_grid, label_axes, new_figure

#: Fixed colours of the classical methods (the colours their figures have always had).
FIXED_COLOURS = {
    "noisy": "tab:gray",
    "gaussian": "tab:olive",
    "median": "tab:brown",
    "bilateral": "tab:pink",
    "wavelet": "tab:purple",
    "tv": "tab:cyan",
    "nlm": "tab:orange",
    "bm3d": "tab:blue",
}
#: Colours handed out to every other method name, by a checksum of the name.
OTHER_COLOURS = ("tab:red", "tab:green", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")


def method_colour(name: str) -> str:
    """The colour of method ``name`` in every figure: fixed for the classical methods
    (:data:`FIXED_COLOURS`), else one of :data:`OTHER_COLOURS` picked by the CRC-32 of
    the name, so any registered method (``rednet``, ``mwcnn``, ``pridnet``) gets one,
    the same in every run."""
    if name in FIXED_COLOURS:
        return FIXED_COLOURS[name]
    return OTHER_COLOURS[zlib.crc32(name.encode("utf-8")) % len(OTHER_COLOURS)]


#: Axis labels, with units, of the filter parameters a sweep can vary.
PARAMETER_LABELS = {
    "h_factor": "h / estimated noise sigma (ratio)",
    "patch_size": "patch size (pixels)",
    "patch_distance": "patch distance D (pixels)",
    "sigma_factor": "sigma / estimated noise sigma (ratio)",
    "sigma": "blur sigma (pixels)",
    "size": "window size (pixels)",
    "weight": "TV weight (unitless)",
    "sigma_color": "sigma_color (data range 0–1)",
    "sigma_spatial": "sigma_spatial (pixels)",
}


# --------------------------------------------------------------------------- NLM weights


def nlm_weights_figure(
    image: np.ndarray,
    pixel: tuple[int, int],
    weights: np.ndarray,
    *,
    patch_size: int,
    title: str = "Non-Local Means weights of one pixel",
    top: int = 5,
    margin: int = 6,
) -> Figure:
    """A crop of ``image`` around p with its reference patch and search window marked, beside the weights w(p, q).

    Args:
        image: the noisy image, (H, W, 3) in [0, 1]; the figure shows a crop
            reaching ``margin`` pixels past the patches of the search window.
        pixel: p as (row, column) in ``image``.
        weights: :func:`casestudy.filters.nlm_weights` of p, shape (2D + 1, 2D + 1).
        patch_size: the patch side the weights were computed with.
        title: the figure's title.
        top: also outline the ``top`` most similar patches that do not overlap p's own
            (overlapping ones share pixels, and noise, with it, so they say little); 0: none.
        margin: pixels of context shown around the search window's patches.
    """
    d = weights.shape[0] // 2
    half = patch_size // 2
    row, col = (int(v) for v in pixel)
    reach = d + half + margin
    r0, c0 = max(row - reach, 0), max(col - reach, 0)
    r1, c1 = min(row + reach + 1, image.shape[0]), min(col + reach + 1, image.shape[1])
    ranked = [np.unravel_index(int(i), weights.shape) for i in np.argsort(-weights, axis=None, kind="stable")]
    others = [(i, j) for i, j in ranked if max(abs(i - d), abs(j - d)) >= patch_size][:top]

    figure, (left, right) = new_figure(10.5, 5.0, nrows=1, ncols=2)
    left.imshow(np.clip(image[r0:r1, c0:c1], 0.0, 1.0), interpolation="nearest",
                extent=(c0 - 0.5, c1 - 0.5, r1 - 0.5, r0 - 0.5))
    left.add_patch(Rectangle((col - d - 0.5, row - d - 0.5), 2 * d + 1, 2 * d + 1, fill=False, ec="yellow",
                             ls="--", lw=1.5, label=f"search window of p ({2 * d + 1}x{2 * d + 1} pixels)"))
    for rank, (i, j) in enumerate(others):
        left.add_patch(Rectangle((col + j - d - half - 0.5, row + i - d - half - 0.5), patch_size, patch_size,
                                 fill=False, ec="cyan", lw=1.0,
                                 label=f"the {len(others)} most similar patches not overlapping it"
                                 if rank == 0 else None))
    left.add_patch(Rectangle((col - half - 0.5, row - half - 0.5), patch_size, patch_size, fill=False, ec="red",
                             lw=2.0, label=f"reference patch around p ({patch_size}x{patch_size} pixels)"))
    label_axes(left, "Noisy image around p", "column (pixels)", "row (pixels)")
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize="small", frameon=False)

    shown = right.imshow(weights, cmap="magma", vmin=0.0, vmax=1.0, extent=(-d - 0.5, d + 0.5, d + 0.5, -d - 0.5),
                         interpolation="nearest")
    right.add_patch(Rectangle((-half - 0.5, -half - 0.5), patch_size, patch_size, fill=False, ec="red", lw=2.0))
    for i, j in others:
        right.plot(j - d, i - d, "o", mfc="none", mec="cyan", ms=7)
    label_axes(right, "Weight w(p, q) of each pixel q of the window", "column offset of q from p (pixels)",
               "row offset of q from p (pixels)")
    figure.colorbar(shown, ax=right, label="weight (0–1, unitless)")
    figure.suptitle(title)
    return figure


# --------------------------------------------------------------------------- sweeps


def sweep_figure(
    sweeps: Mapping[str, pd.DataFrame],
    *,
    noisy_psnr: float | None = None,
    title: str = "PSNR against each parameter",
    method: str = "nlm",
) -> Figure:
    """One panel per swept parameter: mean PSNR (dB) against its value, the best point starred.

    Args:
        sweeps: ``{parameter: table}``, each table with that parameter's column
            and ``psnr`` (as :func:`casestudy.evaluation.tuning.sweep_parameter` returns).
        noisy_psnr: drawn as a dashed line, the score to beat.
        title: the figure's title.
        method: the method swept (its colour draws the lines).
    """
    if not sweeps:
        raise ValueError("sweep_figure needs at least one sweep")
    figure, axes = new_figure(3.6 * len(sweeps) + 0.8, 3.8, nrows=1, ncols=len(sweeps), sharey=True, squeeze=False)
    for panel, (parameter, table) in zip(axes[0], sweeps.items()):
        values, scores = table[parameter].to_numpy(), table["psnr"].to_numpy()
        panel.plot(values, scores, "o-", color=method_colour(method))
        best = int(np.argmax(scores))
        panel.plot(values[best], scores[best], "*", ms=15, color="tab:red", label=f"best: {values[best]:g}")
        if noisy_psnr is not None:
            panel.axhline(noisy_psnr, ls="--", color=method_colour("noisy"), label="noisy input")
        panel.set(title=f"Varying {parameter}", xlabel=PARAMETER_LABELS.get(parameter, parameter))
        panel.legend(fontsize="small")
        panel.grid(alpha=0.3)
    axes[0][0].set_ylabel("PSNR (dB)")
    figure.suptitle(title)
    return figure


# --------------------------------------------------------------------------- image crops


def comparison_grid(
    rows: Mapping[str, Mapping[str, np.ndarray]],
    *,
    title: str,
    reference: str | None = "ground truth",
) -> Figure:
    """Crops side by side (one row per entry of ``rows``), each titled with its PSNR against the row's reference.

    Args:
        rows: ``{row label: {column label: image}}``; images (H, W, 3) in [0, 1],
            the same size within a row.
        title: the figure's title (say which crop it is and its size in pixels).
        reference: the column that holds the ground truth; every other panel of
            the row is titled with its PSNR against it (``None``: no scores).
    """
    if not rows:
        raise ValueError("comparison_grid needs at least one row")
    ncols = max(len(images) for images in rows.values())
    first = next(iter(next(iter(rows.values())).values()))
    aspect = first.shape[1] / first.shape[0]
    titles = []
    for images in rows.values():
        truth = images.get(reference) if reference else None
        titles.append([label + ("" if truth is None or label == reference else f"\n{psnr(truth, image):.2f} dB")
                       for label, image in images.items()])
    return image_grid([list(images.values()) for images in rows.values()], titles, suptitle=title,
                      row_labels=list(rows), figsize=(2.6 * ncols * max(aspect, 0.6), 2.7 * len(rows) + 0.6),
                      title_size="medium")


# --------------------------------------------------------------------------- results


def _label_of(method: str) -> str:
    from casestudy.evaluation.methods import METHODS

    return METHODS[method].label if method in METHODS else method


def _label_offsets(points: Mapping[str, tuple[float, float]], decades: float = 0.25, db: float = 0.4
                   ) -> dict[str, tuple[int, int]]:  # fmt: skip
    """Each point's label offset (points): up and right of it, or, for a cluster of points (each within ``decades``
    in time and ``db`` in PSNR of another in the cluster, so a chain of near points is one cluster), a column of
    labels to their right, best first, each tied to its point by a leader line, so that none covers another and no
    label sits beside another's point."""
    import math

    def near(a: str, b: str) -> bool:
        (xa, ya), (xb, yb) = points[a], points[b]
        return abs(math.log10(xa) - math.log10(xb)) < decades and abs(ya - yb) < db

    best_first = sorted(points, key=lambda key: -points[key][1])
    offsets, placed = {}, set()
    for name in best_first:
        if name in placed:
            continue
        cluster, frontier = {name}, [name]
        while frontier:
            current = frontier.pop()
            joining = {other for other in best_first if other not in cluster and near(current, other)}
            cluster |= joining
            frontier.extend(joining)
        placed |= cluster
        group = [member for member in best_first if member in cluster]
        if len(group) == 1:
            offsets[name] = (6, 4)
            continue
        for rank, member in enumerate(group):
            offsets[member] = (28, 14 - 12 * rank)
    return offsets


def quality_speed_figure(summary: pd.DataFrame, title: str = "Quality against speed on the test images") -> Figure:
    """Mean PSNR (dB) against median seconds per megapixel (log scale), one point per method.

    ``summary`` is :func:`casestudy.evaluation.evaluate.summarize`'s table (index ``method``);
    the noisy input, which costs nothing, is a dashed line.
    """
    figure, axes = new_figure(7.5, 4.6)
    points = {str(method): (max(row["s_per_mp"], 1e-4), row["psnr"]) for method, row in summary.iterrows()
              if method != "noisy"}  # fmt: skip
    for method, row in summary.iterrows():
        colour = method_colour(str(method))
        if method == "noisy":
            axes.axhline(row["psnr"], ls="--", color=colour, label=f"{_label_of('noisy')} (no cost)")
            continue
        axes.scatter(*points[str(method)], s=60, color=colour, zorder=3)
    offsets = _label_offsets(points)
    for method in points:
        offset = offsets[method]
        crowded = offset != (6, 4)
        axes.annotate(_label_of(method), points[method], xytext=offset, textcoords="offset points", fontsize="small",
                      arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "grey"} if crowded else None)  # fmt: skip
    axes.set_xscale("log")
    axes.margins(x=0.12, y=0.1)
    label_axes(axes, title, "median time (seconds per megapixel, log scale)", "mean PSNR (dB)")
    axes.grid(alpha=0.3, which="both")
    axes.legend(loc="lower right", fontsize="small")
    return figure


def psnr_by_iso_figure(
    rows: pd.DataFrame, methods: Sequence[str] | None = None, title: str = "PSNR by ISO on the test images"
) -> Figure:
    """Mean PSNR (dB) of each method at each ISO (log scale), from :func:`casestudy.evaluation.evaluate.evaluate`'s rows.

    Rows whose ISO is unknown are left out; with none known, the panel says so.
    """
    known = rows[rows["iso"].notna()]
    order = list(methods) if methods is not None else list(dict.fromkeys(rows["method"]))
    figure, axes = new_figure(7.5, 4.6)
    for method in order:
        means = known[known["method"] == method].groupby("iso")["psnr"].mean()
        if means.empty:
            continue
        style = "--" if method == "noisy" else "-"
        axes.plot(means.index, means.to_numpy(), style, marker="o", color=method_colour(method),
                  label=_label_of(method))
    if known.empty:
        axes.text(0.5, 0.5, "no ISO recorded for these images", ha="center", va="center", transform=axes.transAxes)
    else:
        axes.set_xscale("log", base=2)
        isos = sorted(known["iso"].unique())
        axes.set_xticks(isos, [f"{iso:g}" for iso in isos])
        axes.minorticks_off()
        axes.legend(fontsize="small", ncol=2)
    label_axes(axes, title, "ISO of the noisy shot (log scale)", "mean PSNR (dB)")
    axes.grid(alpha=0.3)
    return figure


def before_after_figure(
    before: pd.DataFrame,
    after: pd.DataFrame,
    networks: Sequence[str],
    reference: str = "bm3d (true)",
    title: str = "What the retraining changed: the same check, the weights before and after",
) -> Figure:
    """Two panels from two runs of the quality check (:func:`casestudy.evaluation.quality_check.quality_rows`):
    each network's PSNR minus ``reference`` on white noise against sigma (dashed: before, solid: after), and the
    PSNR of a clean photo given back (bars: before, after).

    Raises:
        ValueError: a network missing from either run.
    """
    missing = [name for name in networks for rows in (before, after) if name not in set(rows["method"])]
    if missing:
        raise ValueError(f"no rows for {sorted(set(missing))} in both runs of the quality check")
    figure, (sweep, clean) = new_figure(11.5, 4.2, ncols=2, gridspec_kw={"width_ratios": [1.6, 1]})
    width = 0.8 / 2
    for index, name in enumerate(networks):
        colour = method_colour(name)
        for when, rows, style in (("before", before, "--"), ("after", after, "-")):
            white = rows[rows["check"] == "white"].groupby(["condition", "method"])["psnr"].mean().unstack()
            sigmas = sorted(white.index, key=lambda condition: float(condition.split()[-1]))
            gap = [white.loc[condition, name] - white.loc[condition, reference] for condition in sigmas]
            sweep.plot([float(c.split()[-1]) for c in sigmas], gap, style, marker="o", color=colour,
                       label=f"{_label_of(name)}, {when}")  # fmt: skip
            given_back = rows[(rows["check"] == "clean") & (rows["method"] == name)]["psnr"].mean()
            offset = -width / 2 if when == "before" else width / 2
            clean.bar(index + offset, given_back, width, color=colour, alpha=0.45 if when == "before" else 1.0,
                      hatch="//" if when == "before" else None, edgecolor="black", linewidth=0.5)  # fmt: skip
    sweep.axhline(0.0, color="black", lw=0.8)
    label_axes(sweep, "White noise: PSNR minus BM3D given the true sigma", "noise sigma (of 255)", "dB")
    sweep.legend(fontsize="x-small", ncols=2)
    sweep.grid(alpha=0.3)
    clean.set_xticks(range(len(networks)), [_label_of(name) for name in networks])
    label_axes(clean, "A clean photo in: PSNR of what comes back\n(hatched: before, solid: after)", "", "dB")
    clean.grid(alpha=0.3, axis="y")
    figure.suptitle(title)
    return figure
