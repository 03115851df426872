"""Run profiles and project paths, in one place.

A *profile* sets how big every step of the case study is, so the same notebook
runs as a one-minute smoke test in CI (``smoke``), as a real run on a laptop CPU
in tens of minutes (``laptop``) and at full scale on a GPU (``gpu``). It is
chosen by ``--profile`` on the command line or the ``CASESTUDY_PROFILE``
environment variable; every notebook's parameters cell calls
:func:`get_profile` (introduced in ``00_index.ipynb``).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

PROFILE_ENV = "CASESTUDY_PROFILE"
DATA_ENV = "CASESTUDY_DATA"
DEFAULT_PROFILE = "laptop"


@dataclasses.dataclass(frozen=True)
class Profile:
    """How large each step of the case study is.

    Attributes:
        name: ``smoke``, ``laptop`` or ``gpu``.
        seed: the one seed every random step derives its own from.
        sim_subset: which capture rows the simulated data set uses: ``"smoke"``
            (a scene-stratified dozen) or ``"sidd-small"`` (all 160 rows of SIDD-Small).
        sim_long_side: the long side, in pixels, of a simulated capture; each
            phone keeps SIDD's aspect ratio.
        patch_size: side of the square training patches.
        batch_size: patches per training step.
        train_steps: optimisation steps per network in the notebooks.
        eval_max_images: at most this many test images per method (``None``: all).
        filter_search: ``"small"`` or ``"full"`` parameter grid for the classical filters.
        tuning_max_images: validation images used when searching filter parameters
            (a slow filter may use fewer: ``FilterSpec.max_tuning_images``).
        tuning_crop: each tuning image is centre-cropped to at most this many
            pixels a side (``None``: whole images); filter parameters are
            per-pixel quantities, so a crop tunes them nearly as well, faster.

    Each network's width per profile is on its registry entry
    (:attr:`casestudy.models.ModelSpec.widths`): tiny in ``smoke`` so tests run in
    seconds, compact in ``laptop`` so 2 CPU cores train them well, the papers' in ``gpu``.
    """

    name: str
    seed: int = 2021
    sim_subset: str = "sidd-small"
    sim_long_side: int = 384
    patch_size: int = 64
    batch_size: int = 16
    train_steps: int = 300
    eval_max_images: int | None = None
    filter_search: str = "full"
    tuning_max_images: int = 8
    tuning_crop: int | None = 512

    @property
    def simulated_dir(self) -> Path:
        """Where this profile's simulated data set lives by default."""
        suffix = {"laptop": ""}.get(self.name, f"-{self.name}")
        return data_root() / f"simulated-sidd{suffix}"


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke",
        sim_subset="smoke",
        sim_long_side=192,
        patch_size=32,
        batch_size=4,
        train_steps=2,
        eval_max_images=2,
        filter_search="small",
        tuning_max_images=1,
        tuning_crop=128,
    ),
    "laptop": Profile(name="laptop", eval_max_images=12, tuning_crop=192),
    "gpu": Profile(
        name="gpu",
        sim_long_side=512,
        patch_size=128,
        batch_size=32,
        train_steps=20_000,
        tuning_max_images=16,
    ),
}


def get_profile(name: str | None = None) -> Profile:
    """Return the named profile, else ``$CASESTUDY_PROFILE``, else ``laptop``.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    chosen = name or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE
    try:
        return PROFILES[chosen]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown profile {chosen!r}; choose one of: {known}") from None


def project_root() -> Path:
    """The repository root: the folder holding ``pyproject.toml`` above this package."""
    here = Path(__file__).resolve().parent
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return Path.cwd()


def data_root() -> Path:
    """The folder where data sets live (``data/`` in the repository)."""
    return project_root() / "data"


def reports_dir() -> Path:
    """Where tables and chosen settings are written (``reports/``)."""
    return project_root() / "reports"


def resolve_data_dir(path: str | os.PathLike | None = None, profile: Profile | None = None) -> Path:
    """Pick the data set to use: ``path``, else ``$CASESTUDY_DATA``, else the profile's simulated set."""
    if path:
        return Path(path).expanduser()
    from_env = os.environ.get(DATA_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return (profile or get_profile()).simulated_dir
