"""What mixed precision costs in PSNR, and what it saves in time: each precision against float32 at equal steps.

Trains the same network (REDNet at the laptop width by default) on the laptop
data set with the same seed and the same patch stream, once per precision and
seed, and prints the validation PSNR after the same number of steps, its
difference to float32 with the same seed, and the median training step time.
``casestudy.training.precision.MEASURED_COST_DB`` records the result that the
``auto`` precision relies on.

    python benchmarks/bench_precision.py [--steps 300] [--seeds 2021 2022] [--model rednet]
        [--precisions float32 mixed_bfloat16]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from casestudy.training.train import train  # noqa: E402


class StepTimer(keras.callbacks.Callback):
    """Wall time of every training step (the first few include tracing and are dropped from the median)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []
        self._start = 0.0

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.times.append(time.perf_counter() - self._start)


def run_one(model: str, precision: str, seed: int, steps: int, profile: str) -> tuple[float, float]:
    """Validation PSNR after ``steps`` steps and the median step time (s) of one run."""
    timer = StepTimer()
    with tempfile.TemporaryDirectory() as run_dir:
        result = train(
            model, profile=profile, run_dir=run_dir, epochs=1, steps_per_epoch=steps, precision=precision,
            seed=seed, patience=None, checkpoint_minutes=None, verbose=0, callbacks=[timer],
        )  # fmt: skip
    return float(result.history["val_psnr"].iloc[-1]), statistics.median(timer.times[5:] or timer.times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="rednet")
    parser.add_argument("--profile", default="laptop")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seeds", type=int, nargs="+", default=[2021, 2022])
    parser.add_argument("--precisions", nargs="+", default=["float32", "mixed_bfloat16"])
    args = parser.parse_args()

    results = {}
    for seed in args.seeds:
        for precision in args.precisions:
            results[precision, seed] = run_one(args.model, precision, seed, args.steps, args.profile)
            score, step = results[precision, seed]
            print(f"  {precision:15s} seed {seed}: {score:.3f} dB, {step:.3f} s/step", flush=True)
    print(f"\n{args.model}, {args.profile} width, {args.steps} steps, validation PSNR on the fixed grid")
    print(f"| precision | seed | val PSNR (dB) | vs float32 (dB) | median s/step | speed-up |")
    print("|---|---:|---:|---:|---:|---:|")
    for precision in args.precisions:
        costs = []
        for seed in args.seeds:
            score, step = results[precision, seed]
            base_score, base_step = results.get(("float32", seed), (score, step))
            costs.append(score - base_score)
            print(f"| {precision} | {seed} | {score:.3f} | {score - base_score:+.3f} | {step:.3f} | {base_step / step:.2f}x |")
        print(f"| {precision} | mean | | {statistics.mean(costs):+.3f} | | |")


if __name__ == "__main__":
    main()
