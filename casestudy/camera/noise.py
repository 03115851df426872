"""Raw-domain sensor noise: SIDD's measured noise level functions and the shot + read model.

On a raw sensor value ``x`` in [0, 1] (0 = black level, 1 = white level) the noise
is Gaussian with a variance that grows with the signal::

    var(x) = beta1 * x + beta2

``beta1 * x`` is photon shot noise (Poisson, so its variance is proportional to the
signal; ``beta1`` is the analog gain in white-level units, so it grows with ISO)
and ``beta2`` is read noise (constant, also amplified at high ISO). SIDD measured
``(beta1, beta2)`` for each phone at ISO 100/400/800/1600/3200; :data:`NLF_TABLE`
holds those values (as SIDD's paper publishes them) for four phones. :func:`noise_level`
interpolates between tabulated ISOs linearly in log(ISO) -> log(beta), i.e. as a
power law between neighbours, which is how gain-driven noise behaves.

Outside the table:

* ``beta1`` is extrapolated proportional to ISO (log-log slope 1): shot-noise
  variance in white-level units scales with the analog gain;
* ``beta2`` follows the log-log slope of the nearest tabulated segment, clamped
  to [0, 2]: read noise added after the amplifier stays put (slope 0), noise
  added before it scales like gain squared (slope 2).

Both rules keep ``beta1`` and ``beta2`` non-decreasing in ISO.

The iPhone (IP) is the exception. Its reported profile (:data:`IP_REPORTED`) keeps
``beta1`` at 7e-4 from ISO 100 to 1600, so its noise would not grow with ISO at
all: that is what the camera's own metadata says (its raw files are already
scaled by the ISP), not what a sensor does. The simulator uses the physical
model instead (:func:`iso_proportional_profile`), anchored at the reported
ISO-100 values:

* ``beta1(ISO) = beta1(100) * ISO / 100``: shot-noise variance in white-level
  units grows in proportion to the analogue gain;
* ``beta2(ISO) = beta2(100) * (ISO / 100) ** s`` with ``s`` the median of the
  other four phones' fitted log-log read-noise slopes (:func:`read_noise_slope`,
  about 1.4): read noise grows partly before the amplifier (slope 2) and
  partly after it (slope 0), as the other phones' measurements show.

:func:`db_per_iso_doubling` turns a profile into the number students meet in the
data: the dB of raw signal-to-noise ratio lost per doubling of ISO at a given
signal level (-3.01 dB for pure shot noise).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

#: The iPhone's profile as its metadata reports it: beta1 flat at ~7e-4 over ISO
#: 100..1600, beta2 ~2..3e-6. Kept for teaching (what a camera reports); the
#: simulator uses :func:`iso_proportional_profile` anchored at its ISO-100 values.
IP_REPORTED: dict[str, tuple[float, ...]] = {
    "iso": (100, 400, 800, 1600),
    "beta1": (7e-4, 7e-4, 7e-4, 7e-4),
    "beta2": (2e-6, 2e-6, 2.5e-6, 3e-6),
}

#: Per phone: ISO levels and the SIDD noise level function (beta1, beta2) at each
#: (IP is added below, from its ISO-100 values and the physical model).
NLF_TABLE: dict[str, dict[str, tuple[float, ...]]] = {
    "GP": {
        "iso": (100, 400, 800, 1600, 3200),
        "beta1": (2.28e-4, 8.86e-4, 1.764e-3, 3.519e-3, 7.029e-3),
        "beta2": (2e-6, 5e-6, 1.2e-5, 4.5e-5, 1.79e-4),
    },
    "S6": {
        "iso": (100, 400, 800, 1600, 3200),
        "beta1": (4.79e-4, 1.774e-3, 3.696e-3, 8.211e-3, 1.993e-2),
        "beta2": (2e-6, 2e-6, 2e-6, 2e-6, 2e-6),
    },
    "N6": {
        "iso": (100, 400, 800, 1600, 3200),
        "beta1": (4.73e-4, 1.760e-3, 3.476e-3, 6.909e-3, 1.3773e-2),
        "beta2": (3e-6, 1.3e-5, 5.2e-5, 2.08e-4, 8.33e-4),
    },
    "G4": {
        "iso": (100, 400, 800),
        "beta1": (7.39e-4, 1.860e-3, 3.356e-3),
        "beta2": (2e-6, 2e-6, 6.3e-5),
    },
}

_BETA1_OUTSIDE_SLOPE = 1.0
_BETA2_SLOPE_RANGE = (0.0, 2.0)
#: Raw signal level (white-level units) at which :func:`db_per_iso_doubling` is quoted by
#: default: a mid-grey after the ISP's gains and gamma, where shot noise dominates.
REFERENCE_SIGNAL = 0.1


def _fitted_slope(isos: Sequence[float], values: Sequence[float]) -> float:
    """Least-squares slope of log(values) against log(isos)."""
    return float(np.polyfit(np.log(np.asarray(isos, float)), np.log(np.asarray(values, float)), 1)[0])


def read_noise_slope(phones: Iterable[str] | None = None) -> float:
    """Median over ``phones`` (default: every measured phone in :data:`NLF_TABLE` but IP) of the
    fitted log-log slope of read-noise variance ``beta2`` against ISO, clamped to [0, 2]."""
    chosen = [p for p in (phones if phones is not None else NLF_TABLE) if p != "IP"]
    slopes = [_fitted_slope(NLF_TABLE[p]["iso"], NLF_TABLE[p]["beta2"]) for p in chosen]
    return float(np.clip(np.median(slopes), *_BETA2_SLOPE_RANGE))


def iso_proportional_profile(
    isos: Sequence[float], beta1_at_100: float, beta2_at_100: float, read_slope: float
) -> dict[str, tuple[float, ...]]:
    """A noise-level table that follows the physics of analogue gain, anchored at ISO 100.

    ``beta1`` grows in proportion to ISO (shot-noise variance in white-level units
    scales with the gain); ``beta2`` as ``(ISO / 100) ** read_slope``.
    """
    ratios = np.asarray(isos, dtype=np.float64) / 100.0
    return {
        "iso": tuple(int(iso) for iso in isos),
        "beta1": tuple(float(beta1_at_100 * r) for r in ratios),
        "beta2": tuple(float(beta2_at_100 * r**read_slope) for r in ratios),
    }


NLF_TABLE["IP"] = iso_proportional_profile(
    IP_REPORTED["iso"], IP_REPORTED["beta1"][0], IP_REPORTED["beta2"][0], read_noise_slope()
)


def _loglog(iso: float, isos: np.ndarray, values: np.ndarray, outside_slope: float | None) -> float:
    """Piecewise power law through (isos, values); beyond the ends, a power law of the given
    slope (or, if ``None``, the end segment's slope clamped to ``_BETA2_SLOPE_RANGE``)."""
    exact = np.flatnonzero(isos == iso)
    if exact.size:
        return float(values[exact[0]])
    log_iso, log_isos, log_values = np.log(iso), np.log(isos), np.log(values)
    if log_isos[0] <= log_iso <= log_isos[-1]:
        return float(np.exp(np.interp(log_iso, log_isos, log_values)))
    end = 0 if log_iso < log_isos[0] else -1
    if outside_slope is None:
        pair = slice(0, 2) if end == 0 else slice(-2, None)
        rise = np.diff(log_values[pair])[0]
        run = np.diff(log_isos[pair])[0]
        outside_slope = float(np.clip(rise / run, *_BETA2_SLOPE_RANGE))
    return float(np.exp(log_values[end] + outside_slope * (log_iso - log_isos[end])))


def noise_level(phone: str, iso: float) -> tuple[float, float]:
    """SIDD's raw noise level function ``(beta1, beta2)`` of ``phone`` at ``iso``.

    Exact at tabulated ISOs, power-law interpolated between them, extrapolated as
    the module docstring explains.

    Raises:
        ValueError: unknown phone code or a non-positive ISO.
    """
    if phone not in NLF_TABLE:
        raise ValueError(f"no noise level function for phone {phone!r}; expected one of {sorted(NLF_TABLE)}")
    if not np.isfinite(iso) or iso <= 0:
        raise ValueError(f"ISO must be a positive number, got {iso!r}")
    table = NLF_TABLE[phone]
    isos = np.asarray(table["iso"], dtype=np.float64)
    beta1 = _loglog(float(iso), isos, np.asarray(table["beta1"], dtype=np.float64), _BETA1_OUTSIDE_SLOPE)
    beta2 = _loglog(float(iso), isos, np.asarray(table["beta2"], dtype=np.float64), None)
    return beta1, beta2


def add_raw_noise(signal: np.ndarray, beta1: float, beta2: float, rng: np.random.Generator) -> np.ndarray:
    """Return ``signal`` plus Gaussian noise of variance ``beta1 * signal + beta2`` (float32).

    The variance uses the clean signal (negative values count as 0), as the
    heteroscedastic Gaussian approximation of Poisson-Gaussian noise does.
    """
    signal = np.asarray(signal, dtype=np.float32)
    std = np.sqrt(np.float32(beta1) * np.maximum(signal, 0.0) + np.float32(beta2))
    return signal + std * rng.standard_normal(signal.shape, dtype=np.float32)


def db_per_iso_doubling(
    phone: str, signal: float = REFERENCE_SIGNAL, isos: Sequence[float] | None = None
) -> float:
    """dB of raw signal-to-noise ratio lost per doubling of ISO, fitted over the phone's ISOs.

    At a fixed raw ``signal`` (white-level units) the noise variance is
    ``beta1(ISO) * signal + beta2(ISO)``; its dB, ``10 log10(variance)``, is fitted
    by a straight line against ``log2(ISO)`` over ``isos`` (default: the ISOs
    :data:`NLF_TABLE` tabulates for the phone) and the negated slope returned, so a
    noisier ISO gives a negative number. Pure shot noise whose variance doubles with
    ISO gives -3.01 dB; a flat profile gives 0.

    Raises:
        ValueError: unknown phone, a non-positive signal or fewer than two ISOs.
    """
    if not signal > 0:
        raise ValueError(f"signal must be positive, got {signal!r}")
    if phone not in NLF_TABLE:
        raise ValueError(f"no noise level function for phone {phone!r}; expected one of {sorted(NLF_TABLE)}")
    chosen = np.asarray(NLF_TABLE[phone]["iso"] if isos is None else isos, dtype=np.float64)
    if chosen.size < 2:
        raise ValueError(f"need at least two ISOs to fit a slope, got {chosen.tolist()}")
    variance = np.array([b1 * signal + b2 for b1, b2 in (noise_level(phone, iso) for iso in chosen)])
    return float(-np.polyfit(np.log2(chosen), 10 * np.log10(variance), 1)[0])
