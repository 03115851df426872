"""Geometric self-ensemble: a network run on the eight rotations and mirror images of its input, averaged.

A convolutional network is not exactly equivariant to rotating or mirroring the photo: its
errors on a turned photo differ from its errors on the photo. Running it on all eight
transforms of the dihedral group (four quarter turns, each mirrored or not), turning each
output back and averaging, cancels part of those errors (Lim et al. 2017, EDSR, "geometric
self-ensemble"; Timofte et al. 2016). It costs eight passes for a few tenths of a dB, so it is
an option (``casestudy denoise --ensemble``), never the default.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: The dihedral group's eight transforms as (quarter turns, mirrored).
TRANSFORMS: tuple[tuple[int, bool], ...] = tuple((turns, mirrored) for turns in range(4) for mirrored in (False, True))


def transform(batch: np.ndarray, turns: int, mirrored: bool) -> np.ndarray:
    """A ``(N, H, W, C)`` batch turned by ``turns`` quarter turns, then mirrored left to right if ``mirrored``."""
    turned = np.rot90(batch, turns, axes=(1, 2))
    return np.ascontiguousarray(turned[:, :, ::-1] if mirrored else turned)


def untransform(batch: np.ndarray, turns: int, mirrored: bool) -> np.ndarray:
    """The inverse of :func:`transform`: mirror back first, then turn back."""
    unmirrored = batch[:, :, ::-1] if mirrored else batch
    return np.ascontiguousarray(np.rot90(unmirrored, -turns, axes=(1, 2)))


def self_ensemble(run: Callable[[np.ndarray], np.ndarray], batch: np.ndarray) -> np.ndarray:
    """The mean of ``run`` over the eight transforms of a ``(N, H, W, C)`` batch, each output turned back.

    ``run`` maps a batch to a batch of the same height and width (the channels may differ: a
    network told the noise takes its map's channels in and gives three out); the map channels
    are turned with the photo, so they stay where the noise is.

    Raises:
        ValueError: not a 4-D batch.
    """
    batch = np.asarray(batch)
    if batch.ndim != 4:
        raise ValueError(f"a self-ensemble needs a (N, H, W, C) batch, got shape {batch.shape}")
    total: np.ndarray | None = None
    for turns, mirrored in TRANSFORMS:
        restored = untransform(np.asarray(run(transform(batch, turns, mirrored)), np.float32), turns, mirrored)
        total = restored if total is None else total + restored
    assert total is not None
    return total / len(TRANSFORMS)
