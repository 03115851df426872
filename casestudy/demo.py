"""``make demo``: the whole case study, headless, from data to results table.

Steps: build (or find) the data set, execute every numbered notebook in a fresh
kernel into ``build/notebooks/``, then gather the per-image results the
notebooks saved into ``reports/results.md`` and print it. With ``--inplace``
the executed notebooks replace the ones in ``notebooks/`` (and the solutions are
run too): that is how the committed outputs are refreshed.

    python -m casestudy.demo [--profile laptop] [--inplace]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from casestudy.config import DATA_ENV, get_profile, project_root, reports_dir, resolve_data_dir
from casestudy.io import write_text
from casestudy.notebooks import execute_notebook, notebook_paths


def prepare_data(profile_name: str) -> Path:
    """The data set the notebooks will read: ``$CASESTUDY_DATA``, else the profile's simulated set (built if needed)."""
    import os

    if os.environ.get(DATA_ENV):
        return resolve_data_dir(None)
    from casestudy.data.simulated import ensure_dataset

    return ensure_dataset(get_profile(profile_name))


def run_notebooks(profile_name: str, inplace: bool) -> list[Path]:
    """Execute the notebooks in order; returns the executed files."""
    root = project_root()
    sources = notebook_paths(include_solutions=inplace)
    written = []
    for number, source in enumerate(sources, start=1):
        target = source if inplace else root / "build" / "notebooks" / source.name
        print(f"  [{number}/{len(sources)}] {source.relative_to(root)}", flush=True)
        execute_notebook(source, target, profile_name)
        written.append(target)
    return written


def results_report(data_dir: Path, profile_name: str) -> str:
    """``reports/results.md``: the test-split table of every method the notebooks evaluated."""
    from casestudy.evaluate import summarize
    from casestudy.report import format_table, load_rows, results_path

    path = results_path(data_dir, "test")
    if not path.is_file():
        return f"No results yet: {path.name} was not written (notebook 04 writes it).\n"
    rows = load_rows(path)
    table = format_table(summarize(rows))
    images = rows["instance"].nunique()
    scenes = rows["scene"].nunique()
    return (
        f"# Results: {data_dir.name}, test split\n\n"
        f"Profile `{profile_name}`; {images} test images from {scenes} scenes never seen in training or tuning. "
        "PSNR in dB and SSIM (Gaussian window, sigma 1.5, data range 1) are means over images; "
        "seconds per megapixel are medians after a warm-up, on this machine.\n\n"
        f"{table}\n\nPer-image rows: `{_shown(path)}`\n"
    )


def _shown(path: Path) -> Path:
    """``path`` relative to the repository when it lies inside it, else as it is."""
    try:
        return path.relative_to(project_root())
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m casestudy.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=None, help="smoke, laptop or gpu (default: $CASESTUDY_PROFILE, else laptop)")
    parser.add_argument("--inplace", action="store_true", help="refresh the committed notebooks and solutions")
    args = parser.parse_args(argv)
    profile = get_profile(args.profile)
    start = time.perf_counter()

    print(f"1/3 Data set (profile {profile.name})", flush=True)
    data_dir = prepare_data(profile.name)
    print(f"  {data_dir}")
    print("2/3 Notebooks", flush=True)
    try:
        run_notebooks(profile.name, args.inplace)
    except RuntimeError as error:
        print(f"demo stopped: {error}", file=sys.stderr)
        return 1
    print("3/3 Results", flush=True)
    report = results_report(data_dir, profile.name)
    write_text(reports_dir() / "results.md", report)

    minutes = (time.perf_counter() - start) / 60
    where = "notebooks/" if args.inplace else "build/notebooks/"
    print(f"\n{report}\nExecuted notebooks are in {where}; the table is in reports/results.md.")
    print(f"The case study took {minutes:.1f} minutes. Open the notebooks with: make lab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
