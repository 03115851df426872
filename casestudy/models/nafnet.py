"""A NAFNet-style denoiser (Chen, Chu, Zhang and Sun 2022, Simple baselines for image restoration), told the noise.

NAFNet showed that a plain U-Net of simple blocks matches far more elaborate restoration
networks at a fraction of their arithmetic. Its block has no activation function at all:

* a *layer normalisation* of each pixel's channels;
* a 1x1 convolution that doubles the channels, a 3x3 *depthwise* convolution (each channel
  filtered on its own: cheap spatial context), and a *simple gate* that splits the channels
  in two halves and multiplies them (the non-linearity, in place of a ReLU or GELU);
* *simplified channel attention*: the image's mean of each channel, through a 1x1
  convolution, scales the channels (one weight per channel, no squeeze, no sigmoid);
* a 1x1 convolution back to the block's width, added to the block's input times a learned
  per-channel factor that starts at zero (each block starts as the identity);
* then the same again without the depthwise convolution and the attention: a gated
  feed-forward network.

The U-Net halves the resolution with a 2x2 convolution of stride 2 (doubling the channels)
at each level, and doubles it back with a 1x1 convolution and a pixel shuffle, adding (not
concatenating) the encoder's features; the output is the input plus a predicted correction.

The input has :data:`MAP_CHANNELS` channels after the three of the photo: a *noise-level map*
(the noise's standard deviation at each pixel, FFDNet's and DRUNet's idea) and a channel that
says whether the map is known (1) or withheld (0, with a map of zeros). Trained with the map
most of the time and without it the rest, the same weights denoise blind or told how noisy
the photo is; a map scaled by a factor is a strength dial.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from casestudy.models.layers import PACKAGE, CropToMatch, PadToMultiple
from casestudy.models.registry import NOISE_MAP_CHANNELS

#: Channels after the photo's three: the noise level per pixel, and whether it is known.
MAP_CHANNELS = NOISE_MAP_CHANNELS
#: Blocks per encoder level (full resolution first); the decoder mirrors them.
ENCODER_BLOCKS = (1, 1, 2)
#: Blocks at the lowest resolution.
MIDDLE_BLOCKS = 2
#: The input is padded to a multiple of this: one halving per encoder level.
MULTIPLE = 2 ** len(ENCODER_BLOCKS)


@keras.saving.register_keras_serializable(package=PACKAGE)
class SimpleGate(keras.layers.Layer):
    """Split the channels into two halves and multiply them: NAFNet's non-linearity."""

    def call(self, inputs: Any) -> Any:
        first, second = keras.ops.split(inputs, 2, axis=-1)
        return first * second

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> tuple[int | None, ...]:
        return (*input_shape[:-1], None if input_shape[-1] is None else input_shape[-1] // 2)


@keras.saving.register_keras_serializable(package=PACKAGE)
class ChannelScale(keras.layers.Layer):
    """``inputs * scale``, one learned factor per channel starting at ``initial`` (0: the branch starts switched off)."""

    def __init__(self, initial: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.initial = float(initial)

    def build(self, input_shape: Sequence[int | None]) -> None:
        self.scale = self.add_weight(name="scale", shape=(int(input_shape[-1]),),
                                     initializer=keras.initializers.Constant(self.initial))  # fmt: skip

    def call(self, inputs: Any) -> Any:
        return inputs * keras.ops.cast(self.scale, inputs.dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "initial": self.initial}


@keras.saving.register_keras_serializable(package=PACKAGE)
class PixelShuffle(keras.layers.Layer):
    """``(B, H, W, 4C) -> (B, 2H, 2W, C)``: each pixel's channels become a 2x2 block of pixels (depth to space)."""

    def call(self, inputs: Any) -> Any:
        shape = keras.ops.shape(inputs)
        batch, height, width, channels = shape[0], shape[1], shape[2], inputs.shape[-1] // 4
        blocks = keras.ops.reshape(inputs, (batch, height, width, 2, 2, channels))
        blocks = keras.ops.transpose(blocks, (0, 1, 3, 2, 4, 5))
        return keras.ops.reshape(blocks, (batch, height * 2, width * 2, channels))

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> tuple[int | None, ...]:
        batch, height, width, channels = input_shape
        return (batch, None if height is None else 2 * height, None if width is None else 2 * width, channels // 4)


@keras.saving.register_keras_serializable(package=PACKAGE)
class RgbChannels(keras.layers.Layer):
    """The first three channels of the input: the photo without its noise-level map."""

    def call(self, inputs: Any) -> Any:
        return inputs[..., :3]

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> tuple[int | None, ...]:
        return (*input_shape[:-1], 3)


def naf_block(features: Any, width: int, name: str) -> Any:
    """One NAFNet block on ``features`` of ``width`` channels (see the module's docstring)."""
    normed = keras.layers.LayerNormalization(epsilon=1e-6, name=f"{name}_norm1")(features)
    mixed = keras.layers.Conv2D(2 * width, 1, name=f"{name}_expand")(normed)
    mixed = keras.layers.DepthwiseConv2D(3, padding="same", name=f"{name}_depthwise")(mixed)
    gated = SimpleGate(name=f"{name}_gate1")(mixed)
    pooled = keras.layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_pool")(gated)
    attention = keras.layers.Conv2D(width, 1, name=f"{name}_attention")(pooled)
    attended = keras.layers.Multiply(name=f"{name}_sca")([gated, attention])
    projected = keras.layers.Conv2D(width, 1, name=f"{name}_project")(attended)
    features = keras.layers.Add(name=f"{name}_add1")([features, ChannelScale(name=f"{name}_beta")(projected)])
    normed = keras.layers.LayerNormalization(epsilon=1e-6, name=f"{name}_norm2")(features)
    forward = keras.layers.Conv2D(2 * width, 1, name=f"{name}_ffn_expand")(normed)
    forward = SimpleGate(name=f"{name}_gate2")(forward)
    forward = keras.layers.Conv2D(width, 1, name=f"{name}_ffn_project")(forward)
    return keras.layers.Add(name=f"{name}_add2")([features, ChannelScale(name=f"{name}_gamma")(forward)])


def build_nafnet(
    width: int = 16,
    *,
    encoder_blocks: Sequence[int] = ENCODER_BLOCKS,
    middle_blocks: int = MIDDLE_BLOCKS,
    name: str = "nafnet",
) -> keras.Model:
    """The NAFNet-style U-Net with ``width`` channels at full resolution (doubled at each level below).

    Input: ``(batch, H, W, 3 + MAP_CHANNELS)`` float32: the photo in [0, 1], its noise-level map
    and the map's known-flag (:func:`casestudy.inference.network.with_noise_map` appends them;
    zeros: blind). Output: ``(batch, H, W, 3)``, the photo plus the predicted correction, in
    float32 under any mixed precision policy. Any size works: the input is padded to a multiple
    of ``2 ** len(encoder_blocks)`` inside and the output cropped back.
    """
    multiple = 2 ** len(encoder_blocks)
    inputs = keras.Input(shape=(None, None, 3 + MAP_CHANNELS), name="noisy", dtype="float32")
    padded = PadToMultiple(multiple, dtype="float32", name="pad")(inputs)
    features = keras.layers.Conv2D(width, 3, padding="same", name="intro")(padded)
    skips = []
    channels = width
    for level, blocks in enumerate(encoder_blocks):
        for index in range(blocks):
            features = naf_block(features, channels, f"enc{level}_{index}")
        skips.append(features)
        features = keras.layers.Conv2D(2 * channels, 2, strides=2, name=f"down{level}")(features)
        channels *= 2
    for index in range(middle_blocks):
        features = naf_block(features, channels, f"middle_{index}")
    for level in reversed(range(len(encoder_blocks))):
        features = keras.layers.Conv2D(2 * channels, 1, use_bias=False, name=f"up{level}")(features)
        features = PixelShuffle(name=f"shuffle{level}")(features)
        channels //= 2
        features = keras.layers.Add(name=f"skip{level}")([features, skips[level]])
        for index in range(encoder_blocks[level]):
            features = naf_block(features, channels, f"dec{level}_{index}")
    correction = keras.layers.Conv2D(3, 3, padding="same", dtype="float32", name="ending")(features)
    rgb = RgbChannels(dtype="float32", name="rgb")(padded)
    restored = keras.layers.Add(dtype="float32", name="residual")([rgb, correction])
    output = CropToMatch(dtype="float32", name="crop")([restored, inputs])
    return keras.Model(inputs, output, name=name)
