"""The unseen-noise check: shipped networks against NLM and BM3D given the true noise, per noise level.

    python tools/unseen_check.py [CHECK_DIR]     (default data/unseen-check, built by `casestudy data unseen`)

The check's photos never entered training and its noise is not the simulator's (Poisson-Gaussian in
linear light, spatially and cross-channel correlated, three levels). The classical filters are given
what a blind denoiser never has, the true noise: NLM h = 0.8 x the true residual std (patch 5,
distance 6), BM3D the true std and the true noise PSD. A network must beat both to be trusted on
photos and noise it never saw.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from casestudy.data.catalogue import load_catalogue
from casestudy.data.pairs import iter_pairs
from casestudy.metrics import psnr
from casestudy.models import MODELS, load_model, weights_path
from casestudy.models.inference import denoise_image
from casestudy.unseen_scores import bm3d_true_noise, nlm_true_noise


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/unseen-check")
    catalogue = load_catalogue(root, read_exif=False)
    networks = {name: load_model(weights_path(name)) for name in MODELS}
    rows = []
    for row, noisy, clean in iter_pairs(catalogue):
        outputs = {
            "nlm (true sigma)": nlm_true_noise(noisy, clean),
            "bm3d (true PSD)": bm3d_true_noise(noisy, clean),
            **{name: denoise_image(model, noisy) for name, model in networks.items()},
        }
        record = {"image": row.instance, "level": row.instance.rsplit("_", 1)[-1], "noisy": psnr(clean, noisy)}
        record.update({name: psnr(clean, np.asarray(out, np.float32)) for name, out in outputs.items()})
        rows.append(record)
        print(row.instance, {k: round(v, 2) for k, v in record.items() if isinstance(v, float)}, flush=True)
    table = pd.DataFrame(rows)
    columns = [c for c in table.columns if c not in ("image", "level")]
    summary = table.groupby("level")[columns].mean()
    summary.loc["all"] = table[columns].mean()
    print(summary.round(2).to_string())


if __name__ == "__main__":
    main()
