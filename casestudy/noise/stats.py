"""Pixel and noise statistics of noisy/clean pairs: what the exploratory notebooks measure.

Everything here works on float images in [0, 1] of shape (H, W, 3), as
:func:`casestudy.io.read_image` returns them, and on the catalogue of
:func:`casestudy.data.catalogue.load_catalogue`. The *residual* of a pair is
``noisy - clean``: on a well-aligned pair it is the noise itself, so its
statistics describe the noise a denoiser has to remove:

* :func:`channel_stats`: per-channel mean and standard deviation of one image;
* :func:`noise_sigma` and :func:`blind_sigma`: the noise level from the residual
  (needs the clean image) or from the noisy image alone (what a filter sees);
* :func:`binned_moments` / :func:`noise_level_function`: the residual's variance
  against the clean intensity (real noise is heteroscedastic: it depends on
  the brightness of the pixel);
* :func:`autocorrelation`: the residual's correlation with itself at small
  spatial shifts (white noise would give 0 at every non-zero shift);
* :func:`survey_pairs`: all of the above over a catalogue, in one pass that
  reads each pair once.

Introduced in ``02_eda_metadata.ipynb`` (noise level per capture) and
``03_eda_pixels.ipynb`` (everything else).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from casestudy.data.pairs import iter_pairs
from casestudy.noise.estimate import estimate_noise_sigma
from casestudy.metrics import psnr

CHANNELS = ("R", "G", "B")
#: Intensity bins of the noise level function and the histograms: edges over [0, 1].
DEFAULT_BINS = 32
#: Largest spatial shift (pixels) of the residual autocorrelation.
DEFAULT_MAX_LAG = 4
#: ISO bands used to group captures (upper bound inclusive, label).
ISO_BANDS = ((100, "ISO ≤ 100"), (400, "ISO 101–400"), (800, "ISO 401–800"), (1600, "ISO 801–1600"),
             (3200, "ISO 1601–3200"), (np.inf, "ISO > 3200"))


def _as_image(image: np.ndarray, name: str = "image") -> np.ndarray:
    array = np.asarray(image, dtype=np.float64)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.size == 0:
        raise ValueError(f"{name}: expected an (H, W) or (H, W, C) image, got shape {np.shape(image)}")
    return array


def _check_same_shape(noisy: np.ndarray, clean: np.ndarray) -> None:
    if np.shape(noisy) != np.shape(clean):
        raise ValueError(f"noisy {np.shape(noisy)} and clean {np.shape(clean)} images differ in shape")


def channel_stats(image: np.ndarray) -> pd.DataFrame:
    """Mean and standard deviation of each channel of one image (rows R, G, B; columns mean, std)."""
    array = _as_image(image)
    names = list(CHANNELS[: array.shape[-1]]) if array.shape[-1] <= 3 else [str(c) for c in range(array.shape[-1])]
    return pd.DataFrame(
        {"mean": array.mean(axis=(0, 1)), "std": array.std(axis=(0, 1))}, index=pd.Index(names, name="channel")
    )


def residual(noisy: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """The noise of a pair, ``noisy - clean``, as float32 in [-1, 1]."""
    _check_same_shape(noisy, clean)
    return (np.asarray(noisy, dtype=np.float32) - np.asarray(clean, dtype=np.float32)).astype(np.float32)


def noise_sigma(noisy: np.ndarray, clean: np.ndarray) -> float:
    """Standard deviation of the residual over every pixel and channel (data range 1)."""
    return float(np.std(residual(noisy, clean), dtype=np.float64))


def blind_sigma(noisy: np.ndarray) -> float:
    """The noise level guessed from the noisy image alone (wavelet median estimator, channels averaged).

    This is what a filter such as Non-Local Means can know without a clean image.
    It assumes white noise, so on demosaiced camera noise it underestimates.
    """
    return estimate_noise_sigma(_as_image(noisy), method="wavelet")


def noisy_psnr(noisy: np.ndarray, clean: np.ndarray) -> float:
    """PSNR of the noisy input against its clean image, in dB with data range 1 (the "do nothing" score)."""
    _check_same_shape(noisy, clean)
    return psnr(clean, noisy)


def bin_edges(bins: int = DEFAULT_BINS) -> np.ndarray:
    """``bins + 1`` equally spaced edges over [0, 1]."""
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    return np.linspace(0.0, 1.0, bins + 1)


def binned_moments(clean: np.ndarray, noisy: np.ndarray, bins: int = DEFAULT_BINS) -> np.ndarray:
    """Count, sum and sum of squares of the residual in bins of clean intensity, shape (bins, 3).

    Every pixel of every channel counts once, binned by its clean value. Moments
    from several images add up, so :func:`moments_to_table` can pool a whole ISO band.
    """
    _check_same_shape(noisy, clean)
    clean_values = np.asarray(clean, dtype=np.float64).ravel()
    noise = np.asarray(noisy, dtype=np.float64).ravel() - clean_values
    index = np.clip((clean_values * bins).astype(np.int64), 0, bins - 1)
    count = np.bincount(index, minlength=bins)
    total = np.bincount(index, weights=noise, minlength=bins)
    squares = np.bincount(index, weights=noise * noise, minlength=bins)
    return np.stack([count, total, squares], axis=1).astype(np.float64)


def moments_to_table(moments: np.ndarray, min_count: int = 100) -> pd.DataFrame:
    """Turn pooled :func:`binned_moments` into a table: intensity (bin centre), count, mean, variance, std.

    Bins with fewer than ``min_count`` pixels are dropped: their variance is too noisy to read.
    """
    moments = np.asarray(moments, dtype=np.float64)
    bins = len(moments)
    count, total, squares = moments.T
    keep = count >= max(min_count, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        variance = (squares - count * mean**2) / (count - 1)
    centres = (bin_edges(bins)[:-1] + bin_edges(bins)[1:]) / 2
    table = pd.DataFrame(
        {"intensity": centres, "count": count.astype(np.int64), "mean": mean, "variance": np.maximum(variance, 0.0)}
    )[keep]
    table["std"] = np.sqrt(table["variance"])
    return table.reset_index(drop=True)


def noise_level_function(
    cleans: Iterable[np.ndarray], noisies: Iterable[np.ndarray], bins: int = DEFAULT_BINS, min_count: int = 100
) -> pd.DataFrame:
    """The residual's variance against clean intensity, pooled over the given pairs (see :func:`moments_to_table`)."""
    pooled = np.zeros((bins, 3))
    for clean, noisy in zip(cleans, noisies, strict=True):
        pooled += binned_moments(clean, noisy, bins)
    return moments_to_table(pooled, min_count)


def autocorrelation(noise: np.ndarray, max_lag: int = DEFAULT_MAX_LAG) -> np.ndarray:
    """Normalised spatial autocorrelation of a residual at shifts -max_lag..max_lag, averaged over channels.

    Returns a (2 max_lag + 1, 2 max_lag + 1) array indexed ``[max_lag + dy, max_lag + dx]``;
    the centre is 1. For each shift, the products of the overlapping pixels are averaged
    (computed with zero-padded FFTs, so nothing wraps around), then divided by the variance.
    White noise gives about 0 (within :func:`white_noise_band`) at every other shift.
    """
    array = _as_image(noise)
    height, width, _ = array.shape
    if max_lag < 0 or max_lag >= min(height, width):
        raise ValueError(f"max_lag must be in 0..{min(height, width) - 1}, got {max_lag}")
    centred = array - array.mean(axis=(0, 1))
    shape = (2 * height, 2 * width)
    spectrum = np.fft.rfft2(centred, s=shape, axes=(0, 1))
    raw = np.fft.irfft2(np.abs(spectrum) ** 2, s=shape, axes=(0, 1))  # sum of products at each shift
    lags = np.arange(-max_lag, max_lag + 1)
    window = raw[np.ix_(lags % shape[0], lags % shape[1])]  # (2L+1, 2L+1, C)
    overlap = np.outer(height - np.abs(lags), width - np.abs(lags))[..., None]
    variance = (centred**2).mean(axis=(0, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = window / overlap / variance
    correlation = correlation[..., variance > 0]
    if correlation.shape[-1] == 0:
        raise ValueError("the residual is constant: its autocorrelation is undefined")
    return correlation.mean(axis=-1)


def channel_correlation(noise: np.ndarray) -> pd.DataFrame:
    """Correlation between the colour channels of a residual (3 x 3, ones on the diagonal).

    Independent noise per channel would give 0 off the diagonal; a camera's colour
    processing mixes the channels' noise, so real sRGB noise is correlated across them.
    """
    array = _as_image(noise)
    flat = array.reshape(-1, array.shape[-1])
    names = list(CHANNELS[: flat.shape[1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.corrcoef(flat, rowvar=False)
    return pd.DataFrame(np.atleast_2d(matrix), index=pd.Index(names, name="channel"), columns=names)


def white_noise_band(n_pixels: int, z: float = 1.96) -> float:
    """Half-width of the 95 % band of a sample autocorrelation of white noise over ``n_pixels`` pixels."""
    return float(z / np.sqrt(max(int(n_pixels), 1)))


def autocorrelation_table(correlation: np.ndarray) -> pd.DataFrame:
    """A long table (dy, dx, correlation) of an :func:`autocorrelation` array."""
    size = correlation.shape[0]
    max_lag = size // 2
    dy, dx = np.meshgrid(np.arange(size) - max_lag, np.arange(size) - max_lag, indexing="ij")
    return pd.DataFrame({"dy": dy.ravel(), "dx": dx.ravel(), "correlation": correlation.ravel()})


def iso_band(iso: float) -> str:
    """The ISO band of :data:`ISO_BANDS` a capture falls in (``"unknown"`` for a missing ISO)."""
    if iso is None or pd.isna(iso):
        return "unknown"
    for upper, label in ISO_BANDS:
        if iso <= upper:
            return label
    return ISO_BANDS[-1][1]  # pragma: no cover - the last upper bound is infinite


def iso_bands(isos: Iterable[float]) -> pd.Categorical:
    """:func:`iso_band` of each ISO as an ordered categorical (only the bands present, low to high)."""
    labels = [iso_band(iso) for iso in isos]
    order = [label for _, label in ISO_BANDS if label in labels] + (["unknown"] if "unknown" in labels else [])
    return pd.Categorical(labels, categories=order, ordered=True)


def central_crop(image: np.ndarray, size: int) -> np.ndarray:
    """The ``size`` x ``size`` crop at the centre of an image (the whole side if the image is smaller)."""
    height, width = np.shape(image)[:2]
    top, left = max((height - size) // 2, 0), max((width - size) // 2, 0)
    return np.asarray(image)[top : top + size, left : left + size]


#: Catalogue columns copied into the survey's per-pair table when present.
_ID_COLUMNS = ("source", "instance", "scene", "phone", "camera", "iso", "shutter_s", "illuminant_k", "brightness",
               "height", "width", "split")


def pair_summary(noisy: np.ndarray, clean: np.ndarray) -> dict[str, float]:
    """The noise of one pair in four numbers: noisy-input PSNR (dB), residual sigma, blind sigma, residual mean."""
    noise = residual(noisy, clean)
    return {
        "noisy_psnr": noisy_psnr(noisy, clean),
        "sigma": float(noise.std(dtype=np.float64)),
        "sigma_blind": blind_sigma(noisy),
        "residual_mean": float(noise.mean(dtype=np.float64)),
    }


def _pairs(catalogue: pd.DataFrame):
    """(row, noisy, clean) for each pair of the catalogue, in its order, images read once."""
    if catalogue.empty:
        raise ValueError("the catalogue has no pairs to survey")
    yield from iter_pairs(catalogue)


def _id_record(row) -> dict:
    return {column: getattr(row, column) for column in _ID_COLUMNS if hasattr(row, column)}


def pair_noise(catalogue: pd.DataFrame) -> pd.DataFrame:
    """One row per pair: the catalogue's metadata, :func:`pair_summary`'s four numbers and ``iso_band``.

    Lighter than :func:`survey_pairs` (no histograms, noise level function or autocorrelation).

    Raises:
        ValueError: an empty catalogue, or a pair whose two images differ in shape.
    """
    rows = [_id_record(row) | pair_summary(noisy, clean) for row, noisy, clean in _pairs(catalogue)]
    table = pd.DataFrame(rows)
    table["iso_band"] = iso_bands(table["iso"]) if "iso" in table else iso_bands([None] * len(table))
    return table


@dataclasses.dataclass
class PixelSurvey:
    """What :func:`survey_pairs` measures, as tidy tables.

    Attributes:
        pairs: one row per pair: the catalogue's metadata, ``noisy_psnr`` (dB),
            ``sigma`` and ``sigma_blind`` (data range 1), ``residual_mean`` and ``iso_band``.
        channels: one row per pair and channel: ``gt_mean``, ``noisy_mean``, ``gt_std``, ``noisy_std``.
        histograms: one row per channel and intensity bin: ``count_gt``, ``count_noisy`` (pooled over pairs).
        noise_levels: the noise level function per ISO band: ``iso_band``, ``intensity``, ``variance``, ``std``, ``count``.
        autocorrelation: the residual's autocorrelation per ISO band (mean over its pairs):
            ``iso_band``, ``dy``, ``dx``, ``correlation``, ``white_band`` (95 % band of white noise).
    """

    pairs: pd.DataFrame
    channels: pd.DataFrame
    histograms: pd.DataFrame
    noise_levels: pd.DataFrame
    autocorrelation: pd.DataFrame


def survey_pairs(
    catalogue: pd.DataFrame,
    bins: int = DEFAULT_BINS,
    max_lag: int = DEFAULT_MAX_LAG,
    min_count: int = 100,
) -> PixelSurvey:
    """Read every pair of ``catalogue`` once and measure its pixels and its noise (see :class:`PixelSurvey`).

    Pairs are visited in the catalogue's order; nothing is random.

    Raises:
        ValueError: an empty catalogue, or a pair whose two images differ in shape.
    """
    rows, channel_rows = [], []
    hist_gt = np.zeros((3, bins), dtype=np.int64)
    hist_noisy = np.zeros((3, bins), dtype=np.int64)
    moments: dict[str, np.ndarray] = {}
    correlations: dict[str, list[np.ndarray]] = {}
    pixels: dict[str, list[int]] = {}
    edges = bin_edges(bins)
    for row, noisy, clean in _pairs(catalogue):
        record = _id_record(row)
        record.update(pair_summary(noisy, clean))
        rows.append(record)
        gt_stats, noisy_stats = channel_stats(clean), channel_stats(noisy)
        for channel in gt_stats.index:
            channel_rows.append({
                "instance": record.get("instance"), "phone": record.get("phone"), "iso": record.get("iso"),
                "channel": channel,
                "gt_mean": gt_stats.at[channel, "mean"], "noisy_mean": noisy_stats.at[channel, "mean"],
                "gt_std": gt_stats.at[channel, "std"], "noisy_std": noisy_stats.at[channel, "std"],
            })
        for c in range(3):
            hist_gt[c] += np.histogram(clean[..., c], bins=edges)[0]
            hist_noisy[c] += np.histogram(noisy[..., c], bins=edges)[0]
        band = iso_band(record.get("iso"))
        moments[band] = moments.get(band, np.zeros((bins, 3))) + binned_moments(clean, noisy, bins)
        correlations.setdefault(band, []).append(autocorrelation(residual(noisy, clean), max_lag))
        pixels.setdefault(band, []).append(noisy.shape[0] * noisy.shape[1])

    pairs = pd.DataFrame(rows)
    pairs["iso_band"] = iso_bands(pairs["iso"]) if "iso" in pairs else iso_bands([None] * len(pairs))
    order = list(pairs["iso_band"].cat.categories)

    centres = (edges[:-1] + edges[1:]) / 2
    histograms = pd.concat(
        [pd.DataFrame({"channel": name, "intensity": centres, "count_gt": hist_gt[c], "count_noisy": hist_noisy[c]})
         for c, name in enumerate(CHANNELS)],
        ignore_index=True,
    )
    levels = [moments_to_table(moments[band], min_count).assign(iso_band=band) for band in order if band in moments]
    noise_levels = pd.concat(levels, ignore_index=True)
    noise_levels["iso_band"] = pd.Categorical(noise_levels["iso_band"], categories=order, ordered=True)
    acf_tables = []
    for band in order:
        if band in correlations:
            table = autocorrelation_table(np.mean(correlations[band], axis=0))
            # Averaging k independent estimates narrows the white-noise band by sqrt(k).
            band_width = white_noise_band(int(np.mean(pixels[band]))) / np.sqrt(len(pixels[band]))
            acf_tables.append(table.assign(iso_band=band, white_band=band_width))
    acf = pd.concat(acf_tables, ignore_index=True)
    acf["iso_band"] = pd.Categorical(acf["iso_band"], categories=order, ordered=True)
    return PixelSurvey(pairs, pd.DataFrame(channel_rows), histograms, noise_levels, acf)


def pick_per_group(catalogue: pd.DataFrame, column: str, values: Sequence | None = None) -> pd.DataFrame:
    """One capture per value of ``column`` (the first by instance), for showing examples without random picks."""
    if column not in catalogue or catalogue[column].isna().all():
        raise ValueError(f"the catalogue has no {column!r} values to group by")
    ordered = catalogue.dropna(subset=[column]).sort_values([column, "instance"])
    chosen = ordered.groupby(column, sort=True, observed=True).head(1)
    if values is not None:
        chosen = chosen[chosen[column].isin(list(values))]
    return chosen.reset_index(drop=True)
