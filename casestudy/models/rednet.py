"""REDNet (Mao, Shen and Yang 2016): a residual encoder-decoder network with symmetric skips.

REDNet-10, as in the case study we reproduce: five 3x3 convolutions, then five
3x3 transposed convolutions mirroring them, a skip addition every two layers
(encoder layer 4 into decoder layer 1, encoder layer 2 into decoder layer 3) and
a residual output: the input plus the correction the last layer predicts. All
layers keep the full resolution, so any image size works without padding.
Introduced in ``05_rednet.ipynb``.
"""

from __future__ import annotations

import keras

from casestudy.models.layers import CropToMatch, PadToMultiple

#: REDNet never changes resolution: any height and width works as is.
MULTIPLE = 1


def build_rednet(width: int = 64, *, name: str = "rednet") -> keras.Model:
    """REDNet-10 with ``width`` channels in every hidden layer (the paper: 64).

    Input and output: ``(batch, H, W, 3)`` float32 images in [0, 1] of any size;
    the last layer and the residual addition run in float32 under any mixed
    precision policy.
    """
    image = keras.Input(shape=(None, None, 3), name="noisy", dtype="float32")
    padded = PadToMultiple(MULTIPLE, dtype="float32", name="pad")(image)
    conv = dict(kernel_size=3, padding="same", activation="relu")
    encoder = []
    features = padded
    for index in range(1, 6):
        features = keras.layers.Conv2D(width, name=f"conv{index}", **conv)(features)
        encoder.append(features)
    skips = {1: encoder[3], 3: encoder[1]}  # decoder layer -> encoder output added to it
    for index in range(1, 5):
        features = keras.layers.Conv2DTranspose(width, name=f"deconv{index}", **conv)(features)
        if index in skips:
            features = keras.layers.Add(name=f"skip{index}")([features, skips[index]])
            features = keras.layers.ReLU(name=f"skip{index}_relu")(features)
    correction = keras.layers.Conv2DTranspose(
        3, kernel_size=3, padding="same", dtype="float32", name="deconv5"
    )(features)
    restored = keras.layers.Add(dtype="float32", name="residual")([padded, correction])
    output = CropToMatch(dtype="float32", name="crop")([restored, image])
    return keras.Model(image, output, name=name)
