"""The unseen-noise yardsticks: NLM and BM3D given the true noise, and the per-level scores of one image."""

from __future__ import annotations

import numpy as np
import pytest

from casestudy.data.unseen import LEVELS
from casestudy.metrics import psnr
from casestudy.unseen_scores import bm3d_true_noise, nlm_true_noise, unseen_noise_scores


def _smooth_image(size: int = 48) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size] / size
    return np.stack([0.2 + 0.6 * x, 0.3 + 0.4 * y, 0.5 + 0.3 * x * y], axis=-1).astype(np.float32)


def test_the_filters_given_the_truth_beat_the_noisy_input() -> None:
    clean = _smooth_image()
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 0.08, clean.shape), 0, 1).astype(np.float32)
    for denoiser in (nlm_true_noise, bm3d_true_noise):
        out = denoiser(noisy, clean)
        assert out.shape == clean.shape
        assert psnr(clean, out) > psnr(clean, noisy) + 3


def test_mismatched_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        nlm_true_noise(_smooth_image(32), _smooth_image(48))


def test_scores_per_level_are_seeded_and_ordered() -> None:
    clean = _smooth_image()
    table = unseen_noise_scores(clean, {}, seed=3, baselines=("nlm_true",))
    assert list(table.index) == [level.name for level in LEVELS]
    assert list(table.columns) == ["noisy", "nlm_true"]
    assert table["noisy"].is_monotonic_decreasing  # light, medium, heavy
    assert (table["nlm_true"] > table["noisy"]).all()
    again = unseen_noise_scores(clean, {}, seed=3, baselines=("nlm_true",))
    assert again.equals(table)
    assert not unseen_noise_scores(clean, {}, seed=4, baselines=()).equals(table[["noisy"]])


def test_unknown_baseline_and_bad_image_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown baseline"):
        unseen_noise_scores(_smooth_image(), {}, seed=0, baselines=("median",))
    with pytest.raises(ValueError):
        unseen_noise_scores(_smooth_image()[..., :2], {}, seed=0)


def test_long_side_downscales_before_the_noise() -> None:
    big = np.repeat(np.repeat(_smooth_image(24), 4, axis=0), 4, axis=1)  # 96 x 96
    small = unseen_noise_scores(big, {}, seed=1, baselines=(), long_side=24)
    assert small.shape == (3, 1)
    assert not small.equals(unseen_noise_scores(big, {}, seed=1, baselines=()))
