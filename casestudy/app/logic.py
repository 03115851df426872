"""What the web app does, without the web: decode an upload with limits, summarise its EXIF, denoise, encode.

The Streamlit script (:mod:`casestudy.app.streamlit_app`) only lays out widgets
and calls these plain functions, so everything that can go wrong with a photo
is tested here without a browser, and ``09_deployment.ipynb`` calls the same
functions inside JupyterLab:

* :func:`decode_upload` turns the bytes of an uploaded file into a
  :class:`~casestudy.inference.denoise.Photo` (upright pixels, EXIF, ICC profile), after
  checking, in this order, the byte size, that the file is an image of an
  accepted format (PNG, JPEG, TIFF: found from the content, not the name), and
  the pixel count from the header, before a single pixel is decoded: a
  decompression bomb (a small file that claims a huge image) is refused there.
  Every refusal is an :class:`UploadError` whose message names the file and says
  what to do.
* :func:`exif_summary` picks the camera, ISO, exposure, aperture and date out of the EXIF.
* :func:`load_method` prepares a denoiser once (a network loaded from its
  ``.keras`` file in Keras safe mode, or a classical filter with its tuned
  settings); :func:`set_up` applies the page's controls to it (told the noise or
  not, :func:`has_noise_map`; the strength, :func:`has_strength`);
  :func:`run_method` runs it, a network tile by tile with a callback
  after each batch of tiles (the app's progress bar).
* :func:`default_method` is the method the menu opens on: the best on unseen photos by the committed
  quality check (:func:`best_unseen_method`), or :data:`FALLBACK_METHOD` when that table is gone.
* :func:`preview` makes the display copy of a photo (:func:`display_size`) that the page's before/after
  swipe (:mod:`casestudy.app.swipe`) embeds; :func:`crop_window` and :func:`zoom` make the synchronised
  crops of the notebook's widget; :func:`scores` gives PSNR and SSIM against a clean reference.
* :func:`encode_download` writes the result in the upload's format with its EXIF and ICC profile.

Introduced in ``09_deployment.ipynb``.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io as _bytes_io
import math
import os
import re
import tempfile
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from casestudy import io
from casestudy.evaluation.methods import Method, Progress, prepare_method
from casestudy.inference.denoise import CLASSICAL, Photo, photo_bytes, read_photo
from casestudy.inference.ensemble import TRANSFORMS
from casestudy.inference.tiling import DEFAULT_OVERLAP, DEFAULT_TILE
from casestudy.models import network_labels

#: Largest upload accepted, in megabytes (a 12 MP phone JPEG is 3-8 MB, a 12 MP 8-bit PNG 20-35 MB).
MAX_UPLOAD_MB = 64
#: Largest photo accepted, in pixels (48 MP sensors exist; one float32 copy of such a photo is 0.6 GB,
#: and the app holds a few). Far below :data:`casestudy.io.MAX_PIXELS`, which serves batch jobs.
MAX_PIXELS = 48_000_000
#: File formats accepted, as Pillow names them (MPO: the multi-picture JPEG some phones write).
FORMATS = {"PNG": ".png", "JPEG": ".jpg", "MPO": ".jpg", "TIFF": ".tif"}
#: MIME types of the downloads.
MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "TIFF": "image/tiff"}
#: The labels of the classical filters the app offers (the networks' come from their registry entries).
CLASSICAL_LABELS = {"nlm": "NLM", "bm3d": "BM3D"}
#: Seconds per megapixel on the project's 2-core CPU, (quick, slow): the range of the timings in
#: ``reports/results.md`` (``make demo``) and ``benchmarks/bench_networks.py`` across runs and photo sizes. The
#: networks, run tile by tile, share one range. :func:`speed_note` and :func:`expected_wait` quote them.
SECONDS_PER_MEGAPIXEL = {"nlm": (7.0, 15.0), "bm3d": (60.0, 180.0)}
NETWORK_SECONDS_PER_MEGAPIXEL = (1.0, 2.0)
#: How many passes a self-ensemble makes (one per transform, :mod:`casestudy.inference.ensemble`).
ENSEMBLE_PASSES = len(TRANSFORMS)
#: The quality check's rows, committed with the repository (``benchmarks/bench_quality.py`` writes them; the
#: table a reader sees is ``quality.md`` beside it). Found from the package's own folder: the repository root
#: is the parent of ``casestudy/``, wherever the app is started from.
QUALITY_CSV = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "quality.csv"
#: The check whose rows choose the default method: photos and noise no network was trained on.
UNSEEN_CHECK = "unseen"
#: The method the app opens on when the quality table is missing or unreadable: NLM, which needs no weights
#: file and loads neither Keras nor TensorFlow, so the first result comes quickly.
FALLBACK_METHOD = "nlm"
#: Suffix of a classical filter that estimates the noise itself, as the quality check names it (``nlm (blind)``):
#: what the app runs. Rows given the true noise level (``(true)``) and the ``noisy`` input are references.
_BLIND = " (blind)"


class UploadError(ValueError):
    """An uploaded file the app refuses; the message names the file and the problem."""


# --------------------------------------------------------------------------- uploads


@dataclasses.dataclass
class Upload:
    """A decoded upload.

    Attributes:
        name: the file name as uploaded, reduced to a safe base name.
        image_format: ``"PNG"``, ``"JPEG"`` or ``"TIFF"``.
        photo: upright float32 pixels with the EXIF and ICC profile to write back.
        digest: SHA-256 of the bytes (the app's key for "same photo, same result").
    """

    name: str
    image_format: str
    photo: Photo
    digest: str

    @property
    def pixels(self) -> np.ndarray:
        """The photo's ``(H, W, 3)`` float32 pixels in [0, 1]."""
        return self.photo.pixels


def safe_name(name: str) -> str:
    """``name`` without folders and with only letters, digits, ``.``, ``_`` and ``-`` (``"upload"`` if nothing is left)."""
    base = re.split(r"[\\/]", str(name))[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    return cleaned[:120] or "upload"


def sniff_format(data: bytes, name: str, max_pixels: int = MAX_PIXELS) -> tuple[str, int, int]:
    """``(format, width, height)`` of an image's bytes, from its header only; nothing is decoded.

    Raises:
        UploadError: not an image, a format other than PNG, JPEG or TIFF, or more than ``max_pixels``.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(_bytes_io.BytesIO(data)) as image:
                image_format, (width, height) = image.format or "", image.size
    except Image.DecompressionBombError as error:
        raise UploadError(f"{name}: the image claims more pixels than this app accepts ({error})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise UploadError(
            f"{name}: not a readable image ({type(error).__name__}); upload a PNG, JPEG or TIFF photo"
        ) from None
    if image_format not in FORMATS:
        raise UploadError(f"{name}: a {image_format or 'unknown'} image; the app takes PNG, JPEG or TIFF photos")
    if width * height > max_pixels:
        raise UploadError(
            f"{name}: {width}x{height} is {width * height:,} pixels ({width * height / 1e6:.1f} MP), over the app's "
            f"limit of {max_pixels:,} ({max_pixels / 1e6:g} MP); downscale it, or use `casestudy denoise` for very "
            "large photos"
        )
    return ("JPEG" if image_format == "MPO" else image_format), width, height


def _size(count: int) -> str:
    """A byte count for people: ``"12.3 MB"``, ``"4 kB"``, ``"17 bytes"``."""
    if count >= 2**20:
        return f"{count / 2**20:.1f} MB"
    return f"{count / 1024:.0f} kB" if count >= 1024 else f"{count} bytes"


def decode_upload(
    data: bytes, name: str, *, max_bytes: int = MAX_UPLOAD_MB * 2**20, max_pixels: int = MAX_PIXELS
) -> Upload:
    """Check and decode an uploaded photo: size, format, pixel count (from the header), then the pixels.

    The pixels are read by :func:`casestudy.inference.denoise.read_photo` (the reader of
    ``casestudy denoise``): EXIF orientation applied, EXIF and ICC profile kept,
    16-bit PNGs at full depth.

    Raises:
        UploadError: an empty file, more than ``max_bytes``, not a PNG/JPEG/TIFF image,
            more than ``max_pixels``, or a file that fails to decode (truncated, corrupted,
            transparent, an unsupported mode); the message names ``name``.
    """
    shown = safe_name(name)
    if not data:
        raise UploadError(f"{shown}: the file is empty")
    if len(data) > max_bytes:
        raise UploadError(
            f"{shown}: {len(data):,} bytes ({_size(len(data))}) is over the app's upload limit of "
            f"{max_bytes:,} bytes ({_size(max_bytes)})"
        )
    image_format, _, _ = sniff_format(data, shown, max_pixels)
    with tempfile.TemporaryDirectory(prefix="casestudy-upload-") as folder:
        path = Path(folder) / f"upload{FORMATS[image_format]}"
        path.write_bytes(data)
        try:
            photo = read_photo(path)
        except (io.ImageError, OSError, ValueError) as error:
            message = str(error).replace(str(path), shown)
            if not message.startswith(shown):
                message = f"{shown}: {message}"
            raise UploadError(message) from None
    return Upload(shown, image_format, photo, hashlib.sha256(data).hexdigest())


def header_only_png(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes whose header claims ``width x height`` pixels: a decompression bomb's shape.

    What the pixel limit of :func:`decode_upload` is there to refuse before any
    decoding; used by the tests and shown in ``09_deployment.ipynb``.
    """
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    pixels = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


# --------------------------------------------------------------------------- EXIF

_IFD0 = {"make": 0x010F, "model": 0x0110}
_EXIF_IFD = 0x8769
_SUB = {"exposure": 0x829A, "aperture": 0x829D, "iso": 0x8827, "taken": 0x9003}


def _exposure(seconds: Any) -> str:
    value = float(seconds)
    if value <= 0:
        return str(seconds)
    if value < 1:
        return f"1/{round(1 / value)} s"
    return f"{Fraction(value).limit_denominator(10)} s"


def photo_metadata(exif: Image.Exif | None) -> tuple[float | None, str | None]:
    """``(iso, phone)`` of an upload's EXIF, as a network told the noise takes them: the ISO (the first value when
    a camera writes several; ``None`` when absent or not a positive number) and the SIDD code of a phone whose
    make and model these are (``None`` for any other camera)."""
    from casestudy.camera.phones import phone_code
    from casestudy.noise.level_map import parse_iso

    if exif is None:
        return None, None
    iso = parse_iso(exif.get_ifd(_EXIF_IFD).get(_SUB["iso"]))
    make = str(exif.get(_IFD0["make"], "")).strip("\x00 ")
    model = str(exif.get(_IFD0["model"], "")).strip("\x00 ")
    return iso, phone_code(make, model)


def exif_summary(exif: Image.Exif | None) -> dict[str, str]:
    """The camera's settings as text: ``camera``, ``ISO``, ``exposure``, ``aperture``, ``taken`` (those present).

    Exposure reads ``"1/250 s"`` below a second, aperture ``"f/2.8"``.
    """
    if exif is None:
        return {}
    summary: dict[str, str] = {}
    make = str(exif.get(_IFD0["make"], "")).strip("\x00 ")
    model = str(exif.get(_IFD0["model"], "")).strip("\x00 ")
    camera = model if model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    if camera:
        summary["camera"] = camera
    sub = exif.get_ifd(_EXIF_IFD)
    iso = sub.get(_SUB["iso"])
    if isinstance(iso, tuple):  # some cameras write several values
        iso = iso[0] if iso else None
    if iso:
        summary["ISO"] = str(int(iso))
    if sub.get(_SUB["exposure"]):
        summary["exposure"] = _exposure(sub[_SUB["exposure"]])
    if sub.get(_SUB["aperture"]):
        summary["aperture"] = f"f/{float(sub[_SUB['aperture']]):.1f}"
    if sub.get(_SUB["taken"]):
        summary["taken"] = str(sub[_SUB["taken"]]).strip("\x00 ")
    return summary


# --------------------------------------------------------------------------- denoising


def method_labels() -> dict[str, str]:
    """Every method the app offers, in the order of its menu, with the label shown: the classical
    filters, then every registered network (:data:`casestudy.models.MODELS`)."""
    return {**CLASSICAL_LABELS, **network_labels()}


def _seconds_per_megapixel(name: str, ensemble: bool = False) -> tuple[float, float]:
    if name in SECONDS_PER_MEGAPIXEL:
        return SECONDS_PER_MEGAPIXEL[name]
    if name not in network_labels():
        raise ValueError(f"unknown method {name!r}; expected one of {list(method_labels())}")
    passes = ENSEMBLE_PASSES if ensemble else 1
    return NETWORK_SECONDS_PER_MEGAPIXEL[0] * passes, NETWORK_SECONDS_PER_MEGAPIXEL[1] * passes


def _span(low: float, high: float, unit: str) -> str:
    low, high = max(1, round(low)), max(1, round(high))
    return f"about {low} {unit}" if low == high else f"about {low} to {high} {unit}s"


def expected_wait(name: str, megapixels: float, ensemble: bool = False) -> str:
    """How long the app's method ``name`` takes on a photo of ``megapixels`` on a 2-core CPU, in words
    ("about 12 to 36 minutes"), from :data:`SECONDS_PER_MEGAPIXEL` (a self-ensemble, ``ensemble``, makes
    :data:`ENSEMBLE_PASSES` passes of a network; a filter ignores it). Shown while the method runs, so that a
    large photo under a slow filter does not look like a page that hangs.

    Raises:
        ValueError: ``megapixels`` negative or not finite, or a method the app does not offer.
    """
    if not math.isfinite(megapixels) or megapixels < 0:
        raise ValueError(f"megapixels must be a finite number >= 0, got {megapixels}")
    low, high = (rate * megapixels for rate in _seconds_per_megapixel(name, ensemble))
    if high < 1:
        return "under a second"
    if high < 90:
        return _span(low, high, "second")
    return _span(low / 60, high / 60, "minute")


def speed_note() -> str:
    """The menu's help on speed: each method's time per megapixel, from :data:`SECONDS_PER_MEGAPIXEL`."""
    (nlm_low, nlm_high), (bm3d_low, bm3d_high) = SECONDS_PER_MEGAPIXEL["nlm"], SECONDS_PER_MEGAPIXEL["bm3d"]
    net_low, net_high = NETWORK_SECONDS_PER_MEGAPIXEL
    return (
        f"Per megapixel on a 2-core CPU: NLM {nlm_low:g} to {nlm_high:g} seconds, BM3D {bm3d_low / 60:g} to "
        f"{bm3d_high / 60:g} minutes; the networks, tile by tile, {net_low:g} to {net_high:g} seconds "
        f"({ENSEMBLE_PASSES} times that as a self-ensemble)."
    )


def unseen_means(path: str | os.PathLike = QUALITY_CSV) -> dict[str, float]:
    """Mean PSNR (dB) over the quality check's ``unseen`` rows, per method the app offers, in menu order.

    Reads the CSV that ``benchmarks/bench_quality.py`` writes (columns ``check``, ``method``, ``psnr`` among
    others). ``nlm (blind)`` counts as the app's ``nlm`` and ``bm3d (blind)`` as ``bm3d`` (the app's filters
    estimate the noise themselves); networks keep their names. The ``noisy`` input, the ``(true)`` rows (given
    the noise level, which no user has), a bare filter name (which does not say which of the two it was),
    methods the app does not offer and rows without a finite PSNR are left out.

    Raises:
        OSError: the file cannot be read; ValueError (``csv.Error`` included): it is not such a table.
    """
    offered = method_labels()
    totals: dict[str, list[float]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"check", "method", "psnr"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: not the quality check's table (no {', '.join(sorted(missing))} column)")
        for row in reader:
            method = (row["method"] or "").strip()
            name = method.removesuffix(_BLIND)
            if row["check"] != UNSEEN_CHECK or name not in offered or (name in CLASSICAL and method == name):
                continue
            try:
                value = float(row["psnr"])
            except (TypeError, ValueError):
                continue
            if math.isfinite(value):
                totals.setdefault(name, []).append(value)
    return {name: sum(totals[name]) / len(totals[name]) for name in offered if name in totals}


def _readable_means(path: str | os.PathLike) -> dict[str, float]:
    """:func:`unseen_means`, or nothing when the table is missing or unreadable."""
    try:
        return unseen_means(path)
    except (OSError, UnicodeDecodeError, ValueError, csv.Error):
        return {}


def best_unseen_method(path: str | os.PathLike = QUALITY_CSV) -> str:
    """The app's method with the best mean PSNR on the quality check's unseen-noise photos, read from ``path``.

    Unseen noise is what a user's photo brings, so that check, not the white-noise one the networks trained
    on, picks the method the menu opens on (see :func:`unseen_means` for which rows count). Ties go to the
    method first in the menu. A method the table lacks (a network registered after the check last ran) is no
    candidate until the check is run again. A missing, unreadable or empty table gives :data:`FALLBACK_METHOD`,
    without an error: a user may delete the benchmarks.
    """
    means = _readable_means(path)
    return max(means, key=means.__getitem__) if means else FALLBACK_METHOD  # max keeps the first of a tie


def default_method(path: str | os.PathLike = QUALITY_CSV) -> tuple[str, str]:
    """The method the menu opens on (:func:`best_unseen_method`) and why, as a sentence for the menu's help."""
    labels, means = method_labels(), _readable_means(path)
    name = best_unseen_method(path)
    if name not in means:
        return name, (
            f"Opens on {labels[name]}: the unseen-noise check's table (benchmarks/results/quality.csv) "
            "is missing or unreadable, and it is the quickest to start (no weights, no TensorFlow)."
        )
    return name, (
        f"Opens on {labels[name]}: best mean PSNR on the unseen-noise check ({means[name]:.2f} dB; "
        "benchmarks/results/quality.md)."
    )


def has_noise_map(name: str) -> bool:
    """Whether the app's method ``name`` can be told the noise: a network that takes a noise-level map beside the
    photo (its model spec has ``map_channels``, so it is registered as a
    :class:`~casestudy.evaluation.methods.MappedNetworkMethod`: NAFNet). The one place that decides whether the
    app offers its "Tell it the noise" control; filters, the blind networks and unknown names have none."""
    from casestudy.evaluation.methods import METHODS, MappedNetworkMethod

    return isinstance(METHODS.get(name), MappedNetworkMethod)


def has_strength(name: str, told_noise: bool = False) -> bool:
    """Whether the app's method ``name`` has a strength dial: a filter that scales its noise level, or a network
    told the noise (``told_noise``, :func:`has_noise_map`), whose dial scales the noise-level map. The blind
    networks have none, and neither has NAFNet run blind (the app's default for it), since
    it then has no map to scale."""
    from casestudy.filters import FILTERS

    if has_noise_map(name):
        return told_noise
    return name in FILTERS and FILTERS[name].strength_param is not None


#: Where a network told the noise gets its map in the app: from the photo's EXIF (ISO, and the phone where known)
#: through the noise level function shipped with its weights, or from its own estimate where there is no ISO or
#: the photo disagrees with it (:class:`~casestudy.evaluation.methods.MappedNetworkMethod`, ``map_mode="auto"``).
TOLD_MAP_MODE = "auto"


def set_up(method: Method, *, told_noise: bool = False, strength: float = 1.0, ensemble: bool = False) -> Method:
    """``method`` as the app's controls set it: told the noise or not, at ``strength``, a network as a
    self-ensemble or not (``ensemble``: eight passes, :mod:`casestudy.inference.ensemble`; ignored for a filter).

    A network that can be told the noise (:func:`has_noise_map`) gets the map of :data:`TOLD_MAP_MODE` scaled by
    ``strength`` when ``told_noise``, and runs blind otherwise; any other method gets ``strength`` through its own
    :meth:`~casestudy.evaluation.methods.Method.with_strength`. Give ``strength=1`` where
    :func:`has_strength` says there is no dial (the page passes 1 while its slider is disabled).

    Raises:
        ValueError: ``told_noise`` for a method that takes no noise map, or a strength that is not a positive number.
        casestudy.evaluation.methods.NoStrengthControlError: a strength other than 1 for a method without a dial
            (a blind network, NAFNet run blind, a filter without one).
    """
    from casestudy.evaluation.methods import MappedNetworkMethod, NetworkMethod

    if isinstance(method, NetworkMethod) and method.ensemble != ensemble:
        method = method.with_ensemble(ensemble)
    if not isinstance(method, MappedNetworkMethod):
        if told_noise:
            raise ValueError(f"{method.label} cannot be told the noise: it takes the photo alone")
        return method.with_strength(strength)
    if told_noise:
        return method.with_map_mode(TOLD_MAP_MODE).with_strength(strength)
    # back to strength 1 first: a network is only put in blind mode without a map to scale
    return method.with_strength(1.0).with_map_mode("blind").with_strength(strength)


def told_the_photo(method: Method, exif: Image.Exif | None) -> Method:
    """``method`` for this photo: a network told the noise gets the ISO and phone of its EXIF
    (:func:`photo_metadata`); any other method comes back unchanged."""
    from casestudy.evaluation.methods import MappedNetworkMethod

    if not isinstance(method, MappedNetworkMethod):
        return method
    return method.with_metadata(*photo_metadata(exif))


def load_method(
    name: str, weights: str | os.PathLike | None = None, params_file: str | os.PathLike | None = None
) -> Method:
    """Prepare method ``name`` once: a network's weights loaded in Keras safe mode, or a filter's settings.

    :func:`casestudy.evaluation.methods.prepare_method` does the work; the app adds its menu (the names it
    offers, with their short labels) and its default settings file.

    Args:
        weights: a network's ``.keras`` file or a folder holding ``<name>.keras``
            (default: the shipped ``weights/``); ignored for filters.
        params_file: tuned filter settings (default: the laptop set's
            ``reports/filter_params-*.json`` if saved, else the filters' defaults).

    Raises:
        ValueError: a method the app does not offer.
        casestudy.models.ModelLoadError: missing weights, a file that does not load in
            safe mode, or one that holds another network.
    """
    labels = method_labels()
    if name not in labels:
        raise ValueError(f"unknown method {name!r}; the app offers {', '.join(labels)}")
    if params_file is None and name in CLASSICAL:
        from casestudy.config import get_profile
        from casestudy.evaluation.tuning import filter_params_path

        params_file = filter_params_path(get_profile("laptop").simulated_dir)
    return dataclasses.replace(prepare_method(name, weights=weights, params_file=params_file), label=labels[name])


def tile_count(method: Method, height: int, width: int, tile: int = DEFAULT_TILE, overlap: int = DEFAULT_OVERLAP) -> int:
    """How many steps :func:`run_method` reports for an ``height x width`` photo (tiles of a network; 1 for a filter)."""
    return method.tiles(height, width, tile, overlap)


def run_method(
    method: Method,
    pixels: np.ndarray,
    *,
    tile: int = DEFAULT_TILE,
    overlap: int = DEFAULT_OVERLAP,
    on_progress: Progress | None = None,
) -> np.ndarray:
    """Denoise ``(H, W, 3)`` float pixels in [0, 1] with ``method``; float32 in [0, 1] back.

    A network runs tile by tile, so memory stays bounded on large photos, and
    ``on_progress(done, total)`` is called after every tile; a filter sees the whole photo and
    reports ``(1, 1)`` when done (:meth:`casestudy.evaluation.methods.Method.run`). BM3D runs one call at a
    time in this process (a second waits, :func:`casestudy.noise.psd.numpy_for_bm4d`): its library crashes the
    process when two calls overlap, as two sessions of the app would make them.
    """
    return method.run(pixels, tile=tile, overlap=overlap, on_progress=on_progress)


# --------------------------------------------------------------------------- views and scores


@dataclasses.dataclass(frozen=True)
class Window:
    """A crop: rows ``top:bottom``, columns ``left:right``."""

    top: int
    bottom: int
    left: int
    right: int


def crop_window(height: int, width: int, centre_y: float, centre_x: float, size: int) -> Window:
    """A square crop of ``size`` pixels centred at fractions ``(centre_y, centre_x)`` of the photo, kept inside it.

    The same window is applied to the noisy and the denoised photo, so the two
    zoomed views always show the same pixels. ``size`` is cut to the photo's shorter side.
    """
    side = max(1, min(int(size), height, width))
    fy, fx = (min(max(float(value), 0.0), 1.0) for value in (centre_y, centre_x))
    top = min(max(round(fy * height - side / 2), 0), height - side)
    left = min(max(round(fx * width - side / 2), 0), width - side)
    return Window(top, top + side, left, left + side)


def zoom(image: np.ndarray, window: Window, display: int = 512) -> np.ndarray:
    """The crop ``window`` of ``image`` enlarged by pixel repetition to about ``display`` pixels (never shrunk).

    Pixel repetition, not interpolation: the zoom shows the noise and what the
    denoiser did to it, not a smoothed version of either.
    """
    crop = image[window.top : window.bottom, window.left : window.right]
    factor = max(1, display // max(crop.shape[:2]))
    return np.repeat(np.repeat(crop, factor, axis=0), factor, axis=1)


def display_size(height: int, width: int, max_side: int = 1600) -> tuple[int, int]:
    """``(height, width)`` of a photo's display copy: the longer side cut to ``max_side``, aspect kept, never enlarged.

    Raises:
        ValueError: a size or ``max_side`` below 1.
    """
    if min(height, width, max_side) < 1:
        raise ValueError(f"display_size: sizes must be positive, got {height}x{width} and max_side {max_side}")
    scale = max_side / max(height, width)
    if scale >= 1:
        return height, width
    return max(1, round(height * scale)), max(1, round(width * scale))


def preview(image: np.ndarray, max_side: int = 1600) -> np.ndarray:
    """``image`` as uint8, shrunk (area-averaged) to :func:`display_size`, for display; never enlarged.

    The page embeds two such copies in its before/after swipe; a 12 MP photo at full size would make that page
    tens of megabytes. The download is made from the full-resolution result, not from this.
    """
    pixels = io.to_uint8(image)
    height, width = pixels.shape[:2]
    shown = display_size(height, width, max_side)
    if shown == (height, width):
        return pixels
    return np.asarray(Image.fromarray(pixels).resize(shown[::-1], Image.Resampling.BOX))


def scores(reference: np.ndarray, noisy: np.ndarray, denoised: np.ndarray, name: str = "reference") -> dict[str, dict[str, float]]:
    """PSNR (dB) and SSIM of the noisy and the denoised photo against a clean ``reference``.

    Raises:
        UploadError: a reference of another size than the photo (the message gives both).
    """
    from casestudy.metrics import MetricInputError, psnr, ssim

    if reference.shape != noisy.shape:
        raise UploadError(
            f"{name}: the reference is {reference.shape[1]}x{reference.shape[0]} but the photo is "
            f"{noisy.shape[1]}x{noisy.shape[0]}; upload the clean photo of the same scene at the same size"
        )
    try:
        return {
            label: {"PSNR": psnr(reference, image), "SSIM": ssim(reference, image)}
            for label, image in (("noisy", noisy), ("denoised", denoised))
        }
    except MetricInputError as error:
        raise UploadError(f"{name}: cannot be scored ({error})") from None


# --------------------------------------------------------------------------- the download


@dataclasses.dataclass(frozen=True)
class Download:
    """A file to hand back: its bytes, its name and MIME type."""

    data: bytes
    file_name: str
    mime: str


def encode_download(pixels: np.ndarray, upload: Upload, method: str) -> Download:
    """The denoised ``pixels`` in the upload's format, with its EXIF and ICC profile, named ``<name>-<method>.<ext>``.

    Encoded by :func:`casestudy.inference.denoise.photo_bytes`, as ``casestudy denoise``
    writes files: orientation 1 (the pixels are upright), 16-bit PNGs stay 16-bit.
    """
    data = photo_bytes(pixels, upload.image_format, upload.photo)
    stem = Path(upload.name).stem or "photo"
    return Download(data, f"{stem}-{method}{FORMATS[upload.image_format]}", MIME[upload.image_format])
