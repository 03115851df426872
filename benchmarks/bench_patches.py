"""Patch pipeline throughput against the training step it feeds.

Prints a table: patches per second of the tf.data pipeline (stored noise and
fresh simulated noise), and of a REDNet-sized network's training step (10
convolutions, about 300 k parameters, Adam, MSE), all measured in this run on
this machine. The pipeline must be several times faster than the step, or it,
not the network, would set the training speed.

    .venv/bin/python benchmarks/bench_patches.py [--profile smoke|laptop] [--batches 40]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def pipeline_rate(dataset, batches: int, batch_size: int) -> float:
    """Patches per second over ``batches`` batches, after one warm-up batch."""
    iterator = iter(dataset)
    next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)


def rednet_sized_step_rate(patch_size: int, batch_size: int, steps: int = 10) -> tuple[float, int]:
    """Patches per second of a REDNet-sized conv encoder-decoder's train step (median step time)."""
    import keras

    inputs = keras.Input((patch_size, patch_size, 3))
    x, skips = inputs, []
    for _ in range(5):
        x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
        skips.append(x)
    for skip in reversed(skips[:-1]):
        x = keras.layers.Conv2DTranspose(64, 3, padding="same", activation="relu")(x)
        x = keras.layers.Add()([x, skip])
    outputs = keras.layers.Conv2DTranspose(3, 3, padding="same")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    batch = rng.random((batch_size, patch_size, patch_size, 3), dtype=np.float32)
    model.train_on_batch(batch, batch)  # warm-up: graph tracing
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.train_on_batch(batch, batch)
        times.append(time.perf_counter() - start)
    return batch_size / float(np.median(times)), model.count_params()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke")
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--patch-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()

    from casestudy.config import get_profile
    from casestudy.data.catalogue import load_catalogue
    from casestudy.training.patches import load_pair_images, training_dataset
    from casestudy.data.simulated import ensure_dataset, load_capture_settings

    profile = get_profile(args.profile)
    root = ensure_dataset(profile)
    catalogue = load_catalogue(root, read_exif=False)
    pairs = load_pair_images(catalogue, "train", load_capture_settings(root))
    size, batch = args.patch_size, args.batch_size

    rows = []
    for label, fresh in (("pipeline, stored noise", False), ("pipeline, fresh simulated noise", True)):
        dataset = training_dataset(pairs, size, batch, seed=profile.seed, fresh_noise=fresh)
        rows.append((label, pipeline_rate(dataset, args.batches, batch)))
    step_rate, parameters = rednet_sized_step_rate(size, batch)
    rows.append((f"REDNet-sized train step ({parameters / 1e3:.0f} k params)", step_rate))

    print(f"\n{len(pairs)} training pairs from {root.name}; patches {size}x{size}, batches of {batch}; "
          f"{os.cpu_count()} CPU cores\n")
    print(f"| {'what':<46} | {'patches/s':>10} | {'x train step':>12} |")
    print(f"|{'-' * 48}|{'-' * 12}|{'-' * 14}|")
    for label, rate in rows:
        print(f"| {label:<46} | {rate:>10.0f} | {rate / step_rate:>12.1f} |")


if __name__ == "__main__":
    main()
