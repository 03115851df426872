"""Running the notebooks headless: the engine behind ``make demo`` and the refresh of committed outputs.

Notebooks run top to bottom in a fresh kernel with ``CASESTUDY_PROFILE`` set, exactly
as a reader would run them; a failing cell stops the run with the notebook's name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from casestudy.config import PROFILE_ENV, project_root
from casestudy.io import write_text

#: A Keras progress bar or a timing ("12ms/step", "3.2 s") would change on every run.
_VOLATILE = re.compile(r"\d+(\.\d+)?\s*m?s/step")
#: TensorFlow's C++ start-up log lines (absl), timestamped and printed whatever TF_CPP_MIN_LOG_LEVEL says.
_TF_LOG_LINE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)|[IWE]\d{4} \d\d:\d\d:\d\d"
    r"|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags"
    r"|WARNING:tensorflow:\d+ out of the last \d+ calls to .* triggered tf\.function retracing)"
)


def notebook_paths(folder: Path | None = None, include_solutions: bool = False) -> list[Path]:
    """The numbered notebooks (``NN_name.ipynb``) in reading order."""
    folder = folder or project_root() / "notebooks"
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if include_solutions:
        paths += sorted((folder / "solutions").glob("[0-9][0-9]_*.ipynb"))
    return paths


def execute_notebook(source: Path, target: Path, profile: str, timeout: int | None = None) -> None:
    """Execute ``source`` in a fresh kernel under ``profile`` and write the result to ``target`` atomically.

    The kernel's own chatter (its start-up warnings, TensorFlow's C++ log) goes to
    ``build/logs/<notebook>.log`` instead of the terminal.

    Raises:
        RuntimeError: naming the notebook and the failing cell's error.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(source, as_version=4)
    log_path = project_root() / "build" / "logs" / f"{source.stem}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get(PROFILE_ENV)
    os.environ[PROFILE_ENV] = profile  # the kernel inherits this process's environment
    try:
        client = NotebookClient(
            notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(source.parent)}}
        )
        with open(log_path, "w") as log:
            client.execute(stdout=log, stderr=log)
    except CellExecutionError as error:
        raise RuntimeError(f"{source.name} failed under profile {profile!r} (kernel log: {log_path}):\n{error}") from None
    finally:
        if previous is None:
            os.environ.pop(PROFILE_ENV, None)
        else:
            os.environ[PROFILE_ENV] = previous
    _strip_volatile_metadata(notebook)
    write_text(target, nbformat.writes(notebook) + "\n")


def _strip_volatile_metadata(notebook) -> None:
    """Drop execution timestamps and TensorFlow's C++ log lines, so a re-run only changes what the cells printed.

    The log lines reach the notebook only when a kernel runs it headless (under
    pytest they bypass the kernel); they say nothing about the case study.
    """
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        outputs = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":  # TensorFlow's Python warnings can reach stdout too
                kept = [line for line in output["text"].splitlines(keepends=True) if not _TF_LOG_LINE.match(line)]
                if not kept:
                    continue
                output["text"] = "".join(kept)
            outputs.append(output)
        if cell.cell_type == "code":
            cell.outputs = outputs


def volatile_outputs(notebook_path: Path) -> Iterator[str]:
    """Lines of stored outputs that look like timings, progress bars or TensorFlow log lines (for a test to find)."""
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            text = output.get("text", "") or "".join(output.get("data", {}).get("text/plain", ""))
            for line in str(text).splitlines():
                if _VOLATILE.search(line) or _TF_LOG_LINE.match(line):
                    yield f"{notebook_path.name} cell {index}: {line.strip()}"
