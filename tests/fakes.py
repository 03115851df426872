"""Small fake data trees for tests: every layout the loaders read, in tiny images.

``make_pair_tree(base, layout, n=...)`` builds ``n`` noisy/clean pairs in the
named layout under ``base`` and returns the data set's root. The images are
tiny (8x12 by default) but real: a smooth clean picture per scene and a noisy
copy with seeded Gaussian noise, so metrics and filters have something to
chew on. Also here: helpers that write the awkward files bad-input tests need
(16-bit PNGs, corrupted and truncated files), and :func:`write_catalogue`, a catalogue
of given pairs for the tests of the code that reads catalogues (evaluation, tuning, statistics).

Shared by all test modules (``conftest.py`` puts this folder on ``sys.path``
and offers fixtures around it).
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from casestudy.io import write_png

LAYOUTS = ("sidd", "sidd-medium", "simulated", "renoir", "nind", "folders")

#: Phone code -> (EXIF Make, EXIF Model) for fake SIDD files.
PHONE_EXIF = {
    "GP": ("Google", "Pixel"),
    "IP": ("Apple", "iPhone 7"),
    "S6": ("samsung", "SM-G925F"),
    "N6": ("motorola", "Nexus 6"),
    "G4": ("LGE", "LG-H815"),
}
_PHONES = tuple(PHONE_EXIF)
_ISOS = (100, 400, 800, 1600, 3200)
_SHUTTERS = (60, 100, 400, 800, 30)
_BRIGHTNESS = ("N", "L", "H")
_SIDD_SMALL = Path(__file__).resolve().parents[1] / "casestudy" / "resources" / "sidd_small_instances.txt"


def clean_image(height: int = 8, width: int = 12, scene: int = 0) -> np.ndarray:
    """A smooth uint8 RGB picture that differs from scene to scene."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    phase = 0.7 * scene
    channels = [
        0.5 + 0.4 * np.sin(x / max(width, 1) * 3.0 + phase),
        0.5 + 0.4 * np.cos(y / max(height, 1) * 2.5 + phase),
        0.5 + 0.3 * np.sin((x + y) / max(height + width, 1) * 4.0 - phase),
    ]
    return np.clip(np.round(np.stack(channels, axis=-1) * 255), 0, 255).astype(np.uint8)


def noisy_image(clean: np.ndarray, sigma: float = 0.05, seed: int = 0) -> np.ndarray:
    """``clean`` plus seeded Gaussian noise of ``sigma`` (in [0, 1] units), as uint8."""
    rng = np.random.default_rng(seed)
    noisy = clean.astype(np.float64) / 255.0 + rng.normal(0.0, sigma, clean.shape)
    return np.clip(np.round(noisy * 255), 0, 255).astype(np.uint8)


def save_image(path: Path, pixels: np.ndarray, exif: dict | None = None) -> Path:
    """Write uint8 RGB pixels in the format the suffix names (PNG via casestudy.io, with optional EXIF)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".png":
        write_png(path, pixels, exif=exif)
    else:
        Image.fromarray(pixels, mode="RGB").save(path)
    return path


def sidd_name(instance: int, scene: int, phone: str, iso: int, shutter: int, illuminant: int, brightness: str) -> str:
    """A SIDD instance folder name, e.g. ``0001_001_S6_00100_00060_3200_L``."""
    return f"{instance:04d}_{scene:03d}_{phone}_{iso:05d}_{shutter:05d}_{illuminant}_{brightness}"


def sidd_small_names() -> list[str]:
    """SIDD-Small's 160 instance folder names (from the package's resources)."""
    return _SIDD_SMALL.read_text().split()


def exif_for_sidd(name: str, height: int, width: int) -> dict:
    """The EXIF a phone would write for a SIDD folder name's settings."""
    fields = name.split("_")
    make, model = PHONE_EXIF.get(fields[2], ("Unknown", "Camera"))
    return {
        "Make": make,
        "Model": model,
        "ISOSpeedRatings": int(fields[3]),
        "ExposureTime": 1 / int(fields[4]),
        "FNumber": 1.8,
        "DateTimeOriginal": f"2017:03:{1 + int(fields[1]) % 28:02d} 12:00:00",
        "PixelXDimension": width,
        "PixelYDimension": height,
    }


def make_pair_tree(
    base: Path,
    layout: str,
    n: int = 6,
    *,
    scenes: int = 3,
    size: tuple[int, int] = (8, 12),
    exif: bool = True,
    sigma: float = 0.05,
    seed: int = 0,
    names: list[str] | None = None,
    scenes_csv: bool = False,
) -> Path:
    """Build ``n`` pairs in ``layout`` under ``base / layout`` and return that root.

    Args:
        base: a folder (usually ``tmp_path``); the tree goes in ``base / layout``.
        layout: one of :data:`LAYOUTS`. ``sidd-medium`` puts two pairs (``_010``,
            ``_011``) in each of ``n // 2`` folders; ``simulated`` is ``sidd`` plus a
            ``manifest.json`` saying ``"source": "simulated"``.
        n: number of pairs.
        scenes: number of distinct scenes the pairs are spread over (round robin).
            For ``folders`` it only matters with ``scenes_csv=True``; otherwise each
            file is its own scene.
        size: (height, width) of every image.
        exif: write EXIF into the PNG files (sidd, simulated, nind, folders).
        sigma: noise level of the noisy images.
        seed: seeds the noise.
        names: SIDD instance folder names to use instead of generated ones (sidd layouts).
        scenes_csv: write a ``scenes.csv`` for the ``folders`` layout.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown fake layout {layout!r}; choose one of {LAYOUTS}")
    root = Path(base) / layout
    root.mkdir(parents=True, exist_ok=True)
    height, width = size
    builder = {
        "sidd": _sidd,
        "sidd-medium": _sidd,
        "simulated": _sidd,
        "renoir": _renoir,
        "nind": _nind,
        "folders": _folders,
    }[layout]
    builder(root, layout=layout, n=n, scenes=max(1, scenes), height=height, width=width, exif=exif,
            sigma=sigma, seed=seed, names=names, scenes_csv=scenes_csv)  # fmt: skip
    return root


def _pair(scene: int, index: int, height: int, width: int, sigma: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    clean = clean_image(height, width, scene)
    return clean, noisy_image(clean, sigma, seed * 100_003 + index)


def _sidd(root: Path, *, layout: str, n: int, scenes: int, height: int, width: int, exif: bool, sigma: float,
          seed: int, names: list[str] | None, **_: object) -> None:  # fmt: skip
    medium = layout == "sidd-medium"
    folders = n // 2 if medium else n
    if names is None:
        names = [
            sidd_name(i + 1, i % scenes + 1, _PHONES[i % len(_PHONES)], _ISOS[i % len(_ISOS)],
                      _SHUTTERS[i % len(_SHUTTERS)], (3200, 4400, 5500)[i % 3], _BRIGHTNESS[i % 3])
            for i in range(folders)
        ]  # fmt: skip
    data = root / "Data"
    index = 0
    for name in names:
        scene = int(name.split("_")[1])
        tags = exif_for_sidd(name, height, width) if exif else None
        for k in ("010", "011") if medium else ("010",):
            clean, noisy = _pair(scene, index, height, width, sigma, seed)
            save_image(data / name / f"GT_SRGB_{k}.PNG", clean, tags)
            save_image(data / name / f"NOISY_SRGB_{k}.PNG", noisy, tags)
            index += 1
    if layout == "simulated":
        # As casestudy.data.simulated writes it (format name, no "source" key).
        manifest = {"format": "casestudy-simulated-sidd", "format_version": 1, "pairs": index}
        (root / "manifest.json").write_text(json.dumps(manifest))


def _renoir(root: Path, *, n: int, scenes: int, height: int, width: int, sigma: float, seed: int,
            **_: object) -> None:  # fmt: skip
    for index in range(n):
        batch = index % scenes + 1
        folder = root / "Mi3_Aligned" / f"Batch_{batch:03d}"
        clean, noisy = _pair(batch, index, height, width, sigma, seed)
        reference = folder / f"IMG_{batch}Reference.bmp"
        if not reference.exists():
            save_image(reference, clean)
            save_image(folder / f"IMG_{batch}full.bmp", clean)
        save_image(folder / f"IMG_{index}Noisy.bmp", noisy)


def _nind(root: Path, *, n: int, scenes: int, height: int, width: int, exif: bool, sigma: float, seed: int,
          **_: object) -> None:  # fmt: skip
    isos = ("ISO800", "ISO3200", "ISO6400", "ISOH1", "ISOH2", "ISO1600", "ISO400", "ISOH3")
    counts = [0] * scenes
    for index in range(n):
        scene = index % scenes
        name = f"scene{scene + 1}"
        folder = root / name
        clean, noisy = _pair(scene, index, height, width, sigma * (1 + counts[scene]), seed)
        tag = isos[counts[scene] % len(isos)] + ("" if counts[scene] < len(isos) else f"-{counts[scene]}")
        if counts[scene] == 0:
            save_image(folder / f"NIND_{name}_ISO200.png", clean, _nind_exif(200) if exif else None)
        iso = tag[3:].split("-")[0]
        save_image(folder / f"NIND_{name}_{tag}.png", noisy, _nind_exif(iso) if exif else None)
        counts[scene] += 1


def _nind_exif(iso: int | str) -> dict:
    value = {"H1": 12800, "H2": 25600, "H3": 51200}.get(str(iso), iso)
    return {"Make": "FUJIFILM", "Model": "X-T1", "ISOSpeedRatings": int(value), "ExposureTime": 1 / 250,
            "FNumber": 5.6, "DateTimeOriginal": "2018:05:06 10:11:12"}  # fmt: skip


def _folders(root: Path, *, n: int, scenes: int, height: int, width: int, exif: bool, sigma: float, seed: int,
             scenes_csv: bool, **_: object) -> None:  # fmt: skip
    rows = ["file,scene"]
    for index in range(n):
        scene = index % scenes
        stem = f"photo{index:03d}"
        clean, noisy = _pair(scene, index, height, width, sigma, seed)
        tags = {"Make": "Acme", "Model": "Acme Cam 1", "ISOSpeedRatings": 1600, "ExposureTime": 1 / 125}
        tags = tags if exif else None
        save_image(root / "clean" / f"{stem}.png", clean)
        save_image(root / "noisy" / f"{stem}.png", noisy, tags)
        rows.append(f"{stem}.png,view{scene}")
    if scenes_csv:
        (root / "scenes.csv").write_text("\n".join(rows) + "\n")


# --- awkward files for bad-input tests -------------------------------------------------------


def write_png16(path: Path, pixels: np.ndarray) -> Path:
    """Write a 16-bit PNG by hand (gray, gray+alpha, RGB or RGBA by channel count): Pillow cannot."""
    pixels = np.asarray(pixels, dtype=">u2")
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    Path(path).write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )
    return Path(path)


def corrupt(path: Path) -> Path:
    """Overwrite a file with bytes that are no image at all."""
    Path(path).write_bytes(b"this is not an image\n" * 4)
    return Path(path)


def truncate(path: Path, keep: float = 0.5) -> Path:
    """Cut a file to a fraction of its length (its header survives, its pixels do not)."""
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: max(60, int(len(data) * keep))])
    return Path(path)


#: Catalogue values of a fake pair unless the test says otherwise (see :func:`write_catalogue`).
CATALOGUE_DEFAULTS = {
    "source": "folders", "phone": "", "camera": "", "iso": np.nan, "shutter_s": np.nan, "illuminant_k": np.nan,
    "brightness": "", "exif_make": "", "exif_model": "", "exif_iso": np.nan, "exif_exposure_s": np.nan,
    "exif_fnumber": np.nan, "exif_datetime": "",
}  # fmt: skip


def write_catalogue(root: Path, pairs: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Write fake pairs as PNGs and return a catalogue-shaped DataFrame for them, in the order given.

    Each pair is a mapping with ``instance``, ``scene``, ``split``, ``clean`` and
    ``noisy`` (float images in [0, 1] or uint8) and, optionally, any other
    catalogue column (``phone``, ``iso``, ...), which overrides
    :data:`CATALOGUE_DEFAULTS`. The images go to ``root/clean/<instance>.png``
    and ``root/noisy/<instance>.png``; ``height`` and ``width`` are the clean image's.
    """
    from casestudy.data.catalogue import COLUMNS

    rows = []
    for pair in pairs:
        pair = dict(pair)
        clean, noisy = pair.pop("clean"), pair.pop("noisy")
        clean_path = root / "clean" / f"{pair['instance']}.png"
        noisy_path = root / "noisy" / f"{pair['instance']}.png"
        write_png(clean_path, clean)
        write_png(noisy_path, noisy)
        height, width = np.shape(clean)[:2]
        rows.append({**CATALOGUE_DEFAULTS, "height": height, "width": width, **pair,
                     "clean_path": str(clean_path), "noisy_path": str(noisy_path)})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def step_image(height: int = 48, width: int = 64, edge: int = 40) -> np.ndarray:
    """Flat grey on the left, a bright band from column ``edge`` on: one vertical edge."""
    image = np.full((height, width, 3), 0.3, np.float32)
    image[:, edge:] = 0.8
    return image


def build_tinynet(width: int):  # noqa: ANN201 - a keras.Model; Keras is imported only when a test builds it
    """A throwaway network for registry tests: one convolution predicting a correction added to the input."""
    import keras

    inputs = keras.Input((None, None, 3))
    hidden = keras.layers.Conv2D(int(width), 3, padding="same", activation="relu")(inputs)
    correction = keras.layers.Conv2D(3, 3, padding="same")(hidden)
    return keras.Model(inputs, keras.layers.Add()([inputs, correction]), name="tinynet")
