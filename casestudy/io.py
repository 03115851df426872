"""Reading and writing images and EXIF: atomically, with errors that name the file.

Every image enters the case study through :func:`read_image`, which returns
float32 RGB in [0, 1] whatever the file held, following one documented set of
conversions:

* 8-bit images are divided by 255, 16-bit ones by 65535 (bit depth is kept, not guessed;
  16-bit colour PNGs and TIFFs are decoded at full depth, the PNGs by Pillow in two passes,
  the TIFFs by tifffile (Pillow would keep only their high byte); 16-bit grayscale+alpha
  PNGs are rejected because Pillow cannot decode them without losing the low byte);
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
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

#: Images above this many pixels are refused (SIDD's largest photos are 16 MP;
#: this leaves room for 100 MP sensors while stopping decompression bombs).
MAX_PIXELS = 200_000_000

#: PNG colour types (IHDR byte 25) that need special handling at 16 bits.
_PNG_GRAY_ALPHA = 4
_PNG_COLOUR_TYPES = (2, 6)  # RGB, RGBA


class ImageError(ValueError):
    """An image file that cannot be used; the message names the file and the problem."""


@contextlib.contextmanager
def _pixel_limit() -> Iterator[None]:
    """Make :data:`MAX_PIXELS` the limit Pillow applies while a file is opened.

    Pillow warns above ``Image.MAX_IMAGE_PIXELS`` (89 MP by default) and refuses
    files above twice that (179 MP) with ``DecompressionBombError``, which would
    make its limit, not ours, the one a user meets (a 190 MP photo passes ours).
    Raised to ours here, Pillow's check only backs ours up; a header claiming
    more than :data:`MAX_PIXELS` is refused by :func:`read_image` before decoding.
    """
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow's warning above the limit is redundant: read_image refuses those files itself.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _too_large(path: Path, width: int, height: int) -> ImageError:
    return ImageError(
        f"{path}: {width}x{height} is over {MAX_PIXELS:,} pixels (a decompression bomb, or a photo larger "
        "than this package reads); raise casestudy.io.MAX_PIXELS if this is intended"
    )


def _bomb(path: Path, error: Exception) -> ImageError:
    return ImageError(f"{path}: over the pixel limit of {MAX_PIXELS:,} (Pillow: {error})")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str) -> Iterator[Path]:
    """A temporary path beside ``path`` (ending in ``suffix``) to write by name; renamed onto ``path`` on success.

    For writers that want a file name rather than a handle (``model.save`` wants one
    ending in ``.keras``). The file is synced to disk before the rename.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}{suffix}")
    try:
        yield temporary
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[Any]:
    """Open a temporary file beside ``path``; rename it onto ``path`` only if the block succeeds."""
    with atomic_path(path, ".part") as temporary:
        with open(temporary, mode) as handle:
            yield handle


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


def _read_16bit_png(path: Path) -> np.ndarray:
    """Decode a 16-bit RGB or RGBA PNG at full depth, as float32 in [0, 1] (alpha checked and dropped).

    Pillow has no 16-bit colour mode: it keeps only the high byte of each sample
    (raw mode ``RGB;16B``). Decoding the same data a second time with the
    little-endian raw mode (``RGB;16L``) picks the other byte of each big-endian
    sample, i.e. the low byte; the two passes together give every bit back. Both
    use Pillow's own PNG decoder (filters, interlacing, CRC and truncation checks).
    """
    planes = []
    for low_byte in (False, True):
        with Image.open(path) as image:
            tile = image.tile[0] if len(image.tile) == 1 else None
            rawmode = _tile_rawmode(tile) if tile is not None and tile[0] == "zip" else None
            if rawmode not in ("RGB;16B", "RGBA;16B"):
                raise ImageError(
                    f"{path}: 16-bit colour PNG that this Pillow version cannot decode at full depth "
                    f"(decoder tiles {image.tile}); convert it to 8 bits per channel"
                )
            if low_byte:
                low_mode = rawmode.replace(";16B", ";16L")
                args = low_mode if isinstance(tile[3], str) else (low_mode, *tile[3][1:])
                image.tile = [tile._replace(args=args) if hasattr(tile, "_replace") else (*tile[:3], args)]
            image.load()
            planes.append(np.asarray(image, dtype=np.uint16))
    high, low = planes
    array = ((high << 8) | low).astype(np.float32) / 65535.0
    if array.shape[-1] == 4:
        _check_opaque(array[..., 3], path)
        array = array[..., :3]
    return np.ascontiguousarray(array)


#: TIFF tag BitsPerSample.
_TIFF_BITS_PER_SAMPLE = 258


def _tiff_bits(image: Image.Image) -> int:
    """The largest bits per sample a Pillow-opened TIFF declares (8 when the tag is missing)."""
    bits = getattr(image, "tag_v2", {}).get(_TIFF_BITS_PER_SAMPLE, 8)
    return int(max(bits)) if isinstance(bits, (tuple, list)) else int(bits)


def _is_colour_tiff16(image: Image.Image) -> bool:
    """A 16-bit RGB(A) TIFF, which Pillow opens as 8-bit RGB(A), keeping only the high byte of each sample."""
    return image.mode in ("RGB", "RGBA") and _tiff_bits(image) == 16


def _read_16bit_tiff(path: Path) -> np.ndarray:
    """Decode the first image of a 16-bit RGB or RGBA TIFF at full depth with tifffile (alpha checked and dropped).

    tifffile comes with scikit-image. Interleaved and planar layouts both work;
    anything but unsigned 16-bit RGB(A) samples is refused with the file named.
    """
    import tifffile

    try:
        with tifffile.TiffFile(path) as tiff:
            page = tiff.pages[0]
            samples = page.asarray()
            planar = page.planarconfig == tifffile.PLANARCONFIG.SEPARATE
    except (tifffile.TiffFileError, ValueError, OSError, IndexError) as error:
        raise ImageError(f"{path}: corrupted or truncated 16-bit TIFF ({error})") from None
    if planar and samples.ndim == 3:
        samples = np.moveaxis(samples, 0, -1)
    if samples.dtype != np.uint16 or samples.ndim != 3 or samples.shape[-1] not in (3, 4):
        raise ImageError(
            f"{path}: expected 16-bit RGB or RGBA samples in its TIFF, got {samples.dtype} of shape {samples.shape}"
        )
    array = samples.astype(np.float32) / 65535.0
    if array.shape[-1] == 4:
        _check_opaque(array[..., 3], path)
        array = array[..., :3]
    return np.ascontiguousarray(array)


def _tile_rawmode(tile: Any) -> str:
    """The raw mode of a Pillow decoder tile (a plain string, or the first of a tuple of arguments)."""
    args = tile[3]
    return args if isinstance(args, str) else str(args[0])


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """(height, width) of an image from its header, without decoding the pixels.

    Only the header is read, so a file truncated after its header passes here;
    :func:`read_image` is what detects truncation.

    Raises:
        ImageError: a missing file or one whose header is not a known image format.
    """
    path = Path(path)
    try:
        with _pixel_limit(), Image.open(path) as image:
            width, height = image.size
    except FileNotFoundError:
        raise ImageError(f"{path}: file not found") from None
    except Image.DecompressionBombError as error:
        raise _bomb(path, error) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
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
        with _pixel_limit(), Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                raise _too_large(path, image.width, image.height)
            bit_depth, colour_type = _png_header(path) if image.format == "PNG" else (8, -1)
            if bit_depth == 16 and colour_type == _PNG_GRAY_ALPHA:
                # Pillow keeps only the high byte here and has no way to recover the low one.
                raise ImageError(
                    f"{path}: 16-bit grayscale+alpha PNG is not supported (it would lose 8 bits); "
                    "save it without the alpha channel"
                )
            colour_tiff16 = image.format == "TIFF" and _is_colour_tiff16(image)
            # Pillow silently reduces 16-bit colour PNGs and TIFFs to 8 bits; those are decoded below.
            if not colour_tiff16 and not (bit_depth == 16 and colour_type in _PNG_COLOUR_TYPES):
                image.load()
                return _to_float_rgb(image, path)
        if colour_tiff16:
            return _read_16bit_tiff(path)
        with _pixel_limit():
            return _read_16bit_png(path)
    except ImageError:
        raise
    except Image.DecompressionBombError as error:
        raise _bomb(path, error) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ImageError(f"{path}: corrupted or truncated image ({error})") from None


def _png_header(path: Path) -> tuple[int, int]:
    """(bit depth, colour type) from the PNG IHDR chunk (bytes 24 and 25 of the file)."""
    with open(path, "rb") as handle:
        header = handle.read(26)
    if len(header) < 26 or header[:8] != b"\x89PNG\r\n\x1a\n":
        return 8, -1
    return header[24], header[25]


def bit_depth(path: str | os.PathLike) -> int:
    """Bits per sample of an image file as :func:`read_image` decodes it: 16 or 8.

    16 for 16-bit PNGs, 16-bit colour TIFFs and Pillow's 16-bit grayscale modes; 8 otherwise.

    Raises:
        ImageError: a missing or unreadable file.
    """
    path = Path(path)
    try:
        with _pixel_limit(), Image.open(path) as image:
            if image.format == "PNG":
                return 16 if _png_header(path)[0] == 16 else 8
            if image.format == "TIFF" and _is_colour_tiff16(image):
                return 16
            return 16 if image.mode.startswith("I;16") or image.mode == "I" else 8
    except FileNotFoundError:
        raise ImageError(f"{path}: file not found") from None
    except Image.DecompressionBombError as error:
        raise _bomb(path, error) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageError(f"{path}: not a readable image ({error})") from None


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
