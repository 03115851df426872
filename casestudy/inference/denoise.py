"""``casestudy denoise``: your own photos through a network or a classical filter, metadata kept.

``casestudy denoise INPUT OUTPUT [--method nafnet] [--weights PATH] [--tile N] [--overlap N] [--strength F]
[--map MODE] [--iso N] [--ensemble]``
reads a photo (PNG, JPEG or TIFF, 8 or 16 bits per sample), denoises it and
writes the result in the format of OUTPUT's suffix:

* the photo is turned upright as its EXIF orientation says before denoising, and
  written with orientation 1, so a viewer does not rotate it a second time;
* its EXIF (camera, ISO, exposure, ...) and its ICC colour profile are carried
  over; a TIFF output keeps the ICC profile and the first EXIF directory (make,
  model, date) but not the Exif sub-directory (ISO, exposure, aperture, time
  taken), and a 16-bit TIFF only the text tags of that first directory: the TIFF
  writers at hand cannot write sub-directories;
* a 16-bit PNG or TIFF is read at full depth and comes out as a 16-bit PNG or
  TIFF (a JPEG holds 8 bits);
* the networks run tile by tile (:mod:`casestudy.inference.tiling`), so memory stays
  bounded whatever the photo's size, with a progress bar over the tiles of a
  photo larger than one tile; the classical filters see the whole photo and
  use the settings tuned on the simulated data set when ``reports/`` has them
  (both are readied by :func:`casestudy.evaluation.methods.prepare_method`);
* a folder in gives a folder out (same file names);
* files are written atomically and never over their input.

Bad input (an unreadable photo, one over :data:`casestudy.io.MAX_PIXELS`, a
folder without photos, an output that is the input) is one line on stderr
naming the file, exit status 2, and nothing written. Introduced in
``08_comparison.ipynb``.
"""

from __future__ import annotations

import argparse
import dataclasses
import io as _bytes_io
import os
import struct
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from casestudy import io
from casestudy.inference.tiling import DEFAULT_BATCH, DEFAULT_OVERLAP, DEFAULT_TILE

if TYPE_CHECKING:  # pragma: no cover
    from casestudy.evaluation.methods import Method

#: Output format by file suffix (lower case).
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF"}
#: The classical filters ``casestudy denoise`` and the app offer besides the networks (:data:`casestudy.models.MODELS`).
CLASSICAL = ("nlm", "bm3d")
#: The method ``casestudy denoise`` runs unless told otherwise: the network with the best mean PSNR on the quality
#: check's unseen-noise photos (``benchmarks/results/quality.md``; a test keeps the two in step). BM3D run blind
#: scores higher there but takes about 70 times as long per megapixel on a CPU, too long for a command's default
#: on a phone's 12 MP photo; the app, which shows one photo at a time, opens on the best method of all.
DEFAULT_METHOD = "nafnet"
JPEG_QUALITY = 95

#: EXIF tags: orientation (IFD0), the Exif sub-IFD and its pixel dimensions.
_ORIENTATION = 0x0112
_EXIF_IFD = 0x8769
_PIXEL_X, _PIXEL_Y = 0xA002, 0xA003
#: TIFF tags that describe a TIFF file's own layout, not the photo: never copied into another file's EXIF.
_TIFF_LAYOUT = {256, 257, 258, 259, 262, 266, 273, 277, 278, 279, 284, 317, 322, 323, 324, 325, 338, 339, 34675}


class DenoiseError(ValueError):
    """Input or output that ``casestudy denoise`` refuses; the message names the file."""


# --------------------------------------------------------------------------- reading


@dataclasses.dataclass
class Photo:
    """A photo ready to denoise: upright float32 RGB pixels and the metadata to write back.

    Attributes:
        pixels: ``(H, W, 3)`` float32 in [0, 1], already turned as the EXIF orientation says.
        exif: the EXIF block (orientation set to 1), or ``None``.
        icc_profile: the ICC colour profile's bytes, or ``None``.
        bits: bits per sample of the file (8 or 16).
    """

    pixels: np.ndarray
    exif: Image.Exif | None
    icc_profile: bytes | None
    bits: int


def orient(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Turn ``pixels`` upright as EXIF ``orientation`` (1-8) says; other values leave them as they are.

    The eight values are the four rotations with and without a mirror: 3 is
    upside down, 6 means the camera was turned so that the photo must be rotated
    90 degrees clockwise to be upright, 8 counter-clockwise; 2, 4, 5 and 7 add a mirror.
    """
    turns = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.transpose(1, 0, 2),
        6: lambda a: np.rot90(a, k=-1),
        7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
        8: lambda a: np.rot90(a, k=1),
    }
    turn = turns.get(int(orientation))
    return pixels if turn is None else np.ascontiguousarray(turn(pixels))


def _upright_exif(exif: Image.Exif, image_format: str) -> Image.Exif | None:
    """The EXIF to write: orientation 1, pixel dimensions swapped if the photo was turned, TIFF layout tags dropped."""
    if image_format == "TIFF":
        for tag in _TIFF_LAYOUT & set(exif):
            del exif[tag]
    if not len(exif):
        return None
    if exif.get(_ORIENTATION, 1) in (5, 6, 7, 8):
        sub = exif.get_ifd(_EXIF_IFD)
        if _PIXEL_X in sub and _PIXEL_Y in sub:
            sub[_PIXEL_X], sub[_PIXEL_Y] = sub[_PIXEL_Y], sub[_PIXEL_X]
    if _ORIENTATION in exif:
        exif[_ORIENTATION] = 1
    return exif


def read_photo(path: str | os.PathLike) -> Photo:
    """Read a photo with :func:`casestudy.io.read_image`, turn it upright, keep its EXIF and ICC profile.

    Raises:
        casestudy.io.ImageError: missing, unreadable, too large or unsupported files.
    """
    path = Path(path)
    pixels = io.read_image(path)
    bits = io.bit_depth(path)
    with Image.open(path) as image:
        exif = image.getexif()
        icc_profile = image.info.get("icc_profile") or None
        image_format = image.format or ""
    pixels = orient(pixels, exif.get(_ORIENTATION, 1))
    return Photo(pixels, _upright_exif(exif, image_format), icc_profile, bits)


# --------------------------------------------------------------------------- writing


def _exif_bytes(exif: Image.Exif | None) -> bytes:
    return exif.tobytes() if exif is not None else b""


#: Text tags of the EXIF's first directory that a 16-bit TIFF output carries: ImageDescription, Make,
#: Model, Software, DateTime, Artist, Copyright (tifffile writes its own layout tags).
_TIFF_TEXT_TAGS = (0x010E, 0x010F, 0x0110, 0x0131, 0x0132, 0x013B, 0x8298)

#: IFD pointer tags (Exif, GPS, interoperability): a TIFF writer cannot follow them.
_IFD_POINTERS = {0x8769, 0x8825, 0xA005}


def _tiff_tags(exif: Image.Exif | None) -> Image.Exif | None:
    """The IFD0 tags of ``exif`` (make, model, date, ...) without the sub-IFDs, which TIFF writers drop."""
    if exif is None:
        return None
    flat = Image.Exif()
    for tag, value in exif.items():
        if tag not in _IFD_POINTERS:
            flat[tag] = value
    return flat if len(flat) else None


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png16_bytes(pixels: np.ndarray, exif: bytes = b"", icc_profile: bytes | None = None) -> bytes:
    """A 16-bit RGB PNG of ``uint16`` pixels, with an ``eXIf`` and an ``iCCP`` chunk if given.

    Pillow writes no 16-bit colour PNG (its RGB mode is 8 bits), so the few
    chunks are written here: unfiltered rows of big-endian samples, deflated.
    """
    height, width, _ = pixels.shape
    rows = np.zeros((height, 1 + width * 6), dtype=np.uint8)  # filter byte 0 ("none") then the samples
    rows[:, 1:] = pixels.astype(">u2").view(np.uint8).reshape(height, width * 6)
    chunks = [_png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0))]
    if icc_profile:
        chunks.append(_png_chunk(b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc_profile)))
    if exif:
        chunks.append(_png_chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\x00\x00") else exif))
    chunks.append(_png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)))
    chunks.append(_png_chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def _tiff16_bytes(pixels: np.ndarray, exif: Image.Exif | None, icc_profile: bytes | None) -> bytes:
    """A 16-bit RGB TIFF (tifffile, which scikit-image installs), with the ICC profile and the text tags of
    the EXIF's first directory (make, model, date, software, artist, copyright, description)."""
    import tifffile

    extratags = []
    for tag in _TIFF_TEXT_TAGS:  # ASCII tags of IFD0
        if exif is not None and isinstance(exif.get(tag), str):
            extratags.append((tag, "s", 0, exif[tag], True))
    buffer = _bytes_io.BytesIO()
    tifffile.imwrite(
        buffer, pixels, photometric="rgb", compression="zlib", iccprofile=icc_profile, extratags=extratags
    )
    return buffer.getvalue()


def _quantise(pixels: np.ndarray, bits: int, rows: int = 256) -> np.ndarray:
    """Float pixels in [0, 1] to rounded 8- or 16-bit integers, a strip of ``rows`` at a time.

    By strips, the float64 rounding of :func:`casestudy.io.to_uint8` never holds
    more than a strip: on a 12 MP photo, the whole image in float64 would be 290 MB.
    """
    out = np.empty(pixels.shape, dtype=np.uint8 if bits == 8 else np.uint16)
    for top in range(0, pixels.shape[0], rows):
        strip = pixels[top : top + rows]
        if bits == 8:
            out[top : top + rows] = io.to_uint8(strip)
        else:
            out[top : top + rows] = np.clip(np.round(strip.astype(np.float64) * 65535.0), 0, 65535)
    return out


def photo_bytes(pixels: np.ndarray, image_format: str, photo: Photo) -> bytes:
    """Encode denoised ``pixels`` (float in [0, 1]) as ``image_format`` with ``photo``'s metadata.

    16 bits per sample when the input had 16 and the format holds them (PNG, TIFF); else 8.
    """
    if photo.bits == 16 and image_format in ("PNG", "TIFF"):
        samples = _quantise(pixels, 16)
        if image_format == "PNG":
            return png16_bytes(samples, _exif_bytes(photo.exif), photo.icc_profile)
        return _tiff16_bytes(samples, photo.exif, photo.icc_profile)
    options: dict[str, Any] = {"format": image_format}
    exif = _tiff_tags(photo.exif) if image_format == "TIFF" else photo.exif
    if exif is not None:
        options["exif"] = _exif_bytes(exif)
    if photo.icc_profile:
        options["icc_profile"] = photo.icc_profile
    if image_format == "JPEG":
        options.update(quality=JPEG_QUALITY, subsampling=0)
    elif image_format == "PNG":
        options.update(compress_level=6)
    elif image_format == "TIFF":
        options.update(compression="tiff_deflate")
    buffer = _bytes_io.BytesIO()
    Image.fromarray(_quantise(pixels, 8), mode="RGB").save(buffer, **options)
    return buffer.getvalue()


def output_format(path: str | os.PathLike) -> str:
    """``"PNG"``, ``"JPEG"`` or ``"TIFF"`` from the file's suffix.

    Raises:
        DenoiseError: any other suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise DenoiseError(f"{path}: unknown output format {suffix or '(no suffix)'!r}; use {', '.join(FORMATS)}")
    return FORMATS[suffix]


def write_photo(path: str | os.PathLike, pixels: np.ndarray, photo: Photo) -> None:
    """Write denoised ``pixels`` with ``photo``'s metadata to ``path``, atomically, in its suffix's format."""
    data = photo_bytes(pixels, output_format(path), photo)
    with io.atomic_write(path) as handle:
        handle.write(data)


# --------------------------------------------------------------------------- the jobs


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in FORMATS and not path.name.startswith(".")


def _same(first: Path, second: Path) -> bool:
    if first.exists() and second.exists():
        return os.path.samefile(first, second)
    return first.resolve() == second.resolve()


def plan_jobs(source: str | os.PathLike, target: str | os.PathLike) -> list[tuple[Path, Path]]:
    """``(input, output)`` pairs: one photo, or every photo of a folder into another folder.

    A photo into an existing folder keeps its name there. Every input's header is
    read and checked against the pixel limit here, before anything is denoised.

    Raises:
        DenoiseError: a missing input, a folder without photos, an output that is
            the input (or the input folder), an unknown output suffix.
        casestudy.io.ImageError: an unreadable photo or one over the pixel limit.
    """
    source, target = Path(source), Path(target)
    if source.is_dir():
        if target.exists() and not target.is_dir():
            raise DenoiseError(f"{target}: the input {source} is a folder, so the output must be a folder too")
        if _same(source, target):
            raise DenoiseError(f"{target}: the output folder is the input folder; the photos would be overwritten")
        photos = sorted(path for path in source.iterdir() if _is_image(path))
        if not photos:
            raise DenoiseError(f"{source}: no photos in this folder (looked for {', '.join(FORMATS)})")
        jobs = [(photo, target / photo.name) for photo in photos]
    elif source.is_file():
        jobs = [(source, target / source.name if target.is_dir() else target)]
    else:
        raise DenoiseError(f"{source}: no such file or folder")
    for photo, output in jobs:
        if _same(photo, output):
            raise DenoiseError(f"{output}: the output is the input photo; choose another name")
        output_format(output)
        height, width = io.image_size(photo)
        if height * width > io.MAX_PIXELS:
            raise io.ImageError(
                f"{photo}: {width}x{height} is over {io.MAX_PIXELS:,} pixels; "
                "raise casestudy.io.MAX_PIXELS if intended"
            )
    return jobs


def denoise_file(
    source: Path, target: Path, method: Method, tile: int = DEFAULT_TILE, overlap: int = DEFAULT_OVERLAP,
    batch_size: int = DEFAULT_BATCH,
) -> None:  # fmt: skip
    """Read, denoise (:meth:`casestudy.evaluation.methods.Method.run`) and write one photo, with a progress bar
    on a terminal when the photo spans more than one tile."""
    photo = read_photo(source)
    height, width = photo.pixels.shape[:2]
    total = method.tiles(height, width, tile, overlap)
    bar = None
    if total > 1 and sys.stderr.isatty():
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=source.name, unit="tile", leave=False)
    on_progress = None if bar is None else (lambda done, _total: bar.update(done - bar.n))
    try:
        pixels = method.run(photo.pixels, tile=tile, overlap=overlap, batch_size=batch_size, on_progress=on_progress)
    finally:
        if bar is not None:
            bar.close()
    write_photo(target, pixels, photo)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``casestudy denoise`` (``--profile`` is added by the CLI)."""
    parser.add_argument("input", help="a photo (PNG, JPEG, TIFF) or a folder of photos")
    parser.add_argument("output", help="the denoised photo (its suffix sets the format) or folder")
    from casestudy.models import network_names
    from casestudy.noise.level_map import MAP_MODES

    parser.add_argument(
        "--method", choices=[*network_names(), *CLASSICAL], default=DEFAULT_METHOD,
        help=f"denoiser (default: {DEFAULT_METHOD}, the network that scores best on photos it never saw)",
    )
    parser.add_argument(
        "--weights", help="a network's .keras file or a folder holding <method>.keras (default: weights/)"
    )
    parser.add_argument("--tile", type=int, default=DEFAULT_TILE, help=f"tile side in pixels (default {DEFAULT_TILE})")
    parser.add_argument(
        "--overlap", type=int, default=DEFAULT_OVERLAP, help=f"overlap of tiles in pixels (default {DEFAULT_OVERLAP})"
    )
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help=f"tiles per batch (default {DEFAULT_BATCH})")
    parser.add_argument(
        "--params", help="tuned filter settings for nlm/bm3d (default: reports/filter_params-<simulated set>.json)"
    )
    parser.add_argument(
        "--strength", type=float, default=1.0, metavar="F",
        help="how hard to smooth, a factor on the noise level the method assumes (NLM's h, BM3D's sigma, the noise "
        "map of a network told the noise): below 1 keeps more grain and detail, above 1 smooths more (default 1; the "
        "blind networks have no such control)",
    )  # fmt: skip
    parser.add_argument(
        "--map", choices=MAP_MODES, default=None, dest="map_mode",
        help="for a network told the noise (nafnet), where its noise-level map comes from: blind (no map, the default: "
        "as it ships), auto (the photo's ISO and phone, from EXIF or a SIDD folder "
        "name, unless the image disagrees; else an estimate from the image), metadata or estimate",
    )  # fmt: skip
    parser.add_argument("--iso", type=float, help="the photo's ISO, in place of its EXIF's (a network told the noise)")
    parser.add_argument(
        "--ensemble", action="store_true",
        help="a network: average it over the photo's 8 rotations and mirror images (8 times slower, a few tenths "
        "of a dB cleaner)",
    )  # fmt: skip


def run_cli(args: argparse.Namespace) -> int:
    """Run ``casestudy denoise``; 0 on success, 2 with a one-line error on bad input."""
    from casestudy.config import get_profile
    from casestudy.evaluation.methods import MappedNetworkMethod, NetworkMethod, prepare_method
    from casestudy.evaluation.tuning import filter_params_path
    from casestudy.noise.level_map import NoiseLevelFileError, metadata_of_file
    from casestudy.inference.tiling import tile_geometry
    from casestudy.models import MODELS, ModelLoadError, get_model_spec

    try:
        jobs = plan_jobs(args.input, args.output)
        if args.method in MODELS:
            tile_geometry(args.tile, args.overlap, get_model_spec(args.method).multiple)  # fails before loading
        params = args.params or filter_params_path(get_profile(getattr(args, "profile", None)).simulated_dir)
        method = prepare_method(args.method, weights=args.weights, params_file=params)
        if isinstance(method, MappedNetworkMethod):
            told = method.with_map_mode(args.map_mode) if args.map_mode else method
            method = dataclasses.replace(told, announce=lambda note: print(f"  {note}"))
        elif args.map_mode is not None or args.iso is not None:
            raise ValueError(f"{method.label} is not told the noise: --map and --iso are for a network that takes a "
                             "noise-level map")  # fmt: skip
        method = method.with_strength(args.strength)
        if args.ensemble:
            if not isinstance(method, NetworkMethod):
                raise ValueError(f"{method.label} is a classical filter: --ensemble is for the networks")
            method = method.with_ensemble()
        print(method.description + (f", tiles of {args.tile} px overlapping by {args.overlap}"
                                    if args.method in MODELS else ""))  # fmt: skip
        for source, target in jobs:
            if isinstance(method, MappedNetworkMethod):
                iso, phone = metadata_of_file(source)
                method = method.with_metadata(args.iso if args.iso is not None else iso, phone)
            denoise_file(source, target, method, args.tile, args.overlap, args.batch)
            print(f"{source} -> {target}")
    except (DenoiseError, io.ImageError, ModelLoadError, NoiseLevelFileError, ValueError, FileNotFoundError) as error:
        print(f"casestudy denoise: error: {error}", file=sys.stderr)
        return 2
    return 0
