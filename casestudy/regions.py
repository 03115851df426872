"""Where to look in an image, chosen by rule: an edge or flat pixel, the most detailed window.

Figures that zoom into a photo must show the same place on every run and on
any data set, so the place is computed from the clean image, never drawn at
random: :func:`demo_pixel` finds a pixel on the strongest edge or in the
flattest spot, :func:`detail_window` the square holding the most detail, and
:func:`largest_gap_window` the square where one denoiser beats another the most.
Introduced in ``04_classical_filters.ipynb``.
"""

from __future__ import annotations

import numpy as np


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
    return _best_window(_gradient_magnitude(clean), size, block)


def largest_gap_window(
    clean: np.ndarray, first: np.ndarray, second: np.ndarray, size: int, block: int = 16
) -> tuple[slice, slice]:
    """The ``size`` x ``size`` window where ``second`` beats ``first`` by the most: the crop that shows a gap.

    The score of a window is the sum, over its pixels, of ``first``'s squared error
    minus ``second``'s (errors against ``clean``, summed over the channels), so the
    window chosen is where ``second`` removes the most error that ``first`` leaves.
    Swap the two to find where ``first`` wins instead. Windows are tried on a grid of
    ``block`` pixels; the first best one wins; an image smaller than ``size`` gives
    the whole image. Introduced in ``08_comparison.ipynb``.

    Raises:
        ValueError: images of different shapes.
    """
    shapes = {np.shape(clean), np.shape(first), np.shape(second)}
    if len(shapes) != 1:
        raise ValueError(f"clean, first and second must have one shape, got {sorted(shapes)}")
    clean64 = np.asarray(clean, dtype=np.float64)
    gain = np.square(np.asarray(first, np.float64) - clean64) - np.square(np.asarray(second, np.float64) - clean64)
    return _best_window(gain.sum(axis=-1) if gain.ndim == 3 else gain, size, block)


def _best_window(score: np.ndarray, size: int, block: int) -> tuple[slice, slice]:
    """The ``size`` x ``size`` window (tried on a ``block``-pixel grid) with the largest sum of ``score``."""
    height, width = score.shape[:2]
    h, w = min(size, height), min(size, width)
    integral = np.pad(score.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    tops = np.unique(np.r_[np.arange(0, height - h + 1, block), height - h])
    lefts = np.unique(np.r_[np.arange(0, width - w + 1, block), width - w])
    t, l = np.meshgrid(tops, lefts, indexing="ij")
    sums = integral[t + h, l + w] - integral[t, l + w] - integral[t + h, l] + integral[t, l]
    best = np.unravel_index(int(np.argmax(sums)), sums.shape)
    top, left = int(t[best]), int(l[best])
    return slice(top, top + h), slice(left, left + w)
