"""Scoring denoisers on a data set: one row per image and method, then one table.

The original case study scored methods on test sets that differed between
notebooks, with a non-standard SSIM and timings from single cold calls. Here
every method runs through :func:`evaluate` on the same images of one split of
the catalogue, scored with :mod:`casestudy.metrics`, and timed the same way:

* preparation (loading tuned parameters, a model) is not timed;
* each method is first called once on the first image, untimed (a warm-up:
  imports, caches, graph tracing), then timed on every image with
  ``time.perf_counter`` around the call alone (reading and scoring excluded);
* speed is reported as seconds per megapixel, and :func:`summarize` takes its
  *median* over images, which one slow outlier cannot move.

Methods live in the :data:`casestudy.evaluation.methods.METHODS` registry: a :class:`Method` has a name, a
label, a ``prepare(context)`` hook that returns a ready-to-run method, and is
called as ``method(noisy) -> denoised``. ``noisy`` (the input itself, the
baseline every method must beat), every classical filter of
:data:`casestudy.filters.FILTERS` and every network of
:data:`casestudy.models.MODELS` (:class:`NetworkMethod`: a ``.keras`` file loaded
in safe mode, whole-image inference) register themselves here; more join with
:func:`register_method`. A network's weights come from the context
(``EvalContext(weights={name: file})``, which ``--weights`` fills through
:func:`casestudy.models.resolve_weights`), else from the shipped
``weights/<name>.keras``; loading is part of ``prepare`` and is not timed.

The per-image rows are the record later steps build on; writing them to CSV and
printing tables is :mod:`casestudy.evaluation.report`'s job.

The ``casestudy evaluate`` command (:func:`add_arguments`, :func:`run_cli`)
tunes the filters on the validation split when no saved settings exist, prints
the summary table (with a parameters column when networks are in it) and
writes the per-image rows to a CSV.
Introduced in ``04_classical_filters.ipynb``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casestudy.data.pairs import iter_pairs
from casestudy.evaluation.methods import (
    METHODS, EvalContext, default_methods, pair_runner,
    parse_methods,
)  # fmt: skip
from casestudy.evaluation.report import META_COLUMNS, PARAMETERS_COLUMN, ROW_COLUMNS, SUMMARY_COLUMNS
from casestudy.filters import FILTERS
from casestudy.evaluation.scoring import Pair, score_pairs
from casestudy.models.registry import MODELS, network_names

if TYPE_CHECKING:  # pandas is imported where used, so that `casestudy --help` stays instant
    import pandas as pd

# --------------------------------------------------------------------------- evaluation


def evaluate(
    catalogue: pd.DataFrame,
    methods: Sequence[str] | str | None = None,
    split: str = "test",
    max_images: int | None = None,
    context: EvalContext | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run each method on each image of one split and score it.

    Args:
        catalogue: the catalogue (:func:`casestudy.data.catalogue.load_catalogue`).
        methods: names from :data:`METHODS` (a list or ``"a,b"``); ``None``: :func:`default_methods`.
        split: ``"train"``, ``"val"``, ``"test"``, or ``"all"`` (every pair: a folder used
            only as a test set; its rows' ``split`` is then ``"all"``).
        max_images: at most this many images, spread over the scenes; ``None``: all.
        context: what the methods may need to get ready, passed to every method's
            ``prepare``: the tuned filter settings (``EvalContext(params={filter name:
            params})``; filters not in it use their defaults), the data folder.
        progress: show a progress bar over the images.

    Returns:
        One row per image and method (columns :data:`ROW_COLUMNS`, then
        :data:`PARAMETERS_COLUMN` when a method has parameters: a network's
        count, empty for the others), images in ``instance`` order, methods in
        the order given.

    Raises:
        UnknownMethodError: an unregistered method name.
        casestudy.models.ModelLoadError: a network without loadable weights.
        ValueError: the split has no images, an image pair differs in shape, or a
            method returns an image of the wrong shape or with bad values.
    """
    import pandas as pd

    from casestudy.evaluation.tuning import spread_over_scenes

    names = parse_methods(methods)
    missing = [column for column in (*META_COLUMNS, "noisy_path", "clean_path") if column not in catalogue.columns]
    if missing:
        raise ValueError(f"the catalogue lacks the column(s) {missing}")
    rows = catalogue if split == "all" else catalogue[catalogue["split"] == split]
    if rows.empty:
        counts = ", ".join(f"{name}: {count}" for name, count in catalogue["split"].value_counts().items())
        raise ValueError(f"the {split!r} split has no images ({counts or 'empty catalogue'}); choose another split")
    rows = spread_over_scenes(rows, max_images).sort_values("instance", kind="stable")
    context = context or EvalContext()
    ready = [METHODS[name].prepare(context) for name in names]

    megapixels: dict[str, float] = {}

    def pairs() -> Iterator[Pair]:
        images = iter_pairs(rows)
        if progress:
            from tqdm.auto import tqdm

            images = tqdm(images, total=len(rows), desc=f"evaluating {len(ready)} method(s)")
        for row, noisy, clean in images:
            meta = {column: getattr(row, column) for column in META_COLUMNS}
            if split == "all":  # the rows say what was scored: the whole folder, whatever split a pair belongs to
                meta["split"] = "all"
            megapixels[row.instance] = noisy.shape[0] * noisy.shape[1] / 1e6
            yield Pair(meta, noisy, clean, label=row.instance)

    runners = {method.name: pair_runner(method) for method in ready}
    records = [{**record, "megapixels": megapixels[record["instance"]],
                "s_per_mp": record["seconds"] / megapixels[record["instance"]]}
               for record in score_pairs(pairs(), runners, metrics=("psnr", "ssim"), timed=True)]  # fmt: skip
    result = pd.DataFrame.from_records(records, columns=list(ROW_COLUMNS))
    counts = {method.name: method.parameters for method in ready}
    if any(count is not None for count in counts.values()):
        result[PARAMETERS_COLUMN] = result["method"].map(counts).astype("Int64")
    return result


def summarize(rows: pd.DataFrame, methods: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per method: mean PSNR, mean SSIM, median seconds per megapixel, number of images.

    Rows with a :data:`PARAMETERS_COLUMN` add it (each method's count, empty for methods without).

    Methods come in the order of ``methods`` if given, else in the order they
    first appear in ``rows`` (the order :func:`evaluate` was asked for).
    """
    import pandas as pd

    if rows.empty:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS), index=pd.Index([], name="method"))
    order = list(methods) if methods is not None else list(dict.fromkeys(rows["method"]))
    grouped = rows.groupby("method", sort=False)
    summary = pd.DataFrame(
        {
            "psnr": grouped["psnr"].mean(),
            "ssim": grouped["ssim"].mean(),
            "s_per_mp": grouped["s_per_mp"].median(),
            "images": grouped["instance"].nunique(),
        }
    )
    if PARAMETERS_COLUMN in rows.columns:
        summary[PARAMETERS_COLUMN] = grouped[PARAMETERS_COLUMN].first().astype("Int64")
    summary.index.name = "method"
    return summary.reindex([name for name in order if name in summary.index])


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``casestudy evaluate``'s options to ``parser``."""
    parser.add_argument("--data", metavar="DIR", help="data folder (default: $CASESTUDY_DATA, else the profile's simulated set)")
    parser.add_argument("--layout", help="force a layout: sidd, renoir, nind, folders (default: detect)")
    parser.add_argument(
        "--methods",
        metavar="LIST",
        help=f"comma-separated methods, among them the networks {','.join(network_names())} "
        f"(default: {','.join(default_methods())})",
    )
    parser.add_argument(
        "--weights",
        nargs="+",
        action="extend",
        metavar="PATH",
        help="network weights: folders holding <name>.keras files or training run folders (runs/<name>-<profile>), "
        "NAME=FILE or NAME=FOLDER per network, or one .keras file when one network is evaluated "
        "(default: weights/<name>.keras)",
    )
    parser.add_argument("--split", default="test", choices=("train", "val", "test", "all"),
                        help="split to score (default: test); 'all' scores every pair of the folder, with filter "
                        "settings from --params or tuned on the profile's simulated set, never on the scored images")
    parser.add_argument("--out", metavar="CSV", help="per-image rows (default: reports/evaluate-<data>-<split>.csv)")
    parser.add_argument("--max-images", type=int, metavar="N", help="at most N images (default: the profile's)")
    parser.add_argument(
        "--params",
        metavar="JSON",
        help="tuned filter settings to use and update (default: reports/filter_params-<data>.json)",
    )
    parser.add_argument(
        "--tune",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="search filter parameters on the validation split for filters without saved settings (default: on)",
    )
    parser.add_argument("--progress", action="store_true", help="show progress bars")


def run_cli(args: argparse.Namespace) -> int:
    """``casestudy evaluate``: tune if needed, score, print the table, write the per-image CSV."""
    from casestudy.config import get_profile, resolve_data_dir
    from casestudy.data.catalogue import load_catalogue
    from casestudy.evaluation.tuning import filter_params_path, load_filter_params, tune_filters

    profile = get_profile(getattr(args, "profile", None))
    names = parse_methods(args.methods)
    if args.max_images is not None and args.max_images < 1:
        raise ValueError(f"--max-images must be at least 1, got {args.max_images}")
    weights: dict[str, Path] = {}
    if any(name in MODELS for name in names):
        # Before anything slow (tuning), so that a missing file is reported at once.
        from casestudy.models import resolve_weights

        weights = resolve_weights(names, getattr(args, "weights", None))
        for name, file in weights.items():
            print(f"{name}: {file}", file=sys.stderr)
    elif getattr(args, "weights", None):
        print("note: --weights ignored, no network among the methods", file=sys.stderr)
    data_dir = resolve_data_dir(args.data, profile)
    catalogue = load_catalogue(data_dir, layout=args.layout, seed=profile.seed)
    tuning_catalogue, tuning_dir = catalogue, data_dir
    if args.split == "all" and not args.params:
        # Every pair is scored, so none may tune the filters: their settings come from the simulated set.
        from casestudy.data.simulated import ensure_dataset

        tuning_dir = ensure_dataset(profile)
        tuning_catalogue = load_catalogue(tuning_dir, seed=profile.seed)
    params_path = Path(args.params) if args.params else filter_params_path(tuning_dir)
    params: dict[str, dict[str, Any]] = load_filter_params(params_path) if params_path.is_file() else {}
    untuned = [name for name in names if name in FILTERS and name not in params]
    if any(name in FILTERS for name in names) and tuning_dir != data_dir:
        print(f"filter settings from {params_path} (tuned on {tuning_dir}, not on the scored images)", file=sys.stderr)
    if untuned and args.tune:
        print(
            f"tuning {', '.join(untuned)} on the validation split of {tuning_dir} ({profile.filter_search} grid, "
            f"at most {profile.tuning_max_images} images) -> {params_path}",
            file=sys.stderr,
        )
        params.update(tune_filters(tuning_catalogue, untuned, profile, path=params_path, progress=args.progress))
    elif untuned:
        print(f"no saved settings for {', '.join(untuned)}: using their defaults", file=sys.stderr)
    max_images = args.max_images if args.max_images is not None else (
        None if args.split == "all" else profile.eval_max_images
    )
    rows = evaluate(
        catalogue,
        names,
        split=args.split,
        max_images=max_images,
        context=EvalContext(params=params, data_dir=Path(data_dir), weights=weights),
        progress=args.progress,
    )
    from casestudy.evaluation.report import format_table, results_path, save_rows

    out = save_rows(rows, Path(args.out) if args.out else results_path(data_dir, args.split, kind="evaluate"))
    summary = summarize(rows, names)
    print(f"{data_dir} ({args.split} split, {int(summary['images'].max())} images)")
    print(format_table(summary))
    print(f"per-image rows: {out}")
    return 0
