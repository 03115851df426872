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


def test_largest_gap_window_finds_where_the_second_method_wins() -> None:
    from casestudy.regions import largest_gap_window

    clean = np.zeros((64, 96, 3))
    first = clean.copy()
    first[32:48, 48:64] = 0.5  # the first method leaves an error here
    second = clean.copy()
    rows, cols = largest_gap_window(clean, first, second, size=16, block=16)
    assert (rows.start, rows.stop, cols.start, cols.stop) == (32, 48, 48, 64)
    # Swapped, the "second" never wins: the windows away from the error tie at 0 and the first of them is taken.
    rows, cols = largest_gap_window(clean, second, first, size=16, block=16)
    assert (rows.start, cols.start) == (0, 0)


def test_largest_gap_window_needs_one_shape() -> None:
    from casestudy.regions import largest_gap_window

    with pytest.raises(ValueError, match="one shape"):
        largest_gap_window(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)), np.zeros((8, 9, 3)), size=4)
