"""Whole-image inference: one photo in, its denoised version out.

The networks pad to their own multiple inside the model, so any size goes in
whole; tiling large photos with overlap comes with the evaluation notebook.
Introduced in ``05_networks.ipynb``.
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
    layer. It is traced once per input shape: a trace generalised to any size
    (``reduce_retracing``) breaks PRIDNet, whose bilinear upsampling needs known
    sides (the second image size in a process failed). Tiles come in a few
    shapes per photo; a data set of one phone's photos in one or two. No XLA:
    it would recompile for every new size and did not help on CPUs we measured.
    """
    if model not in _FORWARD:
        import tensorflow as tf

        _FORWARD[model] = tf.function(lambda batch: model(batch, training=False))
    return _FORWARD[model]


def denoise_image(model: keras.Model, image: np.ndarray) -> np.ndarray:
    """Denoise one ``(H, W, 3)`` float image in [0, 1] with ``model``; float32 in [0, 1] back.

    The input is checked the way the classical filters check theirs (one
    convention for every method), run as a batch of one, and the output is
    clipped to [0, 1] (a residual network may overshoot slightly).

    Raises:
        casestudy.filters.FilterInputError: not float, not ``(H, W, 3)``,
            non-finite values, or values outside [0, 1].
    """
    noisy = check_noisy(image)
    restored = _forward(model)(noisy[np.newaxis])
    return np.clip(keras.ops.convert_to_numpy(restored)[0], 0.0, 1.0).astype(np.float32)


def denoise_batch(model: keras.Model, batch: np.ndarray) -> np.ndarray:
    """Denoise a ``(N, H, W, 3)`` float32 batch in [0, 1] (tiles of one size); clipped float32 back.

    The batch form of :func:`denoise_image`, used by :mod:`casestudy.tiling`; the
    input is trusted (the tiler has checked the whole photo once).
    """
    batch = np.asarray(batch, dtype=np.float32)
    restored = _forward(model)(batch)
    return np.clip(keras.ops.convert_to_numpy(restored), 0.0, 1.0).astype(np.float32)
