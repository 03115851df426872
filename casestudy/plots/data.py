"""Figures of the data: metadata charts, pixel and noise statistics, photos and the simulator's stages.

Functions take tidy pandas tables (one row per capture, per pair and channel,
per intensity bin, ...) as built by :mod:`casestudy.noise.stats` and
:mod:`casestudy.data.catalogue`, and use the same colours for the same phone or
channel wherever they appear. Nothing here is random (swarm plots instead of
jittered strip plots), so a figure is the same on every run.

Introduced in ``01_data_tour.ipynb`` (images), ``02_eda_metadata.ipynb``
(metadata charts) and ``03_eda_pixels.ipynb`` (pixel and noise statistics).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from casestudy.data.catalogue import format_shutter
from casestudy.plots import image_grid, label_axes, new_figure

#: Matplotlib colours of the three channels, so R is red in every figure.
CHANNEL_COLOURS = {"R": "tab:red", "G": "tab:green", "B": "tab:blue"}
#: Unit label for intensities of images read by casestudy.io.read_image.
INTENSITY_UNIT = "data range 0–1"


def _heatmap(frame: pd.DataFrame, axes: plt.Axes, **kwargs) -> None:
    """seaborn's heatmap, without the PendingDeprecationWarning seaborn 0.13 triggers in matplotlib >= 3.10."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        sns.heatmap(frame, ax=axes, **kwargs)


#: Legend titles for the catalogue's column names.
_PRETTY = {"iso_band": "ISO band", "iso": "ISO", "shutter_s": "shutter time (s)", "brightness": "light level",
           "illuminant_k": "illuminant (K)"}


def _pretty(column: str | None) -> str | None:
    return None if column is None else _PRETTY.get(column, column.replace("_", " "))


def category_order(values: pd.Series) -> list:
    """The distinct non-missing values of a column: in category order for an ordered categorical
    (ISO bands low to high), else sorted (numbers numerically, text alphabetically)."""
    values = pd.Series(values)
    present = set(values.dropna().unique().tolist())
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [value for value in values.cat.categories if value in present]
    return sorted(present)


def palette_for(levels: Sequence) -> dict:
    """A fixed colour per level (the seaborn default cycle, in the given order)."""
    colours = sns.color_palette("tab10" if len(levels) <= 10 else "husl", len(levels))
    return dict(zip(levels, colours))


# --------------------------------------------------------------------------- counts of metadata


def count_bars(
    data: pd.DataFrame,
    x: str,
    *,
    hue: str | None = None,
    order: Sequence | None = None,
    hue_order: Sequence | None = None,
    title: str,
    xlabel: str,
    ylabel: str = "number of captures",
    annotate: bool = True,
) -> Figure:
    """Bars counting the rows per value of ``x`` (and of ``hue``), each bar labelled with its count.

    Used for images per phone, brightness per phone and pairs per split.
    """
    order = list(order) if order is not None else category_order(data[x])
    figure, axes = new_figure()
    kwargs = {}
    if hue is not None:
        hue_order = list(hue_order) if hue_order is not None else category_order(data[hue])
        kwargs = {"hue": hue, "hue_order": hue_order, "palette": palette_for(hue_order)}
    else:
        kwargs = {"color": "tab:blue"}
    sns.countplot(data=data, x=x, order=order, ax=axes, **kwargs)
    if annotate:
        for container in axes.containers:
            axes.bar_label(container, fmt="%d", padding=2, fontsize=9)
        axes.margins(y=0.12)
    label_axes(axes, title, xlabel, ylabel)
    if hue is not None:
        axes.legend(title=_pretty(hue), frameon=False)
    return figure


def count_heatmap(
    data: pd.DataFrame,
    row: str,
    column: str,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    column_format: str = "{}",
    cbar_label: str = "number of captures",
) -> Figure:
    """A grid counting captures per (row value, column value), each cell annotated; empty cells left blank.

    Used for ISO levels per phone: a readable alternative to 5 x 14 bars.
    """
    table = pd.crosstab(data[row], data[column]).reindex(
        index=category_order(data[row]), columns=category_order(data[column]), fill_value=0
    )
    width = max(6.0, 0.55 * table.shape[1] + 2.5)
    figure, axes = new_figure(width, max(3.0, 0.5 * table.shape[0] + 1.8))
    _heatmap(table.where(table > 0), axes, annot=True, fmt=".0f", cmap="Blues", linewidths=0.5, linecolor="0.9",
             cbar_kws={"label": cbar_label})
    axes.set_xticklabels([column_format.format(value) for value in table.columns], rotation=45, ha="right")
    axes.set_yticklabels([str(value) for value in table.index], rotation=0)
    label_axes(axes, title, xlabel, ylabel)
    return figure


def exposure_swarm(
    data: pd.DataFrame,
    x: str,
    y: str = "shutter_s",
    *,
    order: Sequence | None = None,
    title: str,
    xlabel: str,
    ylabel: str = "exposure time (s, log scale)",
) -> Figure:
    """One dot per capture: exposure time (log scale, ticks as 1/N s) per group, e.g. per phone.

    A swarm plot places the dots deterministically, unlike a jittered strip plot.
    """
    order = list(order) if order is not None else category_order(data[x])
    figure, axes = new_figure(7.0, 4.8)
    frame = data.dropna(subset=[y]).assign(_log=lambda d: np.log10(d[y].astype(float)))
    sns.swarmplot(data=frame, x=x, y="_log", order=order, hue=x, hue_order=order, palette=palette_for(order),
                  size=4, ax=axes, legend=False)
    low, high = np.floor(frame["_log"].min()), np.ceil(frame["_log"].max())
    candidates = [v * 10.0**e for e in range(int(low) - 1, int(high) + 1) for v in (1, 2, 5)]
    ticks = [np.log10(v) for v in candidates if low - 0.01 <= np.log10(v) <= high + 0.01]
    axes.yaxis.set_major_locator(FixedLocator(ticks))
    axes.yaxis.set_minor_locator(NullLocator())
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: format_shutter(10.0**value, unit=False)))
    axes.grid(axis="y", alpha=0.3)
    label_axes(axes, title, xlabel, ylabel)
    return figure


def resolution_bars(
    data: pd.DataFrame,
    group: str = "phone",
    *,
    title: str,
    xlabel: str = "phone",
    ylabel: str = "megapixels (width x height / 10⁶)",
) -> Figure:
    """One bar per distinct image size of each group, as megapixels, labelled with width x height,
    aspect ratio and number of captures."""
    sizes = (data.groupby([group, "width", "height"], observed=True).size().rename("captures").reset_index()
             .sort_values([group, "width", "height"]))
    several = sizes[group].duplicated(keep=False)
    labels = [f"{g}\n{w}x{h}" if many else str(g)
              for g, w, h, many in zip(sizes[group], sizes["width"], sizes["height"], several)]
    groups = category_order(sizes[group])
    colours = palette_for(groups)
    figure, axes = new_figure(max(6.0, 1.3 * len(sizes) + 1.5), 4.5)
    megapixels = sizes["width"].to_numpy() * sizes["height"].to_numpy() / 1e6
    bars = axes.bar(range(len(sizes)), megapixels, color=[colours[g] for g in sizes[group]], width=0.6)
    notes = [f"{w}x{h}\n{w / h:.2f}:1, {n} captures"
             for w, h, n in zip(sizes["width"], sizes["height"], sizes["captures"])]
    axes.bar_label(bars, labels=notes, padding=3, fontsize=8)
    axes.set_xticks(range(len(sizes)), labels)
    axes.margins(y=0.2)
    label_axes(axes, title, xlabel, ylabel)
    return figure


# --------------------------------------------------------------------------- relations


def scatter_by(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    hue: str | None = None,
    hue_order: Sequence | None = None,
    logx: bool = False,
    identity: bool = False,
    title: str,
    xlabel: str,
    ylabel: str,
    trend: str | None = None,
    dodge: float = 0.0,
) -> Figure:
    """One point per row, optionally coloured by ``hue``; ``identity`` adds the line y = x,
    ``trend`` (a label or ``None``) adds the median of ``y`` per value of ``x`` as a line.

    ``dodge`` shifts the points of each ``hue`` level sideways by that fraction of a decade
    (log x) or of a unit (linear x), so groups measured at the same x do not hide each other.
    """
    figure, axes = new_figure()
    frame = data.dropna(subset=[x, y])
    kwargs = {}
    plot_x = x
    if hue is not None:
        hue_order = list(hue_order) if hue_order is not None else category_order(frame[hue])
        kwargs = {"hue": hue, "hue_order": hue_order, "palette": palette_for(hue_order)}
        if dodge:
            rank = frame[hue].map({level: i - (len(hue_order) - 1) / 2 for i, level in enumerate(hue_order)})
            shifted = frame[x] * 10.0 ** (dodge * rank.astype(float)) if logx else frame[x] + dodge * rank.astype(float)
            frame = frame.assign(_x=shifted)
            plot_x = "_x"
    sns.scatterplot(data=frame, x=plot_x, y=y, ax=axes, s=30, alpha=0.8, legend=hue is not None, **kwargs)
    if trend is not None:
        medians = frame.groupby(x)[y].median().sort_index()
        axes.plot(medians.index, medians.values, color="0.2", lw=1.5, label=f"median per {trend}")
    if identity:
        low = float(min(frame[x].min(), frame[y].min()))
        high = float(max(frame[x].max(), frame[y].max()))
        axes.plot([low, high], [low, high], ls="--", color="0.4", lw=1, label="y = x")
    if logx:
        axes.set_xscale("log")
        values = np.sort(frame[x].unique())
        if len(values) <= 16:
            axes.xaxis.set_major_locator(FixedLocator(values))
            axes.xaxis.set_minor_locator(NullLocator())
            axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            plt.setp(axes.get_xticklabels(), rotation=45, ha="right")
    if hue is not None or trend is not None or identity:
        axes.legend(title=_pretty(hue), frameon=False, fontsize=8)
    axes.grid(alpha=0.3)
    label_axes(axes, title, xlabel, ylabel)
    return figure


def box_by(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    order: Sequence | None = None,
    title: str,
    xlabel: str,
    ylabel: str,
) -> Figure:
    """A box per group with every capture drawn on top as a dot (swarm: deterministic)."""
    frame = data.dropna(subset=[x, y])
    order = list(order) if order is not None else category_order(frame[x])
    figure, axes = new_figure()
    sns.boxplot(data=frame, x=x, y=y, order=order, color="0.9", showfliers=False, ax=axes)
    sns.swarmplot(data=frame, x=x, y=y, order=order, hue=x, hue_order=order, palette=palette_for(order),
                  size=3.5, ax=axes, legend=False)
    axes.grid(axis="y", alpha=0.3)
    label_axes(axes, title, xlabel, ylabel)
    return figure


def channel_scatter(channels: pd.DataFrame, stat: str = "mean") -> Figure:
    """Per-channel ``stat`` ("mean" or "std") of each noisy image against that of its clean (GT) image.

    One point per image and channel, x = clean (GT), y = noisy, with the identity
    line: a point above it means the noisy image has a larger value than its GT.
    (The original case study swapped the two axis labels.)
    """
    if stat not in ("mean", "std"):
        raise ValueError(f"stat must be 'mean' or 'std', got {stat!r}")
    word = {"mean": "mean", "std": "standard deviation"}[stat]
    x, y = f"gt_{stat}", f"noisy_{stat}"
    figure, axes = new_figure(5.6, 5.2)
    order = [c for c in CHANNEL_COLOURS if c in set(channels["channel"])]
    sns.scatterplot(data=channels, x=x, y=y, hue="channel", hue_order=order, palette=CHANNEL_COLOURS,
                    s=22, alpha=0.7, ax=axes)
    low = float(min(channels[x].min(), channels[y].min()))
    high = float(max(channels[x].max(), channels[y].max()))
    pad = 0.03 * (high - low or 1.0)
    axes.plot([low - pad, high + pad], [low - pad, high + pad], ls="--", color="0.3", lw=1, label="y = x")
    axes.set_xlim(low - pad, high + pad)
    axes.set_ylim(low - pad, high + pad)
    axes.set_aspect("equal")
    axes.legend(title="channel", frameon=False)
    axes.grid(alpha=0.3)
    label_axes(axes, f"Per-channel {word}: noisy image vs its ground truth",
           f"GT (clean) image: channel {word} ({INTENSITY_UNIT})",
           f"noisy image: channel {word} ({INTENSITY_UNIT})")
    return figure


def intensity_histograms(histograms: pd.DataFrame, log: bool = False) -> Figure:
    """Intensity distributions of clean (GT) vs noisy pixels, one panel per channel (fractions of pixels)."""
    channels = [c for c in CHANNEL_COLOURS if c in set(histograms["channel"])]
    figure, axes_row = plt.subplots(1, len(channels), figsize=(4.0 * len(channels), 3.8), sharey=True,
                                    layout="constrained", squeeze=False)
    for axes, channel in zip(axes_row[0], channels):
        part = histograms[histograms["channel"] == channel].sort_values("intensity")
        width = float(np.diff(part["intensity"]).min()) if len(part) > 1 else 1.0
        edges = np.append(part["intensity"].to_numpy() - width / 2, part["intensity"].iloc[-1] + width / 2)
        for column, label, style in (("count_gt", "GT (clean)", "-"), ("count_noisy", "noisy", "--")):
            fractions = part[column].to_numpy() / max(part[column].sum(), 1)
            axes.stairs(fractions, edges, baseline=None, color=CHANNEL_COLOURS[channel], ls=style, lw=1.6,
                        label=label)
        if log:
            axes.set_yscale("log")
        axes.legend(frameon=False, fontsize=8)
        label_axes(axes, f"{channel} channel", f"pixel intensity ({INTENSITY_UNIT})", "fraction of pixels")
    figure.suptitle("Intensity histograms: clean (GT) vs noisy pixels")
    return figure


def noise_level_plot(
    levels: pd.DataFrame, hue: str = "iso_band", y: str = "variance", logy: bool = True, title: str | None = None
) -> Figure:
    """The noise level function: residual variance (or std) against clean intensity, one line per ``hue`` group."""
    groups = category_order(levels[hue])
    colours = dict(zip(groups, sns.color_palette("viridis", len(groups))))
    figure, axes = new_figure()
    for group in groups:
        part = levels[levels[hue] == group].sort_values("intensity")
        axes.plot(part["intensity"], part[y], marker="o", ms=3, color=colours[group], label=str(group))
    if logy:
        axes.set_yscale("log")
    axes.legend(title=_pretty(hue), frameon=False, fontsize=8)
    axes.grid(alpha=0.3, which="both")
    word = {"variance": "variance", "std": "standard deviation"}.get(y, y)
    label_axes(axes, title or f"Noise level function: residual {word} vs clean intensity",
           f"clean (GT) pixel intensity ({INTENSITY_UNIT})",
           f"{word} of noisy − GT ({'squared ' if y == 'variance' else ''}intensity, range 0–1)")
    return figure


def autocorrelation_lines(acf: pd.DataFrame, hue: str = "iso_band") -> Figure:
    """Correlation of the residual with itself shifted right (dx) and down (dy), per group,
    with the band white noise would stay inside."""
    groups = category_order(acf[hue])
    colours = dict(zip(groups, sns.color_palette("viridis", len(groups))))
    figure, (left, right) = plt.subplots(1, 2, figsize=(10.0, 4.2), sharey=True, layout="constrained")
    band = float(acf["white_band"].max()) if "white_band" in acf else 0.0
    for axes, (moving, fixed, word) in zip((left, right), (("dx", "dy", "horizontal"), ("dy", "dx", "vertical"))):
        for group in groups:
            part = acf[(acf[hue] == group) & (acf[fixed] == 0) & (acf[moving] >= 0)].sort_values(moving)
            axes.plot(part[moving], part["correlation"], marker="o", color=colours[group], label=str(group))
        lags = np.sort(acf[moving].unique())
        lags = lags[lags >= 0]
        white = np.where(lags == 0, 1.0, 0.0)
        axes.plot(lags, white, ls=":", color="0.2", marker="x", label="white noise")
        if band > 0:
            axes.axhspan(-band, band, color="0.7", alpha=0.4, lw=0, label="white noise 95 % band")
        axes.axhline(0, color="0.4", lw=0.8)
        axes.set_xticks(lags)
        axes.grid(alpha=0.3)
        label_axes(axes, f"{word.capitalize()} shift", f"shift {moving} (pixels)", "autocorrelation of noisy − GT")
    right.legend(title=_pretty(hue), frameon=False, fontsize=8)
    figure.suptitle("Spatial correlation of the noise")
    return figure


def autocorrelation_heatmap(correlation: np.ndarray, title: str = "Autocorrelation of the residual") -> Figure:
    """A 2-D :func:`casestudy.noise.stats.autocorrelation` array as an annotated grid (shift dx across, dy down)."""
    size = correlation.shape[0]
    lags = np.arange(size) - size // 2
    frame = pd.DataFrame(correlation, index=pd.Index(lags, name="dy"), columns=pd.Index(lags, name="dx"))
    figure, axes = new_figure(6.0, 5.0)
    _heatmap(frame, axes, annot=True, fmt=".2f", annot_kws={"fontsize": 7}, cmap="RdBu_r", vmin=-1, vmax=1,
             center=0, square=True, cbar_kws={"label": "correlation"})
    label_axes(axes, title, "horizontal shift dx (pixels)", "vertical shift dy (pixels)")
    return figure


# --------------------------------------------------------------------------- images


def zoom_pair(
    noisy: np.ndarray,
    clean: np.ndarray,
    box: tuple[int, int, int],
    *,
    title: str,
) -> Figure:
    """The noisy and clean images side by side with a square ``box = (top, left, size)`` outlined,
    and the two zoomed crops below (nearest-neighbour, so each pixel stays a visible square)."""
    if np.shape(noisy) != np.shape(clean):
        raise ValueError(f"noisy {np.shape(noisy)} and clean {np.shape(clean)} differ in shape")
    top, left, size = box
    height, width = np.shape(clean)[:2]
    if top < 0 or left < 0 or size < 1 or top + size > height or left + size > width:
        raise ValueError(f"box {box} does not fit in a {height}x{width} image")
    figure, grid = plt.subplots(2, 2, figsize=(8.0, 8.0 * (0.5 * height / width + 0.5) + 0.6), layout="constrained",
                                height_ratios=[height / width, 1.0])
    for axes, image, name in ((grid[0, 0], noisy, "noisy"), (grid[0, 1], clean, "clean (GT)")):
        axes.imshow(np.clip(image, 0, 1))
        axes.add_patch(Rectangle((left - 0.5, top - 0.5), size, size, fill=False, ec="yellow", lw=1.5))
        axes.set_title(f"{name}, {width}x{height} pixels", fontsize=9)
        axes.set_axis_off()
    for axes, image, name in ((grid[1, 0], noisy, "noisy"), (grid[1, 1], clean, "clean (GT)")):
        axes.imshow(np.clip(image[top : top + size, left : left + size], 0, 1), interpolation="nearest")
        axes.set_title(f"{name}: zoom on the {size}x{size} box", fontsize=9)
        axes.set_axis_off()
    figure.suptitle(title)
    return figure


def pipeline_figure(stages: Mapping[str, np.ndarray], *, title: str, ncols: int | None = None,
                    stretch: Sequence[str] = ()) -> Figure:
    """The images of the camera simulator's stages in order, titled by stage name.

    Stages named in ``stretch`` (dark linear raw data) are brightened for display
    by their 99.5th percentile, and their title says so. Up to nine stages are laid
    out three per row, more four per row.
    """
    names = list(stages)
    ncols = ncols or (3 if len(names) <= 9 else 4)
    titles = [f"{i + 1}. {name}" + (" (brightened)" if name in stretch else "") for i, name in enumerate(names)]
    return image_grid([stages[name] for name in names], titles, suptitle=title, ncols=min(ncols, len(names)),
                      stretch=[name in stretch for name in names], panel_size=3.2 if ncols <= 3 else 2.6)
