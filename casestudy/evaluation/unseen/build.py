"""The unseen-noise check: photos no network trained on, with noise that is not the simulator's.

A network trained on the camera simulator can learn the simulator instead of denoising
(notebook 07). This check asks whether it holds up elsewhere:

* **clean images**: the photo pool's held-out ``check`` photos (:mod:`casestudy.data.photos`)
  and the clean photos of the embedded set's *test* scenes (the original files, not the
  simulator's ground truths), resized to a long side of ``long_side`` pixels;
* **noise**: not the simulator. Poisson-Gaussian noise in *linear* light (sRGB -> linear
  with the exact sRGB curve, variance ``a * x + b``, back to sRGB), spatially correlated by
  a fixed isotropic Gaussian kernel and correlated across channels, at three fixed
  :data:`LEVELS`, with no metadata (no EXIF); quantised to 8 bits. No camera pipeline, no
  Bayer pattern, no tone curve: its shape differs from every simulated capture.

It is written as the generic ``clean/`` + ``noisy/`` layout (:mod:`casestudy.data.folders`),
``<image>_<level>.png`` on both sides, with a ``scenes.csv`` that keeps the levels of one
image in one scene and a ``split.csv`` that puts everything in ``test``, so
``casestudy evaluate --data DIR`` scores the whole check. ``unseen.json`` records how it
was made (levels, seed, sources with SHA-256) and each pair's noisy-input PSNR.

The generic training degradations (:mod:`casestudy.noise.degrade`) draw from a family
that includes noise like this; the check differs in its exact kernel, channel
correlation and levels, and in its photos, which no training path may read.
Introduced in ``07_pridnet.ipynb``; ``casestudy data unseen`` builds it.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from casestudy.noise.degrade import correlated_noise, linear_to_srgb, srgb_to_linear
from casestudy.data.photos import pool_photos
from casestudy.data.split import write_split
from casestudy.io import to_uint8, write_png, write_text

FORMAT = "casestudy-unseen-check"
FORMAT_VERSION = 1
RECORD_FILE = "unseen.json"
DEFAULT_LONG_SIDE = 512
#: Standard deviation (pixels) of the fixed Gaussian kernel that correlates the noise spatially.
KERNEL_SIGMA_PX = 0.8
KERNEL_SIZE = 5
#: Correlation between the noise of any two colour channels.
CHANNEL_CORRELATION = 0.3


@dataclasses.dataclass(frozen=True)
class NoiseLevel:
    """One level of the check's noise: variance ``a * x + b`` on linear light ``x``."""

    name: str
    a: float
    b: float


LEVELS: tuple[NoiseLevel, ...] = (
    NoiseLevel("light", 1.6e-3, 8e-6),
    NoiseLevel("medium", 7e-3, 3.5e-5),
    NoiseLevel("heavy", 2.6e-2, 1.3e-4),
)


def noise_kernel(sigma_px: float = KERNEL_SIGMA_PX, size: int = KERNEL_SIZE) -> np.ndarray:
    """The (size, size) isotropic Gaussian kernel, unit energy (filtering keeps the noise variance).

    The defaults are the check's fixed kernel; :mod:`casestudy.evaluation.unseen.check` rebuilds
    it from the values a check's ``unseen.json`` records.
    """
    half = int(size) // 2
    y, x = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float64)
    kernel = np.exp(-0.5 * (x**2 + y**2) / float(sigma_px) ** 2)
    return (kernel / np.sqrt(np.square(kernel).sum())).astype(np.float32)


def channel_mixing() -> np.ndarray:
    """Cholesky factor of the channel correlation matrix (1 on the diagonal, ``CHANNEL_CORRELATION`` elsewhere)."""
    matrix = np.full((3, 3), CHANNEL_CORRELATION) + (1 - CHANNEL_CORRELATION) * np.eye(3)
    return np.linalg.cholesky(matrix).astype(np.float32)


def add_unseen_noise(clean: np.ndarray, level: NoiseLevel, rng: np.random.Generator) -> np.ndarray:
    """The check's noise on a clean float (H, W, 3) sRGB image in [0, 1]; float32, not quantised."""
    linear = srgb_to_linear(clean)
    unit = correlated_noise(linear.shape, 1.0, noise_kernel(), rng, channel_mixing())
    std = np.sqrt(np.float32(level.a) * linear + np.float32(level.b))
    return linear_to_srgb(linear + std * unit)


def resize_long_side(image: np.ndarray, long_side: int) -> np.ndarray:
    """Downscale float (H, W, 3) so its long side is at most ``long_side`` (Lanczos on 8 bits; never upscales)."""
    from PIL import Image

    height, width = image.shape[:2]
    scale = long_side / max(height, width)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(to_uint8(image)).resize(size, Image.Resampling.LANCZOS)
    return np.asarray(resized, dtype=np.float32) / np.float32(255.0)


def check_sources(seed: int = 2021, data_dir: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """The clean images of the check: ``[{"name", "source", "sha256", "load"}, ...]``, pool photos first.

    The embedded set's test scenes come from ``data_dir/split.csv`` if it exists, else from the
    seeded default split (the same one a fresh build writes).
    """
    from casestudy.data.scenes import get_scene, load_scene, scene_ids, scene_path
    from casestudy.data.split import assign_scene_split, read_split

    sources: list[dict[str, Any]] = [
        {"name": photo.name, "source": f"photo pool: {photo.path.name} ({photo.licence}, {photo.author})",
         "sha256": photo.sha256, "load": lambda photo=photo: photo.load().astype(np.float32) / np.float32(255.0)}
        for photo in pool_photos("check")
    ]  # fmt: skip
    split_file = Path(data_dir) / "split.csv" if data_dir is not None else None
    split = read_split(split_file) if split_file and split_file.is_file() else assign_scene_split(scene_ids(), seed)
    for scene_id in sorted(s for s in scene_ids() if split.get(s) == "test"):
        scene = get_scene(scene_id)
        path = scene_path(scene_id)
        sources.append({"name": f"scene{scene_id}", "source": f"embedded test scene {scene_id}: {scene.source}",
                        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                        "load": lambda scene_id=scene_id: load_scene(scene_id)})  # fmt: skip
    return sources


def _psnr(clean: np.ndarray, noisy: np.ndarray) -> float:
    from casestudy.metrics import psnr

    return psnr(clean, noisy)


def build_unseen_check(
    out: str | os.PathLike, seed: int = 2021, long_side: int = DEFAULT_LONG_SIDE,
    data_dir: str | os.PathLike | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Write the check into ``out`` (replacing an earlier one) and return its record (also ``unseen.json``).

    Every pair's noise comes from ``numpy.random.default_rng([seed, image index, level index])``,
    so the same arguments give the same bytes.

    Raises:
        ValueError: ``long_side`` below 16; ``out`` exists and is not an earlier check.
    """
    if long_side < 16:
        raise ValueError(f"long_side must be at least 16 pixels, got {long_side}")
    out = Path(out).expanduser()
    if out.exists() and any(out.iterdir()) and not (out / RECORD_FILE).is_file():
        raise ValueError(f"{out}: exists and is not an unseen-noise check ({RECORD_FILE} missing); choose another --out")
    for side in ("clean", "noisy"):
        shutil.rmtree(out / side, ignore_errors=True)
    pairs, scenes = [], {}
    sources = check_sources(seed, data_dir)
    for image_index, source in enumerate(sources):
        clean = resize_long_side(source["load"](), long_side)
        clean8 = to_uint8(clean).astype(np.float32) / np.float32(255.0)
        for level_index, level in enumerate(LEVELS):
            rng = np.random.default_rng([int(seed), image_index, level_index])
            noisy8 = to_uint8(add_unseen_noise(clean8, level, rng)).astype(np.float32) / np.float32(255.0)
            stem = f"{source['name']}_{level.name}"
            write_png(out / "clean" / f"{stem}.png", clean8)
            write_png(out / "noisy" / f"{stem}.png", noisy8)
            scenes[stem] = source["name"]
            pairs.append({"file": f"{stem}.png", "image": source["name"], "level": level.name,
                          "height": clean8.shape[0], "width": clean8.shape[1],
                          "noisy_psnr": round(_psnr(clean8, noisy8), 3),
                          "noise_std": round(float(np.std(noisy8 - clean8)), 5)})  # fmt: skip
    write_text(out / "scenes.csv", "file,scene\n" + "".join(f"{stem},{scene}\n" for stem, scene in sorted(scenes.items())))
    write_split(out / "split.csv", {scene: "test" for scene in scenes.values()})
    record = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "seed": int(seed),
        "long_side": int(long_side),
        "noise": {
            "model": "Poisson-Gaussian in linear sRGB light, variance a*x + b, spatially and cross-channel correlated",
            "kernel": {"type": "isotropic Gaussian", "sigma_px": KERNEL_SIGMA_PX, "size": KERNEL_SIZE, "unit_energy": True},
            "channel_correlation": CHANNEL_CORRELATION,
            "levels": [dataclasses.asdict(level) for level in LEVELS],
        },
        "sources": [{key: value for key, value in source.items() if key != "load"} for source in sources],
        "pairs": pairs,
        "noisy_psnr_by_level": noisy_psnr_by_level(pairs),
    }
    write_text(out / RECORD_FILE, json.dumps(record, indent=1) + "\n")
    return record


def noisy_psnr_by_level(pairs: list[dict[str, Any]]) -> dict[str, float]:
    """Mean noisy-input PSNR (dB) per level and over all pairs (``"all"``)."""
    out = {}
    for level in LEVELS:
        values = [pair["noisy_psnr"] for pair in pairs if pair["level"] == level.name]
        out[level.name] = round(float(np.mean(values)), 2) if values else float("nan")
    out["all"] = round(float(np.mean([pair["noisy_psnr"] for pair in pairs])), 2) if pairs else float("nan")
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``casestudy data unseen``'s options to ``parser``."""
    parser.add_argument("--out", help="output folder (default: data/unseen-check)")
    parser.add_argument("--long-side", type=int, default=None, help=f"long side of the images in pixels (default {DEFAULT_LONG_SIDE})")


def run_cli(args: argparse.Namespace) -> int:
    """``casestudy data unseen``: build the check set and print its noisy-input PSNR per level."""
    from casestudy.config import data_root, get_profile

    profile = get_profile(args.profile)
    out = args.out or data_root() / "unseen-check"
    long_side = args.long_side or DEFAULT_LONG_SIDE
    record = build_unseen_check(out, seed=profile.seed, long_side=long_side, data_dir=profile.simulated_dir)
    levels = ", ".join(f"{name} {value:.2f} dB" for name, value in record["noisy_psnr_by_level"].items())
    print(f"{out}: {len(record['pairs'])} pairs from {len(record['sources'])} images; noisy PSNR {levels}")
    return 0
