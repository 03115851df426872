"""When does knowing the camera help? One network told the noise, scored with its map from each source.

The same weights of a network that takes a noise-level map (:class:`casestudy.evaluation.methods.MappedNetworkMethod`)
are run on the same pairs under :data:`CONDITIONS`:

* ``blind``: the map withheld, as a blind network runs;
* ``metadata``: the map from the pair's ISO and phone, taken as it is;
* ``estimate``: the map from the image's own noise estimate, as for a photo without EXIF;
* ``auto``: what ``casestudy denoise`` does: the metadata unless the image disagrees;
* ``ISO x4 (metadata)`` / ``ISO /4 (metadata)``: the map from an ISO four times too high or too low,
  taken as it is: what a wrong ISO does to the network;
* ``ISO x4 (auto)`` / ``ISO /4 (auto)``: the same wrong ISO through the disagreement rule, as a user with
  a lying EXIF gets it.

:data:`REFERENCE` is not a user's condition: the map measured from the noise itself (``noisy - clean``, as in
training). No photo has it; it says how much a perfect map could buy, the ceiling of the others.

:func:`map_condition_rows` scores them through the one scoring loop
(:func:`casestudy.evaluation.scoring.score_pairs`); :func:`condition_table` averages them per ISO band.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from casestudy.evaluation.methods import MappedNetworkMethod, pair_metadata
from casestudy.evaluation.scoring import Pair, Runner, score_pairs

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: ``{condition: (map mode, factor on the pair's ISO)}``.
CONDITIONS: Mapping[str, tuple[str, float]] = {
    "blind": ("blind", 1.0),
    "metadata": ("metadata", 1.0),
    "estimate": ("estimate", 1.0),
    "auto": ("auto", 1.0),
    "ISO x4 (metadata)": ("metadata", 4.0),
    "ISO /4 (metadata)": ("metadata", 0.25),
    "ISO x4 (auto)": ("auto", 4.0),
    "ISO /4 (auto)": ("auto", 0.25),
}
#: The map measured from the pair's own noise (needs its clean image): the ceiling of what a map can buy.
REFERENCE = "true noise (reference)"
#: The conditions that need no metadata (for pairs without an ISO, such as the unseen-noise check).
WITHOUT_METADATA = ("blind", "estimate")


def condition_runner(method: MappedNetworkMethod, condition: str) -> Runner:
    """A runner for the scoring loop: ``method`` under ``condition``, told the pair's ISO (times the condition's
    factor) and phone from its keys.

    Raises:
        ValueError: an unknown condition (neither in :data:`CONDITIONS` nor :data:`REFERENCE`).
    """
    if condition == REFERENCE:
        return lambda pair: _told_the_true_noise(method, pair)
    try:
        mode, factor = CONDITIONS[condition]
    except KeyError:
        raise ValueError(f"unknown condition {condition!r}; choose among {', '.join(CONDITIONS)}") from None
    ready = method.with_map_mode(mode)
    return lambda pair: ready.with_metadata(*pair_metadata(pair, factor))(pair.noisy)


def _told_the_true_noise(method: MappedNetworkMethod, pair: Pair) -> np.ndarray:
    """``method``'s network on the pair, told the noise's local level measured against the clean image."""
    from casestudy.inference.network import denoise_image
    from casestudy.training.noise_maps import local_noise_level

    if method.model is None:
        raise RuntimeError(f"network {method.name!r} is not loaded: call prepare() first")
    return denoise_image(method.model, pair.noisy, method.strength * local_noise_level(pair.noisy, pair.clean))


def map_condition_rows(
    method: MappedNetworkMethod, pairs: Iterable[Pair], conditions: Sequence[str] = tuple(CONDITIONS)
) -> pd.DataFrame:
    """One row per pair and condition: the pair's keys, ``method`` (the condition) and ``psnr``."""
    import pandas as pd

    runners = {condition: condition_runner(method, condition) for condition in conditions}
    return pd.DataFrame.from_records(list(score_pairs(pairs, runners, metrics=("psnr",))))


def condition_table(rows: pd.DataFrame, by: str | None = "iso_band") -> pd.DataFrame:
    """Mean PSNR per condition (columns), per ``by`` group (rows: ``iso_band`` is made from ``iso``) and ``all``."""
    import pandas as pd

    from casestudy.noise.stats import iso_bands

    frame = rows.copy()
    if by == "iso_band":
        frame["iso_band"] = iso_bands(frame["iso"])
    order = list(dict.fromkeys(frame["method"]))
    overall = frame.groupby("method")["psnr"].mean().reindex(order).rename("all").to_frame().T
    if by is None:
        return overall
    table = frame.pivot_table(index=by, columns="method", values="psnr", aggfunc="mean", observed=True)[order]
    table.index = table.index.astype(str)
    return pd.concat([table, overall])
