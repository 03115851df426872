"""casestudy.regions: pixels and windows chosen by rule, the same on every run."""

import numpy as np
import pytest
from fakes import step_image

from casestudy.regions import demo_pixel, detail_window


def test_demo_pixel_finds_the_edge_and_a_flat_spot() -> None:
    image = step_image()
    row, col = demo_pixel(image, margin=5)
    assert col in (39, 40)
    assert 5 <= row < 48 - 5
    flat_row, flat_col = demo_pixel(image, margin=5, kind="flat")
    assert abs(flat_col - 40) > 3  # away from the edge
    assert demo_pixel(image, margin=5) == (row, col)  # deterministic


def test_demo_pixel_respects_the_margin() -> None:
    image = step_image(edge=2)  # the only edge lies inside the margin
    _, col = demo_pixel(image, margin=10)
    assert 10 <= col < 64 - 10


def test_demo_pixel_bad_arguments() -> None:
    with pytest.raises(ValueError, match="no pixel 10 pixels away"):
        demo_pixel(np.zeros((15, 40, 3)), margin=10)
    with pytest.raises(ValueError, match="unknown kind"):
        demo_pixel(step_image(), margin=2, kind="corner")


def test_detail_window_finds_the_textured_corner() -> None:
    image = np.full((64, 96, 3), 0.5)
    image[40:64, 64:96] += 0.3 * (np.indices((24, 32)).sum(axis=0) % 2)[..., None]  # a checkerboard, bottom right
    rows, cols = detail_window(image, 32, block=8)
    assert (rows.stop - rows.start, cols.stop - cols.start) == (32, 32)
    assert rows.start >= 32 and cols.start >= 56


def test_detail_window_larger_than_the_image_is_the_image() -> None:
    rows, cols = detail_window(np.zeros((20, 30, 3)), 64)
    assert (rows, cols) == (slice(0, 20), slice(0, 30))
