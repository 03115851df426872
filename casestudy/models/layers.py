"""Custom Keras layers the three networks share: padding, cropping, Haar wavelets, upsampling, branch fusion.

Every layer here is registered serializable (package ``casestudy``) and has a
``get_config``, so a saved ``.keras`` file loads with ``safe_mode=True`` in any
process that has imported :mod:`casestudy.models`; none of them holds Python
code the way a ``Lambda`` layer would. They use ``keras.ops`` only, and work on
inputs of unknown height, width and batch size. Taught in notebooks 05-07 (``05_rednet.ipynb``, ``06_mwcnn.ipynb``, ``07_pridnet.ipynb``).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

PACKAGE = "casestudy"


def _reflect_indices(size: Any, padded: Any) -> Any:
    """Indices ``0..padded-1`` folded back into ``0..size-1`` by mirror reflection (edge not repeated).

    Works for any amount of padding, even more than the image is long (where
    ``tf.pad``'s REFLECT mode refuses), by reflecting with period ``2 (size - 1)``.
    """
    index = ops.arange(padded, dtype="int32")
    period = ops.maximum(2 * (size - 1), 1)
    folded = ops.mod(index, period)
    return ops.where(folded > size - 1, period - folded, ops.minimum(folded, size - 1))


@keras.saving.register_keras_serializable(package=PACKAGE)
class PadToMultiple(keras.layers.Layer):
    """Reflect-pad height and width at the bottom and right up to the next multiple of ``multiple``.

    A network that halves its input ``k`` times needs sides divisible by ``2**k``;
    padding inside the model lets it take any image size (NAFNet's ``check_image_size``).
    :class:`CropToMatch` cuts the output back.
    """

    def __init__(self, multiple: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if int(multiple) < 1:
            raise ValueError(f"multiple must be a positive integer, got {multiple}")
        self.multiple = int(multiple)

    def call(self, inputs: Any) -> Any:
        if self.multiple == 1:
            return inputs
        shape = ops.shape(inputs)
        height, width = shape[1], shape[2]
        padded_h = (height + self.multiple - 1) // self.multiple * self.multiple
        padded_w = (width + self.multiple - 1) // self.multiple * self.multiple
        rows = ops.take(inputs, _reflect_indices(height, padded_h), axis=1)
        return ops.take(rows, _reflect_indices(width, padded_w), axis=2)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        def grow(side: int | None) -> int | None:
            return None if side is None else -(-side // self.multiple) * self.multiple

        return (input_shape[0], grow(input_shape[1]), grow(input_shape[2]), input_shape[3])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "multiple": self.multiple}


@keras.saving.register_keras_serializable(package=PACKAGE)
class CropToMatch(keras.layers.Layer):
    """Crop ``inputs[0]`` to the height and width of ``inputs[1]`` (top-left corner kept)."""

    def call(self, inputs: list) -> Any:
        image, reference = inputs
        shape = ops.shape(reference)
        return image[:, : shape[1], : shape[2], :]

    def compute_output_shape(self, input_shape: list) -> tuple:
        image, reference = input_shape
        return (image[0], reference[1], reference[2], image[3])


@keras.saving.register_keras_serializable(package=PACKAGE)
class HaarDWT(keras.layers.Layer):
    """One level of the orthonormal 2-D Haar wavelet transform, per channel.

    ``(batch, H, W, C) -> (batch, H/2, W/2, 4C)`` with the sub-bands stacked on the
    channel axis in the order LL, LH, HL, HH (each block of ``C`` channels). With
    ``a, b, c, d`` the top-left, bottom-left, top-right and bottom-right pixel of
    each 2x2 block: ``LL = (a+b+c+d)/2``, ``LH = (-a+b-c+d)/2`` (row difference),
    ``HL = (-a-b+c+d)/2`` (column difference), ``HH = (a-b-c+d)/2``. The transform is
    orthonormal, so :class:`HaarIWT` inverts it exactly. H and W must be even.
    """

    def call(self, inputs: Any) -> Any:
        a = inputs[:, 0::2, 0::2, :]
        b = inputs[:, 1::2, 0::2, :]
        c = inputs[:, 0::2, 1::2, :]
        d = inputs[:, 1::2, 1::2, :]
        low_low = (a + b + c + d) * 0.5
        low_high = (-a + b - c + d) * 0.5
        high_low = (-a - b + c + d) * 0.5
        high_high = (a - b - c + d) * 0.5
        return ops.concatenate([low_low, low_high, high_low, high_high], axis=-1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        half = [None if side is None else side // 2 for side in input_shape[1:3]]
        channels = None if input_shape[3] is None else 4 * input_shape[3]
        return (input_shape[0], half[0], half[1], channels)


@keras.saving.register_keras_serializable(package=PACKAGE)
class HaarIWT(keras.layers.Layer):
    """The exact inverse of :class:`HaarDWT`: ``(batch, h, w, 4C) -> (batch, 2h, 2w, C)``."""

    def call(self, inputs: Any) -> Any:
        low_low, low_high, high_low, high_high = ops.split(inputs, 4, axis=-1)
        a = (low_low - low_high - high_low + high_high) * 0.5
        b = (low_low + low_high - high_low - high_high) * 0.5
        c = (low_low - low_high + high_low - high_high) * 0.5
        d = (low_low + low_high + high_low + high_high) * 0.5
        shape = ops.shape(a)
        batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
        # blocks[..., i, j, :] is the pixel at row offset i, column offset j of each 2x2 block
        top = ops.stack([a, c], axis=3)  # (batch, h, w, 2, C)
        bottom = ops.stack([b, d], axis=3)
        blocks = ops.stack([top, bottom], axis=3)  # (batch, h, w, 2, 2, C)
        blocks = ops.transpose(blocks, (0, 1, 3, 2, 4, 5))  # (batch, h, 2, w, 2, C)
        return ops.reshape(blocks, (batch, 2 * height, 2 * width, channels))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        double = [None if side is None else side * 2 for side in input_shape[1:3]]
        channels = None if input_shape[3] is None else input_shape[3] // 4
        return (input_shape[0], double[0], double[1], channels)


@keras.saving.register_keras_serializable(package=PACKAGE)
class BilinearUpsampling(keras.layers.Layer):
    """Enlarge height and width by an integer ``factor`` with bilinear interpolation, at any input size.

    The same computation as ``keras.layers.UpSampling2D(factor, interpolation="bilinear")``
    (``tf.image.resize``, half-pixel centres, no antialiasing), which cannot be
    traced with an unknown height or width on TensorFlow: ``keras.ops.image.resize``
    checks the target size in Python, so one ``tf.function`` could not serve every
    image size. On TensorFlow the size is computed in the graph; on other backends
    (JAX traces every shape separately) ``keras.ops.image.resize`` is used.
    """

    def __init__(self, factor: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if int(factor) < 1:
            raise ValueError(f"factor must be a positive integer, got {factor}")
        self.factor = int(factor)

    def call(self, inputs: Any) -> Any:
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            size = tf.shape(inputs)[1:3] * self.factor
            return tf.image.resize(inputs, size, method="bilinear")
        shape = ops.shape(inputs)
        return ops.image.resize(inputs, (shape[1] * self.factor, shape[2] * self.factor), interpolation="bilinear")

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        grown = [None if side is None else side * self.factor for side in input_shape[1:3]]
        return (input_shape[0], grown[0], grown[1], input_shape[3])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package=PACKAGE)
class SoftmaxBranchFusion(keras.layers.Layer):
    """Selective-kernel fusion: weight ``K`` branches per channel by a softmax across the branches.

    Inputs: ``K`` feature maps ``(batch, H, W, C)`` followed by ``K`` attention
    logits ``(batch, 1, 1, C)``, one per branch. For each channel the logits are
    turned into weights summing to 1 over the branches (Li et al. 2019, Selective
    Kernel Networks), and the output is the weighted sum of the branches.
    """

    def call(self, inputs: list) -> Any:
        if len(inputs) % 2 or len(inputs) < 4:
            raise ValueError("SoftmaxBranchFusion takes K >= 2 feature maps followed by K logits")
        branches = len(inputs) // 2
        features = ops.stack(inputs[:branches], axis=-1)  # (batch, H, W, C, K)
        logits = ops.stack(inputs[branches:], axis=-1)  # (batch, 1, 1, C, K)
        weights = ops.softmax(logits, axis=-1)
        return ops.sum(features * weights, axis=-1)

    def compute_output_shape(self, input_shape: list) -> tuple:
        return tuple(input_shape[0])
