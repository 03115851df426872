"""The unseen-noise check's scores as rows, summarised and judged.

The check (:mod:`casestudy.evaluation.unseen`: photos no network trained on, noise that is
not the simulator's) asks whether a network trained on the camera simulator holds up
on photos and noise it never saw, against two yardsticks: the filters a user would run,
estimating the noise themselves (:data:`BLIND`), and the same filters handed what a blind
denoiser never has, the true noise (:data:`CLASSICAL`: NLM with ``h = 0.8 x`` the true
residual standard deviation, BM3D with the true noise PSD).

* :func:`rows_from_table` turns the check's per-pair table
  (:func:`casestudy.evaluation.unseen.check.run_unseen_check`, one column per method) into rows,
  one per image and method;
* :func:`check_summary` gives the mean PSNR per level and :func:`network_margins` each network's
  margin over the better of two filters, the number the quality bar asks to be positive;
* :func:`notebook_scores` is what ``08_comparison.ipynb`` calls: the profile's check, the same
  one notebooks 05 to 07 score, built and scored when needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from casestudy.evaluation.unseen.check import (
    ALL_LEVELS, BM3D_COLUMN, NLM_COLUMN, level_order, load_table, results_file, save_table,
)  # fmt: skip

if TYPE_CHECKING:  # pragma: no cover
    from casestudy.config import Profile

#: The classical methods of the check given the true noise, as :func:`casestudy.evaluation.unseen.check.run_unseen_check`
#: names them: the reference no blind denoiser has.
CLASSICAL = (NLM_COLUMN, BM3D_COLUMN)
#: The same filters estimating the noise themselves, as a user runs them (:func:`casestudy.evaluation.tuning.blind_filters`).
BLIND = ("nlm (blind)", "bm3d (blind)")
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


def check_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean PSNR (dB): one row per noise level (light to heavy, then ``all``), one column per method."""
    table = rows.pivot_table(index="level", columns="method", values="psnr", aggfunc="mean", sort=False)
    table.loc["all"] = rows.groupby("method", sort=False)["psnr"].mean()
    order = [*level_order([level for level in table.index if level != ALL_LEVELS]), ALL_LEVELS]
    methods = list(dict.fromkeys(rows["method"]))
    return table.loc[order, methods].rename_axis(index="level", columns=None)


def network_margins(rows: pd.DataFrame, against: Sequence[str] = CLASSICAL) -> pd.DataFrame:
    """Each network's mean PSNR minus the better of the ``against`` filters', per level: positive where it wins.

    Networks are every method that is neither the noisy input nor one of :data:`CLASSICAL` and :data:`BLIND`.
    ``against=BLIND`` asks the quality bar's question: does the network beat the filters a user would run?

    Raises:
        ValueError: rows without the ``against`` methods.
    """
    summary = check_summary(rows)
    absent = [method for method in against if method not in summary.columns]
    if absent:
        raise ValueError(f"the rows lack the method(s) {absent}")
    best_filter = summary[list(against)].max(axis=1)
    networks = [method for method in summary.columns if method != "noisy" and method not in (*CLASSICAL, *BLIND)]
    return summary[networks].sub(best_filter, axis=0)


def notebook_scores(profile: Profile) -> tuple[pd.DataFrame, Path]:
    """``(rows, check folder)``: the profile's check (:func:`casestudy.evaluation.unseen.check.check_for_profile`,
    the one every notebook scores) with the shipped weights, the filters given the true noise and run blind.

    The check is built (seeded by the profile) when missing. Its per-pair table saved at
    :func:`casestudy.evaluation.unseen.check.results_file` (``07_pridnet.ipynb`` writes it) is reused when it
    is newer than the check and has the blind filters' columns; a registered network it lacks (``07_pridnet.ipynb``
    shows only the networks introduced so far) or whose weights file is newer than the table is scored alone and
    its column put in. Otherwise the check is scored now and the table saved
    (:func:`casestudy.evaluation.unseen.check.save_table`).
    """
    from casestudy.evaluation.tuning import blind_filters
    from casestudy.evaluation.unseen.build import RECORD_FILE
    from casestudy.evaluation.unseen.check import check_for_profile, run_unseen_check
    from casestudy.models import network_names, weights_path

    check_dir, size = check_for_profile(profile)
    path = results_file(check_dir)
    if path.is_file() and path.stat().st_mtime >= (check_dir / RECORD_FILE).stat().st_mtime:
        table = load_table(path)
        if set(BLIND) <= set(table.columns):
            # a network the table lacks (a notebook that shows fewer networks saved it), or whose weights are newer
            # than the table, is scored alone and its column put in
            stale = [name for name in network_names() if name not in table.columns
                     or weights_path(name).stat().st_mtime > path.stat().st_mtime]  # fmt: skip
            if stale:
                added = run_unseen_check(check_dir, networks=stale, max_images=size.max_images, classical=False).table
                table = table.drop(columns=[name for name in stale if name in table.columns])
                table = table.merge(added[["file", *stale]], on="file", how="left", validate="one_to_one")
                save_table(table, path)
            return rows_from_table(table), check_dir
    table = run_unseen_check(check_dir, max_images=size.max_images, blind=blind_filters(profile)).table
    save_table(table, path)
    return rows_from_table(table), check_dir
