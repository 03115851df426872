"""The rows every comparison starts from: the classical baseline and the shipped networks on the test split.

``04_classical_filters.ipynb`` tunes the filters on the validation split and scores
them on the test split; the network notebooks (``05_rednet.ipynb`` onwards) put
each network beside those same rows. :func:`classical_rows` returns them: read
back from ``reports/classical-<data set>-test.csv`` when notebook 04 (or an earlier
call) saved them for exactly the images asked for, else computed now with the
settings saved in ``reports/filter_params-<data set>.json`` (tuned on the
validation split first when that file is missing) and saved for the next reader.
Either way the filters never see the test images before they are scored.

:func:`network_rows` does the same for the networks (REDNet, MWCNN, PRIDNet) with
their weights (the shipped ``weights/<name>.keras`` unless told otherwise): rows a
network notebook saved to ``reports/<network>-<data set>-test.csv`` are reused when
they are of those weights and those images, else the networks are scored now, in one
:func:`~casestudy.evaluation.evaluate.evaluate` call, and each network's rows saved.
:func:`comparison_rows` puts both together: the table of ``08_comparison.ipynb``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from casestudy.config import Profile

if TYPE_CHECKING:
    import pandas as pd

#: The methods of the baseline, in table order.
CLASSICAL_METHODS = ("noisy", "nlm", "bm3d")


def evaluated_instances(catalogue: pd.DataFrame, profile: Profile, split: str = "test") -> list[str]:
    """The images a profile evaluates: at most ``profile.eval_max_images`` of ``split``, spread over its scenes."""
    from casestudy.evaluation.tuning import spread_over_scenes

    rows = catalogue[catalogue["split"] == split]
    return sorted(spread_over_scenes(rows, profile.eval_max_images)["instance"])


def classical_rows(
    catalogue: pd.DataFrame,
    data_dir: str | os.PathLike,
    profile: Profile,
    split: str = "test",
    progress: bool = False,
) -> pd.DataFrame:
    """Per-image rows (:func:`casestudy.evaluation.evaluate.evaluate`'s columns) of :data:`CLASSICAL_METHODS` on ``split``.

    Saved rows are reused only when they cover every method and exactly the
    images :func:`evaluated_instances` picks; otherwise the filters run again (tuned
    first if no settings were saved) and the rows are saved atomically.
    """
    from casestudy.evaluation.methods import EvalContext
    from casestudy.evaluation.evaluate import evaluate
    from casestudy.evaluation.report import load_rows, results_path, save_rows
    from casestudy.evaluation.tuning import filter_params_path, load_filter_params, tune_filters

    wanted = evaluated_instances(catalogue, profile, split)
    path = results_path(data_dir, split)
    if path.is_file():
        saved = load_rows(path)
        if set(CLASSICAL_METHODS) <= set(saved["method"]) and sorted(saved["instance"].unique()) == wanted:
            return saved[saved["method"].isin(CLASSICAL_METHODS)].reset_index(drop=True)
    params_file = filter_params_path(data_dir)
    if params_file.is_file():
        params = load_filter_params(params_file)
    else:
        params = tune_filters(catalogue, CLASSICAL_METHODS, profile, path=params_file, progress=progress)
    rows = evaluate(catalogue, CLASSICAL_METHODS, split=split, max_images=profile.eval_max_images,
                    context=EvalContext(params=params, data_dir=Path(data_dir)), progress=progress)
    save_rows(rows, path)
    return rows


def _saved_network_rows(path: Path, name: str, wanted: list[str], weights: Path) -> pd.DataFrame | None:
    """``name``'s saved rows at ``path`` if they are of ``weights`` and exactly the ``wanted`` images, else ``None``.

    "Of these weights" is checked as far as a CSV allows: the rows must be newer
    than the weights file, and their parameter count must be the one the card
    beside the weights states (weights without a card are never taken on trust).
    """
    from casestudy.evaluation.report import PARAMETERS_COLUMN
    from casestudy.models.cards import CardError, card_path, read_card
    from casestudy.evaluation.report import load_rows

    if not path.is_file() or path.stat().st_mtime < weights.stat().st_mtime:
        return None
    try:
        expected = int(read_card(card_path(weights))["parameters"])
        saved = load_rows(path)
    except (CardError, ValueError, KeyError):
        return None
    saved = saved[saved["method"] == name].reset_index(drop=True)
    if saved.empty or PARAMETERS_COLUMN not in saved.columns or sorted(saved["instance"].unique()) != wanted:
        return None
    counts = set(saved[PARAMETERS_COLUMN].dropna().astype(int))
    if counts != {expected}:
        return None
    saved[PARAMETERS_COLUMN] = saved[PARAMETERS_COLUMN].astype("Int64")
    return saved


def network_rows(
    catalogue: pd.DataFrame,
    data_dir: str | os.PathLike,
    profile: Profile,
    networks: Sequence[str] | None = None,
    split: str = "test",
    weights: Mapping[str, str | os.PathLike] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Per-image rows of trained ``networks`` (default: every registered one) on the images
    :func:`evaluated_instances` picks.

    Args:
        catalogue, data_dir, profile, split: as for :func:`classical_rows`.
        networks: names from :data:`casestudy.models.MODELS`, in table order.
        weights: ``{network: .keras file}``; a network not in it uses the shipped
            ``weights/<name>.keras``.
        progress: a progress bar while networks are scored.

    Rows saved at ``results_path(data_dir, split, <network>)`` (notebooks 05-07
    write them) are reused per network when they are newer than its weights file,
    carry the parameter count of the card beside it and cover exactly these
    images; the other networks are scored together (loading untimed, a warm-up,
    then timed per image) and their rows saved there atomically.

    Returns:
        :func:`casestudy.evaluation.evaluate.evaluate`'s columns with the parameters column,
        networks in the order given.

    Raises:
        casestudy.models.ModelLoadError: a network without loadable weights.
    """
    import pandas as pd

    from casestudy.evaluation.methods import EvalContext
    from casestudy.evaluation.evaluate import evaluate
    from casestudy.models import network_names, weights_path
    from casestudy.evaluation.report import results_path, save_rows

    networks = network_names() if networks is None else tuple(networks)
    wanted = evaluated_instances(catalogue, profile, split)
    weights = dict(weights or {})
    files = {name: weights_path(name, weights.get(name)) for name in networks}
    parts: dict[str, pd.DataFrame] = {}
    for name in networks:
        saved = _saved_network_rows(results_path(data_dir, split, name), name, wanted, files[name])
        if saved is not None:
            parts[name] = saved
    missing = [name for name in networks if name not in parts]
    if missing:
        rows = evaluate(catalogue, missing, split=split, max_images=profile.eval_max_images,
                        context=EvalContext(data_dir=Path(data_dir), weights={n: files[n] for n in missing}),
                        progress=progress)  # fmt: skip
        for name in missing:
            parts[name] = rows[rows["method"] == name].reset_index(drop=True)
            save_rows(parts[name], results_path(data_dir, split, name))
    return pd.concat([parts[name] for name in networks], ignore_index=True)


def comparison_rows(
    catalogue: pd.DataFrame,
    data_dir: str | os.PathLike,
    profile: Profile,
    networks: Sequence[str] | None = None,
    split: str = "test",
    weights: Mapping[str, str | os.PathLike] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """:func:`classical_rows` then :func:`network_rows`: the per-image rows of notebook 08's table.

    The parameters column holds each network's count and is empty for the
    noisy input and the filters.
    """
    import pandas as pd

    from casestudy.evaluation.report import PARAMETERS_COLUMN

    classical = classical_rows(catalogue, data_dir, profile, split, progress)
    trained = network_rows(catalogue, data_dir, profile, networks, split, weights, progress)
    rows = pd.concat([classical, trained], ignore_index=True)
    rows[PARAMETERS_COLUMN] = rows[PARAMETERS_COLUMN].astype("Int64")
    return rows
