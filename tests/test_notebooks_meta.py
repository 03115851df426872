"""House rules for the committed notebooks, checked without running them (nbval runs them)."""

from pathlib import Path

import nbformat
import pytest

from casestudy.notebooks import notebook_paths, volatile_outputs

NOTEBOOKS = notebook_paths(include_solutions=True)
IDS = [path.name for path in NOTEBOOKS]


def test_the_index_and_numbered_notebooks_exist() -> None:
    names = [path.name for path in notebook_paths()]
    assert names[0] == "00_index.ipynb"
    assert names == sorted(names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_code_cell_is_the_parameters_cell(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    first_code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert "CASESTUDY_PROFILE" in first_code.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_kernel_is_the_standard_python3(path: Path) -> None:
    assert nbformat.read(path, as_version=4).metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_with_outputs_and_without_timings(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]
    assert any(cell.get("outputs") for cell in code), f"{path.name} was committed without outputs"
    assert not list(volatile_outputs(path))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_error_outputs_are_committed(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
