"""The ten clean scenes of the embedded data set: photos that ship inside our dependencies.

SIDD photographed ten scenes; the simulated data set needs ten clean photos to
stand in for them, and they must be available offline. Each scene id
(``'001'`` .. ``'010'``, as in SIDD's folder names) maps to a photo bundled
with scikit-image, scikit-learn or matplotlib, read from the installed package
without any download (scikit-image's fetchers are never called). Origins and
licences are recorded here and in ``data/README.md``.
Introduced in ``01_data_tour.ipynb``.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
from pathlib import Path

import numpy as np

from casestudy.io import read_image


@dataclasses.dataclass(frozen=True)
class Scene:
    """A clean photo standing in for one SIDD scene.

    Attributes:
        scene_id: SIDD-style scene number, ``'001'`` .. ``'010'``.
        package: the installed package that ships the file.
        filename: the file's path inside the package's data folder.
        title: what the photo shows.
        origin: where the package took it from.
        licence: its licence, as the package states it.
    """

    scene_id: str
    package: str
    filename: str
    title: str
    origin: str
    licence: str

    @property
    def source(self) -> str:
        """Short ``package:file`` label, as stored in the manifest."""
        return f"{self.package}:{Path(self.filename).name}"


SCENES: dict[str, Scene] = {
    scene.scene_id: scene
    for scene in (
        Scene("001", "skimage", "data/astronaut.png", "astronaut Eileen Collins",
              "NASA Great Images database", "public domain (no known copyright restrictions)"),
        Scene("002", "skimage", "data/chelsea.png", "Chelsea the cat",
              "photographed by Stefan van der Walt", "CC0"),
        Scene("003", "skimage", "data/coffee.png", "coffee cup (Pikolo Espresso Bar)",
              "photographed by Rachel Michetti", "CC0"),
        Scene("004", "skimage", "data/rocket.jpg", "Falcon 9 launch carrying DSCOVR",
              "SpaceX Photos on Flickr", "public domain (released by SpaceX)"),
        Scene("005", "skimage", "data/motorcycle_left.png", "motorcycle (left view of a stereo pair)",
              "Middlebury 2014 stereo benchmark (Scharstein et al., GCPR 2014), downsampled by scikit-image",
              "research data set; redistributed in scikit-image (BSD-3-Clause package)"),
        Scene("006", "sklearn", "datasets/images/china.jpg", "Chinese temple tower above a lake",
              "Flickr, danielbuechele", "CC BY 2.0"),
        Scene("007", "sklearn", "datasets/images/flower.jpg", "orange flower close-up",
              "Flickr, vultilion", "CC BY 2.0"),
        Scene("008", "matplotlib", "mpl-data/sample_data/grace_hopper.jpg", "Rear Admiral Grace Hopper",
              "Wikimedia Commons, File:Grace_Hopper.jpg (US Navy photograph)", "public domain"),
        Scene("009", "skimage", "data/hubble_deep_field.jpg", "Hubble eXtreme Deep Field",
              "HubbleSite, NASA", "public domain (NASA media guidelines)"),
        Scene("010", "skimage", "data/retina.jpg", "fundus photograph of a normal left eye",
              "Wikimedia Commons, Mikael Haggstrom", "CC0 1.0"),
    )
}


def scene_ids() -> list[str]:
    """The ten scene ids, sorted."""
    return sorted(SCENES)


def get_scene(scene_id: str) -> Scene:
    """The :class:`Scene` with this id.

    Raises:
        ValueError: an unknown id, listing the known ones.
    """
    try:
        return SCENES[str(scene_id)]
    except KeyError:
        raise ValueError(f"unknown scene {scene_id!r}; the embedded scenes are {scene_ids()}") from None


def _package_dir(package: str) -> Path:
    """Installed folder of ``package``, found without importing it (importing sklearn is slow)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package!r} is not installed; it ships one of the clean scenes")
    return Path(next(iter(spec.submodule_search_locations)))


def scene_path(scene_id: str) -> Path:
    """Where the scene's photo is installed.

    Raises:
        ValueError: unknown scene id.
        FileNotFoundError: the package or the file is missing (the message names both).
    """
    scene = get_scene(scene_id)
    if scene.package == "matplotlib":
        from matplotlib import cbook

        path = Path(cbook.get_sample_data(Path(scene.filename).name, asfileobj=False))
    else:
        path = _package_dir(scene.package) / scene.filename
    if not path.is_file():
        raise FileNotFoundError(f"scene {scene.scene_id}: {path} is missing from the installed {scene.package}")
    return path


@functools.lru_cache(maxsize=16)
def _load_cached(scene_id: str) -> np.ndarray:
    image = read_image(scene_path(scene_id))
    image.setflags(write=False)
    return image


def load_scene(scene_id: str) -> np.ndarray:
    """The scene's clean photo as float32 RGB in [0, 1], shape (H, W, 3) (a fresh copy)."""
    return _load_cached(str(scene_id)).copy()
