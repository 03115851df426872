"""``make demo``: the whole case study, headless, from data to results table.

Steps: build (or find) the data set, execute every numbered notebook in a fresh
kernel into ``build/notebooks/``, then gather the per-image results the
notebooks saved into ``reports/results.md`` (the table, with the networks'
parameter counts, and its figures as PNG files beside it) and print it. With ``--inplace``
the executed notebooks replace the ones in ``notebooks/`` (and the solutions are
run too): that is how the committed outputs are refreshed.

    python -m casestudy.demo [--profile laptop] [--inplace]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from casestudy.config import (
    DATA_ENV,
    get_profile,
    project_root,
    reports_dir,
    resolve_data_dir,
)
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
    """Execute the notebooks in order, printing how long each took on this machine; returns the executed files."""
    root = project_root()
    sources = notebook_paths(include_solutions=inplace)
    written = []
    for number, source in enumerate(sources, start=1):
        target = source if inplace else root / "build" / "notebooks" / source.name
        print(f"  [{number}/{len(sources)}] {source.relative_to(root)}", end="", flush=True)
        start = time.perf_counter()
        execute_notebook(source, target, profile_name)
        print(f": {(time.perf_counter() - start) / 60:.1f} min", flush=True)
        written.append(target)
    return written


#: The figures of ``reports/results.md``, written beside it: file name -> what it shows.
REPORT_FIGURES = {"results-quality-speed.png": "quality against speed", "results-psnr-by-iso.png": "PSNR by ISO"}
#: Methods drawn in the per-ISO figure (with every network found): the baseline and the best classical filters.
ISO_FIGURE_METHODS = ("noisy", "nlm", "bm3d")


def results_report(data_dir: Path, profile_name: str, figures_dir: Path | None = None,
                   check_dir: Path | None = None) -> str:  # fmt: skip
    """``reports/results.md``: the test-split table of every method the notebooks evaluated, figures, the unseen check.

    The rows are those the notebooks saved (:func:`casestudy.evaluation.report.merged_rows`:
    the filters of notebook 04, each network of notebooks 05-08). With
    ``figures_dir``, the quality-against-speed and per-ISO figures are written there
    (atomically, :data:`REPORT_FIGURES`) and linked by file name, so the Markdown
    must be saved in that folder. With ``check_dir``, the unseen-noise check's
    per-pair table notebook 08 saved (:func:`casestudy.evaluation.unseen.check.results_file`) adds a
    short section when they exist.
    """
    from casestudy.evaluation.evaluate import summarize
    from casestudy.evaluation.report import format_table, merged_rows, results_path
    from casestudy.models.registry import network_names

    rows = merged_rows(data_dir, "test")
    if rows.empty:
        path = results_path(data_dir, "test")
        return f"No results yet: {path.name} was not written (notebook 04 writes it).\n"
    summary = summarize(rows)
    images = rows["instance"].nunique()
    scenes = rows["scene"].nunique()
    networks = [name for name in network_names() if name in summary.index]
    lines = [
        f"# Results: {data_dir.name}, test split\n",
        f"Profile `{profile_name}`; {images} test images from {scenes} scenes never seen in training or tuning, "
        "at full resolution. PSNR in dB and SSIM (Gaussian window, sigma 1.5, data range 1) are means over images; "
        "seconds per megapixel are medians after a warm-up, on this machine"
        + (" (each network timed when its notebook ran)" if networks else "") + ".\n",
        format_table(summary) + "\n",
    ]
    if summary["images"].nunique() > 1:
        lines.append("Not every method was scored on the same images (the `images` column): "
                     "compare rows with equal counts only.\n")
    if not networks:
        lines.append("No network rows yet: notebooks 05-08 write them.\n")
    if figures_dir is not None:
        lines.append(_write_figures(rows, summary, figures_dir, [*ISO_FIGURE_METHODS, *networks]))
    if check_dir is not None:
        lines.append(_unseen_section(check_dir))
    saved = [results_path(data_dir, "test", kind) for kind in ("classical", *network_names())]
    shown = ", ".join(f"`{_shown(path)}`" for path in saved if path.is_file())
    lines.append(f"Per-image rows: {shown}\n")
    return "\n".join(line for line in lines if line)


def _write_figures(rows, summary, folder: Path, iso_methods: list[str]) -> str:
    """Save the report's figures into ``folder``; the Markdown that shows them."""
    from casestudy.plots import save_figure
    from casestudy.plots.results import psnr_by_iso_figure, quality_speed_figure

    images = rows["instance"].nunique()
    present = [name for name in iso_methods if name in set(rows["method"])]
    quality, by_iso = REPORT_FIGURES
    save_figure(quality_speed_figure(summary, title=f"Quality against speed on {images} test images"),
                folder / quality)
    save_figure(psnr_by_iso_figure(rows, present, title=f"PSNR by ISO on {images} test images"), folder / by_iso)
    return "\n".join(f"![{REPORT_FIGURES[name]}]({name})\n" for name in REPORT_FIGURES)


def _unseen_section(check_dir: Path) -> str:
    """A short section on the unseen-noise check, from the scores notebook 08 saved; empty if there are none."""
    from casestudy.evaluation.unseen.check import load_table, results_file
    from casestudy.evaluation.unseen.scores import (
        BLIND,
        check_summary,
        network_margins,
        rows_from_table,
    )

    path = results_file(check_dir)
    if not path.is_file():
        return ""
    rows = rows_from_table(load_table(path))
    summary = check_summary(rows)
    blind = all(method in summary.columns for method in BLIND)
    margins = network_margins(rows, BLIND) if blind else network_margins(rows)
    rivals = "the better of NLM and BM3D run blind" if blind else "the better of NLM and BM3D given the true noise"
    losing = margins.columns[(margins <= 0).any()]
    verdict = (f"every network beats {rivals}, overall and at every level" if len(losing) == 0 else
               "not met: " + ", ".join(f"{name} {margins.loc['all', name]:+.2f} dB overall "
                                       f"(worst level {margins[name].min():+.2f})" for name in losing)
               + f" against {rivals}")  # fmt: skip
    header = "| level | " + " | ".join(summary.columns) + " |"
    rule = "|---|" + "---:|" * len(summary.columns)
    body = ["| " + level + " | " + " | ".join(f"{value:.2f}" for value in values) + " |"
            for level, values in summary.iterrows()]
    filters = ("NLM and BM3D run blind (estimating the noise, as a user runs them) and, as a reference no blind "
               "denoiser has, given the true noise" if blind else "NLM and BM3D are given the true noise level")
    return "\n".join([
        "## The unseen-noise check\n",
        (f"Photos and noise no network trained on ({rows['image'].nunique()} pairs, `{_shown(path)}`); "
         f"{filters}. Mean PSNR (dB) by noise level:\n"),
        header, rule, *body, "",
        f"The networks must beat the filters a user would run here too (the quality bar): {verdict}.\n",
    ])


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
    from casestudy.evaluation.unseen.check import notebook_check_dir

    report = results_report(data_dir, profile.name, figures_dir=reports_dir(), check_dir=notebook_check_dir(profile))
    write_text(reports_dir() / "results.md", report)

    minutes = (time.perf_counter() - start) / 60
    where = "notebooks/" if args.inplace else "build/notebooks/"
    print(f"\n{report}\nExecuted notebooks are in {where}; the table is in reports/results.md.")
    print(f"The case study took {minutes:.1f} minutes. Open the notebooks with: make lab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
