"""The unseen-noise check's scores: networks against NLM and BM3D given the true noise.

The check (:mod:`casestudy.evaluation.unseen`: photos no network trained on, noise that is
not the simulator's) asks whether a network trained on the camera simulator holds up
on photos and noise it never saw. Its yardstick is two classical filters handed what a
blind denoiser never has, the true noise: NLM with ``h = 0.8 x`` the true residual
standard deviation (patch 5, distance 6), and BM3D with the true standard deviation
and the true noise PSD (the check's own kernel).

* :func:`nlm_true_noise` and :func:`bm3d_true_noise` are those two, for one image with
  its clean version (``casestudy check`` runs them on a whole check); :func:`unseen_noise_scores` scores
  them and any networks on one clean image at each of the check's noise levels,
  small enough for a notebook (``06_mwcnn.ipynb``).
* :func:`score_table` scores a check with :func:`casestudy.evaluation.unseen.check.run_unseen_check`
  (one row per pair, one column per method, kept on disk by the check's own ``save_table``);
  :func:`rows_from_table` turns it into rows (one per image and method); :func:`check_summary` gives the mean PSNR per level and :func:`network_margins` each
  network's margin over the better classical filter, the number the quality bar
  asks to be positive. :func:`notebook_scores` is what ``08_comparison.ipynb``
  calls: the profile's check (:data:`NOTEBOOK_LONG_SIDE`), built and scored when needed.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from casestudy.evaluation.unseen.check import (
    ALL_LEVELS, BM3D_COLUMN, NLM_COLUMN, level_order, load_table, results_file, save_table,
)  # fmt: skip

if TYPE_CHECKING:  # pragma: no cover
    import keras

    from casestudy.config import Profile

#: The yardsticks, by the method names :func:`unseen_noise_scores` gives them.
TRUE_NOISE_METHODS = ("nlm_true", "bm3d_true")


def _check_pair(noisy: np.ndarray, clean: np.ndarray) -> float:
    if np.shape(noisy) != np.shape(clean):
        raise ValueError(f"noisy and clean differ in shape: {np.shape(noisy)} and {np.shape(clean)}")
    return float(np.std(np.asarray(noisy, np.float64) - np.asarray(clean, np.float64)))


def nlm_true_noise(noisy: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """Non-Local Means given the true noise level ``sigma = std(noisy - clean)``: :func:`casestudy.evaluation.unseen.check.nlm_true_sigma`."""
    from casestudy.evaluation.unseen.check import nlm_true_sigma

    return nlm_true_sigma(noisy, _check_pair(noisy, clean))


def bm3d_true_noise(noisy: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """BM3D given the true noise: its standard deviation and the PSD of the check's correlation kernel."""
    import scipy.signal

    from casestudy.evaluation.unseen.build import noise_kernel
    from casestudy.evaluation.unseen.check import bm3d_true_psd

    sigma = _check_pair(noisy, clean)
    kernel = noise_kernel().astype(np.float64)
    autocorrelation = scipy.signal.correlate2d(kernel, kernel)
    autocorrelation /= autocorrelation.max()
    return bm3d_true_psd(noisy, sigma, autocorrelation)


def unseen_noise_scores(
    clean: np.ndarray,
    networks: Mapping[str, keras.Model],
    *,
    seed: int,
    baselines: Sequence[str] = TRUE_NOISE_METHODS,
    long_side: int | None = None,
) -> pd.DataFrame:
    """PSNR of the noisy input, the true-noise baselines and each network on ``clean`` at every noise level.

    The noise is the check's (:func:`casestudy.evaluation.unseen.build.add_unseen_noise`, quantised to
    8 bits as the check's files are), drawn from ``default_rng([seed, level index])``.
    With ``long_side`` the image is first downscaled as the check downscales its photos
    (never enlarged), so a whole photo can be scored at a notebook's size.

    Returns:
        One row per level (index ``level``, in :data:`casestudy.evaluation.unseen.build.LEVELS`
        order) and one column per method: ``noisy``, the baselines, then the networks.

    Raises:
        ValueError: an unknown baseline, or an image that is not (H, W, 3) in [0, 1].
    """
    from casestudy.evaluation.unseen.build import LEVELS, add_unseen_noise
    from casestudy.evaluation.unseen.build import resize_long_side as _resize
    from casestudy.io import to_uint8
    from casestudy.evaluation.scoring import Pair, on_noisy, score_pairs, wide_table
    from casestudy.metrics import check_image
    from casestudy.inference.network import denoise_image

    yardsticks = {"nlm_true": nlm_true_noise, "bm3d_true": bm3d_true_noise}
    unknown = [name for name in baselines if name not in yardsticks]
    if unknown:
        raise ValueError(f"unknown baseline(s) {unknown}; known: {', '.join(yardsticks)}")
    clean = check_image(clean, "clean", rgb=True, dtype=np.float32, error=ValueError)
    if long_side is not None:
        clean = _resize(clean, int(long_side))
    clean8 = to_uint8(clean).astype(np.float32) / np.float32(255.0)

    def pairs() -> Iterator[Pair]:
        for index, level in enumerate(LEVELS):
            rng = np.random.default_rng([int(seed), index])
            noisy = to_uint8(add_unseen_noise(clean8, level, rng)).astype(np.float32) / np.float32(255.0)
            yield Pair({"level": level.name}, noisy, clean8)

    runners = {"noisy": lambda pair: pair.noisy}
    runners |= {name: lambda pair, run=yardsticks[name]: run(pair.noisy, pair.clean) for name in baselines}
    runners |= {name: on_noisy(functools.partial(denoise_image, model)) for name, model in networks.items()}
    return wide_table(score_pairs(pairs(), runners), ["level"]).set_index("level")


#: The classical methods of the check, as :func:`casestudy.evaluation.unseen.check.run_unseen_check` names them
#: (both are given the true noise).
CLASSICAL = (NLM_COLUMN, BM3D_COLUMN)
#: Columns of the rows, in order.
COLUMNS = ("image", "level", "method", "psnr")


def rows_from_table(table: pd.DataFrame) -> pd.DataFrame:
    """Rows ``image, level, method, psnr`` (one per pair and method, pairs in the table's order) from the
    per-pair table of :func:`casestudy.evaluation.unseen.check.run_unseen_check` (one column per method).

    Raises:
        ValueError: a table without the ``file`` and ``level`` columns, or without a method column.
    """
    meta = ("file", "image", "level", "noise_std")
    missing = [column for column in ("file", "level") if column not in table.columns]
    methods = [column for column in table.columns if column not in meta]
    if missing or not methods:
        raise ValueError(f"not a check table: {f'the column(s) {missing} are missing' if missing else 'no method column'}")
    images = table["file"].map(lambda name: Path(name).stem)
    rows = table.assign(image=images).melt(id_vars=["image", "level"], value_vars=methods, var_name="method",
                                           value_name="psnr")  # fmt: skip
    order = {name: index for index, name in enumerate(images)}
    return rows.sort_values("image", key=lambda names: names.map(order), kind="stable")[list(COLUMNS)].reset_index(drop=True)


def score_table(check_dir: str | os.PathLike) -> pd.DataFrame:
    """The per-pair table of the check in ``check_dir`` scored with the shipped weights
    (:func:`casestudy.evaluation.unseen.check.run_unseen_check`).

    Raises:
        FileNotFoundError: ``check_dir`` holds no check (``casestudy data unseen`` builds one).
    """
    from casestudy.evaluation.unseen.check import run_unseen_check

    check_dir = Path(check_dir)
    if not (check_dir / "unseen.json").is_file():
        raise FileNotFoundError(f"{check_dir}: no unseen-noise check here; build one with `casestudy data unseen`")
    return run_unseen_check(check_dir).table


def check_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean PSNR (dB): one row per noise level (light to heavy, then ``all``), one column per method."""
    table = rows.pivot_table(index="level", columns="method", values="psnr", aggfunc="mean", sort=False)
    table.loc["all"] = rows.groupby("method", sort=False)["psnr"].mean()
    order = [*level_order([level for level in table.index if level != ALL_LEVELS]), ALL_LEVELS]
    methods = list(dict.fromkeys(rows["method"]))
    return table.loc[order, methods].rename_axis(index="level", columns=None)


def network_margins(rows: pd.DataFrame) -> pd.DataFrame:
    """Each network's mean PSNR minus the better classical filter's, per level: positive where it wins.

    Networks are every method that is neither the noisy input nor in :data:`CLASSICAL`.

    Raises:
        ValueError: rows without both classical methods.
    """
    summary = check_summary(rows)
    absent = [method for method in CLASSICAL if method not in summary.columns]
    if absent:
        raise ValueError(f"the rows lack the classical method(s) {absent}")
    best_classical = summary[list(CLASSICAL)].max(axis=1)
    networks = [method for method in summary.columns if method != "noisy" and method not in CLASSICAL]
    return summary[networks].sub(best_classical, axis=0)


#: Long side (pixels) of the check that ``08_comparison.ipynb`` scores, per profile. The full check
#: (512 px, ``casestudy data unseen``'s default, the one the weights cards report) takes tens of minutes
#: on 2 busy CPU cores, BM3D nearly all of it, so the smaller profiles score a smaller copy: the same
#: photos and noise model, resized before the noise is added.
NOTEBOOK_LONG_SIDE = {"smoke": 48, "laptop": 160, "gpu": 512}


def notebook_check_dir(profile: Profile) -> Path:
    """The check notebook 08 scores: ``data/unseen-check`` at full size, else ``data/unseen-check-<N>px``."""
    from casestudy.config import data_root
    from casestudy.evaluation.unseen.build import DEFAULT_LONG_SIDE

    long_side = NOTEBOOK_LONG_SIDE.get(profile.name, DEFAULT_LONG_SIDE)
    return data_root() / ("unseen-check" if long_side == DEFAULT_LONG_SIDE else f"unseen-check-{long_side}px")


def notebook_scores(profile: Profile) -> tuple[pd.DataFrame, Path]:
    """``(rows, check folder)``: the profile's check scored with the shipped weights, built and scored if needed.

    The check is built (seeded by the profile) when its folder holds none. Its per-pair table
    saved at :func:`casestudy.evaluation.unseen.check.results_file` is reused when it is newer
    than the check and every shipped weights file; otherwise the check is scored now and the
    table saved (:func:`casestudy.evaluation.unseen.check.save_table`, the check's one writer).
    """
    from casestudy.config import project_root
    from casestudy.evaluation.unseen.build import DEFAULT_LONG_SIDE, RECORD_FILE, build_unseen_check

    check_dir = notebook_check_dir(profile)
    if not (check_dir / RECORD_FILE).is_file():
        long_side = NOTEBOOK_LONG_SIDE.get(profile.name, DEFAULT_LONG_SIDE)
        build_unseen_check(check_dir, seed=profile.seed, long_side=long_side, data_dir=profile.simulated_dir)
    path = results_file(check_dir)
    inputs = [check_dir / RECORD_FILE, *sorted((project_root() / "weights").glob("*.keras"))]
    if path.is_file() and all(path.stat().st_mtime >= file.stat().st_mtime for file in inputs):
        return rows_from_table(load_table(path)), check_dir
    table = score_table(check_dir)
    save_table(table, path)
    return rows_from_table(table), check_dir
