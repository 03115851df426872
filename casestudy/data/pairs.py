"""Reading a catalogue row's (noisy, clean) image pair: the one place every consumer goes through.

The patch pipeline, the pixel statistics, the filter search and the evaluation
all start from catalogue rows; they read the two images here, so a pair whose
images differ in shape is reported the same way wherever it is met, naming both
files. Images come back as float32 (H, W, 3) in [0, 1] (:func:`casestudy.io.read_image`).
Introduced in ``01_data_tour.ipynb``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from casestudy.io import read_image

if TYPE_CHECKING:  # pandas is not imported here, so that `casestudy --help` stays instant
    import pandas as pd

    from casestudy.camera import CaptureSettings


def read_pair(row: Any) -> tuple[np.ndarray, np.ndarray]:
    """The ``(noisy, clean)`` images of one catalogue row (a namedtuple from ``itertuples`` or a Series).

    Raises:
        ValueError: the two images differ in shape (the message names both files).
        FileNotFoundError, casestudy.io errors: a file is missing or unreadable.
    """
    noisy, clean = read_image(row.noisy_path), read_image(row.clean_path)
    if noisy.shape != clean.shape:
        raise ValueError(f"{row.noisy_path}: shape {noisy.shape} differs from {row.clean_path}: {clean.shape}")
    return noisy, clean


def iter_pairs(rows: pd.DataFrame) -> Iterator[tuple[Any, np.ndarray, np.ndarray]]:
    """``(row, noisy, clean)`` for each row of a catalogue, in its order, each pair read once."""
    for row in rows.itertuples(index=False):
        noisy, clean = read_pair(row)
        yield row, noisy, clean


@dataclasses.dataclass(frozen=True)
class PairImages:
    """One pair held in memory as uint8 (a quarter of float32's footprint)."""

    instance: str
    noisy: np.ndarray
    clean: np.ndarray
    settings: CaptureSettings | None = None


def dihedral(image: np.ndarray, k: int) -> np.ndarray:
    """The k-th of the 8 symmetries of the square (k in 0..7): k % 4 quarter turns, then a flip if k >= 4."""
    image = np.rot90(image, k % 4, axes=(0, 1))
    return image[:, ::-1] if k >= 4 else image
