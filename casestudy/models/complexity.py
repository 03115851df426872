"""How big and how costly a network is: parameters and FLOPs per megapixel.

FLOPs are counted analytically from each layer's shapes, for one image of a
reference size: every multiply-accumulate (MAC) of a convolution, transposed
convolution or dense layer counts as 2 FLOPs (the usual convention of papers
that report "GFLOPs" as twice the MACs; some report MACs and call them FLOPs).
Biases, activations, pooling, upsampling, the Haar transforms, additions and
attention's products are not counted: they are a few FLOPs per value, against
hundreds to thousands per pixel for the convolutions. The count is for a
reference image whose sides are a multiple of the network's (no padding), scaled
to one megapixel; convolution costs grow linearly with the pixels, so the
figure holds for any size up to the padding. Taught in notebooks 05-07 (``05_rednet.ipynb``, ``06_mwcnn.ipynb``, ``07_pridnet.ipynb``).
"""

from __future__ import annotations

import math

import keras

#: FLOPs per multiply-accumulate.
FLOPS_PER_MAC = 2
#: Side of the square reference image the FLOPs are counted on (a multiple of every network's multiple).
REFERENCE_SIDE = 256

_COUNTED = (keras.layers.Conv2D, keras.layers.Conv2DTranspose, keras.layers.DepthwiseConv2D, keras.layers.Dense)


def _layer_macs(layer: keras.layers.Layer, input_shape: tuple, output_shape: tuple) -> int:
    """Multiply-accumulates of one conv / transposed conv / dense layer for the given shapes."""
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        kernel = math.prod(layer.kernel_size)
        return math.prod(output_shape[:-1]) * kernel * output_shape[-1]
    if isinstance(layer, keras.layers.Conv2DTranspose):
        # every input value is spread over a kernel window of every output channel
        kernel = math.prod(layer.kernel_size)
        return math.prod(input_shape[:-1]) * kernel * input_shape[-1] * output_shape[-1]
    if isinstance(layer, keras.layers.Conv2D):
        kernel = math.prod(layer.kernel_size)
        return math.prod(output_shape[:-1]) * kernel * (input_shape[-1] // layer.groups) * output_shape[-1]
    # Dense: one input vector times the kernel at every position of the leading axes
    return math.prod(output_shape[:-1]) * input_shape[-1] * output_shape[-1]


def count_macs(model: keras.Model, height: int, width: int) -> int:
    """Multiply-accumulates of one forward pass of ``model`` on one ``height x width`` image.

    Shapes are propagated symbolically (nothing is computed), so this is quick
    even for wide networks. Only conv, transposed conv, depthwise conv and dense
    layers are counted (see the module docstring).
    """
    counted = [layer for layer in model.layers if isinstance(layer, _COUNTED)]
    if not counted:
        return 0
    probe = keras.Model(model.inputs, [(layer.input, layer.output) for layer in counted])
    channels = model.inputs[0].shape[-1]
    specs = probe.compute_output_spec(keras.KerasTensor((1, height, width, channels)))
    return sum(
        _layer_macs(layer, tuple(spec_in.shape), tuple(spec_out.shape))
        for layer, (spec_in, spec_out) in zip(counted, specs)
    )


def flops_per_megapixel(model: keras.Model, side: int = REFERENCE_SIDE) -> float:
    """FLOPs (2 per MAC) to process one megapixel, counted on a ``side x side`` image and scaled."""
    return FLOPS_PER_MAC * count_macs(model, side, side) * 1e6 / (side * side)


def complexity_table(profiles: tuple[str, ...] = ("smoke", "laptop", "gpu")) -> list[dict[str, object]]:
    """One row per registered network and profile: width, parameters, GFLOPs per megapixel."""
    from casestudy.models import MODELS, build_model

    rows = []
    for name, spec in MODELS.items():
        for profile in profiles:
            model = build_model(name, profile=profile)
            rows.append(
                {
                    "model": name,
                    "profile": profile,
                    "width": spec.width(profile),
                    "parameters": model.count_params(),
                    "gflops_per_mp": flops_per_megapixel(model) / 1e9,
                }
            )
    return rows
