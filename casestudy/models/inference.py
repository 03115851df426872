"""Whole-image inference: one photo in, its denoised version out.

The networks pad to their own multiple inside the model, so any size goes in
whole; tiling large photos with overlap comes with the evaluation notebook.
Introduced in ``05_networks.ipynb``.
"""

from __future__ import annotations

import keras
import numpy as np

from casestudy.filters import check_noisy


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
    restored = model(noisy[np.newaxis], training=False)
    return np.clip(keras.ops.convert_to_numpy(restored)[0], 0.0, 1.0).astype(np.float32)
