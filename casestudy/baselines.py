"""The classical baseline every network is compared with: noisy input, NLM and BM3D on the test split.

``04_classical_filters.ipynb`` tunes the filters on the validation split and scores
them on the test split; the network notebooks (``05_rednet.ipynb`` onwards) put
each network beside those same rows. :func:`classical_rows` returns them: read
back from ``reports/classical-<data set>-test.csv`` when notebook 04 (or an earlier
call) saved them for exactly the images asked for, else computed now with the
settings saved in ``reports/filter_params-<data set>.json`` (tuned on the
validation split first when that file is missing) and saved for the next reader.
Either way the filters never see the test images before they are scored.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from casestudy.config import Profile

if TYPE_CHECKING:
    import pandas as pd

#: The methods of the baseline, in table order.
CLASSICAL_METHODS = ("noisy", "nlm", "bm3d")


def evaluated_instances(catalogue: pd.DataFrame, profile: Profile, split: str = "test") -> list[str]:
    """The images a profile evaluates: at most ``profile.eval_max_images`` of ``split``, spread over its scenes."""
    from casestudy.tuning import spread_over_scenes

    rows = catalogue[catalogue["split"] == split]
    return sorted(spread_over_scenes(rows, profile.eval_max_images)["instance"])


def classical_rows(
    catalogue: pd.DataFrame,
    data_dir: str | os.PathLike,
    profile: Profile,
    split: str = "test",
    progress: bool = False,
) -> pd.DataFrame:
    """Per-image rows (:func:`casestudy.evaluate.evaluate`'s columns) of :data:`CLASSICAL_METHODS` on ``split``.

    Saved rows are reused only when they cover every method and exactly the
    images :func:`evaluated_instances` picks; otherwise the filters run again (tuned
    first if no settings were saved) and the rows are saved atomically.
    """
    from casestudy.evaluate import EvalContext, evaluate
    from casestudy.report import load_rows, results_path, save_rows
    from casestudy.tuning import filter_params_path, load_filter_params, tune_filters

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
