"""Reading and writing images and EXIF: atomically, with errors that name the file.

Every image enters the case study through :func:`read_image`, which returns
float32 RGB in [0, 1] whatever the file held, following one documented set of
conversions:

* 8-bit images are divided by 255, 16-bit ones by 65535 (bit depth is kept, not guessed);
* grayscale images are repeated into three channels (a gray photo is still a photo);
* an alpha channel is dropped if it is fully opaque, otherwise the file is
  rejected: a transparent pixel has no colour to denoise;
* palette images are expanded to RGB;
* anything else (CMYK, float TIFF, ...) is rejected with the mode in the message.

Corrupted, truncated or absurdly large files raise :class:`ImageError` naming
the file; nothing is silently skipped. Writes go to a temporary file in the same
folder and are renamed into place, so an interrupted run never leaves half a file.
Introduced in ``01_data_tour.ipynb``.
"""

from __future__ import annotations

import contextlib
import io as _io
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

#: Images above this many pixels are refused (SIDD's largest photos are 16 MP;
#: this leaves room for 100 MP sensors while stopping decompression bombs).
MAX_PIXELS = 200_000_000


class ImageError(ValueError):
    """An image file that cannot be used; the message names the file and the problem."""


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[Any]:
    """Open a temporary file beside ``path``; rename it onto ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a text file atomically (UTF-8)."""
    with atomic_write(path, "w") as handle:
        handle.write(text)


def _to_float_rgb(image: Image.Image, path: Path) -> np.ndarray:
    mode = image.mode
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        mode = image.mode
    if mode in ("1", "L", "LA", "RGB", "RGBA"):
        array = np.asarray(image.convert(mode if mode != "1" else "L"), dtype=np.float32) / 255.0
    elif mode in ("I;16", "I;16B", "I;16L", "I"):
        raw = np.asarray(image)
        if raw.max(initial=0) > 65535 or raw.min(initial=0) < 0:
            raise ImageError(f"{path}: integer image with values outside 0..65535 (mode {mode})")
        array = raw.astype(np.float32) / 65535.0
    else:
        raise ImageError(f"{path}: unsupported image mode {mode!r}; expected RGB, RGBA, grayscale or 16-bit")
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=-1)
    elif array.shape[-1] == 2:  # LA: gray + alpha
        alpha, array = array[..., 1], np.repeat(array[..., :1], 3, axis=-1)
        _check_opaque(alpha, path)
    elif array.shape[-1] == 4:
        _check_opaque(array[..., 3], path)
        array = array[..., :3]
    return np.ascontiguousarray(array, dtype=np.float32)


def _check_opaque(alpha: np.ndarray, path: Path) -> None:
    if alpha.min() < 1.0:
        raise ImageError(f"{path}: image has transparent pixels (alpha < 1); flatten it onto a background first")


def _read_16bit_png(path: Path) -> np.ndarray | None:
    """Decode a 16-bit colour PNG at full depth with scikit-image (Pillow would drop the low byte)."""
    try:
        from skimage import io as skio
    except ImportError:  # pragma: no cover - scikit-image is a dependency
        return None
    data = skio.imread(path)
    if data.dtype != np.uint16:
        return None
    array = data.astype(np.float32) / 65535.0
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=-1)
    if array.shape[-1] == 4:
        _check_opaque(array[..., 3], path)
        array = array[..., :3]
    return np.ascontiguousarray(array)


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """(height, width) of an image from its header, without decoding the pixels."""
    path = Path(path)
    try:
        with Image.open(path) as image:
            width, height = image.size
    except FileNotFoundError:
        raise ImageError(f"{path}: file not found") from None
    except (UnidentifiedImageError, OSError) as error:
        raise ImageError(f"{path}: not a readable image ({error})") from None
    return height, width


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image as float32 RGB in [0, 1], shape (H, W, 3), converting as the module documents.

    Raises:
        ImageError: missing, corrupted, truncated, too large or unsupported files.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: file not found")
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ImageError(
                    f"{path}: {image.width}x{image.height} is over {MAX_PIXELS:,} pixels; "
                    "raise casestudy.io.MAX_PIXELS if this is intended"
                )
            # Pillow silently reduces 16-bit colour PNGs to 8 bits; those go through imageio below.
            wide_png = image.format == "PNG" and image.mode in ("RGB", "RGBA") and _png_bit_depth(path) == 16
            if not wide_png:
                image.load()
                return _to_float_rgb(image, path)
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ImageError(f"{path}: corrupted or truncated image ({error})") from None
    try:
        array = _read_16bit_png(path)
    except ImageError:
        raise
    except Exception as error:  # noqa: BLE001 - any decoder failure is a bad file
        raise ImageError(f"{path}: corrupted or truncated image ({error})") from None
    if array is None:  # pragma: no cover
        raise ImageError(f"{path}: could not decode 16-bit PNG")
    return array


def _png_bit_depth(path: Path) -> int:
    """Bit depth from the PNG IHDR chunk (byte 24 of the file)."""
    with open(path, "rb") as handle:
        header = handle.read(25)
    return header[24] if len(header) == 25 and header[:8] == b"\x89PNG\r\n\x1a\n" else 8


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Quantise a float image in [0, 1] to uint8 with rounding (values outside are clipped)."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    return np.clip(np.round(np.asarray(image, dtype=np.float64) * 255.0), 0, 255).astype(np.uint8)


#: EXIF tags we write, by Pillow tag number (IFD0 for the first three, Exif IFD for the rest).
_IFD0_TAGS = {"Make": 0x010F, "Model": 0x0110, "Software": 0x0131}
_EXIF_IFD = 0x8769
_EXIF_TAGS = {
    "ExposureTime": 0x829A,
    "FNumber": 0x829D,
    "ISOSpeedRatings": 0x8827,
    "DateTimeOriginal": 0x9003,
    "PixelXDimension": 0xA002,
    "PixelYDimension": 0xA003,
}


def make_exif(tags: Mapping[str, Any]) -> Image.Exif:
    """Build a Pillow Exif block from plain names (Make, Model, ISOSpeedRatings, ExposureTime as seconds, ...)."""
    from fractions import Fraction

    from PIL.TiffImagePlugin import IFDRational

    exif = Image.Exif()
    sub = exif.get_ifd(_EXIF_IFD)
    for name, value in tags.items():
        if name in _IFD0_TAGS:
            exif[_IFD0_TAGS[name]] = str(value)
        elif name in _EXIF_TAGS:
            if name in ("ExposureTime", "FNumber"):
                fraction = Fraction(value).limit_denominator(100_000)
                value = IFDRational(fraction.numerator, fraction.denominator)
            elif name in ("ISOSpeedRatings", "PixelXDimension", "PixelYDimension"):
                value = int(value)
            sub[_EXIF_TAGS[name]] = value
        else:
            raise KeyError(f"EXIF tag {name!r} is not one casestudy writes; known: {sorted({**_IFD0_TAGS, **_EXIF_TAGS})}")
    return exif


def write_png(path: str | os.PathLike, image: np.ndarray, exif: Mapping[str, Any] | None = None) -> None:
    """Write an RGB image (float in [0, 1] or uint8) as an 8-bit PNG, atomically, with optional EXIF.

    The PNG is written with fixed settings so the same pixels give the same bytes.
    """
    pixels = to_uint8(image)
    if pixels.ndim != 3 or pixels.shape[-1] != 3:
        raise ValueError(f"{path}: expected an (H, W, 3) image, got shape {pixels.shape}")
    buffer = _io.BytesIO()
    options: dict[str, Any] = {"format": "PNG", "compress_level": 6, "optimize": False}
    if exif:
        options["exif"] = make_exif(exif)
    Image.fromarray(pixels, mode="RGB").save(buffer, **options)
    with atomic_write(path) as handle:
        handle.write(buffer.getvalue())


def read_exif(path: str | os.PathLike) -> dict[str, Any]:
    """EXIF tags read with exifread as plain Python values (``{}`` when the file has none).

    Keys are exifread's names (``"Image Make"``, ``"EXIF ISOSpeedRatings"``, ...);
    ratios such as ExposureTime come back as floats.

    Raises:
        ImageError: if the file is missing.
    """
    import exifread

    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: file not found")
    logger = logging.getLogger("exifread")
    previous = logger.level
    logger.setLevel(logging.ERROR)  # a file without EXIF is normal, not a warning
    try:
        with open(path, "rb") as handle:
            tags = exifread.process_file(handle, details=False, builtin_types=True)
    except Exception:  # noqa: BLE001 - exifread raises many types on odd files; no EXIF is the honest answer
        tags = {}
    finally:
        logger.setLevel(previous)
    return {key: value for key, value in tags.items() if not key.startswith("Thumbnail") and key != "JPEGThumbnail"}
