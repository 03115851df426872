"""How long building the metadata catalogue takes (headers and EXIF only, no pixels).

Prints a table: median seconds of ``load_catalogue`` over 5 runs after a warm-up,
with and without reading EXIF, on a profile's simulated set.

    .venv/bin/python benchmarks/bench_catalogue.py [--profile laptop]
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="laptop")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from casestudy.config import get_profile
    from casestudy.data.catalogue import load_catalogue
    from casestudy.data.simulated import ensure_dataset

    root = ensure_dataset(get_profile(args.profile))
    print(f"\n{root.name}\n")
    print("| read_exif | pairs | median s | ms / pair |")
    print("|---|---:|---:|---:|")
    for read_exif in (True, False):
        load_catalogue(root, read_exif=read_exif)  # warm-up: file system cache
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            table = load_catalogue(root, read_exif=read_exif)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"| {read_exif} | {len(table)} | {median:.3f} | {1000 * median / len(table):.2f} |")


if __name__ == "__main__":
    main()
