"""A light-noise crop denoised by the networks the retraining replaced, kept for notebook 08's before/after.

    python benchmarks/before_retraining_crops.py --before DIR [--out benchmarks/results/before-retraining-crops.npz]

``DIR`` holds the replaced weights, taken from the commit that last shipped them:

    mkdir -p /tmp/before && for n in rednet mwcnn pridnet; do
        git show 7d681d5:weights/$n.keras > /tmp/before/$n.keras; done

The crop comes from the unseen-noise check at the quality check's size (long side 384, light level):
the most detailed ``CROP`` x ``CROP`` window of its photographs (mean absolute Laplacian of the clean
image), with ``CONTEXT`` pixels around it so a network sees what it would see in the whole photo. The
file holds the noisy and clean context, each replaced network's output on it (8-bit, as a saved photo
would be), where the crop sits, and the weights' SHA-256; the notebook runs today's weights on the same
noisy context and shows both.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CROP = 96
CONTEXT = 32
LONG_SIDE = 384
LEVEL = "light"
NETWORKS = ("rednet", "mwcnn", "pridnet")


def most_detailed_window(clean: np.ndarray, size: int, stride: int = 8) -> tuple[int, int, float]:
    """``(top, left, detail)`` of the ``size`` window of ``clean`` with the most fine detail (mean absolute Laplacian)."""
    from scipy import ndimage

    detail = np.abs(ndimage.laplace(clean.mean(axis=-1).astype(np.float64)))
    best = (0, 0, -1.0)
    for top in range(0, clean.shape[0] - size + 1, stride):
        for left in range(0, clean.shape[1] - size + 1, stride):
            score = float(detail[top : top + size, left : left + size].mean())
            if score > best[2]:
                best = (top, left, score)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="folder with the replaced <network>.keras files")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "before-retraining-crops.npz")
    args = parser.parse_args(argv)

    from casestudy.config import get_profile
    from casestudy.data.pairs import iter_pairs
    from casestudy.evaluation.unseen.check import check_pairs, ensure_check
    from casestudy.inference.network import denoise_image
    from casestudy.io import atomic_path
    from casestudy.models import load_model

    folder, record = ensure_check(get_profile("laptop"), LONG_SIDE)
    pairs = [(row, noisy, clean) for row, noisy, clean in iter_pairs(check_pairs(folder, record)) if row.level == LEVEL]
    pick = max(((row, noisy, clean, *most_detailed_window(clean, CROP + 2 * CONTEXT)) for row, noisy, clean in pairs),
               key=lambda item: item[-1])  # fmt: skip
    row, noisy, clean, top, left, _ = pick
    window = (slice(top, top + CROP + 2 * CONTEXT), slice(left, left + CROP + 2 * CONTEXT))
    context = {"noisy": noisy[window], "clean": clean[window]}
    outputs, hashes = {}, {}
    for name in NETWORKS:
        path = args.before / f"{name}.keras"
        hashes[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        outputs[name] = denoise_image(load_model(path), context["noisy"])
    to_uint8 = lambda image: np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)  # noqa: E731
    with atomic_path(args.out, ".npz") as temporary:
        np.savez_compressed(temporary, image=row.image, level=LEVEL, crop=CROP, context=CONTEXT, top=top, left=left,
                            **{key: to_uint8(value) for key, value in context.items()},
                            **{f"before_{name}": to_uint8(image) for name, image in outputs.items()},
                            **{f"sha256_{name}": digest for name, digest in hashes.items()})  # fmt: skip
    print(f"{args.out}: {row.image}, {LEVEL} noise, {CROP} px crop at ({top + CONTEXT}, {left + CONTEXT})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
