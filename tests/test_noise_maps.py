"""Noise-level maps: the local noise level is measured right, the stream carries it (or withholds it), and a
network told the noise trains through the engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from casestudy.training.noise_maps import SMOOTHING_PX, WITHHELD, MapRecipe, NoiseMapSampler, local_noise_level


def test_the_local_level_of_white_noise_is_its_sigma_and_of_a_clean_patch_zero() -> None:
    rng = np.random.default_rng(0)
    clean = np.full((64, 64, 3), 0.5, np.float32)
    noisy = clean + rng.normal(0, 0.05, clean.shape).astype(np.float32)
    level = local_noise_level(noisy, clean)
    assert level.shape == (64, 64) and level.dtype == np.float32
    assert np.median(level) == pytest.approx(0.05, rel=0.05)
    assert not local_noise_level(clean, clean).any()
    # noise that doubles on the right half: the map follows it
    noisy[:, 32:] = clean[:, 32:] + 2 * (noisy[:, 32:] - clean[:, 32:])
    level = local_noise_level(noisy, clean)
    assert level[:, 48:].mean() / level[:, :16].mean() == pytest.approx(2.0, rel=0.1)
    with pytest.raises(ValueError, match="differ in shape"):
        local_noise_level(noisy[:8], clean)


def test_the_sampler_appends_the_map_and_withholds_it_for_a_seeded_share() -> None:
    rng = np.random.default_rng(1)
    clean = rng.random((16, 16, 3)).astype(np.float32)

    def plain(index: int) -> tuple[np.ndarray, np.ndarray]:
        return clean + 0.02 * (index % 3), clean

    sampler = NoiseMapSampler(plain, seed=7, recipe=MapRecipe(withheld=0.3))
    samples = [sampler(index) for index in range(200)]
    assert all(noisy.shape == (16, 16, 5) and out.shape == (16, 16, 3) for noisy, out in samples)
    known = np.array([noisy[0, 0, 4] for noisy, _ in samples])
    assert set(np.unique(known)) == {0.0, 1.0} and 0.2 < 1 - known.mean() < 0.4
    withheld = samples[int(np.argmin(known))][0]
    assert not withheld[..., 3:].any()
    told = samples[int(np.argmax(known))][0]
    np.testing.assert_array_equal(told[..., :3], plain(int(np.argmax(known)))[0])
    again = NoiseMapSampler(plain, seed=7, recipe=MapRecipe(withheld=0.3))
    np.testing.assert_array_equal(again(5)[0], sampler(5)[0])  # reproducible: a resumed run continues the stream
    with pytest.raises(ValueError, match="withheld"):
        NoiseMapSampler(plain, seed=7, recipe=MapRecipe(withheld=1.5))


def _map_factors(recipe: MapRecipe, count: int = 400) -> np.ndarray:
    """The factor each told sample's map carries against the exact local level, for white noise of 0.05."""
    rng = np.random.default_rng(2)
    clean = np.full((16, 16, 3), 0.5, np.float32)
    noisy = clean + rng.normal(0, 0.05, clean.shape).astype(np.float32)
    exact = local_noise_level(noisy, clean)
    sampler = NoiseMapSampler(lambda index: (noisy, clean), seed=3, recipe=recipe)
    told = [sample for sample in (sampler(index)[0] for index in range(count)) if sample[0, 0, 4] == 1.0]
    return np.array([float(np.median(sample[..., 3] / exact)) for sample in told])


def test_jittered_maps_are_off_by_a_log_normal_factor_and_wrong_ones_by_up_to_the_wrong_factor() -> None:
    np.testing.assert_allclose(_map_factors(MapRecipe()), 1.0, rtol=1e-6)  # exact maps by default
    jittered = np.log(_map_factors(MapRecipe(withheld=0.0, jitter=0.3)))
    assert len(jittered) == 400 and abs(np.mean(jittered)) < 0.05 and np.std(jittered) == pytest.approx(0.3, rel=0.15)
    wrong = np.log(_map_factors(MapRecipe(withheld=0.0, wrong=1.0, wrong_factor=4.0)))
    assert np.abs(wrong).max() <= np.log(4.0) + 1e-6 and np.abs(wrong).max() > 0.9 * np.log(4.0)
    assert np.std(wrong) == pytest.approx(np.log(4.0) / np.sqrt(3), rel=0.15)  # log-uniform over [-log 4, log 4]
    some = np.log(_map_factors(MapRecipe(withheld=0.0, wrong=0.25)))
    assert 0.15 < np.mean(np.abs(some) > 1e-6) < 0.35
    assert MapRecipe().record() == {"withheld": WITHHELD, "smoothing_px": SMOOTHING_PX}  # older runs still resume
    for bad, message in (({"jitter": -1.0}, "jitter"), ({"wrong": 1.5}, "wrong"), ({"wrong_factor": 0.5}, "wrong_factor")):
        with pytest.raises(ValueError, match=message):
            MapRecipe(**bad)


@pytest.fixture
def nafnet() -> str:
    """The registered network told the noise (its smoke width is a few channels)."""
    from casestudy.models import MODELS

    assert MODELS["nafnet"].map_channels > 0
    return "nafnet"


def test_a_network_told_the_noise_trains_with_maps_and_validates_blind(nafnet: str, smoke_data: Path,
                                                                      tmp_path: Path) -> None:  # fmt: skip
    from casestudy.training.train import train

    result = train(nafnet, data_dir=smoke_data, run_dir=tmp_path / "run", epochs=1, steps_per_epoch=2,
                   profile="smoke", precision="float32", checkpoint_minutes=None, verbose=0, generic_fraction=0.5)  # fmt: skip
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["noise_map"] == {"withheld": WITHHELD, "smoothing_px": SMOOTHING_PX}
    assert result.step == 2 and np.isfinite(result.history["val_psnr"]).all()
    assert result.load_best().input_shape[-1] == 5


def test_a_blind_network_records_no_map(smoke_data: Path, tmp_path: Path) -> None:
    from casestudy.training.train import train

    with pytest.raises(ValueError, match="rednet is a blind network"):
        train("rednet", data_dir=smoke_data, run_dir=tmp_path / "refused", epochs=1, steps_per_epoch=1,
              profile="smoke", precision="float32", checkpoint_minutes=None, verbose=0, map_jitter=0.3)  # fmt: skip

    result = train("rednet", data_dir=smoke_data, run_dir=tmp_path / "run", epochs=1, steps_per_epoch=1,
                   profile="smoke", precision="float32", checkpoint_minutes=None, verbose=0)  # fmt: skip
    assert "noise_map" not in json.loads((result.run_dir / "config.json").read_text())
