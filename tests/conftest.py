"""Shared fixtures: small fake data trees in every layout (built by ``tests/fakes.py``).

``pair_tree(layout, n=..., **options)`` builds a tree under this test's
``tmp_path`` and returns its root; ``sidd_tree`` is a ready-made six-pair,
three-scene SIDD-like tree. See :func:`fakes.make_pair_tree` for the options.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `import fakes` under any pytest import mode

from fakes import make_pair_tree  # noqa: E402


@pytest.fixture(scope="session")
def smoke_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The smoke profile's simulated data set, built once per test session (about a second)."""
    from casestudy.config import get_profile
    from casestudy.data.simulated import build_dataset

    root = tmp_path_factory.mktemp("data") / "smoke"
    build_dataset(root, get_profile("smoke"))
    return root


@pytest.fixture
def pair_tree(tmp_path: Path) -> Callable[..., Path]:
    """A factory: ``pair_tree("nind", n=4, scenes=2)`` -> the root of a fresh fake tree."""

    def build(layout: str, n: int = 6, **options: object) -> Path:
        return make_pair_tree(tmp_path, layout, n, **options)

    return build


@pytest.fixture
def sidd_tree(tmp_path: Path) -> Path:
    """Six SIDD-like pairs (8x12 PNGs with EXIF) over three scenes, under ``tmp_path / 'sidd'``."""
    return make_pair_tree(tmp_path, "sidd", n=6, scenes=3)
