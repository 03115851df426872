"""Scoring the unseen-noise check: networks against NLM and BM3D given the true noise, per noise level.

The check (:mod:`casestudy.evaluation.unseen.build`, built by ``casestudy data unseen``) holds photos no
network trained on, with noise that is not the simulator's. :func:`run_unseen_check` denoises
every pair with

* **NLM given the true noise level**: ``h = 0.8 sigma`` with ``sigma`` the true spread of
  ``noisy - clean`` (patch 5, distance 6, scikit-image's fast mode);
* **BM3D given the true noise PSD**: the true spread and the check's own correlation kernel
  (recorded in ``unseen.json``), as :func:`casestudy.noise.psd.kernel_to_psd` shapes it;
* each **network**, whole image, as :func:`network_denoisers` runs it;

and returns the PSNR of every pair (one row each) and their mean per noise level. The two
classical filters get what a blind denoiser never has, the true noise, so they are a high bar:
a network that only learned the simulator falls below them here. ``casestudy check``
is the command line (:func:`run_cli`); :func:`check_for_profile` builds a check sized for a profile's
notebook run. Introduced in ``07_pridnet.ipynb``.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from casestudy.config import Profile, data_root
from casestudy.evaluation.unseen import build

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: Column of NLM given the true noise level, and of BM3D given the true noise PSD.
NLM_COLUMN = "nlm (true sigma)"
BM3D_COLUMN = "bm3d (true PSD)"
#: Column of the noisy input.
NOISY_COLUMN = "noisy"
#: The row of :func:`summarize_by_level` that averages every pair.
ALL_LEVELS = "all"
#: NLM's fixed settings on the check (h as a multiple of the true sigma).
NLM_H_FACTOR, NLM_PATCH_SIZE, NLM_PATCH_DISTANCE = 0.8, 5, 6


class UnseenCheckError(ValueError):
    """A folder that is not an unseen-noise check, or pairs its record does not describe."""


@dataclasses.dataclass(frozen=True)
class CheckSize:
    """How big the check is in one profile's notebook run: the images' long side, the images scored."""

    long_side: int
    max_images: int | None


#: The check every notebook of a profile builds and scores (05 to 08 score the same one): BM3D with a
#: full PSD costs seconds per 256-pixel image on a CPU, so the laptop run scores the check at half its
#: default size, and the smoke run one image of 48 pixels.
CHECK_SIZES = {
    "smoke": CheckSize(long_side=48, max_images=1),
    "laptop": CheckSize(long_side=256, max_images=None),
    "gpu": CheckSize(long_side=build.DEFAULT_LONG_SIDE, max_images=None),
}


@dataclasses.dataclass(frozen=True)
class UnseenCheckResult:
    """The check's scores.

    Attributes:
        table: one row per pair: ``file``, ``image``, ``level``, ``noise_std`` (true spread of
            ``noisy - clean``), then the PSNR (dB) of ``noisy``, :data:`NLM_COLUMN`,
            :data:`BM3D_COLUMN` and each network.
        summary: the mean PSNR of each method per level (rows light, medium, heavy, then
            :data:`ALL_LEVELS`), with the number of ``pairs`` behind each row.
        networks: the networks' column names, in order.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    networks: tuple[str, ...]

    def margins(self, reference: str) -> pd.DataFrame:
        """Each network's mean PSNR minus ``reference``'s (a column), per level: positive means the network wins."""
        if reference not in self.summary.columns:
            raise KeyError(f"no column {reference!r} in the check's summary; columns: {list(self.summary.columns)}")
        return self.summary[list(self.networks)].sub(self.summary[reference], axis=0)


def read_record(check_dir: str | os.PathLike) -> dict[str, Any]:
    """The check's ``unseen.json`` (how it was made, and each pair's level).

    Raises:
        UnseenCheckError: no such folder, no record, or a record of another format.
    """
    folder = Path(check_dir)
    path = folder / build.RECORD_FILE
    if not path.is_file():
        raise UnseenCheckError(
            f"{folder}: not an unseen-noise check ({build.RECORD_FILE} missing); build one with `casestudy data unseen`"
        )
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise UnseenCheckError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(record, dict) or record.get("format") != build.FORMAT:
        raise UnseenCheckError(f"{path}: not an unseen-noise check record (format {build.FORMAT!r} expected)")
    return record


def noise_autocorrelation(record: Mapping[str, Any]) -> np.ndarray:
    """The spatial autocorrelation of the check's noise (1 at its centre), from the kernel its record names.

    The noise is white noise filtered by a unit-energy kernel ``k``, so its autocorrelation is
    ``k`` correlated with itself; :func:`casestudy.noise.psd.kernel_to_psd` turns it into BM3D's PSD.
    """
    import scipy.signal

    kernel_record = record["noise"]["kernel"]
    kernel = build.noise_kernel(kernel_record["sigma_px"], kernel_record["size"]).astype(np.float64)
    autocorrelation = scipy.signal.correlate2d(kernel, kernel)
    return autocorrelation / autocorrelation.max()


def nlm_true_sigma(noisy: np.ndarray, sigma: float) -> np.ndarray:
    """NLM told the true noise level ``sigma``: ``h = 0.8 sigma``, patch 5, distance 6 (fast mode)."""
    from skimage.restoration import denoise_nl_means

    from casestudy.filters import check_noisy

    image = check_noisy(noisy)
    out = denoise_nl_means(image, h=NLM_H_FACTOR * sigma, sigma=sigma, patch_size=NLM_PATCH_SIZE,
                           patch_distance=NLM_PATCH_DISTANCE, fast_mode=True, channel_axis=-1)  # fmt: skip
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def bm3d_true_psd(noisy: np.ndarray, sigma: float, autocorrelation: np.ndarray) -> np.ndarray:
    """BM3D told the true noise: its PSD from the noise's ``autocorrelation`` scaled to the spread ``sigma``."""
    import bm3d

    from casestudy.filters import check_noisy
    from casestudy.noise.psd import kernel_to_psd, numpy_for_bm4d

    image = check_noisy(noisy)
    psd = kernel_to_psd(autocorrelation, image.shape[:2], sigma)
    with numpy_for_bm4d():
        out = bm3d.bm3d_rgb(image.astype(np.float64), sigma_psd=psd)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def check_pairs(check_dir: str | os.PathLike, record: Mapping[str, Any], max_images: int | None = None) -> pd.DataFrame:
    """The check's catalogue with a ``level`` and an ``image`` column; only the first ``max_images`` images if given.

    Images are taken in the record's order (the pool photos, then the test scenes), every level of each.

    Raises:
        UnseenCheckError: a pair the record does not list, or ``max_images`` below 1.
    """
    from casestudy.data.catalogue import load_catalogue

    if max_images is not None and max_images < 1:
        raise UnseenCheckError(f"max_images must be at least 1, got {max_images}")
    catalogue = load_catalogue(check_dir, read_exif=False)
    described = {Path(pair["file"]).stem: pair for pair in record["pairs"]}
    unknown = sorted(set(catalogue["instance"]) - set(described))
    if unknown:
        raise UnseenCheckError(f"{check_dir}: pair(s) {unknown} are not listed in {build.RECORD_FILE}")
    catalogue = catalogue.assign(image=[described[name]["image"] for name in catalogue["instance"]],
                                 level=[described[name]["level"] for name in catalogue["instance"]])  # fmt: skip
    images = list(dict.fromkeys(pair["image"] for pair in record["pairs"]))
    kept = images if max_images is None else images[:max_images]
    return catalogue[catalogue["image"].isin(kept)].reset_index(drop=True)


def load_networks(networks: Sequence[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    """``{name: keras model}`` from network names (the shipped weights; ``None``: every registered network) or a
    mapping to models or ``.keras`` files."""
    from casestudy.models import load_model, network_names, weights_path

    networks = network_names() if networks is None else networks
    if not isinstance(networks, Mapping):
        return {name: load_model(weights_path(name)) for name in networks}
    return {name: load_model(value) if isinstance(value, (str, os.PathLike)) else value
            for name, value in networks.items()}  # fmt: skip


def network_denoisers(networks: Sequence[str] | Mapping[str, Any] | None) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """``{name: noisy -> denoised}``: each network of :func:`load_networks`' ``networks`` as a user runs it on a
    photo without metadata, whole image at once.

    A blind network takes the photo alone; a network told the noise runs as its method does by default
    (:class:`casestudy.evaluation.methods.MappedNetworkMethod`, blind, as it ships), with the noise level
    function beside its weights file loaded for a caller that switches its map on. A model handed over as an
    object, or a file without that function beside it, runs blind too.
    """
    from casestudy.evaluation.methods import MappedNetworkMethod, noise_levels_path
    from casestudy.inference.network import denoise_image
    from casestudy.models import weights_path
    from casestudy.noise.level_map import NoiseLevelFunction

    if networks is None or not isinstance(networks, Mapping):
        from casestudy.models import network_names

        files: dict[str, Any] = {name: weights_path(name) for name in (network_names() if networks is None else networks)}
    else:
        files = {name: value if isinstance(value, (str, os.PathLike)) else None for name, value in networks.items()}
    denoisers: dict[str, Callable[[np.ndarray], np.ndarray]] = {}
    for name, model in load_networks(networks).items():
        curves = None if files[name] is None else noise_levels_path(files[name])
        if int(model.input_shape[-1]) > 3 and curves is not None and curves.is_file():
            denoisers[name] = MappedNetworkMethod(name=name, label=name, model=model, source=Path(files[name]),
                                                  curves=NoiseLevelFunction.load(curves))  # fmt: skip
        else:
            denoisers[name] = functools.partial(denoise_image, model)
    return denoisers


def run_unseen_check(
    check_dir: str | os.PathLike,
    networks: Sequence[str] | Mapping[str, Any] | None = None,
    max_images: int | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    classical: bool = True,
    blind: Mapping[str, Callable[[np.ndarray], np.ndarray]] | None = None,
) -> UnseenCheckResult:
    """Denoise every pair of the check with NLM, BM3D (both given the true noise) and ``networks``; score them.

    Args:
        check_dir: a folder written by :func:`casestudy.evaluation.unseen.build.build_unseen_check`.
        networks: names of registered networks (their shipped ``weights/<name>.keras``), or
            ``{column name: keras model or .keras file}``; empty for the classical rows only.
        max_images: score only the first this many images (each at every level); ``None``: all.
        on_row: called with each pair's row as soon as it is scored (progress for a command line).
        classical: also run NLM and BM3D (``False``: the noisy input and the networks only, for a
            quick look at a retrained network; BM3D with a full PSD costs seconds per image).
        blind: ``{column name: denoise(noisy)}`` run too, after the true-noise filters: the filters as a
            user runs them, estimating the noise (:func:`casestudy.evaluation.tuning.blind_filters`).

    Raises:
        UnseenCheckError: not a check folder, or pairs its record does not list.
        casestudy.models.ModelLoadError: a network whose weights do not load in safe mode.
    """
    import pandas as pd

    from casestudy.data.pairs import iter_pairs
    from casestudy.evaluation.scoring import Pair, on_noisy, score_pairs

    record = read_record(check_dir)
    rows = check_pairs(check_dir, record, max_images)
    models = network_denoisers(networks)
    blind = dict(blind or {})
    clashes = sorted((set(models) | set(blind)) & {NOISY_COLUMN, NLM_COLUMN, BM3D_COLUMN, "file", "image", "level",
                                                   "noise_std"})  # fmt: skip
    if clashes or set(models) & set(blind):
        raise ValueError(f"column name(s) {clashes or sorted(set(models) & set(blind))} clash with the check's own "
                         "columns or with each other")  # fmt: skip
    autocorrelation = noise_autocorrelation(record)
    runners = {NOISY_COLUMN: lambda pair: pair.noisy}
    if classical:
        runners[NLM_COLUMN] = lambda pair: nlm_true_sigma(pair.noisy, pair.sigma)
        runners[BM3D_COLUMN] = lambda pair: bm3d_true_psd(pair.noisy, pair.sigma, autocorrelation)
    runners |= {name: on_noisy(denoise) for name, denoise in blind.items()}
    runners |= {name: on_noisy(denoise) for name, denoise in models.items()}
    records = []
    for row, noisy, clean in iter_pairs(rows):
        pair = Pair({"file": f"{row.instance}.png", "image": row.image, "level": row.level}, noisy, clean)
        scored = {**pair.keys, "noise_std": pair.sigma}
        scored.update({result["method"]: result["psnr"] for result in score_pairs([pair], runners)})
        records.append(scored)
        if on_row is not None:
            on_row(scored)
    table = pd.DataFrame.from_records(records)
    return UnseenCheckResult(table=table, summary=summarize_by_level(table), networks=tuple(models))


def level_order(levels: Sequence[str]) -> list[str]:
    """``levels`` in the check's order (light, medium, heavy), unknown names after them alphabetically."""
    known = [level.name for level in build.LEVELS]
    return [name for name in known if name in levels] + sorted(set(levels) - set(known))


def summarize_by_level(table: pd.DataFrame) -> pd.DataFrame:
    """Mean PSNR of every method column of ``table`` per level, then over all pairs (row :data:`ALL_LEVELS`).

    Raises:
        ValueError: an empty table, or one without the ``level`` and ``noisy`` columns.
    """
    missing = [column for column in ("level", NOISY_COLUMN) if column not in table.columns]
    if missing or table.empty:
        raise ValueError(f"not a check table: {'no rows' if table.empty else f'the column(s) {missing} are missing'}")
    methods = [column for column in table.columns if column not in ("file", "image", "level", "noise_std")]
    summary = table.groupby("level")[methods].mean().reindex(level_order(list(table["level"].unique())))
    summary.loc[ALL_LEVELS] = table[methods].mean()
    counts = table.groupby("level").size()
    summary["pairs"] = [int(counts.get(level, len(table))) if level != ALL_LEVELS else len(table)
                        for level in summary.index]  # fmt: skip
    summary.index.name = "level"
    return summary


def results_file(check_dir: str | os.PathLike) -> Path:
    """Where a notebook keeps a check's per-pair table: ``reports/<check folder name>.csv``."""
    from casestudy.config import reports_dir

    return reports_dir() / f"{Path(os.path.abspath(check_dir)).name}.csv"


def save_table(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a check's per-pair table as CSV, atomically."""
    from casestudy.io import write_text

    path = Path(path)
    write_text(path, table.to_csv(index=False))
    return path


def load_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a table :func:`save_table` wrote.

    Raises:
        FileNotFoundError: no such file (the message says which notebook writes it).
        ValueError: a CSV that is not a check table.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no unseen-check results; notebook 07_pridnet.ipynb writes them")
    table = pd.read_csv(path, dtype={"file": str, "image": str, "level": str})
    summarize_by_level(table)  # raises on a CSV that is not a check table
    return table


def check_dir_for(long_side: int) -> Path:
    """The folder of a check with images of ``long_side`` pixels: ``data/unseen-check`` at the default size."""
    suffix = "" if long_side == build.DEFAULT_LONG_SIDE else f"-{long_side}"
    return data_root() / f"unseen-check{suffix}"


def notebook_check_dir(profile: Profile) -> Path:
    """Where the check sized for ``profile`` (:data:`CHECK_SIZES`) lives (built or not)."""
    return check_dir_for(CHECK_SIZES.get(profile.name, CHECK_SIZES["laptop"]).long_side)


def check_for_profile(profile: Profile) -> tuple[Path, CheckSize]:
    """The check sized for ``profile`` (:data:`CHECK_SIZES`), built first if missing or made otherwise.

    A check already on disk with the same seed and size is reused; building one prints a line.
    """
    size = CHECK_SIZES.get(profile.name, CHECK_SIZES["laptop"])
    folder, _ = ensure_check(profile, size.long_side)
    return folder, size


def ensure_check(profile: Profile, long_side: int) -> tuple[Path, dict[str, Any]]:
    """The check with images of ``long_side`` pixels and ``profile``'s seed and test scenes, and its record;
    built first (one line printed) if missing or made otherwise."""
    folder = check_dir_for(long_side)
    try:
        record = read_record(folder)
    except UnseenCheckError:
        record = {}
    wanted = {"format_version": build.FORMAT_VERSION, "seed": profile.seed, "long_side": long_side}
    if any(record.get(key) != value for key, value in wanted.items()):
        record = build.build_unseen_check(folder, seed=profile.seed, long_side=long_side,
                                           data_dir=profile.simulated_dir)  # fmt: skip
        print(f"Built the unseen-noise check: {len(record['pairs'])} pairs, long side {long_side} px")
    return folder, record


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``casestudy check``'s options."""
    parser.add_argument("check_dir", nargs="?", type=Path, default=None, metavar="CHECK_DIR",
                        help="the check folder (default: data/unseen-check, built by `casestudy data unseen`)")  # fmt: skip
    parser.add_argument("--max-images", type=int, default=None, metavar="N",
                        help="score only the first N images (each at every level)")  # fmt: skip
    parser.add_argument("--networks", default=None, metavar="A,B",
                        help="registered networks to score with their shipped weights (default: all)")  # fmt: skip


def run_cli(args: argparse.Namespace) -> int:
    """``casestudy check``: each pair's scores as it is scored, then the mean PSNR per level; 1 on a bad check."""
    from casestudy.models import ModelLoadError, network_names

    check_dir = args.check_dir if args.check_dir is not None else data_root() / "unseen-check"
    networks = None if args.networks is None else [name.strip() for name in args.networks.split(",") if name.strip()]
    unknown = sorted(set(networks or ()) - set(network_names()))
    if unknown:
        print(f"casestudy check: error: unknown network(s) {unknown}; choose among {', '.join(network_names())}",
              file=sys.stderr)  # fmt: skip
        return 1

    def show(row: dict[str, Any]) -> None:
        print(row["file"], {key: round(value, 2) for key, value in row.items() if isinstance(value, float)}, flush=True)

    try:
        result = run_unseen_check(check_dir, networks=networks, max_images=args.max_images, on_row=show)
    except (UnseenCheckError, ModelLoadError, FileNotFoundError) as error:
        print(f"casestudy check: error: {error}", file=sys.stderr)
        return 1
    print(result.summary.round(2).to_string())
    return 0
