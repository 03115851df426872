"""The record of an evaluation: per-image rows saved as CSV, and summaries printed as Markdown tables.

:func:`casestudy.evaluation.evaluate.evaluate` scores methods and
:func:`casestudy.evaluation.evaluate.summarize` condenses the scores; this module keeps
them: :func:`save_rows` writes the per-image rows as CSV (atomically) to
:func:`results_path`, ``reports/<kind>-<data set folder name>-<split>.csv``,
:func:`load_rows` reads them back with the catalogue's text columns kept as text
(scene ``"007"`` stays ``"007"``), and :func:`format_table` renders a summary
as Markdown. The command line, ``make demo``'s ``reports/results.md`` and the
notebooks that compare methods (``04_classical_filters.ipynb`` first) share them;
:func:`merged_rows` gathers what the notebooks saved (the filters of notebook 04,
each network of notebooks 05-07) into one table's rows.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from casestudy.evaluation.methods import METHODS
from casestudy.io import write_text

if TYPE_CHECKING:  # pandas is imported where used, so that `casestudy --help` stays instant
    import pandas as pd

#: Catalogue columns copied into every result row.
META_COLUMNS = ("instance", "scene", "source", "phone", "iso", "brightness", "split")
#: Columns of :func:`casestudy.evaluation.evaluate.evaluate`'s result, in order.
ROW_COLUMNS = (*META_COLUMNS, "method", "psnr", "ssim", "seconds", "megapixels", "s_per_mp")
#: Column :func:`casestudy.evaluation.evaluate.evaluate` adds when a method has trainable parameters (a network):
#: its parameter count.
PARAMETERS_COLUMN = "parameters"
#: Columns of :func:`casestudy.evaluation.evaluate.summarize`'s result, in order (plus :data:`PARAMETERS_COLUMN`
#: when the rows have it).
SUMMARY_COLUMNS = ("psnr", "ssim", "s_per_mp", "images")


def format_table(summary: pd.DataFrame) -> str:
    """The summary as a Markdown table (written here: pandas' ``to_markdown`` needs ``tabulate``).

    A summary with a :data:`PARAMETERS_COLUMN` (networks were
    evaluated) gets a ``parameters`` column, empty for methods without.
    """
    with_parameters = PARAMETERS_COLUMN in summary.columns and bool(summary[PARAMETERS_COLUMN].notna().any())
    header = ["method", "label", "PSNR (dB)", "SSIM", "s/MP", "images"] + (["parameters"] if with_parameters else [])
    body = [
        [
            str(name),
            METHODS[name].label if name in METHODS else "",
            _number(row["psnr"], 2),
            _number(row["ssim"], 4),
            _number(row["s_per_mp"], 3),
            str(int(row["images"])),
        ]
        + ([_count(row[PARAMETERS_COLUMN])] if with_parameters else [])
        for name, row in summary.iterrows()
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    right = [False, False] + [True] * (len(header) - 2)

    def render(cells: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" if r else "-" * (w + 2) for w, r in zip(widths, right)) + "|"
    return "\n".join([render(header), rule, *(render(line) for line in body)])


def _number(value: float, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return "inf" if math.isinf(value) else f"{value:.{digits}f}"


def _count(value: object) -> str:
    """A parameter count with thousands separators; empty for a method without one."""
    import pandas as pd

    return "" if value is None or pd.isna(value) else f"{int(value):,}"


#: Text columns of the per-image rows (read back as text, not numbers).
TEXT_COLUMNS = ("instance", "scene", "source", "phone", "brightness", "split", "method")


def results_path(data_dir: str | os.PathLike, split: str = "test", kind: str = "classical") -> Path:
    """Where the per-image rows of one evaluation go: ``reports/<kind>-<data set folder name>-<split>.csv``.

    ``kind`` names the family of methods (``classical`` for the filters of
    ``04_classical_filters.ipynb``, ``evaluate`` for the command line's default).
    """
    from casestudy.config import reports_dir
    from casestudy.evaluation.tuning import data_set_name

    return reports_dir() / f"{kind}-{data_set_name(data_dir)}-{split}.csv"


def save_rows(rows: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write :func:`evaluate`'s rows to ``path`` as CSV, atomically (a reader never sees half a file).

    Raises:
        ValueError: ``rows`` lacks some of :data:`ROW_COLUMNS`.
    """
    missing = [column for column in ROW_COLUMNS if column not in rows.columns]
    if missing:
        raise ValueError(f"not evaluation rows: the column(s) {missing} are missing")
    path = Path(path)
    write_text(path, rows.to_csv(index=False))
    return path


def load_rows(path: str | os.PathLike) -> pd.DataFrame:
    """Read rows written by :func:`save_rows`, text columns as text (``"007"`` stays ``"007"``).

    Raises:
        FileNotFoundError: no such file (the message says which notebook writes it).
        ValueError: a CSV without the columns :func:`evaluate` writes.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no saved evaluation rows (04_classical_filters.ipynb writes them)")
    rows = pd.read_csv(path, dtype={column: str for column in TEXT_COLUMNS}, keep_default_na=False, na_values=[""])
    missing = [column for column in ROW_COLUMNS if column not in rows.columns]
    if missing:
        raise ValueError(f"{path}: not evaluation rows, the column(s) {missing} are missing")
    for column in TEXT_COLUMNS:
        rows[column] = rows[column].fillna("")
    return rows


def merged_rows(data_dir: str | os.PathLike, split: str = "test", kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every method's saved rows of one data set and split, in one frame: the record behind ``reports/results.md``.

    ``kinds`` are the files to read, in order (default: ``classical``, then one per
    registered network, :data:`casestudy.models.MODELS`); files that do not exist
    are skipped. A network's file contributes only that network's rows (a notebook
    may have saved the baseline beside it), and a method found twice keeps the rows
    of the first file. The parameters column is each network's count, empty for
    the others. No file at all gives an empty frame with the row columns.
    """
    import pandas as pd

    from casestudy.models.registry import MODELS

    kinds = kinds if kinds is not None else ("classical", *MODELS)
    parts, seen = [], set()
    for kind in kinds:
        path = results_path(data_dir, split, kind)
        if not path.is_file():
            continue
        rows = load_rows(path)
        if kind in MODELS:
            rows = rows[rows["method"] == kind]
        rows = rows[~rows["method"].isin(seen)]
        seen |= set(rows["method"])
        parts.append(rows)
    if not parts:
        return pd.DataFrame(columns=[*ROW_COLUMNS, PARAMETERS_COLUMN])
    merged = pd.concat(parts, ignore_index=True)
    if PARAMETERS_COLUMN not in merged.columns:
        merged[PARAMETERS_COLUMN] = pd.NA
    merged[PARAMETERS_COLUMN] = merged[PARAMETERS_COLUMN].astype("Int64")
    return merged
