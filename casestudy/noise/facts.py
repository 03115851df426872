"""Numbers the notebooks print about the noise, computed rather than written into prose.

* :func:`patch_distance_stats` / :func:`nlm_distance_facts`: how far apart two
  patches of pure noise are, the quantity Non-Local Means subtracts ``2 sigma^2``
  for. Spatially correlated noise does not change the *mean* squared distance
  (it is ``2 sigma^2`` for any noise of per-pixel variance ``sigma^2``), but it
  widens its *spread*: neighbouring pixels move together, so a patch holds fewer
  independent samples and its distance fluctuates more.
* :func:`iso_slope_table`: per phone, the dB of noisy-input PSNR lost per ISO
  doubling, fitted on a data set's pairs, next to the simulator model's value
  (:func:`casestudy.camera.noise.db_per_iso_doubling`; -3 dB for shot noise);
  :func:`profile_db_per_iso_doubling` does the same for any ``(iso, beta1, beta2)``
  table, e.g. the iPhone's reported profile (``IP_REPORTED``, introduced in ``01_data_tour.ipynb``).
* :func:`nlf_at_levels`: a noise level function read at chosen intensities,
  with the ratio of its largest to smallest value, so prose about "how much
  stronger" comes from the data.
* :func:`generalized_anscombe` / :func:`inverse_generalized_anscombe`: the
  variance-stabilising transform for Poisson-Gaussian noise
  ``var(x) = beta1 * x + beta2``: after it the noise has unit variance at every
  level, which is what a denoiser built for constant-variance Gaussian noise wants.

Introduced in ``03_eda_pixels.ipynb`` and ``04_classical_filters.ipynb``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

#: Intensities at which :func:`nlf_at_levels` reads a noise level function by default.
DEFAULT_LEVELS = tuple(np.round(np.arange(0.05, 0.951, 0.1), 2))


def patch_distance_stats(noise: np.ndarray, patch_size: int = 7, pairs: int = 20000, seed: int = 0) -> dict[str, float]:
    """Squared distance between random pairs of non-overlapping noise patches.

    ``d2`` is the mean over the patch's pixels and channels of the squared
    difference, as in :func:`casestudy.filters.nlm_weights`. Patch pairs are drawn
    uniformly (seeded); pairs whose patches overlap are redrawn once and dropped
    if they overlap again.

    Returns:
        ``mean_d2``, ``std_d2``, ``two_sigma2`` (twice the noise's variance, the
        mean ``d2`` expected for any noise), ``ratio`` (``mean_d2 / two_sigma2``) and ``pairs`` used.

    Raises:
        ValueError: an image smaller than two patches, an even patch size or too few pairs.
    """
    array = np.asarray(noise, dtype=np.float64)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3:
        raise ValueError(f"expected an (H, W) or (H, W, C) noise image, got shape {array.shape}")
    if patch_size < 1 or patch_size % 2 == 0:
        raise ValueError(f"patch_size must be a positive odd number, got {patch_size}")
    if pairs < 2:
        raise ValueError(f"need at least 2 pairs, got {pairs}")
    height, width = array.shape[:2]
    if min(height, width) < 2 * patch_size:
        raise ValueError(f"a {height}x{width} image cannot hold two {patch_size}x{patch_size} patches apart")
    rng = np.random.default_rng(seed)
    span = (height - patch_size + 1, width - patch_size + 1)

    def draw(n: int) -> np.ndarray:
        return np.stack([rng.integers(0, span[0], n), rng.integers(0, span[1], n)], axis=1)

    first, second = draw(pairs), draw(pairs)
    overlap = np.all(np.abs(first - second) < patch_size, axis=1)
    second[overlap] = draw(int(overlap.sum()))
    keep = ~np.all(np.abs(first - second) < patch_size, axis=1)
    first, second = first[keep], second[keep]
    offsets = np.arange(patch_size)
    rows_a = first[:, 0, None, None] + offsets[None, :, None]
    cols_a = first[:, 1, None, None] + offsets[None, None, :]
    rows_b = second[:, 0, None, None] + offsets[None, :, None]
    cols_b = second[:, 1, None, None] + offsets[None, None, :]
    d2 = np.mean((array[rows_a, cols_a] - array[rows_b, cols_b]) ** 2, axis=(1, 2, 3))
    two_sigma2 = 2 * float(np.var(array))
    return {
        "mean_d2": float(d2.mean()),
        "std_d2": float(d2.std(ddof=1)),
        "two_sigma2": two_sigma2,
        "ratio": float(d2.mean() / two_sigma2),
        "pairs": int(d2.size),
    }


def nlm_distance_facts(noise: np.ndarray, patch_size: int = 7, pairs: int = 20000, seed: int = 0) -> pd.DataFrame:
    """:func:`patch_distance_stats` of a noise residual next to white Gaussian noise of the same
    per-channel variance and shape (seeded), one row each (``noise`` = ``"measured"``, ``"white"``),
    plus ``spread_vs_white``: the residual's ``std_d2`` over the white noise's."""
    array = np.asarray(noise, dtype=np.float64)
    if array.ndim == 2:
        array = array[..., None]
    channel_std = array.reshape(-1, array.shape[-1]).std(axis=0)
    white = np.random.default_rng([seed, 1]).standard_normal(array.shape) * channel_std
    rows = [
        {"noise": "measured", **patch_distance_stats(array, patch_size, pairs, seed)},
        {"noise": "white", **patch_distance_stats(white, patch_size, pairs, seed)},
    ]
    table = pd.DataFrame(rows)
    table["spread_vs_white"] = table["std_d2"] / table.loc[1, "std_d2"]
    return table


def iso_slope_table(pairs: pd.DataFrame, value: str = "noisy_psnr", group: str = "phone") -> pd.DataFrame:
    """Least-squares slope of ``value`` against log2(ISO) per ``group`` (dB per ISO doubling).

    ``pairs`` is one row per image with ``iso``, ``value`` and ``group`` columns
    (:func:`casestudy.noise.stats.pair_noise` gives ``noisy_psnr``). A row for all
    pairs pooled (``group == "all"``) comes last. Columns: ``group``, ``db_per_doubling``,
    ``r2``, ``images``, ``iso_min``, ``iso_max`` and, for SIDD phone codes,
    ``model_db_per_doubling`` (the simulator's noise model at its reference signal).
    Groups with a single ISO get NaN slopes.
    """
    from casestudy.camera.noise import NLF_TABLE, db_per_iso_doubling

    for column in ("iso", value, group):
        if column not in pairs.columns:
            raise ValueError(f"the pairs have no {column!r} column")
    records = []
    parts = [(str(name), part) for name, part in pairs.groupby(group, sort=True, observed=True)]
    for name, part in [*parts, ("all", pairs)]:
        x, y = np.log2(part["iso"].to_numpy(float)), part[value].to_numpy(float)
        slope = r2 = np.nan
        if np.unique(x).size >= 2:
            slope, intercept = np.polyfit(x, y, 1)
            fitted = slope * x + intercept
            total = np.sum((y - y.mean()) ** 2)
            r2 = 1 - np.sum((y - fitted) ** 2) / total if total > 0 else np.nan
        records.append(
            {
                "group": name, "db_per_doubling": float(slope), "r2": float(r2), "images": len(part),
                "iso_min": float(part["iso"].min()),
                "iso_max": float(part["iso"].max()),
                "model_db_per_doubling": db_per_iso_doubling(name) if name in NLF_TABLE else np.nan,
            }
        )
    return pd.DataFrame(records)


def profile_db_per_iso_doubling(profile: Mapping[str, Sequence[float]], signal: float | None = None) -> float:
    """dB of raw signal-to-noise ratio lost per ISO doubling of a noise table ``{"iso", "beta1", "beta2"}``.

    The same fit as :func:`casestudy.camera.noise.db_per_iso_doubling` (variance
    ``beta1 * signal + beta2`` at each tabulated ISO, its dB fitted against log2(ISO),
    negated), for a table that is not the simulator's, such as the iPhone's
    reported profile. ``signal`` defaults to the simulator's reference signal.

    Raises:
        ValueError: missing keys, lengths that differ, fewer than two ISOs or a non-positive signal.
    """
    from casestudy.camera.noise import REFERENCE_SIGNAL

    signal = REFERENCE_SIGNAL if signal is None else float(signal)
    if not signal > 0:
        raise ValueError(f"signal must be positive, got {signal!r}")
    for key in ("iso", "beta1", "beta2"):
        if key not in profile:
            raise ValueError(f"the noise table has no {key!r} entry")
    iso, beta1, beta2 = (np.asarray(profile[key], dtype=np.float64) for key in ("iso", "beta1", "beta2"))
    if not iso.shape == beta1.shape == beta2.shape or np.unique(iso).size < 2:
        raise ValueError("need iso, beta1 and beta2 of equal length with at least two distinct ISOs")
    variance = beta1 * signal + beta2
    return float(-np.polyfit(np.log2(iso), 10 * np.log10(variance), 1)[0])


def nlf_at_levels(
    table: pd.DataFrame, levels: Sequence[float] = DEFAULT_LEVELS, column: str = "std"
) -> tuple[pd.Series, float]:
    """A noise level function (:func:`casestudy.noise.stats.noise_level_function`) read at ``levels``.

    Values are linearly interpolated between bin centres (``intensity``); levels
    outside the measured range take the nearest end value.

    Returns:
        ``(values, ratio)``: a Series indexed by level, and its max / min.

    Raises:
        ValueError: the table lacks the columns or has no rows.
    """
    for name in ("intensity", column):
        if name not in table.columns:
            raise ValueError(f"the noise level function table has no {name!r} column")
    if table.empty:
        raise ValueError("the noise level function table is empty")
    ordered = table.sort_values("intensity")
    values = np.interp(np.asarray(levels, float), ordered["intensity"].to_numpy(), ordered[column].to_numpy())
    series = pd.Series(values, index=pd.Index(np.asarray(levels, float), name="intensity"), name=column)
    return series, float(series.max() / series.min())


def generalized_anscombe(x: np.ndarray, beta1: float, beta2: float) -> np.ndarray:
    """Variance-stabilising transform of data with noise variance ``beta1 * x + beta2``.

    ``f(x) = (2 / beta1) * sqrt(max(beta1 * x + 3/8 * beta1**2 + beta2, 0))``: to first
    order ``f'(x)**2 * var(x) = 1``, so the transformed noise has unit variance at
    every level (the 3/8 term, as in Anscombe's transform, keeps it close to 1 at low
    counts). With ``beta1 = 1, beta2 = 0`` it is Anscombe's ``2 sqrt(x + 3/8)``.

    Raises:
        ValueError: a non-positive ``beta1`` or negative ``beta2``.
    """
    if not beta1 > 0 or beta2 < 0:
        raise ValueError(f"need beta1 > 0 and beta2 >= 0, got beta1={beta1}, beta2={beta2}")
    x = np.asarray(x, dtype=np.float64)
    return (2.0 / beta1) * np.sqrt(np.maximum(beta1 * x + 0.375 * beta1**2 + beta2, 0.0))


def inverse_generalized_anscombe(y: np.ndarray, beta1: float, beta2: float) -> np.ndarray:
    """The algebraic inverse of :func:`generalized_anscombe` (unbiased inverses exist; this is the plain one)."""
    if not beta1 > 0 or beta2 < 0:
        raise ValueError(f"need beta1 > 0 and beta2 >= 0, got beta1={beta1}, beta2={beta2}")
    y = np.asarray(y, dtype=np.float64)
    return ((beta1 * y / 2.0) ** 2 - 0.375 * beta1**2 - beta2) / beta1
