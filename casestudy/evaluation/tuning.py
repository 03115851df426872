"""Choosing each classical filter's parameters on the validation split, and keeping the choice.

A filter with a hand-picked setting is not a fair baseline: NLM with the
``h`` that suits white noise barely touches real camera noise, and the
original case study's NLM numbers depended on such a guess. Here every filter
gets a grid search that maximises mean PSNR over validation pairs (never the
test split), and the chosen settings are saved as JSON so that evaluation,
notebooks and the command line all use the same ones:

* :func:`search_filter_params` scores every point of a filter's ``"small"`` or
  ``"full"`` grid (:mod:`casestudy.filters`) on a list of (noisy, clean) pairs;
  when the best point of a ``"full"`` search sits on the edge of a numeric axis
  the axis is *extended* one step beyond it (a line search from the best point,
  up to :data:`MAX_EXTENSIONS` steps per side), because an optimum on the edge
  only says the grid was too short; the result table marks those rows;
* a filter that takes a ``noise_kernel`` (BM3D) gets one estimated from the
  tuning pairs' residuals (:func:`casestudy.noise.psd.estimate_noise_kernel`),
  fixed during its search and saved with its other settings;
* :func:`tune_filters` picks the pairs from a catalogue's ``val`` split (the
  ``train`` split if there is no validation scene, with a warning), at most
  ``profile.tuning_max_images`` of them spread over the scenes (fewer for a
  slow filter whose spec sets ``max_tuning_images``, such as BM3D),
  centre-cropped to at most ``profile.tuning_crop`` pixels a side (filter
  parameters are per-pixel quantities, so a crop tunes them as well as the
  whole photo, far faster);
* :func:`save_filter_params` / :func:`load_filter_params` write and read the
  settings; :func:`filter_params_path` is their default place,
  ``reports/filter_params-<data set folder name>.json`` (the data folder
  itself may be read-only).

Introduced in ``04_classical_filters.ipynb``.
"""

from __future__ import annotations

import functools
import json
import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from casestudy.config import Profile, reports_dir
from casestudy.filters import FILTERS, GRID_SIZES, get_filter
from casestudy.data.pairs import iter_pairs
from casestudy.io import write_text
from casestudy.metrics import psnr
from casestudy.noise.stats import central_crop

#: Format tag written into every parameter file, checked on reading.
PARAMS_FORMAT = "casestudy-filter-params/1"
#: Steps a search may add beyond each edge of a numeric grid axis, per grid size:
#: the two-point ``"small"`` grids of smoke runs are not extended.
MAX_EXTENSIONS: dict[str, int] = {"small": 0, "full": 3}
#: Significant digits of a float grid value added by an extension.
_EXTENSION_DIGITS = 3

Pair = tuple[np.ndarray, np.ndarray]


class TuningWarning(UserWarning):
    """Tuning had to use something other than the validation split."""


# --------------------------------------------------------------------------- the search


def search_filter_params(
    name: str,
    pairs: Sequence[Pair],
    grid: str = "small",
    progress: bool = False,
    fixed: Mapping[str, Any] | None = None,
    max_extensions: int | None = None,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Grid-search the parameters of filter ``name`` that maximise mean PSNR over ``pairs``.

    Args:
        name: a key of :data:`casestudy.filters.FILTERS`.
        pairs: ``(noisy, clean)`` float images in [0, 1] of equal shapes.
        grid: ``"small"`` or ``"full"``.
        progress: show a progress bar over the grid points.
        fixed: parameters held at these values at every grid point (e.g. BM3D's
            estimated ``noise_kernel``).
        max_extensions: how many steps each numeric axis may be extended beyond
            an edge the optimum sits on (default :data:`MAX_EXTENSIONS` of the
            grid; 0 never extends). An extension scores the new value with the
            other parameters at the best point so far, then looks again.

    Returns:
        ``(best_params, table)``: the full parameter dict of the best point
        (the first one on a tie), and a table with one row per point scored, in
        order: its parameters, ``psnr`` (mean over pairs, dB), ``seconds`` (mean
        filter time per pair), ``extension`` (0 for the grid itself, k for a
        point added in the k-th extension) and ``best`` (True on the chosen row).
        ``table.attrs["extended"]`` maps each extended parameter to the values added.

    Raises:
        ValueError: no pairs, a pair whose images differ in shape, an unknown
            filter or grid (the message lists the known ones).
    """
    spec = get_filter(name)
    if grid not in GRID_SIZES:
        raise ValueError(f"unknown grid {grid!r}; choose one of {GRID_SIZES}")
    pairs = list(pairs)
    if not pairs:
        raise ValueError(f"search_filter_params({name!r}): no (noisy, clean) pairs to tune on")
    for index, (noisy, clean) in enumerate(pairs):
        if np.shape(noisy) != np.shape(clean):
            raise ValueError(f"pair {index}: noisy {np.shape(noisy)} and clean {np.shape(clean)} differ in shape")
    fixed = dict(fixed or {})
    spec.params(**fixed)  # unknown names fail here
    points = [{**point, **fixed} for point in spec.grid(grid)]
    table = _score_points(spec, points, pairs, progress, f"tuning {name}")
    table["extension"] = 0
    limit = MAX_EXTENSIONS[grid] if max_extensions is None else int(max_extensions)
    points, table, extended = _extend_at_edges(spec, spec.grids[grid], points, table, pairs, limit)
    best = int(np.argmax(table["psnr"].to_numpy()))  # argmax keeps the first of equal scores
    table["best"] = np.arange(len(table)) == best
    table.attrs["extended"] = extended
    return dict(points[best]), table


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _step_beyond(edge: Any, inner: Any) -> Any:
    """The next grid value past ``edge``, continuing from its neighbour ``inner``; ``None`` if there is none.

    Integers continue arithmetically (5, 7 -> 9; odd sizes stay odd) and must stay
    positive; floats continue geometrically when both are positive (1.5, 2 -> 2.67),
    else arithmetically, and must not change sign.
    """
    if isinstance(edge, (int, np.integer)) and isinstance(inner, (int, np.integer)):
        value = int(edge) + (int(edge) - int(inner))
        return value if value >= 1 and value != edge else None
    edge, inner = float(edge), float(inner)
    value = edge * (edge / inner) if edge > 0 and inner > 0 else edge + (edge - inner)
    if value == edge or np.sign(value) != np.sign(edge):
        return None
    return float(f"{value:.{_EXTENSION_DIGITS}g}")


def _extend_at_edges(
    spec: Any,
    axes: Mapping[str, Sequence[Any]],
    points: list[dict[str, Any]],
    table: pd.DataFrame,
    pairs: Sequence[Pair],
    limit: int,
) -> tuple[list[dict[str, Any]], pd.DataFrame, dict[str, list[Any]]]:
    """Extend numeric axes whose edge holds the best point, one line-search step at a time."""
    values = {name: sorted(v) for name, v in axes.items() if len(v) >= 2 and all(_is_number(x) for x in v)}
    used = {(name, side): 0 for name in values for side in (0, 1)}
    extended: dict[str, list[Any]] = {}
    round_number = 0
    while limit > 0:
        best = dict(points[int(np.argmax(table["psnr"].to_numpy()))])
        step = None
        for name, axis in values.items():
            for side, (edge, inner) in enumerate(((axis[0], axis[1]), (axis[-1], axis[-2]))):
                if best[name] == edge and used[name, side] < limit:
                    step = (name, side, _step_beyond(edge, inner))
                    break
            if step:
                break
        if step is None:
            break
        name, side, value = step
        used[name, side] += 1
        if value is None:
            used[name, side] = limit  # nothing beyond this edge
            continue
        round_number += 1
        values[name] = sorted([*values[name], value])
        extended.setdefault(name, []).append(value)
        point = {**best, name: value}
        row = _score_points(spec, [point], pairs, False, "").assign(extension=round_number)
        points.append(point)
        table = pd.concat([table, row], ignore_index=True)
    return points, table, extended


def sweep_parameter(
    name: str, pairs: Sequence[Pair], parameter: str, values: Sequence[Any], **fixed: Any
) -> pd.DataFrame:
    """Score filter ``name`` at each value of one ``parameter``, the others fixed (``fixed``, else defaults).

    The one-parameter cut through a grid that a reader can plot: how PSNR
    moves with NLM's ``h_factor``, ``patch_size`` or ``patch_distance``.
    Introduced in ``04_classical_filters.ipynb``.

    Returns:
        One row per value, in the order given: every parameter, ``psnr``
        (mean over pairs, dB) and ``seconds`` (mean filter time per pair).

    Raises:
        ValueError: no pairs, or a parameter the filter does not take.
    """
    spec = get_filter(name)
    pairs = list(pairs)
    if not pairs:
        raise ValueError(f"sweep_parameter({name!r}): no (noisy, clean) pairs to score")
    points = [spec.params(**{**fixed, parameter: value}) for value in values]
    return _score_points(spec, points, pairs, False, "")


def _score_points(
    spec: Any, points: Sequence[Mapping[str, Any]], pairs: Sequence[Pair], progress: bool, description: str
) -> pd.DataFrame:
    """Mean PSNR and mean seconds per pair of a filter at each parameter setting."""
    rows = []
    for params in _maybe_progress(points, progress, description):
        scores, seconds = [], 0.0
        for noisy, clean in pairs:
            start = time.perf_counter()
            denoised = spec(noisy, **params)
            seconds += time.perf_counter() - start
            scores.append(psnr(clean, denoised))
        rows.append({**params, "psnr": float(np.mean(scores)), "seconds": seconds / len(pairs)})
    return pd.DataFrame(rows)


def _maybe_progress(items: Sequence[Any], progress: bool, description: str) -> Iterable[Any]:
    if not progress:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=description, leave=False)


# --------------------------------------------------------------------------- choosing images


def spread_over_scenes(rows: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    """At most ``limit`` rows, taken round-robin over the scenes (sorted), so a small sample sees many scenes.

    Deterministic: within a scene the rows are taken in ``instance`` order.
    ``None`` keeps every row (sorted the same way).
    """
    ordered = rows.sort_values(["scene", "instance"], kind="stable")
    rank = ordered.groupby("scene", sort=True).cumcount()
    scene_order = ordered["scene"].map({scene: i for i, scene in enumerate(sorted(ordered["scene"].unique()))})
    ordered = ordered.assign(_rank=rank, _scene=scene_order).sort_values(["_rank", "_scene"], kind="stable")
    if limit is not None:
        ordered = ordered.head(max(int(limit), 0))
    return ordered.drop(columns=["_rank", "_scene"])


def centre_crop(image: np.ndarray, size: int | None) -> np.ndarray:
    """The central ``size`` x ``size`` part of an image (sides shorter than ``size`` are kept whole)."""
    return image if size is None else central_crop(image, size)


def load_pairs(rows: pd.DataFrame, crop: int | None = None) -> list[Pair]:
    """Read the ``(noisy, clean)`` images of catalogue rows, optionally centre-cropped."""
    return [(centre_crop(noisy, crop), centre_crop(clean, crop)) for _, noisy, clean in iter_pairs(rows)]


def tuning_rows(catalogue: pd.DataFrame, limit: int | None) -> tuple[pd.DataFrame, str]:
    """The rows to tune on and the split they come from: ``val``, else ``train`` (with a :class:`TuningWarning`).

    Raises:
        ValueError: the catalogue has neither validation nor training pairs.
    """
    for split in ("val", "train"):
        rows = catalogue[catalogue["split"] == split]
        if len(rows):
            if split != "val":
                warnings.warn(
                    f"the data set has no validation pairs; tuning filter parameters on {split!r} instead",
                    TuningWarning,
                    stacklevel=3,
                )
            return spread_over_scenes(rows, limit), split
    counts = catalogue["split"].value_counts().to_dict()
    raise ValueError(f"no validation or training pairs to tune filter parameters on (splits: {counts})")


def tune_filters(
    catalogue: pd.DataFrame,
    methods: Iterable[str],
    profile: Profile,
    path: str | os.PathLike | None = None,
    progress: bool = False,
) -> dict[str, dict[str, Any]]:
    """Search each classical filter among ``methods`` on the catalogue's validation split.

    Names that are not classical filters (``noisy``, networks) are skipped.
    Uses ``profile.filter_search`` as the grid and at most
    ``profile.tuning_max_images`` pairs (``max_tuning_images`` of them, evenly
    spaced, for a filter whose spec sets it), each centre-cropped to
    ``profile.tuning_crop`` pixels a side. When ``path`` is given, the chosen
    settings are merged into that JSON file (other filters' settings in it are
    kept) with their validation PSNR, grid, image count and crop.

    Returns:
        ``{filter name: chosen parameters}`` for the filters tuned now.
    """
    names = [name for name in dict.fromkeys(methods) if name in FILTERS]
    if not names:
        return {}
    rows, split = tuning_rows(catalogue, profile.tuning_max_images)
    pairs = load_pairs(rows, profile.tuning_crop)
    chosen: dict[str, dict[str, Any]] = {}
    info: dict[str, dict[str, Any]] = {}
    for name in names:
        used = _subset(pairs, FILTERS[name].max_tuning_images)
        fixed = fitted_params(name, pairs)
        params, table = search_filter_params(name, used, profile.filter_search, progress=progress, fixed=fixed)
        chosen[name] = params
        best_psnr = float(table.loc[table["best"], "psnr"].iloc[0])
        info[name] = {
            "psnr": round(best_psnr, 4) if math.isfinite(best_psnr) else None,  # JSON has no inf
            "grid": profile.filter_search,
            "split": split,
            "images": len(used),
            "crop": profile.tuning_crop,
        }
        if table.attrs.get("extended"):
            info[name]["extended"] = table.attrs["extended"]
    if path is not None:
        saved = load_filter_params(path, with_info=True) if Path(path).is_file() else {}
        saved.update({name: {"params": chosen[name], **info[name]} for name in names})
        _write_params_file(path, saved)
    return chosen


def fitted_params(name: str, pairs: Sequence[Pair]) -> dict[str, Any]:
    """Parameters of filter ``name`` measured from the tuning pairs rather than searched.

    A filter that takes a ``noise_kernel`` (BM3D) gets the noise's spatial
    autocorrelation estimated from the residuals ``noisy - clean`` of all
    ``pairs`` (:func:`casestudy.noise.psd.estimate_noise_kernel`), rounded to 4
    decimals so it reads well in the JSON file. Other filters get ``{}``.
    """
    if "noise_kernel" not in get_filter(name).defaults or not pairs:
        return {}
    from casestudy.noise.psd import estimate_noise_kernel

    kernel = estimate_noise_kernel(np.asarray(noisy, np.float64) - clean for noisy, clean in pairs)
    return {"noise_kernel": np.round(kernel, 4).tolist()}


def filter_params_table(entries: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The settings of :func:`load_filter_params` ``(path, with_info=True)`` as a table, one row per filter.

    Columns: ``label``, ``settings`` (the parameters that differ between grid
    points of the filter's ``"full"`` grid or from its defaults, as
    ``name=value`` text), ``val_psnr`` (dB, on the tuning crops), ``images``,
    ``crop`` and ``grid``; index ``filter``, in :data:`FILTERS` order.
    Introduced in ``04_classical_filters.ipynb``.
    """
    rows = []
    for name in [name for name in FILTERS if name in entries]:
        spec, entry = FILTERS[name], entries[name]
        params = spec.params(**entry.get("params", entry))  # a plain {name: params} mapping works too
        varied = [key for key in spec.defaults if key in spec.grids["full"] or params.get(key) != spec.defaults[key]]
        rows.append(
            {
                "filter": name,
                "label": spec.label,
                "settings": ", ".join(f"{key}={_short(params[key])}" for key in varied),
                "val_psnr": entry.get("psnr", np.nan),
                "images": entry.get("images", pd.NA),
                "crop": entry.get("crop", pd.NA),
                "grid": entry.get("grid", ""),
            }
        )
    columns = ["filter", "label", "settings", "val_psnr", "images", "crop", "grid"]
    return pd.DataFrame(rows, columns=columns).set_index("filter")


def _short(value: Any) -> str:
    """A parameter value for a table cell: a nested list (a noise kernel) shows as its shape."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        return f"<{len(value)}x{len(value[0])} kernel>"
    return str(value)


def _subset(pairs: list[Pair], limit: int | None) -> list[Pair]:
    """``limit`` pairs evenly spaced through ``pairs`` (first and last included), so a slow filter's few
    tuning images still span the scenes and settings of the tuning set rather than its first scene."""
    if limit is None or limit >= len(pairs):
        return pairs
    if limit == 1:
        return pairs[:1]
    return [pairs[int(i)] for i in np.linspace(0, len(pairs) - 1, limit).round()]


# --------------------------------------------------------------------------- saving and loading


def data_set_name(data_dir: str | os.PathLike) -> str:
    """A data set's name in file names: its folder's name (``simulated-sidd``)."""
    return Path(os.path.abspath(Path(data_dir).expanduser())).name or "data"


def filter_params_path(data_dir: str | os.PathLike) -> Path:
    """Default file of tuned settings for a data set: ``reports/filter_params-<folder name>.json``."""
    return reports_dir() / f"filter_params-{data_set_name(data_dir)}.json"


def save_filter_params(path: str | os.PathLike, params: Mapping[str, Mapping[str, Any]]) -> None:
    """Write ``{filter name: parameters}`` to ``path`` as JSON, atomically (replacing the file).

    Raises:
        ValueError: an unknown filter or parameter name.
    """
    _write_params_file(path, {name: {"params": dict(values)} for name, values in params.items()})


def _write_params_file(path: str | os.PathLike, entries: Mapping[str, Mapping[str, Any]]) -> None:
    for name, entry in entries.items():
        get_filter(name).params(**entry["params"])  # unknown names fail here, before anything is written
    document = {"format": PARAMS_FORMAT, "filters": {name: dict(entries[name]) for name in sorted(entries)}}
    write_text(path, json.dumps(document, indent=2, sort_keys=False, allow_nan=False) + "\n")


def saved_filter_params(name: str, path: str | os.PathLike) -> dict[str, Any] | None:
    """Filter ``name``'s tuned settings saved in ``path``, or ``None`` when the file is absent or holds none for
    it (the filter then runs with its defaults): how ``casestudy denoise`` and the app find their settings.

    Raises:
        ValueError: a file that is there but is not a filter parameter file (see :func:`load_filter_params`).
    """
    path = Path(path)
    saved = load_filter_params(path) if path.is_file() else {}
    return dict(saved[name]) if name in saved else None


def load_filter_params(path: str | os.PathLike, with_info: bool = False) -> dict[str, Any]:
    """Read a file written by :func:`save_filter_params` or :func:`tune_filters`.

    Returns:
        ``{filter name: parameters}``; with ``with_info=True``, ``{filter name:
        {"params": ..., "psnr": ..., "grid": ..., ...}}`` as stored.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not JSON, not this format, or an unknown filter or
            parameter (the message names the file).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no saved filter parameters")
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != PARAMS_FORMAT:
        raise ValueError(f"{path}: not a filter parameter file (expected format {PARAMS_FORMAT!r})")
    entries = document.get("filters")
    if not isinstance(entries, dict):
        raise ValueError(f"{path}: 'filters' must be an object of filter name -> settings")
    result: dict[str, Any] = {}
    for name, entry in entries.items():
        if name not in FILTERS:
            raise ValueError(f"{path}: unknown filter {name!r}; known filters: {', '.join(FILTERS)}")
        if not isinstance(entry, dict) or not isinstance(entry.get("params"), dict):
            raise ValueError(f"{path}: filter {name!r} has no 'params' object")
        try:
            FILTERS[name].params(**entry["params"])
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
        result[name] = dict(entry) if with_info else dict(entry["params"])
    return result


#: The filters a user would run blind on a photo: the two strongest classical ones.
BLIND_FILTERS = ("nlm", "bm3d")


def blind_filters(profile: Profile, tune: bool = True) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """NLM and BM3D as ``casestudy evaluate --split all`` runs them: noise estimated from the image, settings
    tuned on the profile's simulated validation split (read from the reports folder, tuned there first if
    missing and ``tune``; the defaults otherwise)."""
    from casestudy.data.catalogue import load_catalogue
    from casestudy.data.simulated import ensure_dataset
    from casestudy.filters import apply_filter

    tuning_dir = ensure_dataset(profile)
    path = filter_params_path(tuning_dir)
    params: dict[str, dict[str, Any]] = load_filter_params(path) if path.is_file() else {}
    missing = [name for name in BLIND_FILTERS if name not in params]
    if missing and tune:
        params.update(tune_filters(load_catalogue(tuning_dir, seed=profile.seed), missing, profile, path=path))
    return {f"{name} (blind)": functools.partial(apply_filter, name, **params.get(name, {})) for name in BLIND_FILTERS}
