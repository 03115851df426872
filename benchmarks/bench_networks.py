"""Cost of the networks per profile: size, FLOPs, training and inference speed, memory, against NLM.

For every network and profile (``--profiles laptop,gpu`` by default) and every
precision (``float32`` and ``mixed_bfloat16``), a fresh Python process builds the
network at the profile's width and measures:

* training: patches per second for batches of 16 64x64 patches, Adam + MSE, no XLA
  (``train_on_batch``), from the median of ``--steps`` steps after 2 warm-up steps;
* inference: seconds per megapixel for one 512x512 image through
  :func:`casestudy.inference.network.denoise_image` (median of ``--repeats`` after
  a warm-up call);
* peak memory: the process's maximum resident set size (TensorFlow included,
  which ``tracemalloc`` cannot see), so each configuration runs in its own process.

Non-Local Means (``casestudy.filters`` defaults, or the tuned settings of the
laptop data set when ``reports/`` has them) runs in the same process on the same
noisy 512x512 image, each timed call right after the network's, so that both see
the same load; every network's s/MP is also given as a multiple of NLM's. Parameters and FLOPs per megapixel come from
:mod:`casestudy.models.complexity` (1 MAC = 2 FLOPs). Other jobs on the machine
slow everything down: run it on an idle machine.

    .venv/bin/python benchmarks/bench_networks.py [--profiles laptop,gpu] [--models rednet,mwcnn,pridnet,nafnet]
        [--precisions float32,mixed_bfloat16] [--steps 6] [--repeats 3] [--width pridnet=16 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SIDE = 512
PATCH = 64
BATCH = 16
NOISE_SIGMA = 0.08


def noisy_photo(side: int = SIDE, sigma: float = NOISE_SIGMA, seed: int = 2021) -> np.ndarray:
    """scikit-image's astronaut (512x512), centre-cropped to ``side``, with seeded Gaussian noise, in [0, 1]."""
    from skimage import data, img_as_float

    photo = img_as_float(data.astronaut()).astype(np.float32)
    top, left = (photo.shape[0] - side) // 2, (photo.shape[1] - side) // 2
    clean = photo[top : top + side, left : left + side]
    noise = np.random.default_rng(seed).normal(0.0, sigma, clean.shape)
    return np.clip(clean + noise, 0.0, 1.0).astype(np.float32)


# --------------------------------------------------------------------------- one configuration, in its own process


def measure(name: str, width: int, precision: str, steps: int, repeats: int) -> dict[str, float]:
    """Training patches/s, inference s/MP and peak RSS of one network at one width and precision."""
    import resource

    import keras

    from casestudy.inference.network import denoise_image, with_noise_map
    from casestudy.models import build_model

    keras.utils.set_random_seed(0)
    keras.mixed_precision.set_global_policy(precision)
    model = build_model(name, width=width)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", jit_compile=False)  # XLA: slower here
    rng = np.random.default_rng(0)
    clean = rng.random((BATCH, PATCH, PATCH, 3), dtype=np.float32)
    noisy = np.clip(clean + rng.normal(0, NOISE_SIGMA, clean.shape), 0, 1).astype(np.float32)
    told = with_noise_map(model, noisy, NOISE_SIGMA) if model.input_shape[-1] > 3 else noisy  # a network told the noise
    level = NOISE_SIGMA if model.input_shape[-1] > 3 else None
    step_times = []
    for step in range(2 + steps):
        start = time.perf_counter()
        model.train_on_batch(told, clean)
        if step >= 2:
            step_times.append(time.perf_counter() - start)
    image = noisy_photo()
    nlm, nlm_params = nlm_filter()
    denoise_image(model, image, level)  # warm-up
    nlm(image, **nlm_params)
    infer_times, nlm_times = [], []
    for _ in range(repeats):  # interleaved, so both see the same load on a shared machine
        start = time.perf_counter()
        denoise_image(model, image, level)
        infer_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        nlm(image, **nlm_params)
        nlm_times.append(time.perf_counter() - start)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "patches_per_s": BATCH / statistics.median(step_times),
        "s_per_mp": statistics.median(infer_times) / (SIDE * SIDE / 1e6),
        "nlm_s_per_mp": statistics.median(nlm_times) / (SIDE * SIDE / 1e6),
        "peak_mib": peak_kib / 1024,
    }


def run_worker(name: str, width: int, precision: str, steps: int, repeats: int) -> dict[str, float]:
    """:func:`measure` in a fresh Python process (its own peak memory, no state shared between configurations)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-W", "ignore", __file__, "--worker", name, str(width), precision, str(steps), str(repeats)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{name} width {width} {precision} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- NLM, the yardstick


def nlm_filter() -> tuple[Any, dict[str, Any]]:
    """The NLM filter and its parameters: the laptop data set's tuned ones when saved, else the defaults."""
    from casestudy.config import get_profile
    from casestudy.filters import get_filter
    from casestudy.evaluation.tuning import filter_params_path, load_filter_params

    spec = get_filter("nlm")
    params_file = filter_params_path(get_profile("laptop").simulated_dir)
    tuned = load_filter_params(params_file).get("nlm", {}) if params_file.is_file() else {}
    return spec, spec.params(**tuned)


# --------------------------------------------------------------------------- the table


def render(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, numbers right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    right = [i >= 3 for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" if r else "-" * (w + 2) for w, r in zip(widths, right)) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        name, width, precision, steps, repeats = argv[1:6]
        print(json.dumps(measure(name, int(width), precision, int(steps), int(repeats))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", default="laptop,gpu")
    parser.add_argument("--models", help="comma-separated networks (default: every registered one)")
    parser.add_argument("--precisions", default="float32,mixed_bfloat16")
    parser.add_argument("--steps", type=int, default=6, help="timed training steps after 2 warm-up steps")
    parser.add_argument("--repeats", type=int, default=3, help="timed 512x512 inferences after one warm-up")
    parser.add_argument("--width", action="append", default=[], help="override a width: NAME=WIDTH (repeatable)")
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from casestudy.models import MODELS, build_model
    from casestudy.models.complexity import flops_per_megapixel

    overrides = {key: int(value) for key, value in (item.split("=", 1) for item in args.width)}
    names = [n for n in args.models.split(",") if n] if args.models else list(MODELS)
    profiles = [p for p in args.profiles.split(",") if p]
    precisions = [p for p in args.precisions.split(",") if p]
    print(f"image: {SIDE}x{SIDE} astronaut with Gaussian noise sigma {NOISE_SIGMA}; NLM parameters {nlm_filter()[1]}")
    print(f"training: batch {BATCH} of {PATCH}x{PATCH}, Adam + MSE, median of {args.steps} steps after 2 warm-up")

    header = ["network", "profile", "width", "params", "GFLOPs/MP"]
    for precision in precisions:
        short = "fp32" if precision == "float32" else "bf16" if precision == "mixed_bfloat16" else precision
        header += [f"train patches/s {short}", f"infer s/MP {short}", f"NLM s/MP {short}", f"x NLM {short}"]
        header += [f"peak MiB {short}"]
    rows = []
    done: dict[tuple[str, int], list[str]] = {}
    for profile in profiles:
        for name in names:
            width = overrides.get(name, MODELS[name].width(profile))
            if (name, width) in done:  # same width in two profiles: measured once
                rows.append([name, profile, *done[(name, width)]])
                continue
            model = build_model(name, width=width)
            cells = [str(width), f"{model.count_params() / 1e6:.3f} M", f"{flops_per_megapixel(model) / 1e9:.1f}"]
            for precision in precisions:
                result = run_worker(name, width, precision, args.steps, args.repeats)
                cells += [
                    f"{result['patches_per_s']:.1f}",
                    f"{result['s_per_mp']:.3f}",
                    f"{result['nlm_s_per_mp']:.3f}",
                    f"{result['s_per_mp'] / result['nlm_s_per_mp']:.2f}",
                    f"{result['peak_mib']:.0f}",
                ]
                print(f"  {name} {profile} w{width} {precision}: {result}", file=sys.stderr, flush=True)
            done[(name, width)] = cells
            rows.append([name, profile, *cells])
    print(render(header, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
