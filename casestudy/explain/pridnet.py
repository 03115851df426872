"""Looking inside PRIDNet: its stages as a diagram, and what each one does to a real image.

Everything here reads a built or trained PRIDNet (:func:`casestudy.models.pridnet.build_pridnet`)
by its layer names, so the numbers are the model's own:

* :func:`architecture` / :func:`pridnet_diagram`: the three stages with the model's real widths,
  pooling factors and kernel sizes, drawn with :func:`casestudy.plots.diagram.block_diagram`;
* :func:`attention_weights`: the sigmoid weight the noise-estimation stage gives each feature
  channel of one image (a Keras sub-model reads the attention's output);
* :func:`pyramid_inputs` and :func:`pooled_images`: what each pyramid branch is fed, as
  features and as the image average-pooled by the same factor;
* :func:`scale_contributions`: how much of the fused pyramid features each scale supplies at
  each pixel (the 1x1 fusion is linear, so the split is exact);
* :func:`kernel_weights` and :func:`kernel_shares`: the kernel selecting module's softmax weights
  (one per channel and kernel size, from the whole image) and, per pixel, the share of the fused
  output each kernel's branch supplies.

Images are float ``(H, W, 3)`` in [0, 1], checked as every denoiser checks its input
(:func:`casestudy.filters.check_noisy`). Introduced in ``07_pridnet.ipynb``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from casestudy.filters import check_noisy
from casestudy.plots.diagram import Block, Link

ATTENTION_LAYER = "extract_attention_excite"
ATTENTION_INPUT = "extract_attention_scale"
FUSE_LAYER = "pyramid_fuse"
CONCAT_LAYER = "pyramid_concat"
SELECT_OUTPUT = "select_fuse"
_BRANCH = re.compile(r"^pyramid(\d+)_unet_enc0a$")
_SELECT_CONV = re.compile(r"^select_conv(\d+)$")


def _layer_names(model: Any) -> list[str]:
    return [layer.name for layer in model.layers]


def pool_sizes(model: Any) -> list[int]:
    """The pooling factors of the model's pyramid branches, ascending (``[1, 2, 4, 8, 16]``)."""
    sizes = sorted(int(match.group(1)) for name in _layer_names(model) if (match := _BRANCH.match(name)))
    if not sizes:
        raise ValueError(f"model {getattr(model, 'name', model)!r} is not a PRIDNet: it has no pyramid branches")
    return sizes


def kernel_sizes(model: Any) -> list[int]:
    """The kernel sizes of the selecting module's branches, ascending (``[3, 5, 7]``)."""
    sizes = sorted(int(match.group(1)) for name in _layer_names(model) if (match := _SELECT_CONV.match(name)))
    if not sizes:
        raise ValueError(f"model {getattr(model, 'name', model)!r} is not a PRIDNet: it has no kernel selecting module")
    return sizes


def check_pridnet(model: Any) -> None:
    """Raise ``ValueError`` (naming the model and the missing layers) unless ``model`` is built like a PRIDNet."""
    names = set(_layer_names(model))
    wanted = {"extract_conv1", "extract_attention_squeeze", ATTENTION_LAYER, ATTENTION_INPUT, CONCAT_LAYER,
              FUSE_LAYER, SELECT_OUTPUT}  # fmt: skip
    missing = sorted(wanted - names)
    if missing:
        raise ValueError(f"model {getattr(model, 'name', model)!r} is not a PRIDNet: no layer(s) {missing}")
    pool_sizes(model)
    kernel_sizes(model)


def _activations(model: Any, image: np.ndarray, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The outputs of the layers ``names`` for one image (batch of one, inference mode), as NumPy arrays."""
    import keras

    check_pridnet(model)
    batch = check_noisy(image)[np.newaxis]
    reader = keras.Model(model.input, [model.get_layer(name).output for name in names])
    outputs = reader(batch, training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: keras.ops.convert_to_numpy(out)[0] for name, out in zip(names, outputs)}


def attention_weights(model: Any, image: np.ndarray) -> np.ndarray:
    """The channel attention's weight of each feature channel for ``image``: shape ``(channels,)``, in [0, 1].

    They are the sigmoid outputs of the noise-estimation stage: one number per channel,
    computed from the whole image's average features, that scales that channel everywhere.

    Raises:
        ValueError: ``model`` is not a PRIDNet; :class:`casestudy.filters.FilterInputError`
            (a ``ValueError``): ``image`` is not float ``(H, W, 3)`` in [0, 1].
    """
    return _activations(model, image, [ATTENTION_LAYER])[ATTENTION_LAYER].reshape(-1).astype(np.float32)


def _crop(features: np.ndarray, height: int, width: int, factor: int) -> np.ndarray:
    """Features of the model's padded image cut back to the part that covers the real image."""
    return features[: -(-height // factor), : -(-width // factor)]


def pyramid_inputs(model: Any, image: np.ndarray) -> dict[int, np.ndarray]:
    """What each pyramid branch is fed: ``{pooling factor: features (ceil(H/f), ceil(W/f), channels)}``.

    Factor 1 is the attention-scaled features themselves; factor ``f`` their average pool by ``f``.
    """
    sizes = pool_sizes(model)
    names = {size: ATTENTION_INPUT if size == 1 else f"pyramid{size}_pool" for size in sizes}
    found = _activations(model, image, list(names.values()))
    height, width = image.shape[:2]
    return {size: _crop(found[name], height, width, size) for size, name in names.items()}


def pooled_images(image: np.ndarray, sizes: Sequence[int] = (1, 2, 4, 8, 16)) -> dict[int, np.ndarray]:
    """``image`` average-pooled by each factor (a partial last block is averaged over what it holds).

    A branch that pools by ``f`` sees the picture at this resolution: the noise of
    independent pixels shrinks by ``f``, correlated noise by less.
    """
    image = check_noisy(image)
    out = {}
    for size in sizes:
        if int(size) < 1:
            raise ValueError(f"pooling factors must be positive integers, got {size}")
        height, width = -(-image.shape[0] // size), -(-image.shape[1] // size)
        sums = np.zeros((height, width, 3), np.float64)
        counts = np.zeros((height, width, 1), np.float64)
        rows, cols = np.arange(image.shape[0]) // size, np.arange(image.shape[1]) // size
        np.add.at(sums, (rows[:, None], cols[None, :]), image)
        np.add.at(counts, (rows[:, None], cols[None, :]), 1.0)
        out[int(size)] = (sums / counts).astype(np.float32)
    return out


def scale_contributions(model: Any, image: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Per pixel, the share of the fused pyramid features that each source supplies.

    The 1x1 convolution ``pyramid_fuse`` is linear in its concatenated input (the features
    themselves, then one block per branch), so its output splits exactly into one term per
    source; each term's length over the channels, divided by the sum of the lengths, is that
    source's share at that pixel. Returns ``(labels, shares)`` with ``shares`` of shape
    ``(H, W, sources)``, each pixel summing to 1; labels ``"features"``, ``"scale 1"``, ``"scale 2"``...
    """
    found = _activations(model, image, [CONCAT_LAYER])
    concat = _crop(found[CONCAT_LAYER], *image.shape[:2], 1)
    kernel = np.asarray(model.get_layer(FUSE_LAYER).get_weights()[0])[0, 0]  # (in channels, out channels)
    sources = 1 + len(pool_sizes(model))
    blocks = np.split(np.arange(concat.shape[-1]), sources)
    lengths = np.stack([np.linalg.norm(concat[..., block] @ kernel[block], axis=-1) for block in blocks], axis=-1)
    labels = ["features", *(f"scale {size}" for size in pool_sizes(model))]
    return labels, _normalise(lengths)


def _normalise(values: np.ndarray) -> np.ndarray:
    """Shares along the last axis (summing to 1); equal shares where every value is 0."""
    total = values.sum(axis=-1, keepdims=True)
    equal = np.full_like(values, 1.0 / values.shape[-1])
    return np.where(total > 0, values / np.where(total > 0, total, 1.0), equal).astype(np.float32)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def kernel_weights(model: Any, image: np.ndarray) -> np.ndarray:
    """The selecting module's softmax weights for ``image``: shape ``(channels, kernels)``, each row summing to 1.

    Column ``k`` weights the branch with the ``k``-th kernel size of :func:`kernel_sizes`.
    As in Selective Kernel Networks, the weights come from the whole image's pooled
    features: one per channel and kernel, the same at every pixel.
    """
    sizes = kernel_sizes(model)
    found = _activations(model, image, [f"select_logits{size}" for size in sizes])
    logits = np.stack([found[f"select_logits{size}"].reshape(-1) for size in sizes], axis=-1)
    return _softmax(logits.astype(np.float64)).astype(np.float32)


def kernel_branches(model: Any, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(branches, weights, fused)``: each kernel's branch ``(K, H, W, C)``, the weights ``(C, K)``, the module's output."""
    sizes = kernel_sizes(model)
    names = [f"select_conv{size}_act" for size in sizes] + [f"select_logits{size}" for size in sizes] + [SELECT_OUTPUT]
    found = _activations(model, image, names)
    height, width = image.shape[:2]
    branches = np.stack([_crop(found[f"select_conv{size}_act"], height, width, 1) for size in sizes])
    logits = np.stack([found[f"select_logits{size}"].reshape(-1) for size in sizes], axis=-1)
    weights = _softmax(logits.astype(np.float64)).astype(np.float32)
    return branches, weights, _crop(found[SELECT_OUTPUT], height, width, 1)


def kernel_shares(model: Any, image: np.ndarray) -> np.ndarray:
    """Per pixel, the share of the selecting module's output each kernel's branch supplies: ``(H, W, kernels)``.

    The output at a pixel is ``sum_k w[c, k] * branch_k[c]`` over kernels ``k`` for each channel
    ``c``; kernel ``k``'s share is ``sum_c |w[c, k] branch_k[c]|`` divided by the same summed
    over the kernels, so the shares sum to 1 at every pixel. They vary with position because
    the branches respond differently to edges, texture and flat areas, although the weights do not.
    """
    branches, weights, _ = kernel_branches(model, image)
    weighted = np.abs(branches * weights.T[:, np.newaxis, np.newaxis, :])  # (K, H, W, C)
    return _normalise(np.moveaxis(weighted.sum(axis=-1), 0, -1))


def iso_extreme_crops(catalogue: Any, size: int, split: str = "test") -> dict[str, dict[str, Any]]:
    """The lowest- and highest-ISO images of ``split`` (ties: the first instance), cut to their most detailed window.

    Returns ``{"lowest ISO": {"row", "noisy", "clean"}, "highest ISO": {...}}``, the crops
    ``size`` pixels a side at most (:func:`casestudy.regions.detail_window`), as notebook 04
    chose its crops.

    Raises:
        ValueError: ``split`` has no images.
    """
    from casestudy.data.pairs import read_pair
    from casestudy.regions import detail_window

    rows = catalogue[catalogue["split"] == split].sort_values(["iso", "instance"], na_position="last")
    if rows.empty:
        raise ValueError(f"the {split!r} split has no images")
    crops = {}
    for name, row in {"lowest ISO": rows.iloc[0], "highest ISO": rows.iloc[-1]}.items():
        noisy, clean = read_pair(row)
        region = detail_window(clean, size)
        crops[name] = {"row": row, "noisy": noisy[region], "clean": clean[region]}
    return crops


# --------------------------------------------------------------------------- the diagram


def architecture(model: Any) -> dict[str, Any]:
    """The numbers that define ``model``'s architecture, read from its layers.

    Keys: ``width`` (feature channels), ``attention_units``, ``pool_sizes``, ``unet_channels``
    (per level of a branch's U-Net, then its bottom), ``concat_channels``, ``kernel_sizes``,
    ``parameters``.
    """
    check_pridnet(model)
    first = pool_sizes(model)[0]
    levels = sorted(int(m.group(1)) for name in _layer_names(model)
                    if (m := re.match(rf"^pyramid{first}_unet_enc(\d+)a$", name)))  # fmt: skip
    unet = [int(model.get_layer(f"pyramid{first}_unet_enc{level}a").filters) for level in levels]
    unet.append(int(model.get_layer(f"pyramid{first}_unet_mid_a").filters))
    return {
        "width": int(model.get_layer("extract_conv1").filters),
        "attention_units": int(model.get_layer("extract_attention_squeeze").units),
        "pool_sizes": pool_sizes(model),
        "unet_channels": unet,
        "concat_channels": int(model.get_layer(CONCAT_LAYER).output.shape[-1]),
        "kernel_sizes": kernel_sizes(model),
        "parameters": int(model.count_params()),
    }


_STAGE_COLOURS = {"extract": "#dce9f5", "pyramid": "#e3f1df", "select": "#fbe8d3", "io": "#eeeeee"}


def diagram_parts(model: Any) -> tuple[list[Block], list[Link]]:
    """Blocks and links of ``model``'s diagram: input, the three stages with their real sizes, output."""
    arch = architecture(model)
    width, sizes = arch["width"], arch["pool_sizes"]
    unet = "/".join(str(c) for c in arch["unet_channels"])
    middle = (len(sizes) - 1) / 2
    box = {"width": 1.15, "height": 0.72}
    blocks = [
        Block("input", "noisy\nimage\n3 ch", 0.0, 0.0, width=0.8, height=0.72, colour=_STAGE_COLOURS["io"]),
        Block("extract", f"2 conv 3x3\n{width} ch\nleaky ReLU", 1.5, 0.0, **box, colour=_STAGE_COLOURS["extract"]),
        Block("attention", f"channel\nattention\npool-{arch['attention_units']}-{width}\nsigmoid", 3.0, 0.0,
              **box, colour=_STAGE_COLOURS["extract"]),
    ]  # fmt: skip
    links = [Link("input", "extract"), Link("extract", "attention")]
    for row, size in enumerate(sizes):
        y = (middle - row) * 0.95
        pool = "as is" if size == 1 else f"avg pool\n/{size}"
        up = "as is" if size == 1 else f"bilinear\nx{size}"
        blocks += [
            Block(f"pool{size}", pool, 4.6, y, width=0.95, height=0.7, colour=_STAGE_COLOURS["pyramid"]),
            Block(f"unet{size}", f"U-Net\n{unet} ch", 6.0, y, width=1.15, height=0.7, colour=_STAGE_COLOURS["pyramid"]),
            Block(f"up{size}", up, 7.4, y, width=0.95, height=0.7, colour=_STAGE_COLOURS["pyramid"]),
        ]
        links += [Link("attention", f"pool{size}"), Link(f"pool{size}", f"unet{size}"),
                  Link(f"unet{size}", f"up{size}"), Link(f"up{size}", "fuse")]  # fmt: skip
    top = (middle + 1) * 0.95
    blocks.append(Block("skip", "the features themselves (no pooling, no U-Net)", 6.0, top, width=3.75, height=0.5,
                        colour=_STAGE_COLOURS["extract"]))
    links += [Link("attention", "skip"), Link("skip", "fuse")]
    kernels = "/".join(f"{k}x{k}" for k in arch["kernel_sizes"])
    blocks += [
        Block("fuse", f"concat\n{arch['concat_channels']} ch\n1x1 conv\n-> {width}", 8.9, 0.0, width=1.1, height=0.95,
              colour=_STAGE_COLOURS["pyramid"]),
        Block("select", f"kernel\nselection\n{kernels}\nsoftmax", 10.4, 0.0, **box, colour=_STAGE_COLOURS["select"]),
        Block("output", "conv 3x3\n-> 3 ch\n+ input", 11.9, 0.0, **box, colour=_STAGE_COLOURS["io"]),
    ]  # fmt: skip
    links += [Link("fuse", "select"), Link("select", "output"),
              Link("input", "output", skip=True, label="residual: the network predicts a correction", bend=-0.58)]
    return blocks, links


def pridnet_diagram(model: Any, title: str | None = None) -> Figure:
    """``model``'s architecture as a block diagram (:func:`casestudy.plots.diagram.block_diagram`)."""
    from casestudy.plots.diagram import block_diagram

    blocks, links = diagram_parts(model)
    arch = architecture(model)
    title = title or f"PRIDNet, width {arch['width']}: {arch['parameters']:,} parameters"
    return block_diagram(blocks, links, title, size=(14.0, 7.0))


# --------------------------------------------------------------------------- figures


def attention_figure(weights: dict[str, np.ndarray], title: str) -> Figure:
    """The attention weight of every channel, one bar series per image (``{label: weights}``), channels sorted by the first."""
    from casestudy.plots import label_axes, new_figure

    if not weights:
        raise ValueError("attention_figure needs at least one image's weights")
    first = next(iter(weights.values()))
    order = np.argsort(first)
    figure, axes = new_figure(9.0, 3.8)
    step = 0.8 / len(weights)
    for index, (label, values) in enumerate(weights.items()):
        axes.bar(np.arange(len(order)) + (index - (len(weights) - 1) / 2) * step, np.asarray(values)[order], step,
                 label=label)
    axes.set_xticks(np.arange(len(order)), [str(int(c)) for c in order], fontsize=6)
    axes.set_ylim(0, 1)
    label_axes(axes, title, f"feature channel (sorted by the weight for {next(iter(weights))})", "attention weight")
    axes.legend(fontsize="small")
    axes.grid(alpha=0.3, axis="y")
    return figure


def kernel_share_figure(image: np.ndarray, shares: np.ndarray, sizes: Sequence[int], title: str) -> Figure:
    """The image, then a map of the kernel with the largest share at each pixel, then each kernel's share."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    panels = 2 + len(sizes)
    aspect = image.shape[0] / image.shape[1]
    figure, axes = plt.subplots(1, panels, figsize=(2.9 * panels, 2.9 * aspect + 0.9), layout="constrained")
    axes[0].imshow(np.clip(image, 0, 1))
    axes[0].set_title("noisy input", fontsize=9)
    colours = ListedColormap(["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3"][: len(sizes)])
    winner = axes[1].imshow(np.argmax(shares, axis=-1), cmap=colours, vmin=-0.5, vmax=len(sizes) - 0.5,
                            interpolation="nearest")
    axes[1].set_title("largest share", fontsize=9)
    bar = figure.colorbar(winner, ax=axes[1], ticks=range(len(sizes)), shrink=0.8)
    bar.ax.set_yticklabels([f"{k}x{k}" for k in sizes])
    for index, size in enumerate(sizes):
        shown = axes[2 + index].imshow(shares[..., index], cmap="magma", vmin=0, vmax=1, interpolation="nearest")
        axes[2 + index].set_title(f"share of {size}x{size}", fontsize=9)
    figure.colorbar(shown, ax=axes[2:].tolist(), shrink=0.8, label="share of the output")
    for panel in axes:
        panel.set_axis_off()
    figure.suptitle(title)
    return figure
