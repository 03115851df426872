"""Tiled inference: a photo of any size through a network, one batch of tiles at a time.

A 12 MP photo does not fit through PRIDNet in one piece on a laptop (its
activations alone would take tens of GB), so :func:`denoise_tiled` cuts it into
overlapping tiles, runs them through the network a batch at a time and blends
them back:

* **Alignment.** Tiles start at multiples of the network's multiple
  (``MODELS[name].multiple``: 64 for PRIDNet), and the tile size and overlap are
  rounded up to it, so every pooling or wavelet grid inside a tile lines up with
  the grid the whole image would get. The last tile of a row or column is cut
  short at the image edge rather than shifted back, so the network pads it
  exactly as it pads the whole image.
* **Blending.** Consecutive tiles overlap by ``overlap`` pixels. Inside each
  overlap, the outer quarter on each side goes entirely to the tile whose interior
  it is (a tile's own border pixels, computed with zero padding instead of
  their true neighbours, never count), and over the middle half the weights fade
  with a raised cosine, ``sin^2`` rising in one tile while ``cos^2`` falls in the
  other. The weights of all tiles sum to one everywhere (they are also divided
  by their sum, as a safeguard), so a flat image stays flat and no seam shows.
  Image borders are not faded: there is no neighbour to hand over to.
* **Equivalence.** A network whose receptive field reaches no further than a
  quarter of the overlap gives, through tiles, what it gives on the whole image
  (REDNet: 10 pixels). Networks with a wider view (MWCNN's three wavelet levels,
  PRIDNet's pyramid and its global channel attention) differ slightly; the
  tests and ``benchmarks/bench_tiling.py`` measure by how much.
* **Memory.** Only one batch of tiles is in the network at a time; besides the
  input, the output and a weight map of the photo's size are kept (float32).

Introduced with ``casestudy denoise`` (``08_comparison.ipynb`` runs a photo through it).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator

import numpy as np

from casestudy.filters import check_noisy

#: Default tile side and overlap, in pixels (rounded up to the network's multiple).
DEFAULT_TILE = 512
DEFAULT_OVERLAP = 64
#: Tiles per forward pass. One keeps a 12 MP photo through laptop-width PRIDNet at 1.5 GB peak (2 tiles: 1.9 GB,
#: 4: 2.7 GB) for at most ~10 % more time (benchmarks/bench_tiling.py).
DEFAULT_BATCH = 1


@dataclasses.dataclass(frozen=True)
class Tile:
    """One tile: its rows ``top:bottom`` and columns ``left:right`` in the photo."""

    top: int
    bottom: int
    left: int
    right: int

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the tile."""
        return self.bottom - self.top, self.right - self.left


def round_up(value: int, multiple: int) -> int:
    """The smallest multiple of ``multiple`` that is at least ``value``."""
    return int(math.ceil(value / multiple) * multiple)


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of the tiles along one axis of ``length`` pixels.

    Tiles start every ``tile - overlap`` pixels; the last one is the first that
    reaches the end (it is cut at ``length``, so it may be shorter than ``tile``,
    but always longer than ``overlap``). One tile if ``length <= tile``.
    """
    if length < 1:
        raise ValueError(f"cannot tile an axis of length {length}")
    if not 0 <= overlap < tile:
        raise ValueError(f"overlap must be in [0, tile) = [0, {tile}), got {overlap}")
    stride = tile - overlap
    count = max(1, math.ceil((length - overlap) / stride))
    return [index * stride for index in range(count)]


def blend_ramp(overlap: int) -> np.ndarray:
    """Weights of the tile that *starts* an overlap of ``overlap`` pixels, rising from 0 to 1.

    The first and last quarter are 0 and 1 (a tile's own border pixels never
    count); the middle half rises as ``sin^2``. The tile that ends the overlap
    gets the reversed ramp, and ``ramp + ramp[::-1] == 1`` exactly.
    """
    margin = overlap // 4
    middle = overlap - 2 * margin
    rise = np.sin(0.5 * np.pi * (np.arange(middle) + 0.5) / max(middle, 1)) ** 2
    return np.concatenate([np.zeros(margin), rise, np.ones(margin)]).astype(np.float32)


def axis_weights(start: int, stop: int, length: int, overlap: int) -> np.ndarray:
    """1-D blend weights of a tile covering ``start:stop`` of an axis of ``length`` pixels."""
    weights = np.ones(stop - start, dtype=np.float32)
    ramp = blend_ramp(overlap)
    if start > 0 and overlap:  # a neighbour before: fade in over the shared pixels
        weights[:overlap] *= ramp
    if stop < length and overlap:  # a neighbour after: fade out
        weights[-overlap:] *= ramp[::-1]
    return weights


def plan_tiles(height: int, width: int, tile: int, overlap: int) -> list[Tile]:
    """Every tile of a ``height x width`` photo, row by row."""
    rows = [(top, min(top + tile, height)) for top in tile_starts(height, tile, overlap)]
    cols = [(left, min(left + tile, width)) for left in tile_starts(width, tile, overlap)]
    return [Tile(top, bottom, left, right) for top, bottom in rows for left, right in cols]


def _batches(tiles: list[Tile], batch_size: int) -> Iterator[list[Tile]]:
    """Tiles grouped into batches of one shape each (a row's last tile may be narrower)."""
    by_shape: dict[tuple[int, int], list[Tile]] = {}
    for tile in tiles:
        by_shape.setdefault(tile.shape, []).append(tile)
    for group in by_shape.values():
        for first in range(0, len(group), batch_size):
            yield group[first : first + batch_size]


def tile_geometry(tile_size: int, overlap: int, multiple: int = 1) -> tuple[int, int]:
    """``(tile_size, overlap)`` rounded up to ``multiple``, checked: ``tile_size >= 2 overlap``.

    Raises:
        ValueError: a non-positive tile, a negative overlap, or an overlap over half the tile
            (the fade-in and fade-out of one tile would then meet).
    """
    if tile_size < 1 or overlap < 0 or multiple < 1:
        raise ValueError(f"tile size must be >= 1 and overlap >= 0, got tile {tile_size}, overlap {overlap}")
    tile, shared = round_up(tile_size, multiple), round_up(overlap, multiple)
    if tile < 2 * shared:
        raise ValueError(
            f"tile {tile} must be at least twice the overlap {shared} (both rounded up to the network's "
            f"multiple {multiple}); use a larger --tile or a smaller --overlap"
        )
    return tile, shared


def denoise_tiled(
    denoise_batch: Callable[[np.ndarray], np.ndarray],
    image: np.ndarray,
    tile_size: int = DEFAULT_TILE,
    overlap: int = DEFAULT_OVERLAP,
    multiple: int = 1,
    batch_size: int = DEFAULT_BATCH,
    progress: bool = False,
    extra: np.ndarray | None = None,
) -> np.ndarray:
    """Denoise an ``(H, W, 3)`` float image in [0, 1] tile by tile; float32 in [0, 1] back.

    Args:
        denoise_batch: ``(N, h, w, 3) -> (N, h, w, 3)`` float32, e.g.
            ``functools.partial(casestudy.inference.network.denoise_batch, model)``.
        tile_size, overlap: tile side and overlap in pixels, rounded up to ``multiple``.
        multiple: the network's multiple (``MODELS[name].multiple``): tile starts are aligned to it.
        batch_size: tiles per call of ``denoise_batch``; the only ones in flight.
        progress: show a tqdm bar over the tiles (on stderr).
        extra: ``(H, W, k)`` channels cut with the same windows and appended to each tile after its
            three (a noise-level map and its flag, for a network told the noise); ``denoise_batch``
            then gets ``(N, h, w, 3 + k)`` and still returns three channels.

    Raises:
        casestudy.filters.FilterInputError: an image that is not ``(H, W, 3)`` float in [0, 1].
        ValueError: bad tile geometry (see :func:`tile_geometry`), or ``extra`` of another height and width.
    """
    from tqdm.auto import tqdm

    noisy = check_noisy(image)
    if extra is not None:
        extra = np.asarray(extra, np.float32)
        if extra.ndim != 3 or extra.shape[:2] != noisy.shape[:2]:
            raise ValueError(f"extra channels of shape {extra.shape} do not match the image's {noisy.shape[:2]}")
        source = np.concatenate([noisy, extra], axis=-1)
    else:
        source = noisy
    tile, shared = tile_geometry(tile_size, overlap, multiple)
    height, width = noisy.shape[:2]
    tiles = plan_tiles(height, width, tile, shared)
    output = np.zeros_like(noisy)
    total = np.zeros((height, width), dtype=np.float32)
    with tqdm(total=len(tiles), unit="tile", desc="denoise", disable=not progress, leave=False) as bar:
        for batch in _batches(tiles, max(1, int(batch_size))):
            stack = np.stack([source[t.top : t.bottom, t.left : t.right] for t in batch])
            restored = np.asarray(denoise_batch(stack), dtype=np.float32)
            if restored.shape != (*stack.shape[:3], 3):
                raise ValueError(f"denoise_batch returned shape {restored.shape} for a batch of {stack.shape}")
            for t, piece in zip(batch, restored):
                weight = np.outer(
                    axis_weights(t.top, t.bottom, height, shared), axis_weights(t.left, t.right, width, shared)
                )
                output[t.top : t.bottom, t.left : t.right] += piece * weight[..., None]
                total[t.top : t.bottom, t.left : t.right] += weight
            del stack, restored
            bar.update(len(batch))
    output /= total[..., None]
    return np.clip(output, 0.0, 1.0, out=output)


def denoise_tiled_model(
    model: object,
    image: np.ndarray,
    tile_size: int = DEFAULT_TILE,
    overlap: int = DEFAULT_OVERLAP,
    batch_size: int = DEFAULT_BATCH,
    progress: bool = False,
) -> np.ndarray:
    """:func:`denoise_tiled` with one of the package's networks, aligned to its registered multiple."""
    from casestudy.models import get_model_spec
    from casestudy.inference.network import denoise_batch

    spec = get_model_spec(model.name)  # type: ignore[attr-defined]
    return denoise_tiled(
        lambda batch: denoise_batch(model, batch),  # type: ignore[arg-type]
        image,
        tile_size=tile_size,
        overlap=overlap,
        multiple=spec.multiple,
        batch_size=batch_size,
        progress=progress,
    )
