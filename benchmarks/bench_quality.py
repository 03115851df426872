"""The quality bar: every network against NLM and BM3D, blind and given the truth, on photos no network saw.

Prints one table (mean PSNR in dB over the check's images, ±its spread across them) with a row per
check and condition: white Gaussian noise at sigma 5, 15, 25, 50 (of 255) on centre crops; the
unseen-noise check per level and overall; a clean image in (PSNR against itself, and the largest mean
tone shift over an image's dark pixels, in 8-bit levels). The filters run *blind* (noise estimated,
settings tuned on the simulated validation split, as ``casestudy evaluate --split all`` runs them) and
*given the true* noise, a reference. See :mod:`casestudy.evaluation.quality_check`.

    .venv/bin/python benchmarks/bench_quality.py [--network NAME=FILE ...] [--checks white,unseen,clean]
        [--long-side 512] [--crop 192] [--max-images N] [--profile laptop] [--out reports/quality.md]

``--out`` writes the table as markdown under a header that says when, on what machine, with which
weights (their SHA-256) and with which command it was measured, and the per-image rows beside it
as CSV. The README's "Shipped weights" section points to ``benchmarks/results/quality.md``, made so:

    .venv/bin/python benchmarks/bench_quality.py --long-side 384 --out benchmarks/results/quality.md

Without ``--network`` the shipped weights (``weights/<name>.keras``) are scored. BM3D dominates the
run time: about 15 minutes on 2 cores for the full set of 15 images at a long side of 512.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from casestudy.config import get_profile
from casestudy.evaluation.quality_check import quality_rows, quality_table, table_markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", action="append", default=[], metavar="NAME=FILE",
                        help="a network to score (repeatable); default: every shipped network")  # fmt: skip
    parser.add_argument("--checks", default="white,unseen,clean", help="comma-separated: white, unseen, clean")
    parser.add_argument("--long-side", type=int, default=512, help="long side of the check images in pixels")
    parser.add_argument("--crop", type=int, default=192, help="side of the white-noise check's centre crops")
    parser.add_argument("--max-images", type=int, help="only the first N check images")
    parser.add_argument("--profile", default="laptop", help="whose simulated set tunes the blind filters")
    parser.add_argument("--out", type=Path, help="also write the table (markdown) and the per-image rows (CSV) here")
    parser.add_argument("--reuse", type=Path, metavar="CSV",
                        help="per-image rows of an earlier run with the same settings (its --out CSV): the filters' "
                             "rows are taken from there instead of run again")
    parser.add_argument("--progress", action="store_true", help="print each score as it is made")
    args = parser.parse_args(argv)

    if args.network:
        networks = dict(item.split("=", 1) for item in args.network)
    else:
        from casestudy.models import MODELS, weights_path

        networks = {name: weights_path(name) for name in MODELS}
    show = (lambda row: print(row, file=sys.stderr, flush=True)) if args.progress else None
    reuse = None
    if args.reuse:
        import pandas as pd

        try:
            reuse = pd.read_csv(args.reuse)
        except (OSError, ValueError) as error:
            parser.error(f"--reuse {args.reuse}: cannot read it as the rows of an earlier run: {error}")
    rows = quality_rows(get_profile(args.profile), networks, checks=args.checks.split(","), long_side=args.long_side,
                        crop=args.crop, max_images=args.max_images, on_row=show, reuse=reuse)  # fmt: skip
    table = quality_table(rows)
    images = rows.groupby("check")["image"].nunique().to_dict()
    print(f"PSNR in dB, mean ±spread over images ({', '.join(f'{c}: {n}' for c, n in images.items())}); "
          f"networks: {', '.join(f'{n}={f}' for n, f in networks.items())}")  # fmt: skip
    print(table.to_string())
    if args.out:
        from casestudy.io import write_text

        write_text(args.out, _header(networks, images, argv) + table_markdown(table))
        write_text(args.out.with_suffix(".csv"), rows.to_csv(index=False))  # atomic, as the table
        print(f"wrote {args.out} and {args.out.with_suffix('.csv')}")
    return 0


def _header(networks: dict[str, object], images: dict[str, int], argv: list[str] | None) -> str:
    """When, where, with which weights and which command the table was measured."""
    import datetime
    import os
    import platform
    import shlex

    from casestudy.models.cards import sha256_of

    command = shlex.join(["python", "benchmarks/bench_quality.py", *(sys.argv[1:] if argv is None else argv)])
    weights = ", ".join(f"{name} `{Path(file).name}` (SHA-256 {sha256_of(Path(file))[:12]})" for name, file in networks.items())
    return (
        "# The quality check\n\n"
        f"Measured {datetime.date.today().isoformat()} on {platform.machine()} with {os.cpu_count()} CPU cores "
        f"({platform.platform()}), by `{command}`.\n\n"
        f"Networks: {weights}. Images per check: {', '.join(f'{c} {n}' for c, n in images.items())}. "
        "PSNR in dB, mean ±spread (standard deviation) over the images; blind filters estimate the noise "
        "themselves, true-noise ones are given it (a reference no blind denoiser has).\n\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
