"""Sorted, predictable folder listings shared by the data-set loaders.

Pairs are matched by name, never by list position, but listings are still
sorted so that every error, every catalogue and every log comes out in the
same order on every machine. Hidden entries (``.DS_Store``, ``._*`` files that
macOS leaves on USB sticks, editor swap files) are skipped: they are never data.
"""

from __future__ import annotations

import os
from pathlib import Path

#: File suffixes read as images (compared in lower case).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


def is_hidden(path: Path) -> bool:
    """True for names starting with a dot (hidden on Unix, and macOS's ``._`` resource forks)."""
    return path.name.startswith(".")


def is_image(path: Path) -> bool:
    """True when the suffix is one of :data:`IMAGE_SUFFIXES`, in any case."""
    return path.suffix.lower() in IMAGE_SUFFIXES


def subfolders(folder: Path) -> list[Path]:
    """The visible sub-folders of ``folder``, sorted by name."""
    return sorted((entry for entry in folder.iterdir() if entry.is_dir() and not is_hidden(entry)), key=_key)


def files(folder: Path) -> list[Path]:
    """The visible regular files of ``folder``, sorted by name."""
    return sorted((entry for entry in folder.iterdir() if entry.is_file() and not is_hidden(entry)), key=_key)


def absolute(path: Path) -> str:
    """The absolute path as a string, with ``..`` removed but symbolic links kept as the user made them."""
    return os.path.abspath(path)


def _key(path: Path) -> str:
    return path.name
