"""The quality bar of the shipped networks, on photos and noise no network trained on.

Three checks, each scoring every network against NLM and BM3D run two ways: **blind**
(each filter estimates the noise itself, with the settings ``casestudy evaluate --split all``
uses, tuned on the simulated set's validation split, as a user runs them) and **given the
truth** (the true noise level or spectrum: a reference no blind denoiser can have):

* ``white``: white Gaussian noise of sigma 5, 15, 25 and 50 (of 255) on centre crops of the
  unseen-noise check's clean images, the textbook benchmark;
* ``unseen``: the unseen-noise check itself (:mod:`casestudy.evaluation.unseen.build`: Poisson-Gaussian
  noise in linear light, spatially and cross-channel correlated, three levels);
* ``clean``: a clean image in. A denoiser should give it back: its PSNR against the input,
  and the largest mean shift of tone over an image's dark pixels (clean grey level below
  :data:`casestudy.evaluation.scoring.DARK_LEVEL`), in 8-bit levels, which is what a network taught to undo the dark-area
  brightening of clipped camera noise would do wrongly to a clean photo.

:func:`quality_rows` returns one row per image, check, condition and method;
:func:`quality_table` averages them into the one table ``benchmarks/bench_quality.py`` prints,
each cell the mean over the images and its spread (standard deviation) across them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from casestudy.config import Profile
from casestudy.evaluation.scoring import Pair, Runner, on_noisy, score_pairs
from casestudy.evaluation.tuning import blind_filters
from casestudy.evaluation.unseen.check import network_denoisers

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: The white-noise levels, in 8-bit levels.
WHITE_SIGMAS = (5, 15, 25, 50)
#: The filters run blind and given the truth.
CLASSICAL = ("nlm", "bm3d")
NOISY = "noisy"
ROW_COLUMNS = ("check", "condition", "image", "method", "psnr", "dark_shift")

Denoiser = Callable[[np.ndarray], np.ndarray]


def bm3d_true_sigma(noisy: np.ndarray, sigma: float) -> np.ndarray:
    """BM3D told the true standard deviation ``sigma`` of white noise."""
    import bm3d

    from casestudy.filters import check_noisy
    from casestudy.noise.psd import numpy_for_bm4d

    with numpy_for_bm4d():
        out = bm3d.bm3d_rgb(check_noisy(noisy).astype(np.float64), sigma_psd=float(sigma))
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def check_images(profile: Profile, long_side: int, max_images: int | None = None) -> list[tuple[str, np.ndarray]]:
    """The unseen-noise check's clean images (its held-out photos, then the test scenes), long side ``long_side``."""
    from casestudy.evaluation.unseen.build import check_sources, resize_long_side

    sources = check_sources(profile.seed, data_dir=profile.simulated_dir)
    sources = sources if max_images is None else sources[:max_images]
    return [(source["name"], resize_long_side(source["load"](), long_side)) for source in sources]


def centre_crop(image: np.ndarray, size: int) -> np.ndarray:
    """The centre ``size`` x ``size`` square of ``image`` (the whole of a smaller side)."""
    height, width = image.shape[:2]
    top, left = max((height - size) // 2, 0), max((width - size) // 2, 0)
    return image[top : top + size, left : left + size]


def quality_rows(
    profile: Profile,
    networks: Mapping[str, Any],
    checks: Sequence[str] = ("white", "unseen", "clean"),
    long_side: int = 512,
    crop: int = 192,
    max_images: int | None = None,
    seed: int = 2021,
    blind: Mapping[str, Denoiser] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    reuse: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score ``networks`` and the classical filters on the chosen checks; one row per image, condition and method.

    Args:
        profile: whose simulated set tunes the blind filters and whose seed chose the check's test scenes.
        networks: ``{column name: keras model or .keras file}``.
        checks: any of ``white``, ``unseen``, ``clean``.
        long_side: the check images' long side in pixels (the unseen-noise check is built at it if missing).
        crop: the side of the white-noise check's centre crops.
        max_images: only the first this many check images (all, ``None``).
        seed: the white noise's seed (pair ``(seed, image, sigma)``).
        blind: the blind filters (default :func:`casestudy.evaluation.tuning.blind_filters` of ``profile``).
        on_row: called with each row as it is made (progress).
        reuse: rows of an earlier call with the same settings (``bench_quality.py --reuse``): a method
            other than ``networks`` that has a row there for an image and condition is not run again,
            its row is taken from there (BM3D is most of the check's time).

    Raises:
        ValueError: an unknown check.
    """
    import pandas as pd

    unknown = sorted(set(checks) - {"white", "unseen", "clean"})
    if unknown:
        raise ValueError(f"unknown check(s) {unknown}; choose among white, unseen, clean")
    blind_runners = {method: on_noisy(run) for method, run in
                     (*dict(blind_filters(profile) if blind is None else blind).items(),
                      *network_denoisers(networks).items())}  # fmt: skip
    known = None
    if reuse is not None:
        known = {(row["check"], row["condition"], row["image"], row["method"]): row
                 for row in reuse.to_dict("records") if row["method"] not in networks}  # fmt: skip
    rows: list[dict[str, Any]] = []

    def score(pairs: Iterable[Pair], runners: Mapping[str, Runner]) -> None:
        rows.extend(score_pairs(pairs, runners, metrics=("psnr", "dark_shift"), known=known, on_row=on_row))

    images = check_images(profile, long_side, max_images) if {"white", "clean"} & set(checks) else []
    if "white" in checks:
        from casestudy.evaluation.unseen.check import nlm_true_sigma

        true_noise = {NOISY: lambda pair: pair.noisy,
                      "nlm (true)": lambda pair: nlm_true_sigma(pair.noisy, pair.sigma),
                      "bm3d (true)": lambda pair: bm3d_true_sigma(pair.noisy, pair.sigma)}  # fmt: skip
        score(_white_pairs(images, crop, seed), true_noise | blind_runners)
    if "unseen" in checks:
        rows_before = len(rows)
        _unseen_rows(profile, long_side, max_images, blind_runners, score)
        if len(rows) == rows_before:
            raise ValueError("the unseen-noise check has no pairs")
    if "clean" in checks:
        score((Pair({"check": "clean", "condition": "clean in", "image": name}, image, image) for name, image in images),
              blind_runners)
    return pd.DataFrame.from_records(rows, columns=list(ROW_COLUMNS))


def _white_pairs(images: Sequence[tuple[str, np.ndarray]], crop: int, seed: int) -> Iterator[Pair]:
    """White Gaussian noise of each of :data:`WHITE_SIGMAS` on each image's centre crop, seeded by ``(seed, image, sigma)``."""
    for index, (name, image) in enumerate(images):
        clean = centre_crop(image, crop)
        for sigma in WHITE_SIGMAS:
            rng = np.random.default_rng((seed, index, sigma))
            noisy = np.clip(clean + rng.normal(0.0, sigma / 255.0, clean.shape), 0, 1).astype(np.float32)
            yield Pair({"check": "white", "condition": f"sigma {sigma}", "image": name}, noisy, clean,
                       noise_sigma=sigma / 255.0)  # fmt: skip


def _unseen_rows(profile: Profile, long_side: int, max_images: int | None, blind: Mapping[str, Runner],
                 score: Callable[[Iterable[Pair], Mapping[str, Runner]], None]) -> None:  # fmt: skip
    from casestudy.data.pairs import iter_pairs
    from casestudy.evaluation.unseen.check import (
        bm3d_true_psd, check_pairs, ensure_check, nlm_true_sigma, noise_autocorrelation,
    )  # fmt: skip

    folder, record = ensure_check(profile, long_side)
    autocorrelation = noise_autocorrelation(record)
    true_noise = {NOISY: lambda pair: pair.noisy,
                  "nlm (true)": lambda pair: nlm_true_sigma(pair.noisy, pair.sigma),
                  "bm3d (true)": lambda pair: bm3d_true_psd(pair.noisy, pair.sigma, autocorrelation)}  # fmt: skip
    pairs = (Pair({"check": "unseen", "condition": row.level, "image": row.image}, noisy, clean)
             for row, noisy, clean in iter_pairs(check_pairs(folder, record, max_images)))  # fmt: skip
    score(pairs, true_noise | dict(blind))


def quality_table(rows: pd.DataFrame, spread: bool = True) -> pd.DataFrame:
    """One row per check and condition (and ``all`` per check), one column per method: mean PSNR over the
    images, with ``spread`` as ``"mean ±sd"`` strings; the clean check also gets its largest dark shift."""
    import pandas as pd

    methods = list(dict.fromkeys(rows["method"]))
    conditions = list(dict.fromkeys(zip(rows["check"], rows["condition"])))
    lines, index = [], []

    def cell(values: pd.Series, digits: int = 2) -> Any:
        values = values.dropna()
        if values.empty:
            return "" if spread else float("nan")
        if not spread:
            return round(float(values.mean()), digits)
        return f"{values.mean():.{digits}f} ±{values.std(ddof=0):.{digits}f}"

    for check in dict.fromkeys(rows["check"]):
        of_check = rows[rows["check"] == check]
        names = [condition for c, condition in conditions if c == check]
        if check == "unseen":
            from casestudy.evaluation.unseen.check import level_order

            names = level_order(names)
        groups = [(condition, of_check[of_check["condition"] == condition]) for condition in names]
        if check == "unseen" and len(groups) > 1:  # each image's mean over the levels, then across images
            groups.append(("all", of_check.groupby(["image", "method"], as_index=False)["psnr"].mean()))
        for condition, group in groups:
            index.append((check, condition))
            lines.append({method: cell(group[group["method"] == method]["psnr"]) for method in methods})
        if check == "clean":
            worst = rows[rows["check"] == "clean"].groupby("method")["dark_shift"].agg(lambda s: s.abs().max())
            index.append((check, "largest dark shift (/255)"))
            lines.append({method: (f"{worst[method]:.2f}" if spread else round(float(worst[method]), 2))
                          if method in worst and np.isfinite(worst[method]) else "" for method in methods})  # fmt: skip
    table = pd.DataFrame(lines, index=pd.MultiIndex.from_tuples(index, names=["check", "condition"]))
    return table[[method for method in methods if method in table.columns]]


def table_markdown(table: pd.DataFrame) -> str:
    """:func:`quality_table`'s table as Markdown (written here: pandas' ``to_markdown`` needs ``tabulate``)."""
    header = [*table.index.names, *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * 2 + "---:|" * len(table.columns)]
    for key, row in table.iterrows():
        lines.append("| " + " | ".join([*map(str, key), *(str(value) for value in row)]) + " |")
    return "\n".join(lines) + "\n"
