"""The noise-level map a network told the noise takes, from what the photo tells us.

A network such as :mod:`casestudy.models.nafnet` takes, beside the photo, the noise's standard
deviation at each pixel (its *noise-level map*). In training that map is measured from the
noise itself (:mod:`casestudy.training.noise_maps`); on a user's photo there is no clean image,
so it comes from one of two places:

* **the metadata**: the camera's ISO (and phone, when known) read from EXIF or from a SIDD
  folder name. The :class:`NoiseLevelFunction` fitted on the simulated set's training pairs
  (the same curves notebook 02's EDA draws: the noise's spread against brightness, higher at
  higher ISO) gives the noise at every pixel from the photo's local brightness;
* **the image alone**: the blind estimate the classical filters use
  (:func:`casestudy.noise.estimate.estimate_noise_sigma`), corrected by its average bias on the
  fitting pairs, as one level for the whole photo.

:func:`choose_noise_map` takes the metadata's map unless the two disagree by more than the
estimate's own spread (twice the standard deviation of its error on the fitting pairs, combined
with the fitted curves' own error): then the EXIF is taken to be wrong (edited, or from
another camera) and the estimate wins, and the choice says so.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from casestudy.noise.stats import bin_edges, binned_moments

FORMAT = "casestudy-noise-level-function"
FORMAT_VERSION = 1
#: Brightness bins of the fitted curves (over [0, 1]).
INTENSITY_BINS = 16
#: A bin enters a pair's fit only with at least this many pixel values.
MIN_COUNT = 200
#: The ISO the curves' intercepts refer to.
REFERENCE_ISO = 100.0
#: Standard deviation (pixels) of the Gaussian that smooths the photo into the brightness the map reads.
BRIGHTNESS_SMOOTHING_PX = 2.0
#: The metadata and the estimate disagree when their log ratio exceeds this many standard deviations.
DISAGREEMENT_SPREADS = 2.0
#: Larger photos are estimated on a mosaic of :data:`ESTIMATE_WINDOWS` windows of this side, spread over the photo:
#: the estimate costs about as much as the network per megapixel, so it is bounded (about one megapixel).
ESTIMATE_WINDOW = 512
ESTIMATE_WINDOWS = 2
#: Where a network told the noise can take its map from: ``auto`` (:func:`choose_noise_map`), one source only, or
#: ``blind`` (withheld).
MAP_MODES = ("auto", "metadata", "estimate", "blind")


class NoiseLevelFileError(ValueError):
    """A noise-level-function file that cannot be read; the message names the file and the problem."""


@dataclasses.dataclass(frozen=True)
class NoiseLevelFunction:
    """The noise's spread against brightness and ISO, fitted on noisy/clean pairs with known ISO.

    Per brightness bin ``k``: ``log sigma = intercept[k] + slope[k] * log2(iso / 100) + phone_offset[phone]``
    (natural log; a phone not seen in the fit gets no offset). ``estimate_bias`` and
    ``estimate_spread`` are the mean and standard deviation of ``log(estimate / true level)`` of
    the blind estimate on the fitting pairs; ``fit_spread`` the same of the curves' prediction.
    """

    edges: tuple[float, ...]
    intercept: tuple[float, ...]
    slope: tuple[float, ...]
    phone_offset: Mapping[str, float]
    estimate_bias: float
    estimate_spread: float
    fit_spread: float
    pairs: int
    source: str = ""

    @property
    def centres(self) -> np.ndarray:
        edges = np.asarray(self.edges)
        return (edges[:-1] + edges[1:]) / 2

    def sigma(self, brightness: np.ndarray | float, iso: float, phone: str | None = None) -> np.ndarray:
        """The noise's standard deviation at ``brightness`` (any shape, in [0, 1]) for a photo at ``iso``."""
        iso = _check_iso(iso)
        log_sigma = np.asarray(self.intercept) + np.asarray(self.slope) * math.log2(iso / REFERENCE_ISO)
        log_sigma = log_sigma + float(self.phone_offset.get(phone or "", 0.0))
        values = np.interp(np.clip(brightness, 0.0, 1.0), self.centres, log_sigma)
        return np.exp(values).astype(np.float32)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "format_version": FORMAT_VERSION, **dataclasses.asdict(self),
                "phone_offset": dict(self.phone_offset)}  # fmt: skip

    def save(self, path: str | os.PathLike) -> Path:
        """Write the curves as JSON (atomically: a temporary file, then a rename)."""
        from casestudy.io import write_text

        write_text(path, json.dumps(self.to_json(), indent=1) + "\n")
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> NoiseLevelFunction:
        """Read curves saved by :meth:`save`.

        Raises:
            NoiseLevelFileError: a missing or unreadable file, or one of another format; the message names it.
        """
        try:
            record = json.loads(Path(path).read_text())
        except FileNotFoundError:
            raise NoiseLevelFileError(f"{path}: no noise level function here (ship_weights.py writes it beside a "
                                      "network told the noise)") from None  # fmt: skip
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise NoiseLevelFileError(f"{path}: not a readable JSON file ({error})") from None
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            raise NoiseLevelFileError(f"{path}: not a noise level function (format {FORMAT!r} expected)")
        fields = {field.name for field in dataclasses.fields(cls)}
        missing = sorted(fields - set(record) - {"source"})
        if missing:
            raise NoiseLevelFileError(f"{path}: missing field(s) {missing}")
        values = {name: record[name] for name in fields if name in record}
        for name in ("edges", "intercept", "slope"):
            values[name] = tuple(float(value) for value in values[name])
        if not len(values["edges"]) == len(values["intercept"]) + 1 == len(values["slope"]) + 1:
            raise NoiseLevelFileError(f"{path}: edges, intercept and slope do not match in length")
        return cls(**values)


def _check_iso(iso: float) -> float:
    value = float(iso)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"ISO must be a positive number, got {iso!r}")
    return value


def noise_rms(noisy: np.ndarray, clean: np.ndarray) -> float:
    """The noise's root mean square over the whole image: the level a training map averages to."""
    return float(np.sqrt(np.mean(np.square(np.asarray(noisy, np.float64) - np.asarray(clean, np.float64)))))


def fit_noise_level_function(
    pairs: Iterable[tuple[np.ndarray, np.ndarray, float, str | None]], source: str = "", bins: int = INTENSITY_BINS
) -> NoiseLevelFunction:
    """Fit the curves on ``(clean, noisy, iso, phone)`` pairs.

    Each pair gives the residual's variance per brightness bin (:func:`casestudy.noise.stats.binned_moments`);
    per bin a line through ``log sigma`` against ``log2 ISO`` (least squares over the pairs), then
    each phone's mean remaining offset. Bins no pair fills take their neighbours' values. The
    blind estimate's bias and spread, and the curves' own error, are measured on the same pairs.

    Raises:
        ValueError: fewer than two distinct ISOs, or no bin with data.
    """
    from casestudy.noise.estimate import estimate_noise_sigma

    records = []
    for clean, noisy, iso, phone in pairs:
        moments = binned_moments(clean, noisy, bins)
        count, total, squares = moments.T
        with np.errstate(invalid="ignore", divide="ignore"):
            variance = squares / count - (total / count) ** 2
        log_sigma = np.where(count >= MIN_COUNT, 0.5 * np.log(np.maximum(variance, 1e-12)), np.nan)
        brightness = _brightness(noisy)
        records.append({"log_sigma": log_sigma, "iso": _check_iso(iso), "phone": phone or "",
                        "rms": noise_rms(noisy, clean), "estimate": estimate_noise_sigma(estimate_sample(noisy)),
                        "weights": _bin_weights(brightness, bins)})  # fmt: skip
    if len({record["iso"] for record in records}) < 2:
        raise ValueError("fitting a noise level function needs pairs at two or more ISOs")
    x = np.array([math.log2(record["iso"] / REFERENCE_ISO) for record in records])
    y = np.stack([record["log_sigma"] for record in records])
    intercept, slope = np.full(bins, np.nan), np.full(bins, np.nan)
    for k in range(bins):
        known = np.isfinite(y[:, k])
        if known.sum() >= 2 and np.ptp(x[known]) > 0:
            slope[k], intercept[k] = np.polyfit(x[known], y[known, k], 1)
    filled = np.isfinite(intercept)
    if not filled.any():
        raise ValueError("no brightness bin has enough pixels to fit")
    centres = np.arange(bins)
    intercept = np.interp(centres, centres[filled], intercept[filled])
    slope = np.interp(centres, centres[filled], slope[filled])
    residual = y - (intercept + np.outer(x, slope))
    offsets = {}
    for phone in sorted({record["phone"] for record in records} - {""}):
        rows = [i for i, record in enumerate(records) if record["phone"] == phone]
        offsets[phone] = float(np.nanmean(residual[rows]))
    curves = NoiseLevelFunction(tuple(map(float, bin_edges(bins))), tuple(map(float, intercept)),
                                tuple(map(float, slope)), offsets, 0.0, 0.0, 0.0, len(records), source)  # fmt: skip
    estimate_error = np.log([record["estimate"] / record["rms"] for record in records])
    fit_error = np.log([_predicted_rms(curves, record["weights"], record["iso"], record["phone"]) / record["rms"]
                        for record in records])  # fmt: skip
    return dataclasses.replace(curves, estimate_bias=float(estimate_error.mean()),
                               estimate_spread=float(estimate_error.std(ddof=1)), fit_spread=float(fit_error.std(ddof=1)))  # fmt: skip


def _brightness(noisy: np.ndarray) -> np.ndarray:
    """The photo's local brightness: the channels' mean, Gaussian-smoothed so the noise does not move the map."""
    from scipy import ndimage

    mean = np.asarray(noisy, np.float32).mean(axis=-1)
    return ndimage.gaussian_filter(mean, BRIGHTNESS_SMOOTHING_PX, mode="reflect")


def _bin_weights(brightness: np.ndarray, bins: int) -> np.ndarray:
    """The share of the photo's pixels in each brightness bin."""
    index = np.clip((brightness.ravel() * bins).astype(np.int64), 0, bins - 1)
    return np.bincount(index, minlength=bins) / index.size


def _predicted_rms(curves: NoiseLevelFunction, weights: np.ndarray, iso: float, phone: str | None) -> float:
    return float(np.sqrt(np.sum(weights * np.square(curves.sigma(curves.centres, iso, phone)))))


def metadata_map(noisy: np.ndarray, curves: NoiseLevelFunction, iso: float, phone: str | None = None) -> np.ndarray:
    """The ``(H, W)`` noise-level map the metadata predicts: the curves read at each pixel's local brightness."""
    return curves.sigma(_brightness(noisy), iso, phone)


def estimate_sample(noisy: np.ndarray, window: int = ESTIMATE_WINDOW, per_side: int = ESTIMATE_WINDOWS) -> np.ndarray:
    """What the estimate reads: the photo itself, or for a photo larger than ``per_side`` x ``per_side`` windows of
    ``window`` pixels, those windows (evenly spread over it, corners included) stitched into one mosaic."""
    height, width = np.shape(noisy)[:2]
    if height <= per_side * window and width <= per_side * window:
        return np.asarray(noisy)
    tops = np.linspace(0, max(height - window, 0), per_side).round().astype(int)
    lefts = np.linspace(0, max(width - window, 0), per_side).round().astype(int)
    rows = [np.concatenate([noisy[top : top + window, left : left + window] for left in lefts], axis=1) for top in tops]
    return np.concatenate(rows, axis=0)


def estimated_level(noisy: np.ndarray, curves: NoiseLevelFunction) -> float:
    """The blind estimate of the photo's noise level (on :func:`estimate_sample`), corrected by its average bias on
    the fitting pairs."""
    from casestudy.noise.estimate import estimate_noise_sigma

    return float(estimate_noise_sigma(estimate_sample(noisy)) / math.exp(curves.estimate_bias))


@dataclasses.dataclass(frozen=True)
class MapChoice:
    """The map a photo gets, where it came from, and why.

    Attributes:
        level_map: ``(H, W)`` float32 noise standard deviation per pixel.
        source: ``"metadata"`` or ``"estimate"``.
        note: one sentence for the user (what the metadata said, what the image said, which won).
        metadata_level: the metadata map's root mean square (``None`` without metadata).
        estimated_level: the corrected blind estimate.
    """

    level_map: np.ndarray
    source: str
    note: str
    metadata_level: float | None
    estimated_level: float


def choose_noise_map(
    noisy: np.ndarray, curves: NoiseLevelFunction, iso: float | None = None, phone: str | None = None
) -> MapChoice:
    """The metadata's map when there is an ISO and it agrees with the image, else the image's own estimate."""
    estimate = estimated_level(noisy, curves)
    flat = np.full(np.shape(noisy)[:2], estimate, np.float32)
    if iso is None or (isinstance(iso, float) and math.isnan(iso)):
        return MapChoice(flat, "estimate", f"no ISO in the metadata: the noise level is estimated from the image "
                         f"({255 * estimate:.1f}/255)", None, estimate)  # fmt: skip
    level_map = metadata_map(noisy, curves, iso, phone)
    level = float(np.sqrt(np.mean(np.square(level_map))))
    tolerance = DISAGREEMENT_SPREADS * math.hypot(curves.estimate_spread, curves.fit_spread)
    gap = math.log(level / max(estimate, 1e-6))
    said = f"ISO {iso:g}{f' ({phone})' if phone else ''} implies noise of {255 * level:.1f}/255"
    if abs(gap) > tolerance:
        return MapChoice(flat, "estimate", f"{said}, but the image reads {255 * estimate:.1f}/255 (a factor of "
                         f"{math.exp(abs(gap)):.1f}, beyond the estimate's spread of x{math.exp(tolerance):.1f}): the "
                         "metadata looks wrong, so the estimate is used", level, estimate)  # fmt: skip
    return MapChoice(level_map, "metadata", f"{said}; the image reads {255 * estimate:.1f}/255, which agrees: the "
                     "map follows the metadata", level, estimate)  # fmt: skip


def parse_iso(value: Any) -> float | None:
    """An ISO as metadata gives it (a number, text, or several values of which the first counts) as a float;
    ``None`` when absent, unreadable or not a positive, finite number. The one reading of an ISO for EXIF tags,
    uploads and table rows."""
    value = value[0] if isinstance(value, (list, tuple)) and value else value
    try:
        iso = float(str(value)) if value is not None else None
    except ValueError:
        return None
    return iso if iso is not None and math.isfinite(iso) and iso > 0 else None


def metadata_of_exif(tags: Mapping[str, Any]) -> tuple[float | None, str | None]:
    """``(iso, phone code)`` from :func:`casestudy.io.read_exif`'s tags (``None`` where absent or unknown)."""
    from casestudy.camera.phones import phone_code

    iso = parse_iso(tags.get("EXIF ISOSpeedRatings"))
    return iso, phone_code(str(tags.get("Image Make", "")), str(tags.get("Image Model", "")))


def fit_on_dataset(data_dir: str | os.PathLike, split: str = "train", seed: int = 2021) -> NoiseLevelFunction:
    """:func:`fit_noise_level_function` on the ``split`` pairs of a data set whose catalogue has ISO and phone.

    Raises:
        ValueError: no pair of that split has an ISO.
    """
    from casestudy.data.catalogue import load_catalogue
    from casestudy.data.pairs import iter_pairs

    catalogue = load_catalogue(data_dir, read_exif=False, seed=seed)
    rows = catalogue[(catalogue["split"] == split) & catalogue["iso"].notna()]
    if rows.empty:
        raise ValueError(f"{data_dir}: no {split} pair has an ISO to fit a noise level function on")
    phones = rows["phone"] if "phone" in rows else [None] * len(rows)
    pairs = ((clean, noisy, float(row.iso), phone or None)
             for (row, noisy, clean), phone in zip(iter_pairs(rows), phones, strict=True))  # fmt: skip
    return fit_noise_level_function(pairs, source=f"{len(rows)} {split} pairs of {Path(data_dir).name}")


def metadata_of_file(path: str | os.PathLike) -> tuple[float | None, str | None]:
    """``(iso, phone code)`` of a photo file: from its EXIF (:func:`metadata_of_exif`), else from a SIDD instance
    folder name it sits in (``0001_001_S6_00100_00060_3200_L/NOISY_SRGB_010.PNG``); ``None`` where neither says."""
    from casestudy.data.errors import DataLayoutError
    from casestudy.data.sidd_names import parse_instance_name
    from casestudy.io import read_exif

    iso, phone = metadata_of_exif(read_exif(path))
    if iso is not None:
        return iso, phone
    try:
        fields = parse_instance_name(Path(path).parent.name)
    except DataLayoutError:
        return None, phone
    return float(fields["iso"]), str(fields["phone"])
