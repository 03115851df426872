"""Do the tuned classical filters leave fine texture alone? Light white noise on scikit-image's textures.

A blind filter must estimate the noise from the noisy photo. An estimator that reads
texture as noise makes NLM smooth a lawn into felt: with the flat-block estimate alone,
the tuned NLM returned 20.6 dB on ``grass`` with noise of spread 0.02, 13 dB *below* the
noisy input (34 dB). :func:`texture_scores` puts the tuned NLM and BM3D on the three
bundled textures with each noise estimator, beside the noisy input, so a reader sees
what the default (``"robust"``, :func:`casestudy.noise.estimate.estimate_noise_sigma`) fixes.
The textures ship inside scikit-image, so this runs offline. Used in
``04_classical_filters.ipynb`` and by the texture tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from casestudy.filters import FILTERS
from casestudy.noise.estimate import DEFAULT_NOISE_METHOD, estimate_noise_sigma
from casestudy.metrics import psnr

#: scikit-image's bundled grey textures: fine grass, coarse gravel, a regular brick wall.
TEXTURES = ("grass", "gravel", "brick")


def texture_image(name: str, size: int = 256) -> np.ndarray:
    """The central ``size`` x ``size`` square of a bundled texture (:data:`TEXTURES`), float32 RGB in [0, 1].

    Raises:
        ValueError: ``name`` is not one of :data:`TEXTURES`, or ``size`` is not positive.
    """
    from skimage import data, img_as_float

    if name not in TEXTURES:
        raise ValueError(f"unknown texture {name!r}; choose one of {TEXTURES}")
    if size < 1:
        raise ValueError(f"size must be positive, got {size}")
    gray = img_as_float(getattr(data, name)()).astype(np.float32)
    top, left = max((gray.shape[0] - size) // 2, 0), max((gray.shape[1] - size) // 2, 0)
    return np.repeat(gray[top : top + size, left : left + size, None], 3, axis=-1)


def add_white_noise(clean: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """``clean`` + Gaussian noise of spread ``sigma`` (seeded), clipped to [0, 1], float32."""
    noise = np.random.default_rng(seed).normal(0.0, sigma, clean.shape)
    return np.clip(clean + noise, 0.0, 1.0).astype(np.float32)


def texture_scores(
    params: Mapping[str, Mapping[str, Any]],
    methods: Sequence[str] = ("nlm", "bm3d"),
    estimators: Sequence[str] = ("blocks", DEFAULT_NOISE_METHOD),
    sigma: float = 0.02,
    size: int = 256,
    seed: int = 2021,
    textures: Sequence[str] = TEXTURES,
) -> pd.DataFrame:
    """PSNR (dB) of the tuned filters on each texture with light white noise, once per noise estimator.

    Args:
        params: tuned settings per filter (``{"nlm": {...}, "bm3d": {...}}``, as
            :func:`casestudy.evaluation.tuning.load_filter_params` returns them); each filter's
            ``sigma_method`` is replaced by the estimator of the row.
        methods: the filters to run (names in :data:`casestudy.filters.FILTERS`).
        estimators: the noise estimators to compare.
        sigma, seed: the white noise added (the same noise for every row of a texture).
        size: side of the central crop of each texture (at least 40 for the ``"pca"`` estimate).
        textures: which of :data:`TEXTURES`.

    Returns:
        One row per (texture, estimator): ``texture``, ``estimator``, ``sigma_read`` (the
        estimator's reading), ``noisy`` and one PSNR column per method.
    """
    rows = []
    for name in textures:
        clean = texture_image(name, size)
        noisy = add_white_noise(clean, sigma, seed)
        for estimator in estimators:
            row: dict[str, Any] = {"texture": name, "estimator": estimator,
                                   "sigma_read": estimate_noise_sigma(noisy, estimator), "noisy": psnr(clean, noisy)}  # fmt: skip
            for method in methods:
                settings = {**params.get(method, {}), "sigma_method": estimator}
                row[method] = psnr(clean, FILTERS[method](noisy, **settings))
            rows.append(row)
    return pd.DataFrame.from_records(rows)
