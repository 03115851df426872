"""PRIDNet (Zhao, Lam and Lun 2019): pyramid real image denoising network.

Three stages, as in the paper:

1. *Feature extraction*: 3x3 convolutions, then channel attention (global
   average pooling, two dense layers, a sigmoid weight per channel).
2. *Multi-scale pyramid*: the features are average-pooled by 1, 2, 4, 8 and 16;
   each scale goes through its own small U-Net, is upsampled back (bilinear) and
   all five are concatenated with the features.
3. *Kernel selecting module*: 3x3, 5x5 and 7x7 convolution branches whose sum,
   globally pooled, gives per-channel logits for each branch; a softmax across
   the branches weights them (Selective Kernel Networks, Li et al. 2019).

A last 3x3 convolution predicts a correction added to the input (residual
output). The branch U-Nets have two poolings with ``width, 2 width, 4 width``
channels (the TF1 original: four poolings, 32..512 channels, which needed inputs
divisible by 256 and, in the case study's Keras port, 290 M parameters);
activations are leaky ReLU as in the original. Taught in notebooks 05-07 (``05_rednet.ipynb``, ``06_mwcnn.ipynb``, ``07_pridnet.ipynb``).
"""

from __future__ import annotations

import keras

from casestudy.models.layers import BilinearUpsampling, CropToMatch, PadToMultiple, SoftmaxBranchFusion

#: Average-pooling factors of the pyramid's five branches.
POOL_SIZES = (1, 2, 4, 8, 16)
#: Poolings inside each branch's U-Net.
UNET_DEPTH = 2
#: The coarsest branch pools by 16, then its U-Net halves twice more.
MULTIPLE = POOL_SIZES[-1] * 2**UNET_DEPTH
KERNEL_SIZES = (3, 5, 7)
LEAK = 0.2


def _conv(features: keras.KerasTensor, channels: int, name: str, kernel: int = 3) -> keras.KerasTensor:
    """A convolution followed by leaky ReLU."""
    features = keras.layers.Conv2D(channels, kernel, padding="same", name=name)(features)
    return keras.layers.LeakyReLU(LEAK, name=f"{name}_act")(features)


def _attention_units(width: int) -> int:
    """Hidden units of an attention bottleneck: a quarter of the channels, at least 4."""
    return max(width // 4, 4)


def _channel_attention(features: keras.KerasTensor, width: int, name: str) -> keras.KerasTensor:
    """Scale each channel by a weight in (0, 1) computed from the global average of all channels."""
    pooled = keras.layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_pool")(features)
    hidden = keras.layers.Dense(_attention_units(width), activation="relu", name=f"{name}_squeeze")(pooled)
    weights = keras.layers.Dense(width, activation="sigmoid", name=f"{name}_excite")(hidden)
    return keras.layers.Multiply(name=f"{name}_scale")([features, weights])


def _unet(features: keras.KerasTensor, width: int, name: str) -> keras.KerasTensor:
    """A small U-Net: two max-poolings, ``width * 2**level`` channels, transposed-convolution upsampling."""
    skips = []
    for level in range(UNET_DEPTH):
        features = _conv(features, width * 2**level, f"{name}_enc{level}a")
        features = _conv(features, width * 2**level, f"{name}_enc{level}b")
        skips.append(features)
        features = keras.layers.MaxPooling2D(2, name=f"{name}_down{level}")(features)
    features = _conv(features, width * 2**UNET_DEPTH, f"{name}_mid_a")
    features = _conv(features, width * 2**UNET_DEPTH, f"{name}_mid_b")
    for level in range(UNET_DEPTH - 1, -1, -1):
        channels = width * 2**level
        features = keras.layers.Conv2DTranspose(channels, 2, strides=2, name=f"{name}_up{level}")(features)
        features = keras.layers.Concatenate(name=f"{name}_cat{level}")([features, skips[level]])
        features = _conv(features, channels, f"{name}_dec{level}a")
        features = _conv(features, channels, f"{name}_dec{level}b")
    return features


def _pyramid(features: keras.KerasTensor, width: int) -> keras.KerasTensor:
    """Five scales, one U-Net each, upsampled back and concatenated with the input features."""
    outputs = [features]
    for size in POOL_SIZES:
        name = f"pyramid{size}"
        branch = features
        if size > 1:
            branch = keras.layers.AveragePooling2D(size, name=f"{name}_pool")(branch)
        branch = _unet(branch, width, f"{name}_unet")
        if size > 1:
            branch = BilinearUpsampling(size, name=f"{name}_upsample")(branch)
        outputs.append(branch)
    return keras.layers.Concatenate(name="pyramid_concat")(outputs)


def _kernel_selection(features: keras.KerasTensor, width: int) -> keras.KerasTensor:
    """Branches with 3x3, 5x5 and 7x7 kernels, fused by a per-channel softmax across the branches."""
    branches = [_conv(features, width, f"select_conv{size}", kernel=size) for size in KERNEL_SIZES]
    total = keras.layers.Add(name="select_sum")(branches)
    pooled = keras.layers.GlobalAveragePooling2D(keepdims=True, name="select_pool")(total)
    hidden = keras.layers.Dense(_attention_units(width), activation="relu", name="select_squeeze")(pooled)
    logits = [keras.layers.Dense(width, name=f"select_logits{size}")(hidden) for size in KERNEL_SIZES]
    return SoftmaxBranchFusion(name="select_fuse")(branches + logits)


def build_pridnet(width: int = 32, *, name: str = "pridnet") -> keras.Model:
    """PRIDNet with ``width`` feature channels (its branch U-Nets: ``width, 2 width, 4 width``).

    Input and output: ``(batch, H, W, 3)`` float32 images in [0, 1] of any size
    (reflect-padded to a multiple of 64 inside, cropped back); the last layer and
    the residual addition run in float32 under any mixed precision policy.
    """
    image = keras.Input(shape=(None, None, 3), name="noisy", dtype="float32")
    padded = PadToMultiple(MULTIPLE, dtype="float32", name="pad")(image)
    features = _conv(padded, width, "extract_conv1")
    features = _conv(features, width, "extract_conv2")
    features = _channel_attention(features, width, "extract_attention")
    features = _pyramid(features, width)
    features = keras.layers.Conv2D(width, 1, name="pyramid_fuse")(features)
    features = _kernel_selection(features, width)
    correction = keras.layers.Conv2D(3, 3, padding="same", dtype="float32", name="output")(features)
    restored = keras.layers.Add(dtype="float32", name="residual")([padded, correction])
    output = CropToMatch(dtype="float32", name="crop")([restored, image])
    return keras.Model(image, output, name=name)
