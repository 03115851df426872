"""MWCNN (Liu et al. 2018): a U-Net whose downsampling is the Haar wavelet transform.

Where a U-Net max-pools, MWCNN applies a Haar DWT, which halves height and width
and multiplies the channels by four without losing anything; where a U-Net
upsamples, it applies the exact inverse (IWT). Skips add the encoder's features
to the decoder's, as in the paper. Four resolution levels (three DWTs) with
``width, 2 width, 4 width, 4 width`` channels and two 3x3 convolutions per level
and side; the paper uses three or four convolutions per level with batch
normalisation and 160/256/256 channels. Residual output: the input plus the
predicted correction. Taught in notebooks 05-07 (``05_rednet.ipynb``, ``06_mwcnn.ipynb``, ``07_pridnet.ipynb``).
"""

from __future__ import annotations

import keras

from casestudy.models.layers import CropToMatch, HaarDWT, HaarIWT, PadToMultiple

#: Three DWTs halve the sides three times: the input is padded to a multiple of 8.
LEVELS = 3
MULTIPLE = 2**LEVELS


def _block(features: keras.KerasTensor, channels: int, name: str) -> keras.KerasTensor:
    """Two 3x3 convolutions with ReLU."""
    for index in (1, 2):
        features = keras.layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"{name}_conv{index}")(
            features
        )
    return features


def build_mwcnn(width: int = 64, *, name: str = "mwcnn") -> keras.Model:
    """MWCNN with ``width`` channels at full resolution (``2 width``, ``4 width``, ``4 width`` below).

    Input and output: ``(batch, H, W, 3)`` float32 images in [0, 1] of any size
    (reflect-padded to a multiple of 8 inside, cropped back); the last layer and
    the residual addition run in float32 under any mixed precision policy.
    """
    channels = [width, 2 * width, 4 * width, 4 * width]
    image = keras.Input(shape=(None, None, 3), name="noisy", dtype="float32")
    padded = PadToMultiple(MULTIPLE, dtype="float32", name="pad")(image)
    features = _block(padded, channels[0], "enc0")
    skips = [features]
    for level in range(1, LEVELS + 1):
        features = HaarDWT(name=f"dwt{level}")(features)
        features = _block(features, channels[level], f"enc{level}")
        skips.append(features)
    for level in range(LEVELS, 0, -1):
        # predict the four sub-bands of the level above, then invert the transform
        if level < LEVELS:
            features = _block(features, channels[level], f"dec{level}")
        features = keras.layers.Conv2D(4 * channels[level - 1], 3, padding="same", name=f"dec{level}_bands")(features)
        features = HaarIWT(name=f"iwt{level}")(features)
        features = keras.layers.Add(name=f"skip{level - 1}")([features, skips[level - 1]])
    features = keras.layers.Conv2D(channels[0], 3, padding="same", activation="relu", name="dec0_conv1")(features)
    correction = keras.layers.Conv2D(3, 3, padding="same", dtype="float32", name="dec0_out")(features)
    restored = keras.layers.Add(dtype="float32", name="residual")([padded, correction])
    output = CropToMatch(dtype="float32", name="crop")([restored, image])
    return keras.Model(image, output, name=name)
