"""SIDD's phone and brightness codes: what the simulator's phones are called, and what its light levels mean.

Kept on the simulator's floor so that :mod:`casestudy.camera` needs nothing from the data package;
:mod:`casestudy.data.sidd_names` parses SIDD's folder names with them. Introduced in ``01_data_tour.ipynb``.
"""

from __future__ import annotations

#: SIDD's smartphone codes and the phones they stand for.
PHONE_NAMES: dict[str, str] = {
    "GP": "Google Pixel",
    "IP": "Apple iPhone 7",
    "S6": "Samsung Galaxy S6 Edge",
    "N6": "Motorola Nexus 6",
    "G4": "LG G4",
}

#: SIDD's illuminant-brightness codes and what they mean.
BRIGHTNESS: dict[str, str] = {"L": "low light", "N": "normal brightness", "H": "high exposure"}
