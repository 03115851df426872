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


def test_tensorflow_log_lines_are_stripped_but_real_stderr_is_kept() -> None:
    from casestudy.notebooks import _strip_volatile_metadata

    log = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
           "I0000 00:00:1795639172.202427   12433 port.cc:153] oneDNN custom operations are on.\n"
           "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the "
           "appropriate compiler flags.\n"
           "WARNING:tensorflow:5 out of the last 19 calls to <function f at 0x7f1e80fedda0> triggered tf.function "
           "retracing. Tracing is expensive.\n")
    cell = nbformat.v4.new_code_cell("import tensorflow")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=log),
                    nbformat.v4.new_output("stream", name="stderr", text=log + "UserWarning: something real\n")]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    _strip_volatile_metadata(notebook)
    assert [output["text"] for output in notebook.cells[0].outputs] == ["UserWarning: something real\n"]


def test_execute_notebook_runs_under_the_profile_and_names_a_failure(tmp_path: Path) -> None:
    from casestudy.notebooks import execute_notebook

    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\nprint(os.environ['CASESTUDY_PROFILE'])")])
    good.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source, target = tmp_path / "good.ipynb", tmp_path / "out" / "good.ipynb"
    nbformat.write(good, source)
    execute_notebook(source, target, "smoke")
    assert nbformat.read(target, as_version=4).cells[0].outputs[0]["text"] == "smoke\n"

    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('broken cell')")])
    nbformat.write(bad, tmp_path / "bad.ipynb")
    with pytest.raises(RuntimeError, match="bad.ipynb failed under profile 'smoke'"):
        execute_notebook(tmp_path / "bad.ipynb", tmp_path / "out" / "bad.ipynb", "smoke")
    assert not (tmp_path / "out" / "bad.ipynb").exists()


def test_each_numbered_notebook_links_the_one_before_and_after_it() -> None:
    """The reading order is 00 -> 09: each lesson's top and bottom links point back one and on one."""
    import re

    numbered = [path for path in notebook_paths() if path.name != "00_index.ipynb"]
    for index, path in enumerate(numbered):
        notebook = nbformat.read(path, as_version=4)
        before = numbered[index - 1].name if index else "00_index.ipynb"
        after = numbered[index + 1].name if index + 1 < len(numbered) else "00_index.ipynb"
        for cell in (notebook.cells[0], notebook.cells[-1]):
            bars = [line for line in cell.source.splitlines() if line.startswith("[←")]
            assert bars, f"{path.name}: no navigation line in its first or last cell"
            links = re.findall(r"\]\(([^)]+\.ipynb)\)", bars[0])
            assert links[0] == before and links[-1] == after, f"{path.name}: links {links}"
