"""The five SIDD phones as the simulator sees them: names, optics, colour and white balance.

Codes and names are SIDD's (:data:`casestudy.camera.sidd_codes.PHONE_NAMES`).
Every number here is fixed per phone, so a capture is fully determined by its
metadata (phone, ISO, shutter, illuminant, brightness) and a seed.

* ``make`` / ``model`` are the strings those phones write into EXIF.
* ``f_number`` is the main camera's aperture (public spec sheets); it enters the
  exposure model (light on the sensor goes as 1 / f_number**2) and the EXIF.
* ``cam2rgb`` is the colour-correction matrix applied after demosaicing (camera
  RGB -> linear sRGB). Real phones store such matrices in their DNG files; ours
  are *plausible, not measured*: diagonally dominant, saturation-boosting, every
  row summing to 1 so that white stays white. Their off-diagonal terms are what
  make real sRGB noise chromatic, so each phone gets a slightly different one.
* ``daylight_gains`` are the red and blue white-balance gains at 5500 K, inside
  the ranges Brooks et al. (2019) sample (red 1.9..2.4, blue 1.5..1.9); how they
  change with the illuminant is :func:`casestudy.camera.settings.white_balance_gains`.
* ``sidd_size`` is the (height, width) of the phone's SIDD photos, landscape;
  the simulated captures keep its aspect ratio (S6's 2988 x 5312 is 9:16, and
  G4 uses 9:16 as well, as the case study's metadata tables report).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from casestudy.camera.sidd_codes import PHONE_NAMES


@dataclasses.dataclass(frozen=True)
class Phone:
    """One phone's fixed properties (see the module docstring for where each comes from)."""

    code: str
    name: str
    make: str
    model: str
    f_number: float
    sidd_size: tuple[int, int]
    cam2rgb: tuple[tuple[float, float, float], ...]
    daylight_gains: tuple[float, float]

    @property
    def aspect(self) -> float:
        """Height / width of the phone's photos (landscape, so below 1)."""
        return self.sidd_size[0] / self.sidd_size[1]

    def cam2rgb_matrix(self) -> np.ndarray:
        """The colour-correction matrix as a float32 (3, 3) array (camera RGB -> linear sRGB)."""
        return np.asarray(self.cam2rgb, dtype=np.float32)

    def rgb2cam_matrix(self) -> np.ndarray:
        """Its inverse (linear sRGB -> camera RGB), used when unprocessing."""
        return np.linalg.inv(np.asarray(self.cam2rgb, dtype=np.float64)).astype(np.float32)


PHONES: dict[str, Phone] = {
    "GP": Phone(
        code="GP",
        name=PHONE_NAMES["GP"],
        make="Google",
        model="Pixel",
        f_number=2.0,
        sidd_size=(3044, 4048),
        cam2rgb=((1.72, -0.58, -0.14), (-0.22, 1.56, -0.34), (0.02, -0.64, 1.62)),
        daylight_gains=(2.05, 1.65),
    ),
    "IP": Phone(
        code="IP",
        name=PHONE_NAMES["IP"],
        make="Apple",
        model="iPhone 7",
        f_number=1.8,
        sidd_size=(3024, 4032),
        cam2rgb=((1.60, -0.48, -0.12), (-0.18, 1.44, -0.26), (0.00, -0.52, 1.52)),
        daylight_gains=(2.15, 1.60),
    ),
    "S6": Phone(
        code="S6",
        name=PHONE_NAMES["S6"],
        make="samsung",
        model="SM-G925F",
        f_number=1.9,
        sidd_size=(2988, 5312),
        cam2rgb=((1.85, -0.70, -0.15), (-0.26, 1.62, -0.36), (0.04, -0.72, 1.68)),
        daylight_gains=(2.00, 1.75),
    ),
    "N6": Phone(
        code="N6",
        name=PHONE_NAMES["N6"],
        make="motorola",
        model="Nexus 6",
        f_number=2.0,
        sidd_size=(3120, 4208),
        cam2rgb=((1.78, -0.66, -0.12), (-0.28, 1.70, -0.42), (0.02, -0.80, 1.78)),
        daylight_gains=(2.20, 1.55),
    ),
    "G4": Phone(
        code="G4",
        name=PHONE_NAMES["G4"],
        make="LGE",
        model="LG-H815",
        f_number=1.8,
        sidd_size=(2988, 5312),
        cam2rgb=((1.66, -0.52, -0.14), (-0.20, 1.50, -0.30), (0.00, -0.58, 1.58)),
        daylight_gains=(1.95, 1.70),
    ),
}


def get_phone(code: str) -> Phone:
    """The phone with SIDD code ``code`` (``GP``, ``IP``, ``S6``, ``N6``, ``G4``).

    Raises:
        ValueError: for an unknown code, listing the known ones.
    """
    try:
        return PHONES[code]
    except KeyError:
        raise ValueError(f"unknown phone code {code!r}; expected one of {sorted(PHONES)}") from None


def phone_code(make: str, model: str) -> str | None:
    """The SIDD code of the phone whose EXIF make and model these are (case and spaces ignored), else ``None``."""

    def key(text: str) -> str:
        return "".join(str(text).split()).lower()

    for code, phone in PHONES.items():
        if key(model) == key(phone.model) and (not make.strip() or key(make) == key(phone.make)):
            return code
    return None
