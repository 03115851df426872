"""Where a network's gap on the unseen-noise check comes from: the shape of the noise, the tone of the shadows.

* :func:`correlation_ablation` scores every method on the check's pairs and on the same photos
  with the same noise strength made *white*: a network that does much better on the white
  version never learned noise of the check's shape;
* :func:`brightness_bias` measures the mean signed error per brightness band: a network that
  darkens dark areas loses PSNR over every pixel of them.

Both are read in ``07_pridnet.ipynb``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from casestudy.evaluation.unseen.check import (
    BM3D_COLUMN, NLM_COLUMN, NOISY_COLUMN, UnseenCheckError, network_denoisers, bm3d_true_psd, check_pairs, level_order,
    nlm_true_sigma, noise_autocorrelation, read_record,
)  # fmt: skip

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


#: Column of :func:`correlation_ablation` that says which noise a row's input carried.
NOISE_KIND_COLUMN = "noise"


def correlation_ablation(
    check_dir: str | os.PathLike,
    networks: Sequence[str] | Mapping[str, Any] | None = None,
    max_images: int | None = None,
    seed: int = 2021,
    classical: bool = False,
) -> pd.DataFrame:
    """Each network on the check's pairs, and on the same photos with the same noise made *white*.

    Where does a network's gap on the check come from: the photos, the noise's strength, or
    its shape? Every pair's clean photo is given a second noisy version with the same
    Poisson-Gaussian variance ``a * x + b`` in linear light (the level's, from ``unseen.json``)
    but without the spatial and cross-channel correlation, quantised to 8 bits like the check.
    If a network does much better on the white version, it never learned noise of that shape.

    With ``classical``, NLM and BM3D given the true noise score both versions too (BM3D gets the
    check's PSD on its own pairs, a flat PSD on the white ones). White noise is where BM3D is at
    home and every network trained on it: a network that falls short of BM3D *there* is not yet
    a good denoiser of these photos, whatever the noise's shape (about 10 s per BM3D call on a
    256-pixel image on 2 cores).

    Returns:
        The mean PSNR (dB) per ``level`` (light, medium, heavy) and :data:`NOISE_KIND_COLUMN`
        (``"correlated"``: the check's own pairs; ``"white"``), of the noisy input, of NLM and
        BM3D if ``classical``, and of each network, with the number of ``pairs``.

    Raises:
        UnseenCheckError: not a check folder, or one whose record lacks the noise levels.
    """
    from casestudy.data.pairs import iter_pairs
    from casestudy.evaluation.scoring import Pair, on_noisy, score_pairs, wide_table
    from casestudy.io import to_uint8
    from casestudy.noise.degrade import add_poisson_gaussian

    record = read_record(check_dir)
    try:
        levels = {level["name"]: (float(level["a"]), float(level["b"])) for level in record["noise"]["levels"]}
    except (KeyError, TypeError) as error:
        raise UnseenCheckError(f"{check_dir}: the check's record does not list its noise levels ({error})") from None
    models = network_denoisers(networks)
    clashes = sorted(set(models) & {NOISY_COLUMN, NLM_COLUMN, BM3D_COLUMN, "level", NOISE_KIND_COLUMN})
    if clashes:
        raise ValueError(f"network column name(s) {clashes} clash with the ablation's own columns")
    autocorrelation = {"correlated": noise_autocorrelation(record), "white": np.ones((1, 1))}

    def pairs() -> Iterator[Pair]:
        for index, (row, noisy, clean) in enumerate(iter_pairs(check_pairs(check_dir, record, max_images))):
            rng = np.random.default_rng([int(seed), index])
            white = to_uint8(add_poisson_gaussian(clean, *levels[row.level], rng)).astype(np.float32) / np.float32(255.0)
            for kind, image in (("correlated", noisy), ("white", white)):
                yield Pair({"pair": index, "level": row.level, NOISE_KIND_COLUMN: kind}, image, clean)

    runners = {NOISY_COLUMN: lambda pair: pair.noisy}
    if classical:
        runners[NLM_COLUMN] = lambda pair: nlm_true_sigma(pair.noisy, pair.sigma)
        runners[BM3D_COLUMN] = lambda pair: bm3d_true_psd(pair.noisy, pair.sigma,
                                                          autocorrelation[pair.keys[NOISE_KIND_COLUMN]])  # fmt: skip
    runners |= {name: on_noisy(denoise) for name, denoise in models.items()}
    table = wide_table(score_pairs(pairs(), runners), ["pair", "level", NOISE_KIND_COLUMN]).drop(columns="pair")
    order = {level: position for position, level in enumerate(level_order(list(table["level"].unique())))}
    summary = table.groupby(["level", NOISE_KIND_COLUMN]).mean()
    summary["pairs"] = table.groupby(["level", NOISE_KIND_COLUMN]).size()
    return summary.sort_index(key=lambda keys: keys.map(order) if keys.name == "level" else keys)


#: Bins of the clean image's brightness (mean of R, G, B in sRGB, [0, 1]) for :func:`brightness_bias`.
BRIGHTNESS_BINS = (0.0, 0.1, 0.3, 0.6, 1.0)


def brightness_bias(
    check_dir: str | os.PathLike,
    networks: Sequence[str] | Mapping[str, Any] | None = None,
    max_images: int | None = None,
    bins: Sequence[float] = BRIGHTNESS_BINS,
    by_image: bool = False,
) -> pd.DataFrame:
    """The mean signed error (output - clean) of the noisy input and of each network, per level and brightness.

    A network's PSNR gap can be noise it left, detail it removed, or a shift of the whole
    tone: a dark area returned darker than it was. The last is invisible in a crop yet costs
    PSNR over every pixel of the area. It is what a network learns from a camera pipeline
    whose noisy captures are *brighter* than their ground truth in the dark (noise clipped at
    the sensor's black level, as in the simulator): it darkens dark noisy areas, and does it
    where another noise, such as the check's, has no such offset. Pixels are grouped by the
    clean image's brightness (the mean of its three channels) into ``bins``. Pooled over
    the images, one photo's shift can hide behind another's opposite one; ``by_image`` keeps
    them apart. A negative offset in a bin that is a small share of a photo is more often
    lost detail (small bright objects dimmed) than a shift of tone.

    Returns:
        One row per ``level`` (light, medium, heavy) and ``brightness`` bin (``"0.1-0.3"``,
        say), with ``by_image`` per ``image``, ``level`` and bin: the mean error of
        :data:`NOISY_COLUMN` and of each network over the bin's pixels of those pairs, and
        ``share``, the bin's fraction of those pairs' pixels. Bins without pixels are left out.

    Raises:
        UnseenCheckError: not a check folder.
        ValueError: ``bins`` not increasing from 0 to 1.
    """
    import pandas as pd

    from casestudy.data.pairs import iter_pairs

    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or len(edges) < 2 or edges[0] != 0.0 or edges[-1] != 1.0 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bins must increase from 0 to 1, got {list(bins)}")
    labels = [f"{low:g}-{high:g}" for low, high in zip(edges[:-1], edges[1:])]
    record = read_record(check_dir)
    models = network_denoisers(networks)
    sums: dict[tuple[str, ...], dict[str, float]] = {}
    for row, noisy, clean in iter_pairs(check_pairs(check_dir, record, max_images)):
        outputs = {NOISY_COLUMN: noisy, **{name: denoise(noisy) for name, denoise in models.items()}}
        brightness = clean.mean(axis=-1)
        which = np.clip(np.searchsorted(edges, brightness, side="right") - 1, 0, len(labels) - 1)
        for index, label in enumerate(labels):
            mask = which == index
            if not mask.any():
                continue
            group = (row.image, row.level) if by_image else (row.level,)
            entry = sums.setdefault((*group, label), {"pixels": 0.0})
            entry["pixels"] += float(mask.sum())
            for name, image in outputs.items():
                entry[name] = entry.get(name, 0.0) + float((image[mask] - clean[mask]).mean(axis=-1).sum())
    keys = ["image", "level", "brightness"] if by_image else ["level", "brightness"]
    rows = []
    for (*group, label), entry in sums.items():
        total = sum(other["pixels"] for (*other_group, _), other in sums.items() if other_group == group)
        rows.append({**dict(zip(keys, (*group, label))), "share": entry["pixels"] / total,
                     **{name: entry[name] / entry["pixels"] for name in (NOISY_COLUMN, *models)}})  # fmt: skip
    table = pd.DataFrame.from_records(rows)
    images = list(dict.fromkeys(pair["image"] for pair in record["pairs"]))  # the record's order
    order = {level: position for position, level in enumerate(level_order(list(table["level"].unique())))}
    rank = {"image": images.index, "level": order.__getitem__, "brightness": labels.index}
    table = table.sort_values(keys, key=lambda column: column.map(rank[column.name]))
    return table.set_index(keys)[[NOISY_COLUMN, *models, "share"]]
