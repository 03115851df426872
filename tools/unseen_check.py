"""The unseen-noise check: shipped networks against NLM and BM3D given the true noise, per noise level.

    python tools/unseen_check.py [CHECK_DIR] [--max-images N]
        (default data/unseen-check, built by `casestudy data unseen`)

The check's photos never entered training and its noise is not the simulator's (Poisson-Gaussian in
linear light, spatially and cross-channel correlated, three levels). The classical filters are given
what a blind denoiser never has, the true noise: NLM h = 0.8 x the true residual std (patch 5,
distance 6), BM3D the true std and the true noise PSD. A network must beat both to be trusted on
photos and noise it never saw. The work is done by `casestudy.evaluation.unseen_check`; this prints each pair
as it is scored, then the mean PSNR per level.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from casestudy.evaluation.unseen_check import run_unseen_check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("check_dir", nargs="?", default="data/unseen-check", help="the check folder")
    parser.add_argument("--max-images", type=int, default=None, help="score only the first N images (all levels)")
    args = parser.parse_args(argv)

    def show(row: dict) -> None:
        print(row["file"], {key: round(value, 2) for key, value in row.items() if isinstance(value, float)}, flush=True)

    result = run_unseen_check(Path(args.check_dir), max_images=args.max_images, on_row=show)
    print(result.summary.round(2).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
