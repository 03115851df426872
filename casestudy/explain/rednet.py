"""REDNet from the inside: its architecture as a diagram, its layers' outputs on a real image, its shortcuts cut.

Used by ``05_rednet.ipynb``. Everything here reads a built or loaded REDNet
(:func:`casestudy.models.rednet.build_rednet`, or ``weights/rednet.keras``)
rather than restating it, so the tables and the diagram follow the code:

* :func:`conv_layers`, :func:`shortcuts`, :func:`layer_table` and
  :func:`receptive_field` list the convolutions, the additions that carry a
  tensor around them, the parameters and how far each output pixel sees;
* :func:`architecture` turns those into the blocks and links of
  :func:`casestudy.plots.diagram.block_diagram` (:func:`architecture_figure`
  draws them);
* :func:`layer_outputs` runs a real image through the network and returns what
  chosen layers produce, and :func:`feature_map_figure` shows one channel of each;
* :func:`without_shortcuts` rewires the same layers (the same weights) with some
  additions cut, so the notebook can show what the skip connections carry;
* :func:`unseen_check_rows` scores a network on the unseen-noise check
  (:mod:`casestudy.evaluation.unseen.build`) beside the noisy input and Non-Local Means given
  the true noise level, the comparison the weights' card is judged by.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from casestudy.plots.diagram import Block, Link, block_diagram

if TYPE_CHECKING:  # pragma: no cover
    import keras
    import pandas as pd
    from matplotlib.figure import Figure

#: Box colours of the diagram: the image, the encoder's convolutions, the decoder's transposed convolutions.
COLOURS = {"image": "#e8e8e8", "encoder": "#dce9f5", "decoder": "#fde4cf"}
#: Name of the diagram's input block; a shortcut taken straight from the (padded) input starts there.
INPUT_BLOCK = "input"
OUTPUT_BLOCK = "output"


def _kind(layer: Any) -> str:
    return type(layer).__name__


def _input_tensors(layer: Any) -> list[Any]:
    """The symbolic tensors ``layer`` was first called on (its first node), as a list."""
    tensors = layer.input
    return list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]


def _producers(model: keras.Model) -> dict[int, str]:
    """``{id(symbolic tensor): name of the layer that produced it}`` for the model's own graph."""
    return {id(layer.output): layer.name for layer in model.layers}


def conv_layers(model: keras.Model) -> list[Any]:
    """The convolutions of ``model`` (``Conv2D`` and ``Conv2DTranspose``) in the order data flows through them.

    Raises:
        ValueError: ``model`` has no convolution followed by a transposed one (not a REDNet).
    """
    layers = [layer for layer in model.layers if _kind(layer) in ("Conv2D", "Conv2DTranspose")]
    kinds = [_kind(layer) for layer in layers]
    ordered = ("Conv2D" in kinds and "Conv2DTranspose" in kinds
               and kinds.index("Conv2D") < kinds.index("Conv2DTranspose"))
    if not ordered:
        raise ValueError(f"model {model.name!r} is not a REDNet: it needs convolutions followed by transposed "
                         f"convolutions, found {kinds or 'no convolution'}")
    return layers


def shortcuts(model: keras.Model) -> dict[str, str]:
    """Every addition of ``model`` and the layer whose output it carries around the layers in between.

    In REDNet each addition joins a transposed convolution's output (the main
    path) with an earlier tensor: an encoder output (a symmetric skip) or the
    input itself (the residual). Read from the model's graph, e.g.
    ``{"skip1": "conv4", "skip3": "conv2", "residual": "pad"}`` for ours.

    Raises:
        ValueError: not a REDNet, or an addition without a transposed convolution among its inputs.
    """
    conv_layers(model)
    producers = _producers(model)
    found = {}
    for layer in model.layers:
        if _kind(layer) != "Add":
            continue
        sources = [producers.get(id(tensor), "?") for tensor in _input_tensors(layer)]
        known = "?" not in sources
        main = [name for name in sources if known and _kind(model.get_layer(name)) == "Conv2DTranspose"]
        if len(main) != 1 or len(sources) != 2:
            raise ValueError(f"model {model.name!r}: addition {layer.name!r} of {sources} does not join one "
                             "transposed convolution with a shortcut")
        found[layer.name] = next(name for name in sources if name != main[0])
    return found


def symmetric_skips(model: keras.Model) -> dict[str, str]:
    """The shortcuts of :func:`shortcuts` that come from an encoder convolution (the residual left out)."""
    return {add: source for add, source in shortcuts(model).items() if _kind(model.get_layer(source)) == "Conv2D"}


def _main_path_target(model: keras.Model, add_name: str) -> str:
    """The transposed convolution whose output the addition ``add_name`` receives."""
    producers = _producers(model)
    return next(producers[id(t)] for t in _input_tensors(model.get_layer(add_name))
                if _kind(model.get_layer(producers[id(t)])) == "Conv2DTranspose")


def receptive_field(model: keras.Model) -> int:
    """The side, in pixels, of the input square one output pixel depends on.

    With stride 1 and no dilation every ``k x k`` layer widens it by ``k - 1``,
    and the shortcuts only add paths through fewer layers, so it is
    ``1 + sum(k - 1)`` over the convolutions (21 for ten 3x3 layers).

    Raises:
        ValueError: a layer with a stride or dilation other than 1, or a non-square kernel.
    """
    side = 1
    for layer in conv_layers(model):
        config = layer.get_config()
        if tuple(config["strides"]) != (1, 1) or tuple(config["dilation_rate"]) != (1, 1):
            raise ValueError(f"layer {layer.name!r}: receptive_field handles stride 1 and dilation 1 only")
        rows, cols = config["kernel_size"]
        if rows != cols:
            raise ValueError(f"layer {layer.name!r}: non-square kernel {rows}x{cols}")
        side += rows - 1
    return side


def layer_table(model: keras.Model) -> pd.DataFrame:
    """One row per convolution: kind, kernel, channels in and out, activation, parameters, receptive field so far,
    and the shortcut added to its output (if any). The parameters column sums to ``model.count_params()``.
    """
    import pandas as pd

    added = {_main_path_target(model, add): source for add, source in shortcuts(model).items()}
    rows, side = [], 1
    for layer in conv_layers(model):
        config = layer.get_config()
        kernel = layer.kernel.shape  # (k, k, in, out) for Conv2D, (k, k, out, in) for Conv2DTranspose
        inputs = kernel[2] if _kind(layer) == "Conv2D" else kernel[3]
        side += config["kernel_size"][0] - 1
        rows.append({
            "layer": layer.name,
            "kind": "convolution" if _kind(layer) == "Conv2D" else "transposed convolution",
            "kernel": "x".join(str(k) for k in config["kernel_size"]),
            "channels_in": int(inputs), "channels_out": int(config["filters"]),
            "activation": config["activation"], "parameters": int(layer.count_params()),
            "receptive_field": side, "adds": added.get(layer.name, ""),
        })  # fmt: skip
    return pd.DataFrame(rows).set_index("layer")


def _label(layer: Any, added: str) -> str:
    config = layer.get_config()
    kernel = "x".join(str(k) for k in config["kernel_size"])
    activation = config["activation"]
    shown = {"relu": "ReLU", "linear": "no activation"}.get(activation, activation)
    return "\n".join([layer.name, f"{kernel}, {config['filters']} ch", shown + (f", + {added}" if added else "")])


def architecture(model: keras.Model) -> tuple[list[Block], list[Link]]:
    """The blocks and links of ``model``'s diagram: input, every convolution, output; the shortcuts as skip links.

    One block per convolution (:func:`conv_layers`) in data-flow order, left to
    right, labelled with its name, kernel and output channels; the main path as
    straight arrows; each addition of :func:`shortcuts` as an arched link from
    the block whose output it carries to the block it is added after (the
    residual one from the input to the output). The padding and cropping layers
    are folded into the input and output blocks.
    """
    convs = conv_layers(model)
    links_by_add = shortcuts(model)
    added_after = {_main_path_target(model, add): source for add, source in links_by_add.items()}
    names = {layer.name for layer in convs}

    def block_of(layer_name: str) -> str:
        return layer_name if layer_name in names else INPUT_BLOCK

    blocks = [Block(INPUT_BLOCK, "noisy\nimage", 0, 0, colour=COLOURS["image"], height=0.62)]
    for index, layer in enumerate(convs, start=1):
        shown = added_after.get(layer.name, "")
        shown = "" if block_of(shown) == INPUT_BLOCK else shown  # the residual is drawn into the output block
        part = "encoder" if _kind(layer) == "Conv2D" else "decoder"
        blocks.append(Block(layer.name, _label(layer, shown), index, 0, colour=COLOURS[part], height=0.62,
                            width=0.82))
    last = convs[-1].name
    residual = last in added_after and block_of(added_after[last]) == INPUT_BLOCK
    label = "restored =\ninput +\ncorrection" if residual else "restored\nimage"
    blocks.append(Block(OUTPUT_BLOCK, label, len(convs) + 1, 0, colour=COLOURS["image"], height=0.62, width=0.82))
    chain = [INPUT_BLOCK, *(layer.name for layer in convs), OUTPUT_BLOCK]
    links = [Link(source, target) for source, target in zip(chain, chain[1:])]
    for add, source in links_by_add.items():
        target = _main_path_target(model, add)
        start = block_of(source)
        end = OUTPUT_BLOCK if (target == last and start == INPUT_BLOCK) else target
        label = "residual: + input" if start == INPUT_BLOCK else f"skip: + {source}"
        links.append(Link(start, end, skip=True, label=label))
    return blocks, links


def architecture_figure(model: keras.Model, title: str | None = None) -> Figure:
    """:func:`architecture` drawn by :func:`~casestudy.plots.diagram.block_diagram`, titled with the width and size."""
    blocks, links = architecture(model)
    width = conv_layers(model)[0].get_config()["filters"]
    title = title or (f"{model.name}: {len(conv_layers(model))} convolutions of width {width}, "
                      f"{model.count_params():,} parameters")
    return block_diagram(blocks, links, title)


# --------------------------------------------------------------------------- activations


def layer_outputs(model: keras.Model, image: np.ndarray, names: Sequence[str]) -> dict[str, np.ndarray]:
    """What the layers ``names`` of ``model`` output for one ``(H, W, 3)`` image in [0, 1]: ``{name: (H, W, C)}``.

    Raises:
        ValueError: an unknown layer name (the message lists the model's layers).
        casestudy.filters.FilterInputError: an image that is not float (H, W, 3) in [0, 1].
    """
    import keras

    from casestudy.filters import check_noisy

    known = [layer.name for layer in model.layers]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise ValueError(f"model {model.name!r} has no layer(s) {unknown or 'named'}; its layers: {', '.join(known)}")
    batch = check_noisy(image)[np.newaxis]
    probe = keras.Model(model.inputs[0], [model.get_layer(name).output for name in names])
    outputs = probe(batch, training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: keras.ops.convert_to_numpy(output)[0] for name, output in zip(names, outputs)}


def activation_table(outputs: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Per layer output: channels, mean activation, the share of exact zeros (ReLU switched off) and of channels
    that are zero everywhere on this image."""
    import pandas as pd

    rows = []
    for name, output in outputs.items():
        flat = output.reshape(-1, output.shape[-1])
        rows.append({"layer": name, "channels": output.shape[-1], "mean": float(flat.mean()),
                     "zero_share": float((flat == 0).mean()),
                     "silent_channels": int((np.abs(flat).max(axis=0) == 0).sum())})
    return pd.DataFrame(rows).set_index("layer")


def busiest_channel(output: np.ndarray) -> int:
    """The channel of an ``(H, W, C)`` output whose values vary most over the image (largest standard deviation)."""
    if output.ndim != 3:
        raise ValueError(f"expected an (H, W, C) layer output, got shape {output.shape}")
    return int(np.argmax(output.reshape(-1, output.shape[-1]).std(axis=0)))


def feature_map_figure(outputs: Mapping[str, np.ndarray], title: str) -> Figure:
    """One panel per layer output: its :func:`busiest_channel`, stretched to its own range (bright = large)."""
    from casestudy.plots import image_grid

    if not outputs:
        raise ValueError("feature_map_figure needs at least one layer output")
    maps, titles = [], []
    for name, output in outputs.items():
        channel = busiest_channel(output)
        plane = output[..., channel]
        span = float(plane.max() - plane.min()) or 1.0
        maps.append((plane - plane.min()) / span)
        titles.append(f"{name}: channel {channel} of {output.shape[-1]}")
    return image_grid(maps, titles, suptitle=title, ncols=min(4, len(maps)), cmap="magma", vmin=0.0, vmax=1.0,
                      colorbar_label="activation, stretched to each panel's range")


# --------------------------------------------------------------------------- cutting shortcuts


def without_shortcuts(model: keras.Model, names: Iterable[str] | None = None) -> keras.Model:
    """The same network (the same layer objects, hence the same weights) with the additions ``names`` cut.

    A cut addition passes on its transposed convolution's output alone, as if
    the shortcut carried zeros. ``names`` defaults to every symmetric skip
    (:func:`symmetric_skips`); the residual addition (``"residual"``) may be cut
    too, and the network then outputs its correction instead of the restored image.

    Raises:
        ValueError: a name that is not one of the model's additions (the message lists them).
    """
    import keras

    available = shortcuts(model)
    cut = list(symmetric_skips(model)) if names is None else list(dict.fromkeys(names))
    unknown = [name for name in cut if name not in available]
    if unknown:
        raise ValueError(f"model {model.name!r} has no shortcut addition(s) {unknown}; "
                         f"its additions: {', '.join(available)}")
    producers = _producers(model)
    image = keras.Input(shape=model.inputs[0].shape[1:], name=model.inputs[0].name, dtype=model.inputs[0].dtype)
    tensors: dict[str, Any] = {}
    for layer in model.layers:
        if _kind(layer) == "InputLayer":
            tensors[layer.name] = image
            continue
        sources = [producers[id(tensor)] for tensor in _input_tensors(layer)]
        if layer.name in cut:
            tensors[layer.name] = tensors[_main_path_target(model, layer.name)]
            continue
        arguments = [tensors[source] for source in sources]
        tensors[layer.name] = layer(arguments if isinstance(layer.input, (list, tuple)) else arguments[0])
    suffix = "_".join(cut) or "nothing"
    return keras.Model(image, tensors[model.layers[-1].name], name=f"{model.name}_without_{suffix}")


# --------------------------------------------------------------------------- the unseen-noise check


def unseen_check_rows(
    check_dir: str | os.PathLike, model: keras.Model, max_images: int | None = None
) -> pd.DataFrame:
    """PSNR (dB) on the unseen-noise check of the noisy input, NLM given the true noise level, and ``model``.

    ``check_dir`` is a folder built by :func:`casestudy.evaluation.unseen.build.build_unseen_check`
    (``casestudy data unseen``; :func:`casestudy.evaluation.unseen.check.check_for_profile` builds the
    one the notebooks share). NLM gets what a blind denoiser never has: its h is 0.8 times the true
    spread of ``noisy - clean`` (patch 5, distance 6), the rule of ``casestudy check``. ``max_images``
    keeps the first images of the check, each at every level (``None``: all). One row per pair:
    ``file``, ``level``, ``noisy``, ``nlm``, and a column named after the model.

    Raises:
        FileNotFoundError: ``check_dir`` holds no check (the message says how to build one).
    """
    import functools

    from casestudy.data.pairs import iter_pairs
    from casestudy.evaluation.scoring import Pair, on_noisy, score_pairs, wide_table
    from casestudy.evaluation.unseen.build import RECORD_FILE
    from casestudy.evaluation.unseen.check import check_pairs, nlm_true_sigma, read_record
    from casestudy.inference.network import denoise_image

    root = Path(check_dir)
    if not (root / RECORD_FILE).is_file():
        raise FileNotFoundError(f"{root}: no unseen-noise check ({RECORD_FILE} missing); build it with "
                                "`casestudy data unseen`")
    pairs = (Pair({"file": f"{row.instance}.png", "level": row.level}, noisy, clean)
             for row, noisy, clean in iter_pairs(check_pairs(root, read_record(root), max_images)))  # fmt: skip
    runners = {"noisy": lambda pair: pair.noisy, "nlm": lambda pair: nlm_true_sigma(pair.noisy, pair.sigma),
               model.name: on_noisy(functools.partial(denoise_image, model))}  # fmt: skip
    return wide_table(score_pairs(pairs, runners), ["file", "level"])


# --------------------------------------------------------------------------- training with and without skips


def train_side_by_side(
    models: Mapping[str, keras.Model],
    data_dir: str | os.PathLike,
    profile: Any,
    steps: int,
    evaluations: int = 3,
    learning_rate: float = 1e-3,
) -> pd.DataFrame:
    """Train each of ``models`` on the very same patches and score it on the validation grid as it goes.

    Every model sees the same seeded stream of training patches (the profile's
    patch size, batch size and seed; fresh simulated noise, as
    :func:`casestudy.training.train.train` draws them), with the same loss (MSE) and
    optimizer (Adam at a constant ``learning_rate``, gradients clipped to norm 1),
    for ``steps`` steps in ``evaluations`` equal parts; after each part it is scored
    on the fixed grid of validation patches. Build the models from the same seed
    (``keras.utils.set_random_seed``) so that they also start from the same
    weights: then the architecture is the only difference. Returns one row per
    model and part: ``model``, ``step``, ``val_psnr`` (dB, mean over patches).

    Raises:
        ValueError: no models, fewer steps than parts, or a data set without training or validation pairs.
    """
    import keras
    import pandas as pd

    from casestudy.data.catalogue import load_catalogue
    from casestudy.training.patches import evaluation_dataset, load_pair_images, training_dataset
    from casestudy.data.simulated import MANIFEST_FILE, load_capture_settings
    from casestudy.training.schedule import psnr

    if not models or int(evaluations) < 1 or int(steps) < int(evaluations):
        raise ValueError(f"train_side_by_side needs models and at least one step per part "
                         f"({len(models)} models, {steps} steps, {evaluations} parts)")
    root = Path(data_dir)
    catalogue = load_catalogue(root, read_exif=False, seed=profile.seed)
    settings = load_capture_settings(root) if (root / MANIFEST_FILE).is_file() else {}
    train_pairs, val_pairs = load_pair_images(catalogue, "train", settings), load_pair_images(catalogue, "val")
    if not train_pairs or not val_pairs:
        raise ValueError(f"{root}: training and validation pairs are both needed")
    validation = evaluation_dataset(val_pairs, profile.patch_size, 4 * profile.batch_size)
    per_part = int(steps) // int(evaluations)
    rows = []
    for name, model in models.items():
        model.compile(optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=1.0),
                      loss="mean_squared_error", metrics=[psnr])
        for part in range(int(evaluations)):
            stream = training_dataset(train_pairs, profile.patch_size, profile.batch_size, profile.seed,
                                      start=part * per_part * profile.batch_size)
            model.fit(stream, steps_per_epoch=per_part, epochs=1, verbose=0, shuffle=False)
            scores = model.evaluate(validation, verbose=0, return_dict=True)
            rows.append({"model": name, "step": (part + 1) * per_part, "val_psnr": float(scores["psnr"])})
    return pd.DataFrame(rows, columns=["model", "step", "val_psnr"])


# --------------------------------------------------------------------------- the card


def card_stages(card: Mapping[str, Any]) -> pd.DataFrame:
    """A weights card's training stages, oldest first: steps, batch, hardware, wall time and the scores after each.

    A card of fine-tuned weights keeps the stage it started from under
    ``training.initialised_from``; each stage becomes one row with ``steps``,
    ``batch_size``, ``hardware``, ``wall_time_s``, ``val_psnr``, ``test_noisy_psnr``,
    ``test_psnr``, ``unseen_noisy_psnr`` and ``unseen_psnr`` (NaN where the card says nothing).

    Raises:
        casestudy.models.cards.CardError (a ValueError): a card without ``training`` and ``scores``.
    """
    import pandas as pd

    from casestudy.models.cards import training_stages

    rows = []
    for stage in training_stages(dict(card)):
        training, scores = stage["training"], stage["scores"]
        test, unseen = scores.get("test", {}), scores.get("unseen_check", {})
        rows.append({
            "steps": training.get("steps"), "batch_size": training.get("batch_size"),
            "hardware": training.get("hardware"), "wall_time_s": training.get("wall_time_s"),
            "val_psnr": scores.get("validation", {}).get("psnr"),
            "test_noisy_psnr": test.get("noisy_psnr"), "test_psnr": test.get("psnr"),
            "unseen_noisy_psnr": unseen.get("noisy_psnr"), "unseen_psnr": unseen.get("psnr"),
        })  # fmt: skip
    table = pd.DataFrame(rows)
    table.index = pd.RangeIndex(1, len(table) + 1, name="stage")
    return table
