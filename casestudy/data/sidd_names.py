"""SIDD's naming: its phone codes, its brightness codes, and the parser of its instance folder names.

SIDD names each capture's folder ``<instance>_<scene>_<phone>_<ISO>_<shutter>_<illuminant>_<brightness>``,
e.g. ``0001_001_S6_00100_00060_3200_L``: instance 1, scene 1, Samsung Galaxy S6 Edge, ISO 100,
shutter 1/60 s (the field is the denominator), 3200 K, low light. The real SIDD loader
(:mod:`casestudy.data.sidd`), the simulated set's builder (:mod:`casestudy.data.simulated`) and
the camera simulator (:mod:`casestudy.camera`) all read these names and codes from here (the codes
live with the simulator, :mod:`casestudy.camera.sidd_codes`, which must not depend on the data package),
so they cannot disagree. Introduced in ``01_data_tour.ipynb``; ``02_eda_metadata.ipynb`` compares the
names with the EXIF.
"""

from __future__ import annotations

import re
from typing import Any

from casestudy.camera.sidd_codes import BRIGHTNESS, PHONE_NAMES
from casestudy.data.errors import DataLayoutError

EXAMPLE_NAME = "0001_001_S6_00100_00060_3200_L"

_NAME = re.compile(
    r"^(?P<instance>\d+)_(?P<scene>\d+)_(?P<phone>[A-Za-z0-9]+)_(?P<iso>\d+)_(?P<shutter>\d+)"
    r"_(?P<illuminant>\d+)_(?P<brightness>[A-Za-z]+)$"
)


def parse_instance_name(name: str) -> dict[str, Any]:
    """Capture settings from an instance folder name (see the module docstring).

    Returns a dict with ``instance_number`` (text, ``"0001"``), ``scene`` (text,
    ``"001"``), ``phone``, ``camera``, ``iso``, ``shutter_s``, ``illuminant_k``
    (floats) and ``brightness``.

    Raises:
        DataLayoutError: (a ``ValueError``) a name that does not have the seven
            fields, an unknown phone code, an unknown brightness code, or a zero
            ISO or shutter field.
    """
    match = _NAME.match(name)
    if match is None:
        raise DataLayoutError(
            f"{name!r} is not a SIDD instance name <instance>_<scene>_<phone>_<ISO>_<shutter>_"
            f"<illuminant K>_<L|N|H>, e.g. {EXAMPLE_NAME}"
        )
    fields = match.groupdict()
    if fields["phone"] not in PHONE_NAMES:
        raise DataLayoutError(f"{name!r}: unknown phone code {fields['phone']!r}; SIDD's are {', '.join(PHONE_NAMES)}")
    if fields["brightness"] not in BRIGHTNESS:
        raise DataLayoutError(
            f"{name!r}: unknown brightness code {fields['brightness']!r}; expected one of {', '.join(BRIGHTNESS)}"
        )
    denominator = int(fields["shutter"])
    if denominator == 0:
        raise DataLayoutError(f"{name!r}: shutter field is 0; it is the denominator of the exposure time (1/x s)")
    if int(fields["iso"]) == 0:
        raise DataLayoutError(f"{name!r}: ISO field is 0")
    return {
        "instance_number": fields["instance"],
        "scene": fields["scene"],
        "phone": fields["phone"],
        "camera": PHONE_NAMES[fields["phone"]],
        "iso": float(int(fields["iso"])),
        "shutter_s": 1.0 / denominator,
        "illuminant_k": float(int(fields["illuminant"])),
        "brightness": fields["brightness"],
    }
