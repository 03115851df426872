"""Whole-image inference: one photo in, its denoised version out.

The networks pad to their own multiple inside the model, so any size goes in
whole; tiling large photos with overlap comes with the evaluation notebook.
Taught in notebooks 05-07 (``05_rednet.ipynb``, ``06_mwcnn.ipynb``, ``07_pridnet.ipynb``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from casestudy.filters import check_noisy

_FORWARD: weakref.WeakKeyDictionary[keras.Model, Callable[[Any], Any]] = weakref.WeakKeyDictionary()


def _forward(model: keras.Model) -> Callable[[Any], Any]:
    """``model``'s inference pass as a traced graph, made once per model.

    A graph runs about 1.5x faster than calling the model eagerly layer by
    layer. It is traced once for any batch, height and width (an input
    signature with unknown sizes: as fast as a trace for one size, measured on
    512x512, and no retracing when the next image differs). No XLA: it would
    recompile for every new size and did not help on CPUs we measured.
    """
    if model not in _FORWARD:
        import tensorflow as tf

        signature = [tf.TensorSpec((None, None, None, int(model.input_shape[-1])), tf.float32)]
        _FORWARD[model] = tf.function(lambda batch: model(batch, training=False), input_signature=signature)
    return _FORWARD[model]


def _run(model: keras.Model, batch: np.ndarray) -> Any:
    """``model`` on a batch through its traced graph, falling back to one trace per size where needed."""
    try:
        return _forward(model)(batch)
    except Exception as error:  # noqa: BLE001 - narrowed below; TensorFlow's error classes load lazily
        if type(error).__name__ != "OperatorNotAllowedInGraphError":
            raise
        # A layer that needs static sizes cannot run in the size-generic graph (PRIDNet files
        # saved before BilinearUpsampling replaced Keras' bilinear UpSampling2D): trace per size.
        import tensorflow as tf

        _FORWARD[model] = tf.function(lambda inputs: model(inputs, training=False))
        return _FORWARD[model](batch)


def with_noise_map(model: keras.Model, batch: np.ndarray, noise_map: np.ndarray | float | None = None) -> np.ndarray:
    """A ``(N, H, W, 3)`` batch as ``model`` takes it.

    A blind network takes the photo alone. A network that is told the noise
    (:data:`casestudy.models.registry.NOISE_MAP_CHANNELS` more input channels) gets the noise's standard
    deviation per pixel (``noise_map``: a number, or an array that broadcasts to ``(N, H, W)``)
    and a channel of ones that says the map is known; without ``noise_map`` both channels are
    zeros: the map is withheld and the network runs blind. A batch that already carries the map's
    channels (the tiler cuts them with the photo: :func:`casestudy.inference.tiling.denoise_tiled`'s
    ``extra``) passes through.

    Raises:
        ValueError: a map for a blind network.
    """
    extra = int(model.input_shape[-1]) - 3
    if extra > 0 and batch.shape[-1] == 3 + extra and noise_map is None:
        return np.asarray(batch, np.float32)
    if extra <= 0:
        if noise_map is not None:
            raise ValueError(f"{model.name} is blind: it takes no noise-level map")
        return batch
    levels = np.zeros(batch.shape[:3], np.float32)
    known = np.zeros(batch.shape[:3], np.float32)
    if noise_map is not None:
        levels = np.broadcast_to(np.asarray(noise_map, np.float32), batch.shape[:3])
        known = np.ones(batch.shape[:3], np.float32)
    return np.concatenate([batch, levels[..., None], known[..., None]], axis=-1).astype(np.float32)


def denoise_image(model: keras.Model, image: np.ndarray, noise_map: np.ndarray | float | None = None,
                  ensemble: bool = False) -> np.ndarray:  # fmt: skip
    """Denoise one ``(H, W, 3)`` float image in [0, 1] with ``model``; float32 in [0, 1] back.

    ``noise_map`` (a number or an ``(H, W)`` array) is for a network told the noise; without it
    such a network runs blind (:func:`with_noise_map`). ``ensemble`` averages the network over
    the image's eight rotations and mirror images (:mod:`casestudy.inference.ensemble`: eight times
    the time).

    The input is checked the way the classical filters check theirs (one
    convention for every method), run as a batch of one, and the output is
    clipped to [0, 1] (a residual network may overshoot slightly).

    Raises:
        casestudy.filters.FilterInputError: not float, not ``(H, W, 3)``,
            non-finite values, or values outside [0, 1].
    """
    noisy = check_noisy(image)
    levels = None if noise_map is None else np.asarray(noise_map, np.float32)[np.newaxis]
    return _restore(model, with_noise_map(model, noisy[np.newaxis], levels), ensemble)[0]


def denoise_batch(model: keras.Model, batch: np.ndarray, ensemble: bool = False) -> np.ndarray:
    """Denoise a ``(N, H, W, 3)`` float32 batch in [0, 1] (tiles of one size); clipped float32 back.

    The batch form of :func:`denoise_image`, used by :mod:`casestudy.inference.tiling`; the
    input is trusted (the tiler has checked the whole photo once).
    """
    return _restore(model, with_noise_map(model, np.asarray(batch, dtype=np.float32)), ensemble)


def _restore(model: keras.Model, inputs: np.ndarray, ensemble: bool) -> np.ndarray:
    """``model`` on a batch it takes as it is (map channels included), once or as a self-ensemble; clipped."""
    def once(batch: np.ndarray) -> np.ndarray:
        return keras.ops.convert_to_numpy(_run(model, batch))

    if ensemble:
        from casestudy.inference.ensemble import self_ensemble

        restored = self_ensemble(once, inputs)
    else:
        restored = once(inputs)
    return np.clip(restored, 0.0, 1.0).astype(np.float32)
