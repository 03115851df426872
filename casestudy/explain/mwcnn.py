"""Inside MWCNN: the Haar wavelet sub-bands of a real image, what they keep, and the network's levels.

MWCNN (Liu et al. 2018) is a U-Net that goes down by one level of the 2-D Haar
wavelet transform (:class:`~casestudy.models.layers.HaarDWT`) instead of pooling, and
up by its exact inverse (:class:`~casestudy.models.layers.HaarIWT`) instead of
upsampling. The functions here run those very layers on real images and read the
levels and widths out of a built or loaded model, so ``06_mwcnn.ipynb`` shows
numbers and pictures of our implementation, not of a drawing:

* :func:`haar_subbands`, :func:`haar_round_trip`: one DWT level of an image, and back;
* :func:`subband_energy`: how a clean image's detail and its noise split over LL, LH, HL, HH;
* :func:`level_energy`: the same over several levels, as the encoder goes down;
* :func:`reconstruction_errors`: DWT + IWT against max-pooling + upsampling (what each loses);
* :func:`level_table`, :func:`architecture`, :func:`architecture_diagram`: the model's
  levels, widths, parameters and compute, and its diagram built from them;
* :func:`feature_shapes`: the shape of the features after each wavelet step, on a real image;
* :func:`subband_figure`: the four sub-bands of a clean and a noisy image side by side.

Introduced in ``06_mwcnn.ipynb``.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from casestudy.plots import new_figure
from casestudy.plots.diagram import Block, Link, block_diagram

if TYPE_CHECKING:  # pragma: no cover
    import keras
    from matplotlib.figure import Figure

#: The four sub-bands of one Haar level, in the order :class:`HaarDWT` stacks them on the channel axis.
SUBBANDS = ("LL", "LH", "HL", "HH")
#: What each sub-band holds, in a few words (the layer's convention: LH differences rows, HL columns).
SUBBAND_MEANING = {
    "LL": "half-size image",
    "LH": "horizontal edges",
    "HL": "vertical edges",
    "HH": "diagonal detail",
}


# --------------------------------------------------------------------------- one wavelet level


def _check_image(image: np.ndarray, what: str = "image") -> np.ndarray:
    """``image`` as float32 (H, W, C) with even H and W; a clear ``ValueError`` otherwise."""
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3:
        raise ValueError(f"{what}: expected an (H, W) or (H, W, C) array, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{what}: expected numbers, got dtype {array.dtype}")
    height, width = array.shape[:2]
    if height < 2 or width < 2 or height % 2 or width % 2:
        raise ValueError(
            f"{what}: one Haar level needs an even height and width of at least 2, got {height}x{width} "
            "(crop one row or column, or pad as the network does)"
        )
    return array.astype(np.float32)


def haar_subbands(image: np.ndarray) -> dict[str, np.ndarray]:
    """One level of the orthonormal Haar DWT of ``image``, computed by the network's own :class:`HaarDWT` layer.

    Args:
        image: (H, W, C) or (H, W) with H and W even.

    Returns:
        ``{"LL": ..., "LH": ..., "HL": ..., "HH": ...}``, each (H/2, W/2, C) float32.

    Raises:
        ValueError: not a 2-D or 3-D numeric array, or an odd or tiny side.
    """
    from casestudy.models.layers import HaarDWT

    array = _check_image(image)
    channels = array.shape[-1]
    bands = np.asarray(HaarDWT()(array[None]))[0]
    return {name: bands[..., i * channels : (i + 1) * channels] for i, name in enumerate(SUBBANDS)}


def haar_round_trip(image: np.ndarray) -> np.ndarray:
    """``IWT(DWT(image))`` through the network's :class:`HaarDWT` and :class:`HaarIWT` layers (shape kept)."""
    from casestudy.models.layers import HaarDWT, HaarIWT

    array = _check_image(image)
    restored = np.asarray(HaarIWT()(HaarDWT()(array[None])))[0]
    return restored.reshape(np.shape(image))


def subband_energy(clean: np.ndarray, noisy: np.ndarray, remove_mean: bool = True) -> pd.DataFrame:
    """How the signal (``clean``) and the noise (``noisy - clean``) split their energy over the four sub-bands.

    The Haar transform is orthonormal, so it keeps the total energy (sum of
    squares): each column of fractions sums to 1. With ``remove_mean`` each
    channel's mean is taken off the clean image first; otherwise the plain
    brightness, which lands in LL, dwarfs everything else.

    Returns:
        One row per sub-band (index ``band``): ``signal_fraction``, ``noise_fraction``,
        and ``snr_db``, the sub-band's signal-to-noise energy ratio in dB.

    Raises:
        ValueError: images of different shapes, or shapes :func:`haar_subbands` refuses.
    """
    clean_array, noisy_array = _check_image(clean, "clean"), _check_image(noisy, "noisy")
    if clean_array.shape != noisy_array.shape:
        raise ValueError(f"clean and noisy differ in shape: {clean_array.shape} and {noisy_array.shape}")
    signal = clean_array - clean_array.mean(axis=(0, 1), keepdims=True) if remove_mean else clean_array
    signal_bands = haar_subbands(signal)
    noise_bands = haar_subbands(noisy_array - clean_array)
    signal_energy = np.array([np.sum(np.square(signal_bands[b], dtype=np.float64)) for b in SUBBANDS])
    noise_energy = np.array([np.sum(np.square(noise_bands[b], dtype=np.float64)) for b in SUBBANDS])
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = 10 * np.log10(signal_energy / noise_energy)
    table = pd.DataFrame(
        {
            "signal_fraction": signal_energy / max(signal_energy.sum(), np.finfo(float).tiny),
            "noise_fraction": noise_energy / max(noise_energy.sum(), np.finfo(float).tiny),
            "snr_db": snr,
        },
        index=pd.Index(SUBBANDS, name="band"),
    )
    return table


def level_energy(image: np.ndarray, levels: int = 3) -> pd.Series:
    """The share of ``image``'s energy in each level's detail bands and in the last LL, over ``levels`` Haar levels.

    Applies :func:`haar_subbands` to the LL band again and again, as MWCNN's
    encoder does. The shares sum to 1 (the transform keeps energy). White noise
    puts 3/4 in level 1's details, 3/16 in level 2's, and so on; noise correlated
    over a few pixels keeps more for the coarse levels. Returns a Series indexed
    ``"level 1 details"``, ..., ``"LL after <levels> levels"``.

    Raises:
        ValueError: ``levels`` below 1, or a side not divisible by ``2**levels``.
    """
    if levels < 1:
        raise ValueError(f"levels must be at least 1, got {levels}")
    array = _check_image(image)
    if array.shape[0] % 2**levels or array.shape[1] % 2**levels:
        raise ValueError(f"{levels} Haar levels need sides divisible by {2 ** levels}, got "
                         f"{array.shape[0]}x{array.shape[1]}")
    total = float(np.sum(np.square(array, dtype=np.float64)))
    shares, low = {}, array
    for level in range(1, levels + 1):
        bands = haar_subbands(low)
        detail = sum(float(np.sum(np.square(bands[b], dtype=np.float64))) for b in SUBBANDS[1:])
        shares[f"level {level} details"] = detail / total if total else 0.0
        low = bands["LL"]
    shares[f"LL after {levels} levels"] = float(np.sum(np.square(low, dtype=np.float64))) / total if total else 0.0
    return pd.Series(shares, name="energy_fraction")


def reconstruction_errors(image: np.ndarray) -> pd.DataFrame:
    """What going down one level and back up loses, three ways, on ``image``.

    * ``max-pool + upsample``: a U-Net's 2x2 max-pooling, then nearest-neighbour
      upsampling (one number kept per 2x2 block and channel);
    * ``LL only + IWT``: the DWT with its three detail sub-bands dropped (also one
      number per block: the same as 2x2 average pooling);
    * ``DWT + IWT``: all four sub-bands kept, as MWCNN does (four numbers per block).

    Returns:
        One row per way (index ``down_and_up``): ``values_per_block`` (numbers kept
        per 2x2 block and channel), ``max_abs_error`` and ``rms_error`` (data units).

    Raises:
        ValueError: shapes :func:`haar_subbands` refuses.
    """
    from casestudy.models.layers import HaarIWT

    array = _check_image(image)
    height, width, channels = array.shape
    blocks = array.reshape(height // 2, 2, width // 2, 2, channels)
    max_pooled = blocks.max(axis=(1, 3))
    upsampled = np.repeat(np.repeat(max_pooled, 2, axis=0), 2, axis=1)
    bands = haar_subbands(array)
    low_only = np.concatenate([bands["LL"], *(np.zeros_like(bands[b]) for b in SUBBANDS[1:])], axis=-1)
    from_low = np.asarray(HaarIWT()(low_only[None]))[0]
    exact = haar_round_trip(array)
    rows = {}
    for name, kept, restored in (("max-pool + upsample", 1, upsampled), ("LL only + IWT", 1, from_low),
                                 ("DWT + IWT", 4, exact)):
        error = restored.astype(np.float64) - array
        rows[name] = {"values_per_block": kept, "max_abs_error": float(np.abs(error).max()),
                      "rms_error": float(np.sqrt(np.mean(np.square(error))))}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("down_and_up")


# --------------------------------------------------------------------------- the model's levels


def _layer(model: keras.Model, name: str) -> keras.layers.Layer:
    try:
        return model.get_layer(name)
    except ValueError:
        raise ValueError(f"model {model.name!r} has no layer {name!r}: not an MWCNN built by "
                         "casestudy.models.mwcnn.build_mwcnn") from None


def level_table(model: keras.Model) -> pd.DataFrame:
    """One row per resolution level of an MWCNN: its scale, channels, parameters and share of the compute.

    Read from the model's layers (``enc<l>_conv1`` for the channels, every layer
    named ``enc<l>_*`` or ``dec<l>_*`` for the parameters), so it holds for any
    width and for loaded weights alike. A 3x3 convolution costs its parameter
    count in multiply-accumulates per pixel it runs on, and level ``l`` has
    ``4**-l`` of the pixels, so ``compute_share`` is each level's share of the
    network's convolution work per image.

    Raises:
        ValueError: a model without MWCNN's layers (the message names the missing one).
    """
    levels = sum(1 for layer in model.layers if layer.__class__.__name__ == "HaarDWT")
    if levels == 0:
        raise ValueError(f"model {model.name!r} has no HaarDWT layer: not an MWCNN")
    pattern = re.compile(r"^(enc|dec)(\d+)_")
    parameters = dict.fromkeys(range(levels + 1), 0)
    for layer in model.layers:
        match = pattern.match(layer.name)
        if match:
            parameters[int(match.group(2))] += int(sum(np.prod(w.shape) for w in layer.weights))
    rows = []
    for level in range(levels + 1):
        channels = int(_layer(model, f"enc{level}_conv1").filters)
        rows.append({"level": level, "scale": f"1/{2 ** level}", "pixels_fraction": 4.0**-level,
                     "channels": channels, "parameters": parameters[level]})
    table = pd.DataFrame(rows).set_index("level")
    work = table["parameters"] * table["pixels_fraction"]
    table["compute_share"] = work / work.sum()
    return table


#: Vertical distance between two levels of the diagram (more than the horizontal half-step: arrows run top to bottom).
STEP = 1.3


def architecture(model: keras.Model) -> tuple[list[Block], list[Link]]:
    """The blocks and links of ``model``'s diagram: encoder down the left, decoder up the right, skips across.

    Levels and widths come from :func:`level_table`, so a wider or deeper model draws itself.
    """
    table = level_table(model)
    levels = len(table) - 1
    colours = {"conv": "#dce9f5", "dwt": "#fde2c4", "iwt": "#d9f0d3", "io": "#eeeeee"}
    blocks = [Block("input", "noisy\nH x W x 3", 0.0, 0.0, colour=colours["io"])]
    links: list[Link] = []
    right = 2.0 * levels + 2.0  # x of the decoder's level-0 block
    for level, row in table.iterrows():
        c, y = int(row.channels), -STEP * level
        blocks.append(Block(f"enc{level}", f"2 conv 3x3\n{c} ch, {row.scale}", 1.0 + level, y, width=0.9))
        if level > 0:
            blocks.append(Block(f"dwt{level}", f"DWT\n4x{int(table.channels[level - 1])} ch", 0.5 + level, y + STEP / 2,
                                width=0.6, height=0.35, colour=colours["dwt"]))
            links += [Link(f"enc{level - 1}", f"dwt{level}"), Link(f"dwt{level}", f"enc{level}")]
        if level < levels:
            below = int(table.channels[level + 1])
            steps = f"conv to 4x{c} ch" if level + 1 == levels else f"2 conv {below} ch,\nconv to 4x{c}"
            blocks.append(Block(f"iwt{level + 1}", f"{steps}, IWT", right - 1.5 - level, y - STEP / 2, width=1.0,
                                height=0.42, colour=colours["iwt"]))
            blocks.append(Block(f"add{level}", "+", right - 1.0 - level, y, width=0.3, height=0.3))
            links.append(Link(f"iwt{level + 1}", f"add{level}"))
            links.append(Link(f"enc{level}", f"add{level}", skip=True, label="skip",
                              bend=-min(0.35, 0.9 / max(right - 2.0 - 2.0 * level, 1.0))))
    links.insert(0, Link("input", "enc0"))
    links.append(Link(f"enc{levels}", f"iwt{levels}"))
    for level in range(levels - 1, 0, -1):
        links.append(Link(f"add{level}", f"iwt{level}"))
    blocks.append(Block("out", f"2 conv 3x3\n{int(table.channels[0])}, 3 ch", right, 0.0, width=0.9))
    blocks.append(Block("residual", "noisy +\ncorrection", right + 1.1, 0.0, width=0.8, colour=colours["io"]))
    links += [Link("add0", "out"), Link("out", "residual"),
              Link("input", "residual", skip=True, label="residual: input added", bend=-0.16)]
    return blocks, links


def architecture_diagram(model: keras.Model, title: str | None = None) -> Figure:
    """:func:`architecture` drawn with :func:`casestudy.plots.diagram.block_diagram`."""
    blocks, links = architecture(model)
    parameters = int(level_table(model)["parameters"].sum())
    return block_diagram(blocks, links, title or f"MWCNN as built here: {len(level_table(model)) - 1} wavelet "
                         f"levels, {parameters:,} parameters in its convolutions")


def feature_shapes(model: keras.Model, image: np.ndarray) -> pd.DataFrame:
    """The shape of the features after each wavelet step and skip of ``model`` on one (H, W, 3) ``image``.

    Runs the image through the model's own layers and reports, in order, the
    padded input, each DWT's and IWT's output and each skip addition: the
    "shown working" version of the diagram. Raises ``ValueError`` for a model
    without MWCNN's layers or an image that is not (H, W, 3).
    """
    import keras

    array = np.asarray(image, dtype=np.float32)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ValueError(f"image: expected (H, W, 3), got shape {array.shape}")
    level_table(model)  # refuses a model that is not an MWCNN
    wanted = [layer for layer in model.layers
              if layer.name == "pad" or re.match(r"^(dwt|iwt)\d+$|^skip\d+$", layer.name)]
    probe = keras.Model(model.input, [layer.output for layer in wanted])
    outputs = probe(array[None], training=False)
    rows = []
    for layer, output in zip(wanted, outputs):
        shape = tuple(int(s) for s in output.shape[1:])
        rows.append({"layer": layer.name, "kind": layer.__class__.__name__, "height": shape[0], "width": shape[1],
                     "channels": shape[2]})
    return pd.DataFrame(rows).set_index("layer")


# --------------------------------------------------------------------------- figure


def subband_figure(clean: np.ndarray, noisy: np.ndarray, title: str) -> Figure:
    """The four sub-bands of ``clean`` (top row) and ``noisy`` (bottom row) of one (H, W, 3) image.

    LL is shown as a colour image (divided by 2, its gain, to stay in [0, 1]);
    each detail sub-band as the magnitude of its coefficients, averaged over the
    channels, on one grey scale shared by all eight panels' detail bands (the
    99.5th percentile of the noisy ones is white), so the two rows compare directly.
    """
    rows = {"clean": haar_subbands(clean), "noisy": haar_subbands(noisy)}
    top = float(np.percentile(np.concatenate([np.abs(rows["noisy"][b]).mean(axis=-1).ravel()
                                              for b in SUBBANDS[1:]]), 99.5)) or 1.0
    figure, axes = new_figure(11.0, 5.6, nrows=2, ncols=4, squeeze=False)
    for line, (row_name, bands) in zip(axes, rows.items()):
        for panel, band in zip(line, SUBBANDS):
            values = bands[band]
            if band == "LL":
                panel.imshow(np.clip(values / 2.0, 0.0, 1.0), interpolation="nearest")
            else:
                shown = panel.imshow(np.abs(values).mean(axis=-1), cmap="gray", vmin=0.0, vmax=top,
                                     interpolation="nearest")
            panel.set_title(f"{row_name}: {band} ({SUBBAND_MEANING[band]})", fontsize="small")
            panel.set_xticks([])
            panel.set_yticks([])
        line[0].set_ylabel(f"{row_name}\n{values.shape[0]} x {values.shape[1]} px")
    figure.colorbar(shown, ax=axes[:, 1:].ravel().tolist(), shrink=0.8,
                    label="|detail coefficient| (data units, mean over RGB)")
    figure.suptitle(title)
    return figure


def psnr_of_error(rms_error: float, data_range: float = 1.0) -> float:
    """The PSNR (dB) that an RMS error stands for (``inf`` for no error): to read :func:`reconstruction_errors`."""
    return math.inf if rms_error <= 0 else 20 * math.log10(data_range / rms_error)
