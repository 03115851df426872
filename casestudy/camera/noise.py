"""Raw-domain sensor noise: SIDD's measured noise level functions and the shot + read model.

On a raw sensor value ``x`` in [0, 1] (0 = black level, 1 = white level) the noise
is Gaussian with a variance that grows with the signal::

    var(x) = beta1 * x + beta2

``beta1 * x`` is photon shot noise (Poisson, so its variance is proportional to the
signal; ``beta1`` is the analog gain in white-level units, so it grows with ISO)
and ``beta2`` is read noise (constant, also amplified at high ISO). SIDD measured
``(beta1, beta2)`` for each phone at ISO 100/400/800/1600/3200; :data:`NLF_TABLE`
holds those values (as quoted in ``CASE_STUDY.md``). :func:`noise_level`
interpolates between tabulated ISOs linearly in log(ISO) -> log(beta), i.e. as a
power law between neighbours, which is how gain-driven noise behaves.

Outside the table:

* ``beta1`` is extrapolated proportional to ISO (log-log slope 1): shot-noise
  variance in white-level units scales with the analog gain;
* ``beta2`` follows the log-log slope of the nearest tabulated segment, clamped
  to [0, 2]: read noise added after the amplifier stays put (slope 0), noise
  added before it scales like gain squared (slope 2).

Both rules keep ``beta1`` and ``beta2`` non-decreasing in ISO.
"""

from __future__ import annotations

import numpy as np

#: Per phone: ISO levels and the SIDD noise level function (beta1, beta2) at each.
#: IP's beta1 was measured at ~7e-4 over ISO 100..1600 and beta2 at ~2..3e-6;
#: S6's beta2 at ~2e-6; the iPhone's flat beta1 reflects its own raw pipeline.
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
    "IP": {
        "iso": (100, 400, 800, 1600),
        "beta1": (7e-4, 7e-4, 7e-4, 7e-4),
        "beta2": (2e-6, 2e-6, 2.5e-6, 3e-6),
    },
    "G4": {
        "iso": (100, 400, 800),
        "beta1": (7.39e-4, 1.860e-3, 3.356e-3),
        "beta2": (2e-6, 2e-6, 6.3e-5),
    },
}

_BETA1_OUTSIDE_SLOPE = 1.0
_BETA2_SLOPE_RANGE = (0.0, 2.0)


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
