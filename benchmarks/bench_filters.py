"""Speed of the classical filters, in seconds per megapixel, on the same images.

Each filter runs once on the first image untimed (warm-up), then ``--repeats``
times on every image; the table gives the median seconds per megapixel over
those timed calls, the mean PSNR of the outputs, and the time relative to
Non-Local Means. A second table times the blind noise estimators the filters
call (``estimate_noise_sigma``: ``pca``, the default, ``blocks``, ``wavelet``)
the same way, with their mean estimate beside the true spread of noisy - clean. The images are a few test pairs of the simulated data set
when it is present under ``data/`` (``--source simulated``), else crops of
scikit-image's astronaut and coffee photos with seeded Gaussian noise
(``--source photos``). Parameters are each filter's defaults, or a tuned
settings file (``--params``; by default ``reports/filter_params-<data set>.json``
when it exists and the simulated set is used).

    .venv/bin/python benchmarks/bench_filters.py [--source auto|simulated|photos] [--repeats 3]
        [--images 2] [--size 256] [--filters nlm,bm3d] [--params FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from casestudy.config import get_profile
from casestudy.filters import FILTERS, get_filter
from casestudy.noise.estimate import NOISE_ESTIMATORS, estimate_noise_sigma
from casestudy.metrics import psnr

Pair = tuple[np.ndarray, np.ndarray]


def photo_pairs(count: int, size: int, sigma: float, seed: int = 2021) -> list[Pair]:
    """Centre crops of bundled photos (astronaut, coffee, ...) with seeded Gaussian noise of ``sigma``."""
    from skimage import data, img_as_float

    rng = np.random.default_rng(seed)
    pairs = []
    for name in ("astronaut", "coffee", "chelsea", "rocket")[:count]:
        photo = img_as_float(getattr(data, name)()).astype(np.float32)
        top, left = max((photo.shape[0] - size) // 2, 0), max((photo.shape[1] - size) // 2, 0)
        clean = photo[top : top + size, left : left + size]
        noisy = np.clip(clean + rng.normal(0.0, sigma, clean.shape), 0, 1).astype(np.float32)
        pairs.append((noisy, clean))
    return pairs


def simulated_pairs(root: Path, count: int, size: int) -> list[Pair]:
    """Test pairs of a data set, spread over scenes, centre-cropped to at most ``size`` pixels a side."""
    from casestudy.data.catalogue import load_catalogue
    from casestudy.evaluation.tuning import load_pairs, spread_over_scenes

    catalogue = load_catalogue(root, read_exif=False)
    return load_pairs(spread_over_scenes(catalogue[catalogue["split"] == "test"], count), crop=size)


def bench(name: str, params: dict[str, Any], pairs: list[Pair], repeats: int) -> tuple[float, float]:
    """(median seconds per megapixel, mean PSNR) of one filter over ``pairs``."""
    spec = get_filter(name)
    spec(pairs[0][0], **params)  # warm-up, untimed
    per_mp, scores = [], []
    for _ in range(repeats):
        for noisy, clean in pairs:
            start = time.perf_counter()
            out = spec(noisy, **params)
            per_mp.append((time.perf_counter() - start) / (noisy.shape[0] * noisy.shape[1] / 1e6))
            scores.append(psnr(clean, out))
    return statistics.median(per_mp), float(np.mean(scores))


def bench_estimator(method: str, pairs: list[Pair], repeats: int) -> tuple[float, float]:
    """(median seconds per megapixel, mean estimate) of one noise estimator over the noisy images of ``pairs``."""
    estimate_noise_sigma(pairs[0][0], method)  # warm-up, untimed
    per_mp, estimates = [], []
    for _ in range(repeats):
        for noisy, _clean in pairs:
            start = time.perf_counter()
            estimates.append(estimate_noise_sigma(noisy, method))
            per_mp.append((time.perf_counter() - start) / (noisy.shape[0] * noisy.shape[1] / 1e6))
    return statistics.median(per_mp), float(np.mean(estimates))


def _render_table(header: list[str], lines: list[list[str]], right: list[bool]) -> None:
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]

    def render(cells: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)) + " |"

    print(render(header))
    print("|" + "|".join("-" * (w + 1) + ":" if r else "-" * (w + 2) for w, r in zip(widths, right)) + "|")
    for line in lines:
        print(render(line))


def _params_text(name: str, params: dict[str, Any]) -> str:
    defaults = FILTERS[name].defaults
    shown = {key: value for key, value in params.items() if key != "sigma_method" or value != defaults.get(key)}
    return ", ".join(f"{key}={value}" for key, value in shown.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("auto", "simulated", "photos"), default="auto")
    parser.add_argument("--data", help="data set for --source simulated (default: the laptop profile's simulated set)")
    parser.add_argument("--images", type=int, default=2, help="number of images (default 2)")
    parser.add_argument("--size", type=int, default=256, help="crop side in pixels (default 256)")
    parser.add_argument("--sigma", type=float, default=0.08, help="noise of the photo pairs (default 0.08)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per image (default 3)")
    parser.add_argument("--filters", default=",".join(FILTERS), help="comma-separated filters (default: all)")
    parser.add_argument("--params", help="tuned settings JSON (default: defaults, or the data set's saved settings)")
    args = parser.parse_args(argv)

    from casestudy.evaluation.tuning import filter_params_path, load_filter_params

    names = [name.strip() for name in args.filters.split(",") if name.strip()]
    for name in names:
        get_filter(name)  # unknown names fail before any work
    root = Path(args.data) if args.data else get_profile("laptop").simulated_dir
    source = args.source
    if source == "auto":
        source = "simulated" if (root / "Data").is_dir() or (root / "clean").is_dir() else "photos"
    if source == "simulated":
        pairs = simulated_pairs(root, args.images, args.size)
        where = f"{len(pairs)} test pair(s) of {root}, centre crops of at most {args.size} px"
    else:
        pairs = photo_pairs(args.images, args.size, args.sigma)
        where = f"{len(pairs)} photo crop(s) of {args.size}x{args.size} px with Gaussian noise sigma {args.sigma}"
    params_file = Path(args.params) if args.params else (filter_params_path(root) if source == "simulated" else None)
    tuned = load_filter_params(params_file) if params_file is not None and params_file.is_file() else {}
    print(f"images: {where}; {args.repeats} timed run(s) per image after one warm-up")
    print(f"parameters: {'tuned, from ' + str(params_file) if tuned else 'defaults'}")
    noisy_psnr = float(np.mean([psnr(clean, noisy) for noisy, clean in pairs]))

    results = []
    for name in names:
        params = FILTERS[name].params(**tuned.get(name, {}))
        seconds_per_mp, score = bench(name, params, pairs, args.repeats)
        results.append((name, _params_text(name, params), seconds_per_mp, score))
        print(f"  {name}: {seconds_per_mp:.3f} s/MP", file=sys.stderr)
    nlm_speed = next((s for name, _, s, _ in results if name == "nlm"), None)

    header = ["filter", "params", "median s/MP", "x NLM", "PSNR (dB)"]
    lines = [["noisy input", "", "", "", f"{noisy_psnr:.2f}"]]
    for name, params_text, speed, score in results:
        ratio = f"{speed / nlm_speed:.2f}" if nlm_speed else "n/a"
        lines.append([name, params_text, f"{speed:.3f}", ratio, f"{score:.2f}"])
    _render_table(header, lines, [False, False, True, True, True])

    truth = float(np.mean([np.std(noisy - clean) for noisy, clean in pairs]))
    print(f"\nnoise estimators (estimate_noise_sigma); true spread of noisy - clean: {truth:.4f}")
    lines = []
    for method in NOISE_ESTIMATORS:
        speed, estimate = bench_estimator(method, pairs, args.repeats)
        lines.append([method, f"{speed:.3f}", f"{estimate:.4f}", f"{estimate / truth:.2f}"])
    _render_table(["estimator", "median s/MP", "mean estimate", "/ true spread"], lines, [False, True, True, True])
    return 0


if __name__ == "__main__":
    sys.exit(main())
