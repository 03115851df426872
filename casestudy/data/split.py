"""The fixed, scene-disjoint train / validation / test split.

The original case study split *pairs* at random: with only ten SIDD scenes,
the same scene then sat in training and test, and its test score measured
memory, not denoising. Here whole scenes go to one split, chosen once with a
seeded permutation and saved as ``split.csv`` beside the data, so every
notebook, every rerun and every method sees the same test set.
Introduced in ``01_data_tour.ipynb``.
"""

from __future__ import annotations

import csv
import io as _io
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from casestudy.io import write_text

SPLITS = ("train", "val", "test")
SPLIT_FILE = "split.csv"
DEFAULT_FRACTIONS = (0.7, 0.1, 0.2)


class SplitError(ValueError):
    """A split file that does not fit the data set, or a scene found in two splits."""


def assign_scene_split(
    scenes: Iterable[str], seed: int = 2021, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
) -> dict[str, str]:
    """Assign each scene to ``train``, ``val`` or ``test`` with a seeded permutation.

    Scenes are sorted first, so the result depends only on the set of scenes and
    the seed, never on listing order. With three or more scenes, validation and
    test get at least one scene each; with fewer, everything is training.
    """
    unique = sorted(set(map(str, scenes)))
    if not unique:
        raise SplitError("cannot split an empty list of scenes")
    if len(fractions) != 3 or min(fractions) < 0 or not np.isclose(sum(fractions), 1.0):
        raise SplitError(f"fractions must be three non-negative numbers summing to 1, got {fractions}")
    order = np.random.default_rng(seed).permutation(len(unique))
    n = len(unique)
    if n < 3:
        n_test = n_val = 0
    else:
        n_test = max(1, int(round(n * fractions[2])))
        n_val = max(1, int(round(n * fractions[1])))
        n_test = min(n_test, n - n_val - 1)
    assignment = {}
    for rank, index in enumerate(order):
        split = "test" if rank < n_test else "val" if rank < n_test + n_val else "train"
        assignment[unique[index]] = split
    return dict(sorted(assignment.items()))


def read_split(path: str | os.PathLike) -> dict[str, str]:
    """Read a ``split.csv`` (columns ``scene,split``).

    Raises:
        SplitError: unknown split names or a scene listed twice.
    """
    path = Path(path)
    assignment: dict[str, str] = {}
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["scene", "split"]:
            raise SplitError(f"{path}: expected the header 'scene,split', got {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            scene, split = row["scene"], row["split"]
            if split not in SPLITS:
                raise SplitError(f"{path}:{line}: unknown split {split!r}; expected one of {SPLITS}")
            if scene in assignment:
                raise SplitError(f"{path}:{line}: scene {scene!r} is listed twice")
            assignment[scene] = split
    return assignment


def write_split(path: str | os.PathLike, assignment: Mapping[str, str]) -> None:
    """Write ``scene,split`` rows atomically, sorted by scene."""
    buffer = _io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["scene", "split"])
    for scene in sorted(assignment):
        writer.writerow([scene, assignment[scene]])
    write_text(path, buffer.getvalue())


def load_or_create_split(
    root: str | os.PathLike, scenes: Iterable[str], seed: int = 2021, write: bool = True
) -> dict[str, str]:
    """The data set's split: read from ``root/split.csv``, or made and saved there the first time.

    A data set whose folder is read-only (a shared copy of SIDD, say) still gets
    a split, computed the same way but kept in memory.

    Raises:
        SplitError: when ``split.csv`` exists but lacks some scenes of the data set:
            silently adding them would change the test set, so the message says to
            delete the file to re-split.
    """
    root = Path(root)
    scenes = sorted(set(map(str, scenes)))
    path = root / SPLIT_FILE
    if path.is_file():
        assignment = read_split(path)
        missing = [scene for scene in scenes if scene not in assignment]
        if missing:
            raise SplitError(
                f"{path}: scenes {missing[:5]} are not in the saved split; delete {path.name} to split again"
            )
        return {scene: assignment[scene] for scene in scenes}
    assignment = assign_scene_split(scenes, seed=seed)
    if write:
        try:
            write_split(path, assignment)
        except OSError:
            pass  # read-only data folder: the split is deterministic, so recomputing it is safe
    return assignment


def check_scene_disjoint(scene_split_pairs: Iterable[tuple[str, str]]) -> None:
    """Raise :class:`SplitError` if any scene appears in more than one split."""
    seen: dict[str, str] = {}
    for scene, split in scene_split_pairs:
        if seen.setdefault(scene, split) != split:
            raise SplitError(f"scene {scene!r} is in both {seen[scene]!r} and {split!r}: the test set would leak")
