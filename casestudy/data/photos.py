"""The clean photo pool: more content for training, and held-out photos for the unseen-noise check.

Ten embedded scenes (seven in training) are too little content: a network trained on
them learns those photos. ``data/photos/`` holds 13 redistributable photographs from
two Debian wallpaper packages (origins, authors and licences in ``data/README.md``),
recorded in ``data/photos/photos.json`` with each file's SHA-256 and a ``role``:

* ``train``: clean content for training, with the simulator's noise and with the
  generic degradations of :mod:`casestudy.noise.degrade`;
* ``val``: never trained on; the networks' validation set
  (:func:`casestudy.training.photo_patches.photo_validation_pairs`), so checkpoints are chosen on photographs like the
  ones users bring, and never on the unseen-noise check;
* ``check``: never trained on; the clean half of the unseen-noise check
  (:mod:`casestudy.evaluation.unseen.build`).

Two ways in:

* ``casestudy data build --photos DIR`` makes every photo of ``DIR`` extra scenes of
  the simulated set's *training* split (:mod:`casestudy.data.photo_scenes`); a
  folder holding ``photos.json`` contributes its ``train`` photos only;
* training code draws patches straight from the photos
  (:mod:`casestudy.training.photo_patches`: clean patch + a random degradation)
  and mixes them with the simulated pairs.

Every file is checked against its recorded SHA-256 when loaded; a missing, changed or
unreadable photo is an error naming the file. Used by the networks' notebooks (05-07).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from casestudy.data import listing
from casestudy.io import read_image, to_uint8

POOL_FILE = "photos.json"
POOL_FORMAT = "casestudy-photo-pool"
ROLES = ("train", "val", "check")
_REQUIRED = ("name", "file", "sha256", "role", "author", "licence", "source_package", "source_path")


class PhotoPoolError(ValueError):
    """A photo pool or folder that cannot be used; the message names the file and the problem."""


@dataclasses.dataclass(frozen=True)
class CleanPhoto:
    """One clean photo: where it is, its expected SHA-256 (``''``: not recorded) and what is known about it."""

    name: str
    path: Path
    sha256: str = ""
    role: str = "train"
    author: str = ""
    licence: str = ""
    source: str = ""

    def load(self, verify: bool = True) -> np.ndarray:
        """The photo as uint8 (H, W, 3).

        Raises:
            PhotoPoolError: the file is missing, its SHA-256 differs from the record, or it is not an image.
        """
        if not self.path.is_file():
            raise PhotoPoolError(f"{self.path}: photo {self.name!r} is missing")
        data = self.path.read_bytes()
        if verify and self.sha256 and hashlib.sha256(data).hexdigest() != self.sha256:
            raise PhotoPoolError(
                f"{self.path}: SHA-256 {hashlib.sha256(data).hexdigest()[:12]}... differs from the recorded "
                f"{self.sha256[:12]}...; the file was changed or corrupted (restore it from git)"
            )
        try:
            return to_uint8(read_image(self.path))
        except ValueError as error:
            raise PhotoPoolError(f"{self.path}: not a readable image ({error})") from None


def pool_dir() -> Path:
    """The committed pool, ``data/photos/`` in the repository."""
    from casestudy.config import data_root

    return data_root() / "photos"


def read_pool(root: str | os.PathLike | None = None) -> list[CleanPhoto]:
    """Every photo recorded in ``root/photos.json`` (default :func:`pool_dir`), in the file's order.

    Raises:
        PhotoPoolError: no or unreadable ``photos.json``, another format, a missing field, an unknown
            role or a name listed twice.
    """
    root = Path(root).expanduser() if root is not None else pool_dir()
    path = root / POOL_FILE
    if not path.is_file():
        raise PhotoPoolError(f"{path}: no photo pool record here")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PhotoPoolError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(record, dict) or record.get("format") != POOL_FORMAT or not isinstance(record.get("photos"), list):
        raise PhotoPoolError(f"{path}: not a {POOL_FORMAT} record (needs 'format' and a 'photos' list)")
    photos, seen = [], set()
    for index, entry in enumerate(record["photos"]):
        missing = [key for key in _REQUIRED if not isinstance(entry, dict) or not entry.get(key)]
        if missing:
            raise PhotoPoolError(f"{path}: photo #{index} lacks {missing}")
        if entry["role"] not in ROLES:
            raise PhotoPoolError(f"{path}: photo {entry['name']!r} has role {entry['role']!r}; expected one of {ROLES}")
        if entry["name"] in seen:
            raise PhotoPoolError(f"{path}: photo {entry['name']!r} is listed twice")
        seen.add(entry["name"])
        photos.append(
            CleanPhoto(
                name=entry["name"], path=root / entry["file"], sha256=entry["sha256"], role=entry["role"],
                author=entry["author"], licence=entry["licence"],
                source=f"{entry['source_package']}:{entry['source_path']}",
            )
        )  # fmt: skip
    return photos


def pool_photos(role: str | None = "train", root: str | os.PathLike | None = None) -> list[CleanPhoto]:
    """The pool's photos of one role (``None``: all), sorted by name.

    Raises:
        PhotoPoolError: an unknown role, or the problems of :func:`read_pool`.
    """
    if role is not None and role not in ROLES:
        raise PhotoPoolError(f"unknown role {role!r}; expected one of {ROLES} or None")
    return sorted((p for p in read_pool(root) if role is None or p.role == role), key=lambda p: p.name)


def load_photo_pool(role: str | None = "train", root: str | os.PathLike | None = None) -> list[np.ndarray]:
    """The pool's photos of one role as uint8 (H, W, 3) arrays, sorted by name, each checked against its SHA-256."""
    return [photo.load() for photo in pool_photos(role, root)]


def photo_folder(folder: str | os.PathLike) -> list[CleanPhoto]:
    """The clean photos of a folder, for training, sorted by name.

    A folder with a ``photos.json`` (the pool) gives its ``train`` photos only, so the
    held-out ``check`` photos can never slip into training; any other folder gives
    every image file in it (its SHA-256 computed now, so builds can record it).

    Raises:
        PhotoPoolError: a missing folder, or one without images.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise PhotoPoolError(f"{folder}: photo folder not found")
    if (folder / POOL_FILE).is_file():
        photos = pool_photos("train", folder)
    else:
        photos = [
            CleanPhoto(name=path.stem, path=path, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), source=path.name)
            for path in listing.files(folder)
            if listing.is_image(path)
        ]
    if not photos:
        raise PhotoPoolError(f"{folder}: no photos ({', '.join(listing.IMAGE_SUFFIXES)})")
    names = [photo.name for photo in photos]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise PhotoPoolError(f"{folder}: several files named {duplicated[0]!r} (different suffixes); keep one")
    return photos
