"""SIDD-Small's captures as rows: folder name, scene, phone, ISO, shutter, light; the simulator's settings of each.

The simulated data set (:mod:`casestudy.data.simulated`) copies these 160 captures' metadata,
and extra photo scenes (:mod:`casestudy.data.photo_scenes`) borrow it; both read it here.
Introduced in ``01_data_tour.ipynb``.
"""

from __future__ import annotations

import dataclasses
import importlib.resources

from casestudy.camera import CaptureSettings
from casestudy.data.sidd_names import parse_instance_name

#: The packaged list of SIDD-Small's folder names.
ROWS_RESOURCE = "resources/sidd_small_instances.txt"


@dataclasses.dataclass(frozen=True)
class CaptureRow:
    """One SIDD folder name, parsed.

    Attributes:
        name: the folder name itself.
        instance: capture number (the first field).
        scene: scene id, e.g. ``'001'``.
        phone, iso, shutter_s, illuminant_k, brightness: the capture's metadata;
            the shutter field ``00060`` means 1/60 s.
    """

    name: str
    instance: int
    scene: str
    phone: str
    iso: int
    shutter_s: float
    illuminant_k: int
    brightness: str

    @classmethod
    def from_name(cls, name: str) -> CaptureRow:
        """Parse a SIDD folder name with :func:`casestudy.data.sidd_names.parse_instance_name`.

        Raises:
            DataLayoutError: (a ``ValueError``) a name that does not follow SIDD's pattern or codes.
        """
        name = name.strip()
        fields = parse_instance_name(name)
        return cls(
            name,
            int(fields["instance_number"]),
            fields["scene"],
            fields["phone"],
            int(fields["iso"]),
            fields["shutter_s"],
            int(fields["illuminant_k"]),
            fields["brightness"],
        )

    def settings(self) -> CaptureSettings:
        """The simulator settings of this capture."""
        return CaptureSettings.from_metadata(self.phone, self.iso, self.shutter_s, self.illuminant_k, self.brightness)


def sidd_small_rows() -> list[CaptureRow]:
    """SIDD-Small's 160 captures, in instance order, from the packaged folder list."""
    resource = importlib.resources.files("casestudy").joinpath(ROWS_RESOURCE)
    lines = resource.read_text(encoding="utf-8").split()
    rows = []
    for line_number, line in enumerate(lines, start=1):
        try:
            rows.append(CaptureRow.from_name(line))
        except ValueError as error:
            raise ValueError(f"casestudy/{ROWS_RESOURCE}:{line_number}: {error}") from None
    return sorted(rows, key=lambda row: row.instance)
