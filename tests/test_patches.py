"""The patch pipeline: reproducible random training patches, a fixed evaluation grid."""

from pathlib import Path

import numpy as np
import pytest

import fakes
from casestudy.training import patches
from casestudy.training.patches import PairImages, TrainingSampler
from casestudy.io import write_png


def _coordinate_pair(height: int = 40, width: int = 56) -> PairImages:
    """A clean image whose red and green channels encode the row and column; noisy = inverted clean."""
    rows, cols = np.mgrid[0:height, 0:width]
    clean = np.stack([rows * 4, cols * 4, np.full_like(rows, 7)], axis=-1).astype(np.uint8)
    return PairImages("pair", 255 - clean, clean)


def test_the_eight_symmetries_are_distinct_and_invertible() -> None:
    image = np.arange(2 * 3 * 1).reshape(2, 3, 1)
    square = np.arange(16).reshape(4, 4, 1)
    variants = {patches.dihedral(square, k).tobytes() for k in range(8)}
    assert len(variants) == 8
    for k in range(4):  # k quarter turns undone by 4 - k more
        assert np.array_equal(patches.dihedral(patches.dihedral(image, k), (4 - k) % 4), image)


def test_a_sample_is_reproducible_and_samples_differ() -> None:
    sampler = TrainingSampler([_coordinate_pair()], patch_size=8, seed=3)
    first, again = sampler(5), sampler(5)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    others = [sampler(i)[1] for i in range(20)]
    assert len({patch.tobytes() for patch in others}) > 10


def test_noisy_and_clean_patches_stay_aligned_through_crop_and_symmetry() -> None:
    sampler = TrainingSampler([_coordinate_pair()], patch_size=8, seed=0)
    for index in range(30):
        noisy, clean = sampler(index)
        assert noisy.shape == clean.shape == (8, 8, 3) and noisy.dtype == np.float32
        np.testing.assert_allclose(noisy, 1.0 - clean, atol=1e-6)
        # Undo the symmetry by finding the one that puts the smallest coordinates at the top left.
        rows, cols = np.round(clean[..., 0] * 255 / 4), np.round(clean[..., 1] * 255 / 4)
        top, left = int(rows.min()), int(cols.min())
        assert top % 2 == 0 and left % 2 == 0, "offsets must be even to keep the Bayer phase"
        assert rows.max() - top == 7 and cols.max() - left == 7


def test_patches_larger_than_an_image_are_refused() -> None:
    with pytest.raises(ValueError, match="smaller than the 64-pixel patch"):
        TrainingSampler([_coordinate_pair(40, 56)], patch_size=64, seed=0)
    with pytest.raises(ValueError, match="even"):
        TrainingSampler([_coordinate_pair()], patch_size=7, seed=0)


def test_training_dataset_batches_are_deterministic() -> None:
    pairs = [_coordinate_pair(), _coordinate_pair(24, 32)]
    batches = [next(iter(patches.training_dataset(pairs, 8, 4, seed=1))) for _ in range(2)]
    (noisy_a, clean_a), (noisy_b, clean_b) = batches
    assert tuple(noisy_a.shape) == (4, 8, 8, 3)
    assert np.array_equal(noisy_a.numpy(), noisy_b.numpy()) and np.array_equal(clean_a.numpy(), clean_b.numpy())
    assert 0.0 <= float(np.min(clean_a)) and float(np.max(clean_a)) <= 1.0


def test_grid_origins_cover_the_axis_with_the_last_patch_flush() -> None:
    assert patches.grid_origins(10, 4) == [0, 4, 6]
    assert patches.grid_origins(8, 4) == [0, 4]
    assert patches.grid_origins(10, 4, stride=2) == [0, 2, 4, 6]
    with pytest.raises(ValueError):
        patches.grid_origins(3, 4)


def test_grid_patches_count_and_content() -> None:
    pair = _coordinate_pair(40, 56)
    noisy, clean = patches.grid_patches([pair, pair], patch_size=16)
    assert noisy.shape == (2 * 3 * 4, 16, 16, 3)
    np.testing.assert_allclose(noisy, 1.0 - clean, atol=1e-6)
    np.testing.assert_array_equal(clean[0], pair.clean[:16, :16] / np.float32(255))


def test_evaluation_dataset_yields_every_grid_patch_once() -> None:
    dataset = patches.evaluation_dataset([_coordinate_pair(40, 56)], patch_size=16, batch_size=5)
    sizes = [int(noisy.shape[0]) for noisy, _ in dataset]
    assert sizes == [5, 5, 2]


def test_load_pair_images_reads_one_split(tmp_path: Path) -> None:
    pairs = []
    for index, split in enumerate(["train", "train", "test"]):
        clean = np.full((8, 10, 3), 40 * index, dtype=np.uint8)
        pairs.append({"instance": f"i{index}", "scene": f"s{index}", "split": split, "clean": clean, "noisy": clean + 5})
    catalogue = fakes.write_catalogue(tmp_path, pairs)
    train = patches.load_pair_images(catalogue, "train")
    assert [pair.instance for pair in train] == ["i0", "i1"]
    assert train[1].clean.dtype == np.uint8 and int(train[1].noisy[0, 0, 0]) == 45
    with pytest.raises(ValueError, match="'val' split has no pairs"):
        patches.load_pair_images(catalogue, "val")
    write_png(tmp_path / "noisy" / "i2.png", np.zeros((8, 12, 3), np.uint8))
    with pytest.raises(ValueError, match="i2.png"):
        patches.load_pair_images(catalogue, "test")


def test_fresh_noise_differs_between_samples_but_keeps_its_strength() -> None:
    from casestudy.camera import CaptureSettings, simulate_capture

    rng = np.random.default_rng(0)
    clean = np.clip(0.4 + 0.2 * rng.random((48, 48, 3)), 0, 1).astype(np.float32)
    settings = CaptureSettings.from_metadata("GP", 1600, 1 / 100, 5500, "N")
    gt, noisy = simulate_capture(clean, settings, rng)
    pair = PairImages("sim", (noisy * 255).round().astype(np.uint8), (gt * 255).round().astype(np.uint8), settings)
    stored = TrainingSampler([pair], patch_size=16, seed=0, fresh_noise=False)
    fresh = TrainingSampler([pair], patch_size=16, seed=0, fresh_noise=True)
    stored_noise = np.std([np.subtract(*stored(i)) for i in range(40)])
    fresh_noise = np.std([np.subtract(*fresh(i)) for i in range(40)])
    assert 0.8 < fresh_noise / stored_noise < 1.25, "fresh noise must match the stored noise's strength"
    # The same sample index re-draws the same noise; the same patch at another index does not.
    assert np.array_equal(fresh(3)[0], fresh(3)[0])
    residuals = {np.subtract(*fresh(i)).round(4).tobytes() for i in range(10)}
    assert len(residuals) == 10


def test_training_batches_give_the_tf_data_stream_in_the_same_order() -> None:
    pairs = [_coordinate_pair(), _coordinate_pair(24, 32)]
    stream = patches.training_dataset(pairs, 8, 2, seed=4, start=6)
    expected = [batch for _, batch in zip(range(3), stream)]
    batches = patches.training_batches(pairs, 8, 2, seed=4, start=6)
    assert batches.num_batches is None
    for index, (noisy, clean) in enumerate(expected):
        got_noisy, got_clean = batches[index]
        assert np.array_equal(got_noisy, noisy.numpy()) and np.array_equal(got_clean, clean.numpy())


def test_a_generic_fraction_mixes_in_degraded_clean_patches() -> None:
    pairs = [_coordinate_pair(64, 64)]
    plain = patches.training_sampler(pairs, 8, seed=2)
    assert isinstance(plain, TrainingSampler)
    mixed = patches.training_sampler(pairs, 8, seed=2, generic_fraction=0.5)
    inverted = generic = 0
    for index in range(60):
        noisy, clean = mixed(index)
        assert all(np.array_equal(a, b) for a, b in zip((noisy, clean), mixed(index)))
        if np.allclose(noisy, 1.0 - clean, atol=1e-6):
            inverted += 1  # the pair's own (stored) noise
        else:
            generic += 1
    assert inverted > 10 and generic > 10
    only_generic = patches.training_sampler(pairs, 8, seed=2, generic_fraction=1.0)
    assert not any(np.allclose(n, 1.0 - c, atol=1e-6) for n, c in (only_generic(i) for i in range(10)))
    with pytest.raises(ValueError, match=r"generic_fraction must lie in \[0, 1\]"):
        patches.training_sampler(pairs, 8, seed=2, generic_fraction=1.5)


def test_generic_samples_take_their_clean_patches_from_the_given_sources() -> None:
    pairs = [_coordinate_pair(64, 64)]
    source = np.full((48, 48, 3), 200, dtype=np.uint8)  # flat: unlike any patch of the pair
    sampler = patches.training_sampler(pairs, 8, seed=2, generic_fraction=1.0, generic_sources=[source])
    for index in range(5):
        _, clean = sampler(index)
        np.testing.assert_allclose(clean, 200 / 255, atol=1e-6)


def test_generic_samples_follow_the_given_degradations() -> None:
    """With every step switched off, a generic sample is its clean patch; the default config never leaves it clean."""
    from casestudy.noise.degrade import DegradationConfig

    pairs = [_coordinate_pair(64, 64)]
    nothing = DegradationConfig(p_gaussian=0, p_poisson=0, p_correlated=0, p_camera=0, p_jpeg=0, force_noise=False, p_sharpen=0, p_white=0)
    quiet = patches.training_sampler(pairs, 8, seed=2, generic_fraction=1.0, generic_config=nothing)
    default = patches.training_sampler(pairs, 8, seed=2, generic_fraction=1.0)
    for index in range(5):
        noisy, clean = quiet(index)
        np.testing.assert_array_equal(noisy, clean)
        assert not np.array_equal(*default(index))


class _IndexSampler:
    """Sample ``i`` is a 2x2 patch filled with ``i`` (module level, so worker processes can use it)."""

    def __call__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        patch = np.full((2, 2, 1), float(index), np.float32)
        return patch, patch


@pytest.mark.parametrize("workers", [1, 2])
def test_the_endless_batches_give_new_samples_in_every_epoch_of_fit(workers: int) -> None:
    """Keras restarts a finite PyDataset at batch 0 each epoch; the training stream must not repeat."""
    import keras

    seen: list[float] = []

    class Recorder(keras.Model):
        def train_step(self, data):  # noqa: ANN001, ANN202
            seen.extend(np.asarray(data[0])[:, 0, 0, 0].tolist())
            return {"samples": float(len(seen))}

    inputs = keras.Input((2, 2, 1))
    model = Recorder(inputs, keras.layers.Identity()(inputs))
    model.compile(run_eagerly=True)
    stream = patches.EndlessBatches(_IndexSampler(), batch_size=2, start=100, workers=workers)
    # 30 steps an epoch: enough for a finite PyDataset of 90 batches to replay (2 workers: 132 distinct of 180)
    model.fit(stream, epochs=3, steps_per_epoch=30, verbose=0)
    assert len(seen) == 3 * 30 * 2
    assert len(set(seen)) == len(seen), f"samples repeated across epochs: {sorted(seen)}"
    assert min(seen) >= 100
    if workers == 1:  # in one process nothing is prefetched and skipped: exactly the next samples
        assert seen == [float(i) for i in range(100, 280)]
