"""Tiled against whole-image inference: peak memory and seconds per megapixel, PRIDNet on the CPU.

A 12 MP photo (4000x3000, a seeded noisy JPEG written to a temporary folder)
goes through PRIDNet at the laptop profile's width (untrained: the weights do
not change the cost) in three ways, each in a fresh Python process so that its
peak memory is its own (maximum resident set size from ``os.wait4``, TensorFlow
included):

* ``whole``: :func:`casestudy.inference.network.denoise_image` on a smaller photo
  (``--small``, default 1024x768): whole-image inference on 12 MP would need
  tens of GB of activations, so it is measured where it fits;
* ``tiled``: :func:`casestudy.inference.tiling.denoise_tiled_model` on the same small photo
  and on the 12 MP one (``--tile``, ``--overlap``, ``--batch``);
* ``cli``: ``casestudy denoise`` end to end on the 12 MP JPEG (read, orient,
  denoise in tiles, write a JPEG with the EXIF and ICC profile carried over).

Times exclude importing TensorFlow and loading the network (a warm-up call on
one tile is made first); the CLI row is the whole command's wall time. The
table also gives, for the small photo, the largest and mean difference between
the tiled and the whole-image outputs in 8-bit levels. Other jobs on the machine
slow everything down: run it on an idle machine.

    .venv/bin/python benchmarks/bench_tiling.py [--small 1024x768] [--large 4000x3000] [--tile 512]
        [--overlap 64] [--batch 4] [--skip-cli]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
NOISE_SIGMA = 0.05
MODEL = "pridnet"


def write_noisy_photo(path: Path, height: int, width: int, seed: int = 2021) -> None:
    """A ``height x width`` JPEG: scikit-image's astronaut repeated, with seeded Gaussian noise, built in strips."""
    from PIL import Image
    from skimage import data

    base = data.astronaut()
    rng = np.random.default_rng(seed)
    canvas = np.empty((height, width, 3), dtype=np.uint8)
    for top in range(0, height, 256):
        rows = np.arange(top, min(top + 256, height)) % base.shape[0]
        strip = base[rows][:, np.arange(width) % base.shape[1]].astype(np.float32)
        strip += rng.normal(0.0, 255 * NOISE_SIGMA, strip.shape).astype(np.float32)
        canvas[top : top + len(rows)] = np.clip(strip, 0, 255).astype(np.uint8)
    Image.fromarray(canvas).save(path, quality=95)


# --------------------------------------------------------------------------- the measured child processes


def child(mode: str, image_path: str, weights: str, tile: int, overlap: int, batch: int, save: str) -> None:
    """Denoise one photo ``whole`` or ``tiled``; print a JSON line with the seconds."""
    from casestudy.io import read_image
    from casestudy.models import load_model
    from casestudy.inference.network import denoise_image
    from casestudy.inference.tiling import denoise_tiled_model

    model = load_model(weights)
    image = read_image(image_path)
    denoise_image(model, image[:64, :64])  # warm-up: first call builds the graph machinery
    start = time.perf_counter()
    if mode == "whole":
        out = denoise_image(model, image)
    else:
        out = denoise_tiled_model(model, image, tile_size=tile, overlap=overlap, batch_size=batch)
    seconds = time.perf_counter() - start
    if save:
        np.save(save, out)
    print(json.dumps({"seconds": seconds, "megapixels": image.shape[0] * image.shape[1] / 1e6}))


def measured(command: list[str]) -> tuple[dict[str, float], float, float]:
    """Run ``command``; (its last JSON line or {}, its wall seconds, its peak RSS in MB)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"}
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    out, err = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{err[-3000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return (json.loads(lines[-1]) if lines else {}), wall, usage.ru_maxrss / 1024  # KiB -> MiB


def size(text: str) -> tuple[int, int]:
    """'4000x3000' -> (height 3000, width 4000)."""
    width, height = (int(part) for part in text.lower().split("x"))
    return height, width


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", default="1024x768", help="photo for whole-image inference, WIDTHxHEIGHT")
    parser.add_argument("--large", default="4000x3000", help="the large photo, WIDTHxHEIGHT")
    parser.add_argument("--tile", type=int, default=512)
    parser.add_argument("--overlap", type=int, default=64)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--skip-cli", action="store_true", help="leave out the end-to-end `casestudy denoise` row")
    parser.add_argument("--child", nargs=7, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, image, weights, tile, overlap, batch, save = args.child
        child(mode, image, weights, int(tile), int(overlap), int(batch), save)
        return 0

    from casestudy.models import build_model

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        weights = work / f"{MODEL}.keras"
        build_model(MODEL, profile="laptop").save(weights)
        photos = {"small": work / "small.jpg", "large": work / "large.jpg"}
        write_noisy_photo(photos["small"], *size(args.small))
        write_noisy_photo(photos["large"], *size(args.large))
        geometry = [str(args.tile), str(args.overlap), str(args.batch)]
        runs = [("whole", "small"), ("tiled", "small"), ("tiled", "large")]
        outputs = {}
        for mode, photo in runs:
            save = str(work / f"{mode}-{photo}.npy") if photo == "small" else ""
            command = [sys.executable, __file__, "--child", mode, str(photos[photo]), str(weights), *geometry, save]
            result, _, peak = measured(command)
            outputs[(mode, photo)] = save
            label = args.small if photo == "small" else args.large
            rows.append([mode, label, result["megapixels"], result["seconds"], peak])
        if not args.skip_cli:
            out_path = work / "large-denoised.jpg"
            command = [sys.executable, "-m", "casestudy.cli", "denoise", str(photos["large"]), str(out_path),
                       "--method", MODEL, "--weights", str(weights), "--tile", str(args.tile),
                       "--overlap", str(args.overlap)]  # fmt: skip
            _, wall, peak = measured(command)
            megapixels = np.prod(size(args.large)) / 1e6
            rows.append(["cli (end to end)", args.large, megapixels, wall, peak])
        whole = np.load(outputs[("whole", "small")])
        tiled = np.load(outputs[("tiled", "small")])
        difference = np.abs(whole - tiled) * 255

    print(f"PRIDNet at laptop width, tile {args.tile}, overlap {args.overlap}, batch {args.batch}, CPU")
    header = ["inference", "photo", "MP", "seconds", "s/MP", "peak RSS (MB)"]
    table = [header] + [
        [mode, photo, f"{mp:.2f}", f"{seconds:.1f}", f"{seconds / mp:.2f}", f"{peak:.0f}"]
        for mode, photo, mp, seconds, peak in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for index, row in enumerate(table):
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths)))
        if index == 0:
            print("-+-".join("-" * width for width in widths))
    print(
        f"tiled vs whole on {args.small}: max {difference.max():.2f}, mean {difference.mean():.3f} 8-bit levels"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
