"""The one scoring loop: pairs and denoisers in, one row per pair and method out.

Every table of scores in the project (``casestudy evaluate``, the unseen-noise check,
the white-noise and clean-photo checks of ``benchmarks/bench_quality.py``, the notebooks'
per-level scores) comes from :func:`score_pairs`, so they share one metric convention
(:mod:`casestudy.metrics`), one shape check with an error that names the method and the
image, and one way of timing a method (an untimed warm-up on its first image, then
``time.perf_counter`` around each call).

A :class:`Pair` is a noisy image, its clean target and the values that name it in a table
(``keys``: a scene and an instance, or a check image and a noise level). A *runner* is any
``Callable[[Pair], np.ndarray]``: a network or a blind filter looks only at ``pair.noisy``,
a yardstick given the true noise reads ``pair.sigma`` as well. :func:`on_noisy` turns a
plain ``denoise(noisy)`` function into a runner.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from casestudy.metrics import MetricInputError, psnr, ssim

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: Level of the dark areas :func:`dark_shift` looks at: clean pixels (channel mean) below it.
DARK_LEVEL = 0.15


@dataclasses.dataclass(frozen=True)
class Pair:
    """One noisy image, its clean target and what names it in a table.

    Attributes:
        keys: the columns that name the pair in a row (``{"instance": ..., "scene": ...}``).
        noisy: float32 (H, W, 3) in [0, 1].
        clean: the same shape.
        noise_sigma: the noise's standard deviation when whoever made the noise knows it (white
            noise of a chosen sigma); ``None``: :attr:`sigma` measures it as ``std(noisy - clean)``.
    """

    keys: Mapping[str, Any]
    noisy: np.ndarray
    clean: np.ndarray
    noise_sigma: float | None = None
    label: str | None = None

    @property
    def name(self) -> str:
        """The pair as an error message names it: :attr:`label`, else its key values joined by ``/``."""
        return self.label or "/".join(str(value) for value in self.keys.values()) or "pair"

    @property
    def sigma(self) -> float:
        """The true noise level: :attr:`noise_sigma`, else the spread of ``noisy - clean``."""
        if self.noise_sigma is not None:
            return float(self.noise_sigma)
        return float(np.std(np.asarray(self.noisy, np.float64) - np.asarray(self.clean, np.float64)))


#: A denoiser as the loop calls it: the pair in, the denoised image out.
Runner = Callable[[Pair], np.ndarray]


def on_noisy(denoise: Callable[[np.ndarray], np.ndarray]) -> Runner:
    """A runner that hands ``denoise`` the pair's noisy image only (a blind method)."""
    return lambda pair: denoise(pair.noisy)


def dark_shift(clean: np.ndarray, output: np.ndarray, dark_level: float = DARK_LEVEL) -> float:
    """Mean of ``output - clean`` (in 1/255) over the pixels whose clean channel mean is below ``dark_level``.

    A network that learned the simulator's black-level clipping brightens (positive) or darkens
    (negative) the shadows of a clean photo; ``nan`` when the image has no dark pixels.
    """
    mask = np.asarray(clean).mean(axis=-1) < dark_level
    if not mask.any():
        return float("nan")
    return float((np.asarray(output, np.float64)[mask] - np.asarray(clean, np.float64)[mask]).mean() * 255.0)


#: The scores a row can carry, by column name: ``(clean, denoised) -> float``.
METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {"psnr": psnr, "ssim": ssim, "dark_shift": dark_shift}


def score_output(method: str, pair: Pair, output: np.ndarray, metrics: Sequence[str] = ("psnr",)) -> dict[str, float]:
    """The ``metrics`` of one output, with errors that name the method and the pair.

    Raises:
        ValueError: an output whose shape is not the clean image's.
        casestudy.metrics.MetricInputError: an output with bad values (NaN, out of range, integers).
    """
    if np.shape(output) != np.shape(pair.clean):
        raise ValueError(f"method {method!r} returned shape {np.shape(output)} for {pair.name} "
                         f"({np.shape(pair.clean)} in)")  # fmt: skip
    try:
        return {metric: METRICS[metric](pair.clean, output) for metric in metrics}
    except MetricInputError as error:
        raise MetricInputError(f"method {method!r} on {pair.name}: {error}") from None


def _fresh(pair: Pair) -> Pair:
    """The pair with a copy of its noisy image, so that a method that writes into its input spoils nothing."""
    return dataclasses.replace(pair, noisy=pair.noisy.copy())


def score_pairs(
    pairs: Iterable[Pair],
    runners: Mapping[str, Runner],
    *,
    metrics: Sequence[str] = ("psnr",),
    timed: bool = False,
    known: Mapping[tuple[Any, ...], Mapping[str, Any]] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Run every runner on every pair and score it: one row per pair and method, pairs outer, methods in order.

    Args:
        pairs: the pairs, in the order the rows come out.
        runners: ``{method name: runner}``.
        metrics: columns of :data:`METRICS` each row carries.
        timed: add ``seconds`` (the call's wall time; each method's first call is an untimed warm-up on
            a copy of the first pair, so tracing and caches are not charged to one image).
        known: rows computed earlier, by ``(*pair.keys.values(), method)``: such a row is yielded as
            it is instead of running the method again (a benchmark that reuses BM3D's rows).
        on_row: called with each row as soon as it exists (progress for a command line).

    Yields:
        ``{**pair.keys, "method": name, **scores}`` (and ``seconds`` when timed).

    Raises:
        KeyError: an unknown metric.
        ValueError, casestudy.metrics.MetricInputError: an output of the wrong shape or with bad values.
    """
    unknown = [metric for metric in metrics if metric not in METRICS]
    if unknown:
        raise KeyError(f"unknown metric(s) {unknown}; known: {', '.join(METRICS)}")
    warmed: set[str] = set()
    for pair in pairs:
        for method, run in runners.items():
            earlier = None if known is None else known.get((*pair.keys.values(), method))
            if earlier is not None:
                row = dict(earlier)
            else:
                if timed and method not in warmed:
                    run(_fresh(pair))
                    warmed.add(method)
                start = time.perf_counter()
                output = run(_fresh(pair))
                seconds = time.perf_counter() - start
                row = {**pair.keys, "method": method, **score_output(method, pair, output, metrics)}
                if timed:
                    row["seconds"] = seconds
            if on_row is not None:
                on_row(row)
            yield row


def wide_table(rows: Iterable[Mapping[str, Any]], keys: Sequence[str], metric: str = "psnr") -> pd.DataFrame:
    """Rows of :func:`score_pairs` as one row per pair (its ``keys``) with one ``metric`` column per method.

    Pairs and methods keep the order they first appear in.
    """
    import pandas as pd

    table: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[column] for column in keys)
        table.setdefault(key, dict(zip(keys, key)))[row["method"]] = row[metric]
    return pd.DataFrame.from_records(list(table.values()), columns=None if table else list(keys))
