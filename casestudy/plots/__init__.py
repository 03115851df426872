"""The figures of the case study, grouped by subject: each function draws one figure and returns it.

* :mod:`casestudy.plots.data`: figures of the data (metadata charts, pixel and
  noise statistics, photos and the camera simulator's stages);
* :mod:`casestudy.plots.results`: figures of what denoisers do and score, for
  every registered method alike (classical filters now, networks next), each
  method drawn in its own colour (:func:`casestudy.plots.results.method_colour`);
* :mod:`casestudy.plots.training`: learning curves of training runs.

This package holds what they share: one figure idiom (:func:`new_figure`,
:func:`label_axes`), one image grid (:func:`image_grid`) and one way to write a
figure to a file (:func:`save_figure`, atomic, for ``make demo``'s report). Notebooks carry no
plotting code of their own, so every figure has a title, labelled axes with
units, and nothing random in it: a figure is the same on every run.
Introduced in ``01_data_tour.ipynb``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def new_figure(width: float = 7.0, height: float = 4.5, **kwargs) -> tuple[Figure, plt.Axes]:
    """A figure of ``width`` x ``height`` inches with constrained layout, and its axes (``kwargs`` to ``subplots``)."""
    figure, axes = plt.subplots(figsize=(width, height), layout="constrained", **kwargs)
    return figure, axes


def label_axes(axes: plt.Axes, title: str, xlabel: str, ylabel: str) -> None:
    """Give ``axes`` its title and axis labels (say the units in the labels)."""
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)


def save_figure(figure: Figure, path: str | os.PathLike, dpi: int = 110) -> Path:
    """Write ``figure`` as an image (the format from ``path``'s suffix) atomically, then close it.

    A reader of ``path`` never sees half a file: the image goes to a temporary file
    beside it, renamed onto ``path`` once complete.
    """
    from casestudy.io import atomic_path

    path = Path(path)
    try:
        with atomic_path(path, path.suffix) as temporary:
            figure.savefig(temporary, dpi=dpi)
    finally:
        plt.close(figure)
    return path


def _displayable(image: np.ndarray, stretch: bool) -> tuple[np.ndarray, dict]:
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == 3 and array.shape[-1] != 3:
        array = array.mean(axis=-1)  # e.g. a packed 4-channel raw image: show its brightness
    if stretch:
        top = float(np.percentile(array, 99.5)) or 1.0
        array = array / top
    if array.ndim == 2:
        return np.clip(array, 0, 1), {"cmap": "gray", "vmin": 0, "vmax": 1}
    return np.clip(array, 0, 1), {}


def image_grid(
    images: Sequence,
    titles: Sequence,
    *,
    suptitle: str,
    ncols: int | None = None,
    row_labels: Sequence[str] | None = None,
    figsize: tuple[float, float] | None = None,
    panel_size: float = 3.2,
    title_size: float | str = 9,
    cmap: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar_label: str | None = None,
    stretch: Sequence[bool] | None = None,
) -> Figure:
    """A grid of images with one title each: the one image grid of the project.

    Args:
        images, titles: flat sequences laid out ``ncols`` to a row (default: one
            row); or, with ``row_labels``, one sequence per row (a shorter row
            leaves its last panels blank).
        suptitle: the figure's title.
        row_labels: label each row on its left, with its height in pixels, and
            each panel below with its width in pixels (crops whose size matters);
            without them the panels have no axes.
        figsize: the figure's size in inches (default: ``panel_size`` inches a
            column, rows as tall as the tallest image's aspect needs).
        title_size: font size of the panel titles.
        cmap, vmin, vmax, colorbar_label: draw every image as a single-channel
            map between ``vmin`` and ``vmax``, with one colour bar labelled
            ``colorbar_label``; otherwise RGB images are shown as they are
            (clipped to [0, 1]).
        stretch: ``stretch[i]`` divides image i by its 99.5th percentile (dark
            linear raw data becomes visible; say so in its title); flat layout only.

    Raises:
        ValueError: images and titles that do not match, or no images.
    """
    if row_labels is None:
        if len(images) != len(titles):
            raise ValueError(f"{len(images)} images but {len(titles)} titles")
        ncols = ncols or len(images)
        rows = [list(images[i : i + ncols]) for i in range(0, len(images), ncols)]
        row_titles = [list(titles[i : i + ncols]) for i in range(0, len(titles), ncols)]
    else:
        rows, row_titles = [list(row) for row in images], [list(row) for row in titles]
        if len(rows) != len(row_labels) or [len(r) for r in rows] != [len(t) for t in row_titles]:
            raise ValueError("image_grid: every row needs a label and one title per image")
        ncols = max(len(row) for row in rows)
    if not rows or not any(rows):
        raise ValueError("image_grid needs at least one image")
    if figsize is None:
        aspect = max(np.shape(image)[0] / np.shape(image)[1] for row in rows for image in row)
        figsize = (panel_size * ncols, (panel_size * aspect + 0.5) * len(rows) + 0.5)
    figure, grid = plt.subplots(len(rows), ncols, figsize=figsize, layout="constrained", squeeze=False)
    flat_stretch = list(stretch) if stretch is not None else [False] * sum(len(row) for row in rows)
    shown, index = None, 0
    for line, row, names in zip(grid, rows, row_titles):
        for panel, image, name in zip(line, row, names):
            if row_labels is None:
                panel.set_axis_off()
            if cmap is not None:
                array = np.asarray(image, dtype=np.float32)
                shown = panel.imshow(array if array.ndim == 2 else array.mean(axis=-1), cmap=cmap, vmin=vmin,
                                     vmax=vmax, interpolation="nearest")
            else:
                array, kwargs = _displayable(image, flat_stretch[index])
                panel.imshow(array, interpolation="nearest", **kwargs)
            panel.set_title(name, fontsize=title_size)
            if row_labels is not None:
                panel.set_xticks([])
                panel.set_yticks([])
                panel.set_xlabel(f"{np.shape(image)[1]} px")
            index += 1
        for panel in line[len(row):]:
            panel.set_axis_off()
    if row_labels is not None:
        for line, row, label in zip(grid, rows, row_labels):
            line[0].set_ylabel(f"{label}\n{np.shape(row[0])[0]} px")
    if cmap is not None and shown is not None:
        figure.colorbar(shown, ax=grid.ravel().tolist(), shrink=0.8, label=colorbar_label or "value")
    figure.suptitle(suptitle)
    return figure
