"""What a capture was taken with, and the numbers the simulator derives from it.

:class:`CaptureSettings` holds a capture's metadata (phone, ISO, shutter time,
illuminant colour temperature, brightness condition L/N/H) plus every derived
number the simulator uses, so a saved capture can be re-simulated exactly even
if the model constants below change later.

Exposure model (how bright the raw signal is)
--------------------------------------------
Light reaching the sensor is proportional to scene illuminance times shutter
time over the f-number squared, and the raw value is that times the ISO gain.
Relative to a reference capture (ISO 100, 1/100 s, f/2 under normal light)::

    exposure = LIGHT[brightness] * (ISO * shutter_s / f_number**2) / (100 * 0.01 / 2.0**2)

clipped to ``[MIN_EXPOSURE, MAX_EXPOSURE[brightness]]``. ``LIGHT`` is the relative
scene illuminance of SIDD's three lamp settings (L low, N normal, H high). The raw
signal is the unprocessed scene times ``exposure`` (values above the white level
saturate). The phone's ISP then brightens an under-exposed capture back to a
standard rendering (digital gain ``1 / exposure``), which is where low light gets
its noise: fewer photons, amplified more. Ordinary scenes (L, N) are capped at
``exposure = 1`` (the phone's auto-exposure avoids clipping them); SIDD's H
captures are deliberately over-exposed, so H may exceed 1: its image gets
brighter and its highlights clip in both the noisy image and the ground truth.

White balance (how the raw colour depends on the illuminant)
-----------------------------------------------------------
Gains are set per phone at daylight (5500 K) and move exponentially in mired
(micro reciprocal kelvin, ``1e6 / K``), the scale on which colour temperature
differences are perceptually even::

    red_gain(K)  = red_5500  * exp(-RED_PER_MIRED  * (1e6/K - 1e6/5500))
    blue_gain(K) = blue_5500 * exp(+BLUE_PER_MIRED * (1e6/K - 1e6/5500))

Warmer light (lower K, tungsten ~3200 K) already carries much red and little
blue, so the camera needs a smaller red gain and a larger blue one: for the
Pixel, 2.05 / 1.65 at 5500 K becomes 1.42 / 2.68 at 3200 K and 1.81 / 1.95 at
4400 K, within the range phones report for those lights.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from typing import Any

from casestudy.camera.noise import noise_level
from casestudy.camera.phones import get_phone
from casestudy.camera.sidd_codes import BRIGHTNESS


#: Relative scene illuminance of SIDD's brightness conditions.
LIGHT: dict[str, float] = {"L": 0.4, "N": 1.0, "H": 1.2}
#: ISO * seconds / f_number**2 of the reference capture (ISO 100, 1/100 s, f/2).
REFERENCE_EXPOSURE = 100 * 0.01 / 2.0**2
#: Below this the signal is a few photons: clip so extreme metadata stays finite.
MIN_EXPOSURE = 1.0 / 64.0
#: L and N never over-expose (auto-exposure); H may, up to 4x the white level.
MAX_EXPOSURE: dict[str, float] = {"L": 1.0, "N": 1.0, "H": 4.0}

#: White-balance drift with colour temperature, per mired (see the module docstring).
RED_PER_MIRED = 2.8e-3
BLUE_PER_MIRED = 3.7e-3
DAYLIGHT_K = 5500.0
#: Illuminants outside this range are clamped (candle light to blue sky).
ILLUMINANT_RANGE_K = (1800.0, 12000.0)
#: The ISP's overall digital gain (Brooks et al. sample its inverse around 0.8).
DIGITAL_GAIN = 1.25
#: Whether the pipeline applies the smoothstep tone curve after gamma. SIDD's sRGB
#: images are gamma corrected *without* tone mapping, so the data set leaves it
#: off; ``CaptureSettings.from_metadata(..., tone_curve=True)`` turns it on (the
#: Brooks et al. unprocessing pipeline), bending the noise level function.
TONE_CURVE = False


def white_balance_gains(phone: str, illuminant_k: float) -> tuple[float, float]:
    """(red_gain, blue_gain) the phone applies under light of ``illuminant_k`` kelvin."""
    red_day, blue_day = get_phone(phone).daylight_gains
    kelvin = min(max(float(illuminant_k), ILLUMINANT_RANGE_K[0]), ILLUMINANT_RANGE_K[1])
    delta_mired = 1e6 / kelvin - 1e6 / DAYLIGHT_K
    return red_day * math.exp(-RED_PER_MIRED * delta_mired), blue_day * math.exp(BLUE_PER_MIRED * delta_mired)


def exposure_factor(phone: str, iso: float, shutter_s: float, brightness: str) -> float:
    """Raw signal level relative to the reference rendering (see the module docstring)."""
    if brightness not in LIGHT:
        raise ValueError(f"brightness must be one of {tuple(BRIGHTNESS)}, got {brightness!r}")
    f_number = get_phone(phone).f_number
    relative = LIGHT[brightness] * (iso * shutter_s / f_number**2) / REFERENCE_EXPOSURE
    return float(min(max(relative, MIN_EXPOSURE), MAX_EXPOSURE[brightness]))


@dataclasses.dataclass(frozen=True)
class CaptureSettings:
    """One capture's metadata and the simulator's derived numbers.

    Attributes:
        phone: SIDD phone code (``GP``, ``IP``, ``S6``, ``N6``, ``G4``).
        iso: ISO speed.
        shutter_s: exposure time in seconds.
        illuminant_k: illuminant colour temperature in kelvin.
        brightness: ``L`` (low light), ``N`` (normal) or ``H`` (high exposure).
        f_number: the phone's aperture.
        exposure: raw signal level relative to the reference rendering.
        red_gain, blue_gain: white-balance gains (green is 1).
        digital_gain: the ISP's overall gain on top of white balance.
        beta1, beta2: raw noise level function, variance = beta1 * x + beta2.
        tone_curve: whether processing applies the smoothstep tone curve after
            gamma (and unprocessing inverts it); off by default, as in SIDD.
    """

    phone: str
    iso: float
    shutter_s: float
    illuminant_k: float
    brightness: str
    f_number: float
    exposure: float
    red_gain: float
    blue_gain: float
    digital_gain: float
    beta1: float
    beta2: float
    tone_curve: bool = TONE_CURVE

    @classmethod
    def from_metadata(
        cls,
        phone: str,
        iso: float,
        shutter_s: float,
        illuminant_k: float,
        brightness: str,
        tone_curve: bool = TONE_CURVE,
    ) -> CaptureSettings:
        """Derive every simulator number from a capture's metadata.

        Raises:
            ValueError: unknown phone or brightness, non-positive ISO, shutter or illuminant.
        """
        phone_info = get_phone(phone)
        for name, value in (("iso", iso), ("shutter_s", shutter_s), ("illuminant_k", illuminant_k)):
            if not (isinstance(value, numbers.Real) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if brightness not in BRIGHTNESS:
            raise ValueError(f"brightness must be one of {tuple(BRIGHTNESS)}, got {brightness!r}")
        red_gain, blue_gain = white_balance_gains(phone, illuminant_k)
        beta1, beta2 = noise_level(phone, iso)
        return cls(
            phone=phone,
            iso=float(iso),
            shutter_s=float(shutter_s),
            illuminant_k=float(illuminant_k),
            brightness=brightness,
            f_number=phone_info.f_number,
            exposure=exposure_factor(phone, iso, shutter_s, brightness),
            red_gain=red_gain,
            blue_gain=blue_gain,
            digital_gain=DIGITAL_GAIN,
            beta1=beta1,
            beta2=beta2,
            tone_curve=bool(tone_curve),
        )

    @property
    def isp_gain(self) -> float:
        """The digital gain that brings an under-exposed capture back to the standard rendering."""
        return 1.0 / min(self.exposure, 1.0)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe dictionary of every field."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaptureSettings:
        """Rebuild settings from :meth:`to_dict` output.

        Stored derived numbers are kept as saved (so an old data set re-simulates
        as it was built); any that are missing are derived from the metadata.

        Raises:
            ValueError: a required metadata field is missing or a field is unknown.
        """
        required = ("phone", "iso", "shutter_s", "illuminant_k", "brightness")
        missing = [name for name in required if name not in data]
        if missing:
            raise ValueError(f"capture settings lack {missing}; got fields {sorted(data)}")
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown capture settings fields {unknown}; known: {sorted(known)}")
        derived = cls.from_metadata(*(data[name] for name in required))
        stored = {name: data[name] for name in known - set(required) if name in data}
        return dataclasses.replace(derived, **stored)
