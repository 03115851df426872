"""Throughput of the generic random degradations on training-sized patches, one core.

Prints patches per second of each step on its own and of the default mix
(:func:`casestudy.noise.degrade.degrade`), on patches cut from the committed photo
pool, with the median PSNR of the degraded patch against the clean one (how heavy
each step is). Training needs several hundred patches per second per core.

    .venv/bin/python benchmarks/bench_degrade.py [--patch 64] [--count 400]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from casestudy.noise.degrade import STEPS, DegradationConfig, degrade
from casestudy.data.photos import load_photo_pool
from casestudy.metrics import psnr


def patches(count: int, size: int, seed: int = 0) -> list[np.ndarray]:
    """``count`` random uint8 patches from the training photos."""
    photos = load_photo_pool(role="train")
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        photo = photos[int(rng.integers(len(photos)))]
        top = int(rng.integers(photo.shape[0] - size + 1))
        left = int(rng.integers(photo.shape[1] - size + 1))
        out.append(photo[top : top + size, left : left + size])
    return out


def measure(clean: list[np.ndarray], config: DegradationConfig) -> tuple[float, float]:
    """(patches per second, median PSNR in dB) of ``degrade`` over ``clean``."""
    degrade(clean[0], np.random.default_rng(0), config)  # warm-up (imports)
    start = time.perf_counter()
    noisy = [degrade(patch, np.random.default_rng(index), config) for index, patch in enumerate(clean)]
    rate = len(clean) / (time.perf_counter() - start)
    scores = [psnr(patch.astype(np.float32) / 255.0, out) for out, patch in zip(noisy, clean)]
    return rate, float(np.median(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patch", type=int, default=64)
    parser.add_argument("--count", type=int, default=400)
    args = parser.parse_args()
    clean = patches(args.count, args.patch)
    print(f"{args.count} patches of {args.patch}x{args.patch} from the photo pool, one process")
    print(f"| {'degradation':<12} | {'patches/s':>9} | {'median PSNR (dB)':>16} |")
    print(f"|{'-' * 14}|{'-' * 11}:|{'-' * 18}:|")
    for step in STEPS:
        config = DegradationConfig(**{f"p_{name}": float(name == step) for name in STEPS})
        rate, median = measure(clean, config)
        print(f"| {step:<12} | {rate:>9.0f} | {median:>16.1f} |")
    rate, median = measure(clean, DegradationConfig())
    print(f"| {'default mix':<12} | {rate:>9.0f} | {median:>16.1f} |")


if __name__ == "__main__":
    main()
