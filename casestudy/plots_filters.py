"""The figures of the classical-filter notebook, and the choice of what they show.

Each plotting function draws one figure and returns it (a matplotlib
:class:`~matplotlib.figure.Figure` with a title, labelled axes and units), so
notebooks hold no plotting code of their own:

* :func:`nlm_weights_figure`: a noisy crop with one pixel's reference patch and
  search window marked, beside the Non-Local Means weights of that window;
* :func:`sweep_figure`: PSNR against one filter parameter, one panel per parameter;
* :func:`crop_grid`: rows of image crops (noisy, filtered, ground truth), each
  panel titled with its PSNR against the row's ground truth;
* :func:`quality_speed_figure` and :func:`psnr_by_iso_figure`: the results table
  as pictures (PSNR against seconds per megapixel; PSNR against ISO).

What to show is chosen by rule, never at random, so a figure is the same on
every run and on any data set: :func:`demo_pixel` finds an edge pixel or a flat
one, :func:`detail_window` the most detailed square of a photo.
Introduced in ``04_classical_filters.ipynb``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from casestudy.metrics import psnr

#: One colour per method, the same in every figure of the notebook.
METHOD_COLOURS = {
    "noisy": "tab:gray",
    "gaussian": "tab:olive",
    "median": "tab:brown",
    "bilateral": "tab:pink",
    "wavelet": "tab:purple",
    "tv": "tab:cyan",
    "nlm": "tab:orange",
    "bm3d": "tab:blue",
}
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


# --------------------------------------------------------------------------- what to show


def _luminance(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image, dtype=np.float64)
    return array.mean(axis=-1) if array.ndim == 3 else array


def _gradient_magnitude(image: np.ndarray, smooth: float = 1.0) -> np.ndarray:
    from scipy import ndimage

    gray = ndimage.gaussian_filter(_luminance(image), smooth)
    return np.hypot(ndimage.sobel(gray, axis=0), ndimage.sobel(gray, axis=1))


def demo_pixel(clean: np.ndarray, margin: int, kind: str = "edge") -> tuple[int, int]:
    """A pixel of ``clean`` at least ``margin`` pixels from every border: on its strongest edge, or its flattest spot.

    ``"edge"`` takes the largest gradient magnitude of the lightly smoothed
    luminance; ``"flat"`` the smallest local spread (7x7 standard deviation).
    Ties go to the first pixel in row-major order, so the choice is deterministic.

    Raises:
        ValueError: an unknown ``kind`` or an image too small for the margin.
    """
    from scipy import ndimage

    gray = _luminance(clean)
    height, width = gray.shape
    if height <= 2 * margin or width <= 2 * margin:
        raise ValueError(f"a {height}x{width} image has no pixel {margin} pixels away from every border")
    if kind == "edge":
        score = _gradient_magnitude(clean)
    elif kind == "flat":
        mean = ndimage.uniform_filter(gray, 7)
        score = -np.sqrt(np.maximum(ndimage.uniform_filter(gray**2, 7) - mean**2, 0.0))
    else:
        raise ValueError(f"unknown kind {kind!r}; choose 'edge' or 'flat'")
    inner = score[margin : height - margin, margin : width - margin]
    row, col = np.unravel_index(int(np.argmax(inner)), inner.shape)
    return int(row) + margin, int(col) + margin


def detail_window(clean: np.ndarray, size: int, block: int = 16) -> tuple[slice, slice]:
    """The ``size`` x ``size`` window of ``clean`` holding the most detail (mean gradient magnitude).

    Windows are tried on a grid of ``block`` pixels; the first best one wins.
    An image smaller than ``size`` gives the whole image.
    """
    height, width = clean.shape[:2]
    h, w = min(size, height), min(size, width)
    density = _gradient_magnitude(clean)
    integral = np.pad(density.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    tops = np.unique(np.r_[np.arange(0, height - h + 1, block), height - h])
    lefts = np.unique(np.r_[np.arange(0, width - w + 1, block), width - w])
    t, l = np.meshgrid(tops, lefts, indexing="ij")
    sums = integral[t + h, l + w] - integral[t, l + w] - integral[t + h, l] + integral[t, l]
    best = np.unravel_index(int(np.argmax(sums)), sums.shape)
    top, left = int(t[best]), int(l[best])
    return slice(top, top + h), slice(left, left + w)


def _show(axes: plt.Axes, image: np.ndarray) -> None:
    axes.imshow(np.clip(image, 0.0, 1.0), interpolation="nearest")


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

    figure, (left, right) = plt.subplots(1, 2, figsize=(10.5, 5.0), layout="constrained")
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
    left.set(title="Noisy image around p", xlabel="column (pixels)", ylabel="row (pixels)")
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize="small", frameon=False)

    shown = right.imshow(weights, cmap="magma", vmin=0.0, vmax=1.0, extent=(-d - 0.5, d + 0.5, d + 0.5, -d - 0.5),
                         interpolation="nearest")
    right.add_patch(Rectangle((-half - 0.5, -half - 0.5), patch_size, patch_size, fill=False, ec="red", lw=2.0))
    for i, j in others:
        right.plot(j - d, i - d, "o", mfc="none", mec="cyan", ms=7)
    right.set(title="Weight w(p, q) of each pixel q of the window", xlabel="column offset of q from p (pixels)",
              ylabel="row offset of q from p (pixels)")
    figure.colorbar(shown, ax=right, label="weight (0–1, unitless)")
    figure.suptitle(title)
    return figure


# --------------------------------------------------------------------------- sweeps


def sweep_figure(
    sweeps: Mapping[str, pd.DataFrame],
    *,
    noisy_psnr: float | None = None,
    title: str = "PSNR against each parameter",
) -> Figure:
    """One panel per swept parameter: mean PSNR (dB) against its value, the best point starred.

    Args:
        sweeps: ``{parameter: table}``, each table with that parameter's column
            and ``psnr`` (as :func:`casestudy.tuning.sweep_parameter` returns).
        noisy_psnr: drawn as a dashed line, the score to beat.
        title: the figure's title.
    """
    if not sweeps:
        raise ValueError("sweep_figure needs at least one sweep")
    figure, axes = plt.subplots(1, len(sweeps), figsize=(3.6 * len(sweeps) + 0.8, 3.8), layout="constrained",
                                sharey=True, squeeze=False)
    for panel, (parameter, table) in zip(axes[0], sweeps.items()):
        values, scores = table[parameter].to_numpy(), table["psnr"].to_numpy()
        panel.plot(values, scores, "o-", color=METHOD_COLOURS["nlm"])
        best = int(np.argmax(scores))
        panel.plot(values[best], scores[best], "*", ms=15, color="tab:red", label=f"best: {values[best]:g}")
        if noisy_psnr is not None:
            panel.axhline(noisy_psnr, ls="--", color=METHOD_COLOURS["noisy"], label="noisy input")
        panel.set(title=f"Varying {parameter}", xlabel=PARAMETER_LABELS.get(parameter, parameter))
        panel.legend(fontsize="small")
        panel.grid(alpha=0.3)
    axes[0][0].set_ylabel("PSNR (dB)")
    figure.suptitle(title)
    return figure


# --------------------------------------------------------------------------- image crops


def crop_grid(
    rows: Mapping[str, Mapping[str, np.ndarray]],
    *,
    title: str,
    reference: str | None = "ground truth",
) -> Figure:
    """A grid of image crops: one row per entry of ``rows``, one column per image in it.

    Args:
        rows: ``{row label: {column label: image}}``; images (H, W, 3) in [0, 1],
            the same size within a row.
        title: the figure's title (say which crop it is and its size in pixels).
        reference: the column that holds the ground truth; every other panel of
            the row is titled with its PSNR against it (``None``: no scores).
    """
    if not rows:
        raise ValueError("crop_grid needs at least one row")
    ncols = max(len(images) for images in rows.values())
    first = next(iter(next(iter(rows.values())).values()))
    aspect = first.shape[1] / first.shape[0]
    figure, axes = plt.subplots(len(rows), ncols, figsize=(2.6 * ncols * max(aspect, 0.6), 2.7 * len(rows) + 0.6),
                                layout="constrained", squeeze=False)
    for line, (row_label, images) in zip(axes, rows.items()):
        truth = images.get(reference) if reference else None
        for panel, (label, image) in zip(line, images.items()):
            _show(panel, image)
            score = "" if truth is None or label == reference else f"\n{psnr(truth, image):.2f} dB"
            panel.set_title(f"{label}{score}", fontsize="medium")
            panel.set_xticks([])
            panel.set_yticks([])
            panel.set_xlabel(f"{image.shape[1]} px")
        line[0].set_ylabel(f"{row_label}\n{images[next(iter(images))].shape[0]} px")
        for panel in line[len(images):]:
            panel.axis("off")
    figure.suptitle(title)
    return figure


# --------------------------------------------------------------------------- results


def _label_of(method: str) -> str:
    from casestudy.evaluate import METHODS

    return METHODS[method].label if method in METHODS else method


def quality_speed_figure(summary: pd.DataFrame, title: str = "Quality against speed on the test images") -> Figure:
    """Mean PSNR (dB) against median seconds per megapixel (log scale), one point per method.

    ``summary`` is :func:`casestudy.evaluate.summarize`'s table (index ``method``);
    the noisy input, which costs nothing, is a dashed line.
    """
    figure, axes = plt.subplots(figsize=(7.5, 4.6), layout="constrained")
    for method, row in summary.iterrows():
        colour = METHOD_COLOURS.get(str(method), "black")
        if method == "noisy":
            axes.axhline(row["psnr"], ls="--", color=colour, label=f"{_label_of('noisy')} (no cost)")
            continue
        axes.scatter(max(row["s_per_mp"], 1e-4), row["psnr"], s=60, color=colour, zorder=3)
        axes.annotate(_label_of(str(method)), (max(row["s_per_mp"], 1e-4), row["psnr"]), xytext=(6, 4),
                      textcoords="offset points", fontsize="small")
    axes.set_xscale("log")
    axes.margins(x=0.12, y=0.1)
    axes.set(title=title, xlabel="median time (seconds per megapixel, log scale)", ylabel="mean PSNR (dB)")
    axes.grid(alpha=0.3, which="both")
    axes.legend(loc="lower right", fontsize="small")
    return figure


def psnr_by_iso_figure(
    rows: pd.DataFrame, methods: Sequence[str] | None = None, title: str = "PSNR by ISO on the test images"
) -> Figure:
    """Mean PSNR (dB) of each method at each ISO (log scale), from :func:`casestudy.evaluate.evaluate`'s rows.

    Rows whose ISO is unknown are left out; with none known, the panel says so.
    """
    known = rows[rows["iso"].notna()]
    order = list(methods) if methods is not None else list(dict.fromkeys(rows["method"]))
    figure, axes = plt.subplots(figsize=(7.5, 4.6), layout="constrained")
    for method in order:
        means = known[known["method"] == method].groupby("iso")["psnr"].mean()
        if means.empty:
            continue
        style = "--" if method == "noisy" else "-"
        axes.plot(means.index, means.to_numpy(), style, marker="o", color=METHOD_COLOURS.get(method, None),
                  label=_label_of(method))
    if known.empty:
        axes.text(0.5, 0.5, "no ISO recorded for these images", ha="center", va="center", transform=axes.transAxes)
    else:
        axes.set_xscale("log", base=2)
        isos = sorted(known["iso"].unique())
        axes.set_xticks(isos, [f"{iso:g}" for iso in isos])
        axes.minorticks_off()
        axes.legend(fontsize="small", ncol=2)
    axes.set(title=title, xlabel="ISO of the noisy shot (log scale)", ylabel="mean PSNR (dB)")
    axes.grid(alpha=0.3)
    return figure
