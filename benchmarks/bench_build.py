"""How long the embedded data set takes to build, and how fast the simulator is.

Run with ``.venv/bin/python benchmarks/bench_build.py``. It builds the smoke and
laptop sets into a temporary folder (nothing under ``data/`` is touched), then
re-runs each build to time the verify-and-reuse path, and prints a table:
profile, pairs, seconds, seconds per pair, MB on disk. A second table gives
the median time of one ``simulate_capture`` call per image size, after a
warm-up. Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from casestudy.camera import CaptureSettings, simulate_capture
from casestudy.config import PROFILES
from casestudy.data.simulated import build_dataset


def _disk_mb(root: Path) -> float:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file()) / 1e6


def bench_builds(profiles: list[str]) -> list[tuple[str, str, int, float, float, float]]:
    """(profile, run, pairs, seconds, seconds per pair, MB) for a fresh build and a re-run of each profile."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        for name in profiles:
            profile = PROFILES[name]
            out = Path(tmp) / name
            for run in ("fresh", "re-run"):
                start = time.perf_counter()
                build_dataset(out, profile)
                seconds = time.perf_counter() - start
                pairs = len(list((out / "Data").iterdir()))
                rows.append((name, run, pairs, seconds, seconds / pairs, _disk_mb(out)))
    return rows


def bench_simulator(sizes: list[tuple[int, int]], repeats: int = 20) -> list[tuple[str, float, float]]:
    """(size, megapixels, median seconds) of one simulate_capture call, after one warm-up call."""
    settings = CaptureSettings.from_metadata("GP", 800, 1 / 350, 5500, "N")
    rows = []
    for height, width in sizes:
        clean = np.random.default_rng(0).uniform(0, 1, (height, width, 3)).astype(np.float32)
        rng = np.random.default_rng(1)
        simulate_capture(clean, settings, rng)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            simulate_capture(clean, settings, rng)
            times.append(time.perf_counter() - start)
        rows.append((f"{height}x{width}", height * width / 1e6, statistics.median(times)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=["smoke", "laptop"], choices=sorted(PROFILES))
    args = parser.parse_args()

    print("| profile | run | pairs | seconds | s / pair | MB on disk |")
    print("|---|---|---:|---:|---:|---:|")
    for name, run, pairs, seconds, per_pair, megabytes in bench_builds(args.profiles):
        print(f"| {name} | {run} | {pairs} | {seconds:.2f} | {per_pair:.3f} | {megabytes:.1f} |")
    print()
    print("| image | MP | simulate_capture median s |")
    print("|---|---:|---:|")
    for size, megapixels, seconds in bench_simulator([(192, 256), (288, 384), (384, 512), (1024, 1536)]):
        print(f"| {size} | {megapixels:.2f} | {seconds:.4f} |")


if __name__ == "__main__":
    main()
