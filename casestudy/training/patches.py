"""The tf.data patch pipeline: random training patches, a fixed grid for validation and test.

Networks never see whole photos: they learn from small square patches cut from
the training images (the original squashed 12 MP photos to 256x256 instead,
destroying the very noise it tried to remove). Training patches are random in
position and orientation (one of the 8 flips/rotations of the square), and on
the simulated data set each one gets a *fresh noise draw* from the camera
simulator, so the network never sees the same noise twice and cannot memorise
it. Validation and test patches sit on a fixed grid, so their scores are
comparable from run to run.

Every random choice of sample ``i`` comes from ``numpy.random.default_rng((seed, i))``:
the stream is reproducible and yet safe to compute in parallel.
No notebook uses it yet: the networks' notebooks will train on it (the pairs come from
:func:`casestudy.data.pairs.read_pair`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from casestudy.data.pairs import PairImages, dihedral, iter_pairs
from casestudy.io import to_uint8
from casestudy.models.registry import NOISE_MAP_CHANNELS

if TYPE_CHECKING:  # pragma: no cover
    import tensorflow as tf

    from casestudy.camera import CaptureSettings
    from casestudy.noise.degrade import DegradationConfig
    from casestudy.training.noise_maps import MapRecipe

#: The margin (in pixels, even to keep the Bayer phase) added around a patch
#: before re-simulating its noise, so demosaicing sees real neighbours at the border.
NOISE_MARGIN = 4


def load_pair_images(
    catalogue: pd.DataFrame,
    split: str | None = "train",
    capture_settings: Mapping[str, CaptureSettings] | None = None,
) -> list[PairImages]:
    """Read the pairs of one split into memory (``split=None``: every pair).

    ``capture_settings`` (from :func:`casestudy.data.simulated.load_capture_settings`)
    enables fresh noise for the simulated set; pairs without settings keep their stored noise.

    Raises:
        ValueError: if the split has no pairs, or a pair's images differ in shape.
    """
    rows = catalogue if split is None else catalogue[catalogue["split"] == split]
    if rows.empty:
        raise ValueError(f"the {split!r} split has no pairs")
    return [
        PairImages(row.instance, to_uint8(noisy), to_uint8(clean), (capture_settings or {}).get(row.instance))
        for row, noisy, clean in iter_pairs(rows)
    ]


class TrainingSampler:
    """Draws training sample ``i`` deterministically: pair, position, symmetry and (optionally) fresh noise.

    Pairs are drawn with probability proportional to their area, so every pixel of
    the training set is equally likely to be seen.
    """

    def __init__(self, pairs: Sequence[PairImages], patch_size: int, seed: int, fresh_noise: bool = True):
        if patch_size < 2 or patch_size % 2:
            raise ValueError(f"patch_size must be an even number >= 2, got {patch_size}")
        too_small = [p.instance for p in pairs if min(p.clean.shape[:2]) < patch_size]
        if too_small:
            raise ValueError(f"images smaller than the {patch_size}-pixel patch: {too_small[:3]}")
        self.pairs = list(pairs)
        self.patch_size = patch_size
        self.seed = seed
        self.fresh_noise = fresh_noise
        areas = np.array([p.clean.shape[0] * p.clean.shape[1] for p in self.pairs], dtype=np.float64)
        self.weights = areas / areas.sum()

    def __call__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Sample ``index`` as (noisy, clean) float32 patches of shape (p, p, 3) in [0, 1]."""
        rng = np.random.default_rng((self.seed, int(index)))
        pair = self.pairs[rng.choice(len(self.pairs), p=self.weights)]
        size = self.patch_size
        height, width = pair.clean.shape[:2]
        # Even offsets keep the Bayer phase, which re-simulating the noise relies on.
        top = 2 * rng.integers(0, (height - size) // 2 + 1)
        left = 2 * rng.integers(0, (width - size) // 2 + 1)
        clean = pair.clean[top : top + size, left : left + size].astype(np.float32) / 255.0
        if self.fresh_noise and pair.settings is not None:
            noisy = self._fresh_noise(pair, top, left, rng)
        else:
            noisy = pair.noisy[top : top + size, left : left + size].astype(np.float32) / 255.0
        k = int(rng.integers(8))
        return (np.ascontiguousarray(dihedral(noisy, k)), np.ascontiguousarray(dihedral(clean, k)))

    def _fresh_noise(self, pair: PairImages, top: int, left: int, rng: np.random.Generator) -> np.ndarray:
        from casestudy.camera import resimulate_noisy

        size, margin = self.patch_size, NOISE_MARGIN
        height, width = pair.clean.shape[:2]
        y0, x0 = max(top - margin, 0), max(left - margin, 0)
        y1, x1 = min(top + size + margin, height), min(left + size + margin, width)
        context = pair.clean[y0:y1, x0:x1].astype(np.float32) / 255.0
        noisy = resimulate_noisy(context, pair.settings, rng)
        return noisy[top - y0 : top - y0 + size, left - x0 : left - x0 + size].astype(np.float32)


def training_sampler(
    pairs: Sequence[PairImages],
    patch_size: int,
    seed: int,
    fresh_noise: bool = True,
    generic_fraction: float = 0.0,
    generic_sources: Sequence[np.ndarray] | None = None,
    generic_scale: tuple[float, float] = (1.0, 1.0),
    generic_config: DegradationConfig | None = None,
    noise_map: bool | MapRecipe = False,
) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
    """The function ``i -> (noisy, clean)`` a training run draws its patches from.

    ``generic_fraction`` of the samples (0 by default) take a clean patch of
    ``generic_sources`` (default: the pairs' clean images; for the simulated set pass the
    sharp photos behind them, :func:`casestudy.data.simulated.source_photos`, or the
    network learns to blur) and a generic random degradation
    (:func:`casestudy.noise.degrade.degrade`: Gaussian, Poisson-Gaussian, correlated,
    other cameras' noise, JPEG) instead of this data set's noise. Wider noise on its
    own does little; with more clean content (``casestudy data build --photos``) it
    is what made a network hold up on photos and noise it never saw
    (notebook 07's unseen-noise check). ``generic_scale`` is the range of the random shrinking of
    those photos (:class:`casestudy.training.photo_patches.PhotoPatchSampler`'s ``scale_range``), and
    ``generic_config`` the degradations' probabilities and ranges (default
    :data:`casestudy.noise.degrade.DEFAULT_CONFIG`). With ``noise_map`` each noisy patch carries two
    more channels, its noise-level map and the map's known-flag
    (:class:`casestudy.training.noise_maps.NoiseMapSampler`), for a network told the noise; pass a
    :class:`casestudy.training.noise_maps.MapRecipe` for maps with errors in them (``True``: exact maps).
    """
    if noise_map:
        from casestudy.training.noise_maps import NoiseMapSampler

        plain = training_sampler(pairs, patch_size, seed, fresh_noise, generic_fraction, generic_sources,
                                 generic_scale, generic_config)  # fmt: skip
        return NoiseMapSampler(plain, seed, recipe=None if noise_map is True else noise_map)
    simulated = TrainingSampler(pairs, patch_size, seed, fresh_noise)
    if not 0.0 <= generic_fraction <= 1.0:
        raise ValueError(f"generic_fraction must lie in [0, 1], got {generic_fraction}")
    if generic_fraction == 0.0:
        return simulated
    from casestudy.noise.degrade import DEFAULT_CONFIG
    from casestudy.training.photo_patches import MixedSampler, PhotoPatchSampler

    sources = [pair.clean for pair in pairs] if generic_sources is None else list(generic_sources)
    config = DEFAULT_CONFIG if generic_config is None else generic_config
    generic = PhotoPatchSampler(sources, patch_size, seed, config=config, scale_range=generic_scale)
    if generic_fraction == 1.0:
        return generic
    return MixedSampler([(simulated, 1.0 - generic_fraction), (generic, generic_fraction)], seed)


def training_dataset(
    pairs: Sequence[PairImages],
    patch_size: int,
    batch_size: int,
    seed: int,
    fresh_noise: bool = True,
    start: int = 0,
    generic_fraction: float = 0.0,
    generic_sources: Sequence[np.ndarray] | None = None,
    generic_scale: tuple[float, float] = (1.0, 1.0),
    generic_config: DegradationConfig | None = None,
    noise_map: bool | MapRecipe = False,
) -> tf.data.Dataset:
    """An endless, reproducible tf.data stream of (noisy, clean) batches (see :func:`training_sampler`).

    Samples are made in parallel (``num_parallel_calls=AUTOTUNE``) yet in a fixed
    order, batched and prefetched. Pass ``steps_per_epoch`` to ``fit``: the stream never ends.
    ``start`` is the first sample's index: a run resumed after ``s`` steps passes
    ``start=s * batch_size`` and continues the very stream it was trained on.
    """
    import tensorflow as tf

    sampler = training_sampler(
        pairs, patch_size, seed, fresh_noise, generic_fraction, generic_sources, generic_scale, generic_config, noise_map
    )
    shape = (patch_size, patch_size, 3)
    inputs = (patch_size, patch_size, 3 + (NOISE_MAP_CHANNELS if noise_map else 0))

    def make(index: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        noisy, clean = tf.numpy_function(lambda i: sampler(int(i)), [index], [tf.float32, tf.float32])
        return tf.ensure_shape(noisy, inputs), tf.ensure_shape(clean, shape)

    dataset = tf.data.Dataset.counter(start=int(start)).map(make, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def training_batches(
    pairs: Sequence[PairImages],
    patch_size: int,
    batch_size: int,
    seed: int,
    fresh_noise: bool = True,
    start: int = 0,
    generic_fraction: float = 0.0,
    generic_sources: Sequence[np.ndarray] | None = None,
    workers: int = 1,
    generic_scale: tuple[float, float] = (1.0, 1.0),
    generic_config: DegradationConfig | None = None,
    noise_map: bool | MapRecipe = False,
) -> Any:
    """The same stream as :func:`training_dataset`, as an endless ``keras.utils.PyDataset``.

    For Keras backends without TensorFlow (JAX on a GPU machine, say): batch ``b``
    holds samples ``start + b * batch_size ...``. The dataset is *endless*
    (``num_batches`` is ``None``; pass ``steps_per_epoch`` to ``fit``): Keras restarts a
    finite ``PyDataset`` at batch 0 every epoch, which replayed the first epoch's patches
    over and over, while an endless one keeps counting across epochs, so every step
    gets new patches. ``workers`` processes draw batches in parallel; batches they had
    prefetched when an epoch ended are skipped, never repeated.
    """

    sampler = training_sampler(
        pairs, patch_size, seed, fresh_noise, generic_fraction, generic_sources, generic_scale, generic_config, noise_map
    )
    return __getattr__("EndlessBatches")(sampler, batch_size, start, workers)


def _endless_batches_class() -> type:
    import keras

    class EndlessBatches(keras.utils.PyDataset):
        """Batch ``b`` = samples ``start + b * batch_size ...`` of ``sampler``, for every ``b`` >= 0."""

        def __init__(self, sampler: Callable[[int], tuple[np.ndarray, np.ndarray]], batch_size: int, start: int = 0,
                     workers: int = 1):  # fmt: skip
            super().__init__(workers=workers, use_multiprocessing=workers > 1, max_queue_size=4 * max(workers, 1))
            self.sampler, self.batch_size, self.start = sampler, int(batch_size), int(start)

        @property
        def num_batches(self) -> None:
            return None

        def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
            first = self.start + int(index) * self.batch_size
            samples = [self.sampler(first + offset) for offset in range(self.batch_size)]
            return np.stack([s[0] for s in samples]), np.stack([s[1] for s in samples])

    return EndlessBatches


def __getattr__(name: str) -> Any:
    if name == "EndlessBatches":  # built on first use, so importing this module does not import Keras
        cls = _endless_batches_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def grid_origins(length: int, patch_size: int, stride: int | None = None) -> list[int]:
    """Start positions of a fixed grid of patches along one axis, the last one flush with the border."""
    if length < patch_size:
        raise ValueError(f"an axis of {length} pixels cannot hold a {patch_size}-pixel patch")
    stride = stride or patch_size
    origins = list(range(0, length - patch_size + 1, stride))
    if origins[-1] != length - patch_size:
        origins.append(length - patch_size)
    return origins


def grid_patches(
    pairs: Sequence[PairImages], patch_size: int, stride: int | None = None, blind_map: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Every grid patch of every pair as two float32 arrays (N, p, p, 3): noisy and clean.

    The grid depends only on the image sizes, so the validation and test patches
    are the same in every run. With ``blind_map`` the noisy patches carry the two channels of a
    withheld noise-level map (zeros), so a network told the noise is validated blind.
    """
    noisy, clean = [], []
    for pair in pairs:
        height, width = pair.clean.shape[:2]
        for top in grid_origins(height, patch_size, stride):
            for left in grid_origins(width, patch_size, stride):
                noisy.append(pair.noisy[top : top + patch_size, left : left + patch_size])
                clean.append(pair.clean[top : top + patch_size, left : left + patch_size])
    noisy_patches = np.stack(noisy).astype(np.float32) / 255.0
    if blind_map:
        noisy_patches = np.concatenate([noisy_patches, np.zeros((*noisy_patches.shape[:3], NOISE_MAP_CHANNELS),
                                                                np.float32)], axis=-1)  # fmt: skip
    return noisy_patches, np.stack(clean).astype(np.float32) / 255.0


def evaluation_dataset(
    pairs: Sequence[PairImages], patch_size: int, batch_size: int, stride: int | None = None, blind_map: bool = False
) -> tf.data.Dataset:
    """Validation or test patches on a fixed grid, batched, for ``model.evaluate`` or ``fit(validation_data=...)``
    (``blind_map``: see :func:`grid_patches`)."""
    import tensorflow as tf

    noisy, clean = grid_patches(pairs, patch_size, stride, blind_map)
    return tf.data.Dataset.from_tensor_slices((noisy, clean)).batch(batch_size).prefetch(tf.data.AUTOTUNE)
