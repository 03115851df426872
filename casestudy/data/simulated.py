"""The embedded data set: SIDD-Small's 160 captures, re-shot offline by the camera simulator.

Each row of SIDD-Small's folder list (``casestudy/resources/sidd_small_instances.txt``,
``<instance>_<scene>_<phone>_<ISO>_<shutter>_<illuminant K>_<L|N|H>``) becomes one
noisy / ground-truth pair: the scene's clean photo (:mod:`casestudy.data.scenes`)
is cropped near its centre to the phone's aspect ratio, resized so its long side
is the profile's ``sim_long_side`` (even height and width, so whole Bayer cells),
and passed through :func:`casestudy.camera.simulate_capture` with the row's
metadata. The result is laid out exactly like SIDD::

    <out>/Data/<folder name>/GT_SRGB_010.PNG
    <out>/Data/<folder name>/NOISY_SRGB_010.PNG      (with the capture's EXIF)
    <out>/manifest.json                              (settings and SHA-256 of every file)
    <out>/split.csv                                  (the scene-disjoint split)

Determinism: every capture draws from its own generator seeded by
``(seed, instance number)``, so rebuilding with the same seed gives identical
bytes and a subset of rows gives the same files as the full set.

Every pair also records a fingerprint of the simulator's source code: after any
change to the simulator, a re-run rebuilds the pairs rather than mixing versions.

Interruptions: each pair is written GT first, then NOISY, each atomically, then a
small ``.done.json`` recording what was built and both files' hashes. A re-run
reuses pairs whose record and hashes check out, rebuilds the rest, removes
leftover ``.part`` files, and writes ``manifest.json`` last.
Introduced in ``01_data_tour.ipynb``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import hashlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from casestudy.camera import CaptureSettings, get_phone, simulate_capture
from casestudy.config import Profile
from casestudy.data.scenes import get_scene, load_scene, scene_ids
from casestudy.data.photo_scenes import add_train_scenes
from casestudy.data.captures import CaptureRow, sidd_small_rows
from casestudy.data.split import load_or_create_split
from casestudy.io import write_png, write_text

FORMAT = "casestudy-simulated-sidd"
#: 2: no tone curve (as SIDD), the iPhone's noise grows with ISO (so measured on SIDD).
FORMAT_VERSION = 2
GT_FILE = "GT_SRGB_010.PNG"
NOISY_FILE = "NOISY_SRGB_010.PNG"
DONE_FILE = ".done.json"
MANIFEST_FILE = "manifest.json"
DATA_SUBDIR = "Data"
#: Software tag of every noisy PNG: the EXIF is real-looking, the noise is not from that phone.
SOFTWARE = "casestudy camera simulator (synthetic noise)"
#: DateTimeOriginal of instance 0; each instance is five minutes later.
_FIRST_CAPTURE = _dt.datetime(2016, 4, 4, 9, 0, 0)
#: Fraction of the largest crop kept, and how far the crop may wander off centre (fraction of the slack).
_CROP_SCALE = (0.85, 0.95)
_CROP_OFFSET = (0.3, 0.7)


def smoke_rows(rows: list[CaptureRow], split: dict[str, str], seed: int, extra_test: int = 2) -> list[CaptureRow]:
    """A scene-stratified dozen: one seeded row per scene, plus ``extra_test`` more from test scenes.

    Every split holds at least one scene, so every split gets pairs.
    """
    rng = np.random.default_rng([seed, 0x5140CE])
    by_scene: dict[str, list[CaptureRow]] = {}
    for row in rows:
        by_scene.setdefault(row.scene, []).append(row)
    chosen = [group[rng.integers(len(group))] for _, group in sorted(by_scene.items())]
    spare = [row for row in rows if split.get(row.scene) == "test" and row not in chosen]
    if spare and extra_test:
        picks = rng.choice(len(spare), size=min(extra_test, len(spare)), replace=False)
        chosen += [spare[index] for index in sorted(picks)]
    return sorted(chosen, key=lambda row: row.instance)


def rows_for_profile(profile: Profile, split: dict[str, str], seed: int) -> list[CaptureRow]:
    """The captures a profile's data set holds (``sim_subset`` ``'sidd-small'`` or ``'smoke'``).

    Raises:
        ValueError: an unknown ``sim_subset``.
    """
    rows = sidd_small_rows()
    if profile.sim_subset == "sidd-small":
        return rows
    if profile.sim_subset == "smoke":
        return smoke_rows(rows, split, seed)
    raise ValueError(
        f"profile {profile.name!r}: unknown sim_subset {profile.sim_subset!r}; use 'sidd-small' or 'smoke'"
    )


def capture_size(phone: str, long_side: int) -> tuple[int, int]:
    """(height, width) of a simulated capture: the phone's SIDD aspect ratio (9:16 for S6 and G4),
    long side ``long_side``, both even."""
    if long_side < 4:
        raise ValueError(f"sim_long_side must be at least 4 pixels, got {long_side}")
    width = 2 * (int(long_side) // 2)
    height = max(2, 2 * int(round(width * get_phone(phone).aspect / 2)))
    return height, width


def crop_and_resize(
    image: np.ndarray, size: tuple[int, int], rng: np.random.Generator
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Crop ``image`` near its centre to the aspect of ``size`` (seeded jitter), then resize to ``size``.

    Returns:
        The float32 (height, width, 3) image and the crop box ``(top, left, height, width)``
        in the source photo.
    """
    from skimage.transform import resize

    source_h, source_w = image.shape[:2]
    aspect = size[0] / size[1]
    full_h, full_w = (source_w * aspect, source_w) if source_h / source_w > aspect else (source_h, source_h / aspect)
    scale = rng.uniform(*_CROP_SCALE)
    crop_h, crop_w = max(2, int(round(full_h * scale))), max(2, int(round(full_w * scale)))
    top = int(round((source_h - crop_h) * rng.uniform(*_CROP_OFFSET)))
    left = int(round((source_w - crop_w) * rng.uniform(*_CROP_OFFSET)))
    crop = image[top : top + crop_h, left : left + crop_w]
    resized = resize(crop, size, order=1, mode="reflect", anti_aliasing=crop_h > size[0], preserve_range=True)
    return np.clip(resized, 0.0, 1.0).astype(np.float32), (top, left, crop_h, crop_w)


def capture_exif(row: CaptureRow, height: int, width: int) -> dict[str, Any]:
    """The EXIF a phone would write for this capture (make, model, exposure, size, a fixed date)."""
    phone = get_phone(row.phone)
    taken = _FIRST_CAPTURE + _dt.timedelta(minutes=5 * row.instance)
    return {
        "Make": phone.make,
        "Model": phone.model,
        "Software": SOFTWARE,
        "ISOSpeedRatings": row.iso,
        "ExposureTime": row.shutter_s,
        "FNumber": phone.f_number,
        "DateTimeOriginal": taken.strftime("%Y:%m:%d %H:%M:%S"),
        "PixelXDimension": width,
        "PixelYDimension": height,
    }


def capture_rng(seed: int, instance: int) -> np.random.Generator:
    """The generator of one capture: depends only on the build seed and the instance number."""
    return np.random.default_rng([int(seed), int(instance)])


def simulate_row(row: CaptureRow, long_side: int, seed: int, photo: np.ndarray | None = None) -> dict[str, Any]:
    """Simulate one capture in memory: GT and noisy images, settings and crop box.

    ``photo``: the clean image to use instead of the row's embedded scene (``--photos``).
    """
    rng = capture_rng(seed, row.instance)
    size = capture_size(row.phone, long_side)
    clean, box = crop_and_resize(load_scene(row.scene) if photo is None else photo, size, rng)
    settings = row.settings()
    gt, noisy = simulate_capture(clean, settings, rng)
    return {"gt": gt, "noisy": noisy, "clean": clean, "settings": settings, "crop": box}


@functools.lru_cache(maxsize=1)
def simulator_fingerprint() -> str:
    """A short hash of the source code that decides a pair's pixels (the camera package, the scene
    list and this module). Stored with every pair, so any change to the simulator rebuilds old
    pairs instead of silently mixing two versions in one data set."""
    from casestudy import camera
    from casestudy.data import scenes

    files = sorted(Path(camera.__file__).parent.glob("*.py")) + [Path(scenes.__file__), Path(__file__)]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pair_key(row: CaptureRow, long_side: int, seed: int, photo: Any = None) -> dict[str, Any]:
    """Everything that determines a pair's bytes; a stored pair is reused only if its key matches.

    ``photo``: the :class:`casestudy.data.photo_scenes.PhotoCapture` of an extra photo scene.
    """
    if photo is not None:
        return {"format_version": FORMAT_VERSION, "simulator": simulator_fingerprint(), "seed": int(seed),
                "long_side": int(long_side), "folder": row.name, "source": photo.source, "photo": photo.key(),
                "settings": row.settings().to_dict()}  # fmt: skip
    return {
        "format_version": FORMAT_VERSION,
        "simulator": simulator_fingerprint(),
        "seed": int(seed),
        "long_side": int(long_side),
        "folder": row.name,
        "source": get_scene(row.scene).source,
        "settings": row.settings().to_dict(),
    }


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _verified_record(folder: Path, key: dict[str, Any]) -> dict[str, Any] | None:
    """The pair's ``.done.json`` if it matches ``key`` and both files still have the recorded hashes."""
    record = _read_json(folder / DONE_FILE)
    if not isinstance(record, dict) or record.get("key") != json.loads(json.dumps(key)):
        return None
    hashes = record.get("sha256", {})
    for name in (GT_FILE, NOISY_FILE):
        path = folder / name
        if not path.is_file() or hashes.get(name) != _sha256(path):
            return None
    return record


def _write_pair(
    folder: Path, row: CaptureRow, long_side: int, seed: int, key: dict[str, Any], photo: np.ndarray | None = None
) -> dict[str, Any]:
    """Simulate and write one pair (GT, then NOISY, then the record); return the record."""
    (folder / DONE_FILE).unlink(missing_ok=True)
    capture = simulate_row(row, long_side, seed, photo)
    height, width = capture["gt"].shape[:2]
    write_png(folder / GT_FILE, capture["gt"])
    write_png(folder / NOISY_FILE, capture["noisy"], exif=capture_exif(row, height, width))
    record = {
        "key": key,
        "crop": list(capture["crop"]),
        "height": height,
        "width": width,
        "sha256": {name: _sha256(folder / name) for name in (GT_FILE, NOISY_FILE)},
        "bytes": {name: (folder / name).stat().st_size for name in (GT_FILE, NOISY_FILE)},
    }
    write_text(folder / DONE_FILE, json.dumps(record, indent=1, sort_keys=True) + "\n")
    return record


def _remove_part_files(folders: Iterable[Path]) -> int:
    """Delete temporary ``.*.part`` files an interrupted write left behind; return how many."""
    removed = 0
    for folder in folders:
        if folder.is_dir():
            for part in folder.glob(".*.part"):
                part.unlink(missing_ok=True)
                removed += 1
    return removed


def _remove_stale_pairs(data_dir: Path, keep: set[str]) -> int:
    """Remove pair folders this builder made (they hold ``.done.json``) that the current build does not list."""
    removed = 0
    if not data_dir.is_dir():
        return 0
    for folder in sorted(data_dir.iterdir()):
        if folder.name in keep or not (folder / DONE_FILE).is_file():
            continue
        for name in (GT_FILE, NOISY_FILE, DONE_FILE):
            (folder / name).unlink(missing_ok=True)
        _remove_part_files([folder])
        try:
            folder.rmdir()
        except OSError:
            pass  # the user put something else there: leave it
        removed += 1
    return removed


def _profile_record(profile: Profile) -> dict[str, Any]:
    return {"name": profile.name, "sim_subset": profile.sim_subset, "sim_long_side": profile.sim_long_side}


def build_dataset(
    out: str | os.PathLike,
    profile: Profile,
    seed: int | None = None,
    photos: str | os.PathLike | None = None,
    photo_captures: int | None = None,
) -> str:
    """Build (or repair) the simulated data set of ``profile`` in ``out``; return a one-line report.

    Complete pairs from an earlier build with the same seed and size are reused;
    missing, half-written or changed ones are rebuilt; ``manifest.json`` is written last.
    ``photos``: a folder of clean photos that join the *training* split, each a scene of
    its own with ``photo_captures`` pairs (:mod:`casestudy.data.photo_scenes`).
    """
    start = time.perf_counter()
    summary = _build(Path(out).expanduser(), profile, seed, photos, photo_captures)
    return f"{summary} in {time.perf_counter() - start:.1f} s"


def _build(
    out: Path, profile: Profile, seed: int | None, photos: str | os.PathLike | None = None,
    photo_captures: int | None = None,
) -> str:  # fmt: skip
    """The build itself; returns what was done, without timings."""
    seed = profile.seed if seed is None else int(seed)
    data_dir = out / DATA_SUBDIR
    data_dir.mkdir(parents=True, exist_ok=True)
    split = load_or_create_split(out, scene_ids(), seed=seed)
    rows = rows_for_profile(profile, split, seed)
    long_side = profile.sim_long_side
    extra = _photo_captures(photos, seed, long_side, photo_captures)
    if extra:
        split = add_train_scenes(out, split, sorted({capture.row.scene for capture in extra}))
    by_row = {capture.row.name: capture for capture in extra}
    rows = rows + [capture.row for capture in extra]
    _remove_part_files([out, data_dir, *(data_dir / row.name for row in rows)])
    stale = _remove_stale_pairs(data_dir, {row.name for row in rows})

    built = reused = 0
    captures: dict[str, Any] = {}
    loaded: dict[str, np.ndarray] = {}
    for row in rows:
        folder = data_dir / row.name
        photo = by_row.get(row.name)
        key = _pair_key(row, long_side, seed, photo)
        record = _verified_record(folder, key)
        if record is None:
            record = _write_pair(folder, row, long_side, seed, key, None if photo is None else photo.image(loaded))
            built += 1
        else:
            reused += 1
        captures[row.name] = {
            "scene": row.scene,
            "source": key["source"],
            "split": split[row.scene],
            "settings": key["settings"],
            "height": record["height"],
            "width": record["width"],
            "crop": record["crop"],
            "sha256": record["sha256"],
            "bytes": record["bytes"],
        }
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "simulator": simulator_fingerprint(),
        "profile": _profile_record(profile),
        "seed": seed,
        "pairs": len(captures),
        "captures": captures,
    }
    if extra:
        manifest["photos"] = {
            capture.photo.name: {"scene": capture.row.scene, "file": capture.photo.path.name,
                                 "sha256": capture.photo.sha256, "author": capture.photo.author,
                                 "licence": capture.photo.licence, "source": capture.photo.source,
                                 "folder": _portable(capture.photo.path.parent)}
            for capture in extra
        }  # fmt: skip
    write_text(out / MANIFEST_FILE, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    report = f"{out}: {len(rows)} pairs ({built} built, {reused} reused)"
    if extra:
        report += f", of which {len(extra)} from {len({c.photo.name for c in extra})} extra training photos"
    if stale:
        report += f"; removed {stale} pairs no longer in the {profile.name} set"
    return report


def _photo_captures(photos: str | os.PathLike | None, seed: int, long_side: int, captures: int | None) -> list[Any]:
    """The extra photo pairs of ``--photos`` (none without it)."""
    if photos is None:
        return []
    from casestudy.data.photo_scenes import DEFAULT_CAPTURES, photo_captures

    return photo_captures(photos, seed, long_side, DEFAULT_CAPTURES if captures is None else captures)


def read_manifest(root: str | os.PathLike) -> dict[str, Any]:
    """The data set's ``manifest.json``.

    Raises:
        FileNotFoundError: no manifest (the folder was not built by :func:`build_dataset`).
        ValueError: the manifest is unreadable or of another format.
    """
    path = Path(root).expanduser() / MANIFEST_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no manifest; build the data set with `casestudy data build`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path}: not valid JSON ({error}); rebuild with `casestudy data build`") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path}: manifest format {manifest.get('format_version')} is not {FORMAT_VERSION}; rebuild the data set"
        )
    return manifest


def load_capture_settings(root: str | os.PathLike) -> dict[str, CaptureSettings]:
    """Each pair's :class:`CaptureSettings`, keyed by folder name, from ``root/manifest.json``."""
    manifest = read_manifest(root)
    try:
        return {name: CaptureSettings.from_dict(entry["settings"]) for name, entry in manifest["captures"].items()}
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{Path(root) / MANIFEST_FILE}: bad capture settings ({error})") from None


def _portable(folder: Path) -> str:
    """A folder as recorded in a manifest: relative to the repository when inside it, so the hash travels."""
    from casestudy.config import project_root

    folder = folder.resolve()
    return folder.relative_to(project_root()).as_posix() if folder.is_relative_to(project_root()) else str(folder)


def source_photos(root: str | os.PathLike, split: str = "train") -> list[np.ndarray]:
    """The original, sharp clean photos behind one split's simulated pairs, as uint8 RGB, each once.

    A simulated ground truth went through the camera (lens blur, demosaicing), so it
    is softer than the photo it came from. A network whose every target is such a
    ground truth learns to soften whatever it sees; the generic degradations
    (:func:`casestudy.training.patches.training_sampler`) therefore start from these
    photos instead: the scenes' bundled photos, and the extra photos of
    ``casestudy data build --photos`` (checked against the SHA-256 the manifest recorded).

    Raises:
        ValueError: the manifest names a source this package cannot find, or whose content changed.
    """
    from casestudy.config import project_root
    from casestudy.io import read_image, to_uint8

    manifest = read_manifest(root)
    sources = sorted({entry["source"]: entry["scene"] for entry in manifest["captures"].values()
                      if entry.get("split") == split}.items())  # fmt: skip
    extra = {entry["file"]: entry for entry in manifest.get("photos", {}).values()}
    photos = []
    for source, scene in sources:
        kind, _, name = source.partition(":")
        if kind != "photos":
            photos.append(to_uint8(load_scene(scene)))
            continue
        entry = extra.get(name)
        path = project_root() / entry.get("folder", "data/photos") / name if entry else Path(name)
        if entry is None or not path.is_file() or _sha256(path) != entry["sha256"]:
            raise ValueError(f"{Path(root) / MANIFEST_FILE}: source photo {path} is missing or not the one it was built from")
        photos.append(to_uint8(read_image(path)))
    return photos


def _looks_complete(root: Path, profile: Profile) -> bool:
    """Cheap check (no hashing): the manifest fits the profile and every file has its recorded size."""
    try:
        manifest = read_manifest(root)
    except (FileNotFoundError, ValueError):
        return False
    if manifest.get("profile") != _profile_record(profile) or manifest.get("seed") != profile.seed:
        return False
    if manifest.get("simulator") != simulator_fingerprint():
        return False
    for name, entry in manifest.get("captures", {}).items():
        for filename, size in entry.get("bytes", {}).items():
            path = root / DATA_SUBDIR / name / filename
            if not path.is_file() or path.stat().st_size != size:
                return False
    return bool(manifest.get("captures"))


def ensure_dataset(profile: Profile) -> Path:
    """The profile's simulated data set folder, built first if it is missing or incomplete.

    A complete set is returned silently; otherwise one line says what was built
    (without the build time, so a notebook's output does not change from run to run).
    """
    root = profile.simulated_dir
    if not _looks_complete(root, profile):
        photos, captures = _photos_of(root)
        report = _build(root, profile, None, photos=photos, photo_captures=captures)
        print(f"Built the {profile.name} simulated data set: {report}")
    return root


def _photos_of(root: Path) -> tuple[Path | None, int | None]:
    """The extra-photo folder (and captures per photo) a set was built with, so a rebuild keeps them."""
    from casestudy.config import project_root

    try:
        entries = list(read_manifest(root).get("photos", {}).values())
    except (FileNotFoundError, ValueError):
        return None, None
    if not entries:
        return None, None
    folder = project_root() / entries[0].get("folder", "data/photos")
    scenes = [entry["scene"] for entry in entries]
    captures = sum(1 for entry in read_manifest(root)["captures"].values() if entry["scene"] in scenes)
    return folder, max(1, captures // len(entries))


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``casestudy data build``'s options to ``parser``."""
    parser.add_argument("--out", help="output folder (default: the profile's data/simulated-sidd*)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: the profile's)")
    parser.add_argument(
        "--photos", metavar="DIR",
        help="a folder of clean photos that join the training split, each a scene of its own "
        "(a folder with photos.json, like data/photos, gives its 'train' photos only)",
    )  # fmt: skip
    parser.add_argument("--photo-captures", type=int, default=None, metavar="N",
                        help="simulated pairs per extra photo (default 4)")  # fmt: skip


def run_cli(args: argparse.Namespace) -> int:
    """``casestudy data build``: build (or update) the simulated set and print what was done."""
    from casestudy.config import get_profile

    profile = get_profile(args.profile)
    report = build_dataset(
        out=args.out or profile.simulated_dir, profile=profile, seed=args.seed,
        photos=args.photos, photo_captures=args.photo_captures,
    )  # fmt: skip
    print(report)
    return 0

