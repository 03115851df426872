"""The app's before/after swipe without a browser: its HTML, the embedded images, the display copy, the zoom crop.

``tests/test_app_browser.py`` drags the same swipe in Chromium.
"""

from __future__ import annotations

import base64
import io as _bytes_io
import re

import numpy as np
import pytest
from PIL import Image

from casestudy import io
from casestudy.app import logic, swipe
from casestudy.app.logic import Window

#: An embedded image: its class (``before`` on top, ``after`` under it) and its PNG, base64.
IMAGE = re.compile(r'<img class="(before|after)"[^>]*?src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _photo(height: int, width: int, seed: int = 0) -> np.ndarray:
    """Seeded float32 pixels in [0, 1], different everywhere (so a wrong crop or a swapped image shows)."""
    return np.random.default_rng(seed).random((height, width, 3)).astype(np.float32)


def _embedded(page: str) -> dict[str, np.ndarray]:
    """The images embedded in a swipe page, decoded, by class."""
    found = {}
    for kind, data in IMAGE.findall(page):
        with Image.open(_bytes_io.BytesIO(base64.b64decode(data))) as image:
            assert image.format == "PNG"
            found[kind] = np.asarray(image)
    return found


# --------------------------------------------------------------------------- the display copy


@pytest.mark.parametrize(
    ("size", "max_side", "shown"),
    [
        ((3000, 4000), 1600, (1200, 1600)),  # landscape: the long side cut, aspect kept
        ((4000, 3000), 1600, (1600, 1200)),  # portrait
        ((1000, 3000), 1600, (533, 1600)),
        ((72, 104), 1600, (72, 104)),  # small: never enlarged
        ((1600, 900), 1600, (1600, 900)),  # exactly the limit: untouched
        ((5000, 3), 1000, (1000, 1)),  # a sliver keeps at least one pixel
    ],
)
def test_the_display_size_keeps_the_aspect_and_never_enlarges(size, max_side: int, shown) -> None:
    assert logic.display_size(*size, max_side) == shown
    height, width = size
    assert shown[0] <= height and shown[1] <= width and max(shown) <= max(max_side, 1)
    scale = min(1.0, max_side / max(size))  # one factor for both sides: the aspect is kept, to the pixel
    assert all(abs(side - original * scale) <= 0.5 for side, original in zip(shown, size))


def test_the_display_copy_is_area_averaged_and_refuses_nonsense_sizes() -> None:
    image = np.zeros((40, 80, 3), dtype=np.float32)
    image[:, 1::2] = 1.0  # one-pixel stripes: averaged in pairs they are mid-grey, not aliased
    shown = logic.preview(image, max_side=40)
    assert shown.shape == (20, 40, 3) and shown.dtype == np.uint8
    np.testing.assert_allclose(shown, 128, atol=1)
    np.testing.assert_array_equal(logic.preview(image[:10, :10]), io.to_uint8(image[:10, :10]))
    with pytest.raises(ValueError, match="sizes must be positive"):
        logic.display_size(0, 10)


# --------------------------------------------------------------------------- the HTML


def test_the_page_embeds_both_images_and_labels_the_corners() -> None:
    before, after = _photo(30, 50), _photo(30, 50, seed=1)
    page = swipe.swipe_html(before, after, ("Noisy", "Denoised (BM3D)"))
    shown = _embedded(page)
    assert set(shown) == {"before", "after"}
    np.testing.assert_array_equal(shown["before"], io.to_uint8(before))
    np.testing.assert_array_equal(shown["after"], io.to_uint8(after))
    assert '<span class="label before">Noisy</span>' in page
    assert '<span class="label after">Denoised (BM3D)</span>' in page
    # The top image is clipped to the left half, the divider in the middle, the range input says 50.
    assert 'style="clip-path: inset(0 50% 0 0)"' in page and 'class="divider" style="left: 50%"' in page
    assert re.search(r'<input type="range" id="split" min="0" max="100" step="0.5" value="50"', page)
    assert "aria-label=" in page and "pointerdown" in page and "clipPath" in page


def test_the_divider_starts_where_asked_and_labels_are_escaped() -> None:
    image = _photo(8, 8)
    page = swipe.swipe_html(image, image, ("<b>before</b>", 'a "quoted" & label'), position=130)
    assert "<b>" not in page and "&lt;b&gt;before&lt;/b&gt;" in page and "a &quot;quoted&quot; &amp; label" in page
    assert "inset(0 0% 0 0)" in page and 'value="100"' in page  # cut to 0-100
    assert "inset(0 75% 0 0)" in swipe.swipe_html(image, image, position=25)


def test_a_fitted_photo_is_never_drawn_larger_than_its_pixels_and_a_zoomed_one_is_unsmoothed() -> None:
    small = _photo(72, 104)
    assert "width: min(100%, 104px)" in swipe.swipe_html(small, small)
    assert "aspect-ratio: 104 / 72" in swipe.swipe_html(small, small)
    tall = _photo(1200, 300)
    assert "width: min(100%, 150px)" in swipe.swipe_html(tall, tall, max_height=600)  # 600 high at most
    zoomed = swipe.swipe_html(small, small, scale=4)
    assert "width: min(100%, 416px)" in zoomed and 'class="swipe native"' in zoomed
    assert "image-rendering: pixelated" in zoomed
    assert swipe.frame_height(72, 104) == 72 + swipe.CONTROLS_HEIGHT
    assert swipe.frame_height(72, 104, scale=4) == 288 + swipe.CONTROLS_HEIGHT
    assert swipe.frame_height(1600, 1200, max_height=600) == 600 + swipe.CONTROLS_HEIGHT


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        (np.zeros((30, 50, 3)), np.zeros((30, 40, 3)), r"before image is \(30, 50, 3\) but the after image is \(30, 40, 3\)"),
        (np.zeros((30, 50, 3)), np.zeros((30, 50)), "must be the same size"),
        (np.zeros((30, 50, 4)), np.zeros((30, 50, 4)), r"the before image must be an \(H, W\) or \(H, W, 3\) array"),
        (np.zeros((0, 50, 3)), np.zeros((0, 50, 3)), "the before image is empty"),
        ([[0.0]], np.zeros((1, 1)), "the before image must be"),
    ],
)
def test_images_that_cannot_be_laid_over_each_other_are_refused(before, after, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        swipe.swipe_html(before, after)
    if isinstance(before, np.ndarray) and before.ndim == 3 and before.shape[2] == 3 and before.size:
        with pytest.raises(ValueError, match=message):
            swipe.swipe_view(before, after, "NLM")


# --------------------------------------------------------------------------- the page's view


def test_the_fitted_view_embeds_the_downscaled_copies_and_says_so() -> None:
    noisy, denoised = _photo(300, 400), _photo(300, 400, seed=1)
    view = swipe.swipe_view(noisy, denoised, "REDNet", max_side=200)
    shown = _embedded(view.html)
    np.testing.assert_array_equal(shown["before"], logic.preview(noisy, 200))  # the round trip is lossless
    np.testing.assert_array_equal(shown["after"], logic.preview(denoised, 200))
    assert shown["before"].shape == (150, 200, 3)
    assert "Denoised (REDNet)" in view.html and ">Noisy<" in view.html
    assert view.caption.startswith("The whole photo, downscaled for display to 200x150 (from 400x300)")
    assert "the download is full resolution" in view.caption
    assert view.height == 150 + swipe.CONTROLS_HEIGHT
    small = swipe.swipe_view(noisy, denoised, "REDNet")  # under MAX_SIDE: shown as it is
    assert small.caption == "The whole photo, 400x300 pixels."
    np.testing.assert_array_equal(_embedded(small.html)["before"], io.to_uint8(noisy))


def test_a_zoomed_view_shows_a_crop_at_native_pixels_where_asked() -> None:
    noisy, denoised = _photo(300, 1000), _photo(300, 1000, seed=1)
    view = swipe.swipe_view(noisy, denoised, "NLM", "4x", "bottom right", view=(100, 160))
    shown = _embedded(view.html)
    np.testing.assert_array_equal(shown["before"], io.to_uint8(noisy[275:300, 960:1000]))  # 100/4 x 160/4
    np.testing.assert_array_equal(shown["after"], io.to_uint8(denoised[275:300, 960:1000]))
    assert "A 40x25-pixel crop at full resolution (rows 275-300, columns 960-1000 of 1000x300)" in view.caption
    assert view.height == 100 + swipe.CONTROLS_HEIGHT and 'class="swipe native"' in view.html
    with pytest.raises(ValueError, match="zoom must be one of"):
        swipe.swipe_view(noisy, denoised, "NLM", "3x")
    with pytest.raises(ValueError, match="where one of"):
        swipe.swipe_view(noisy, denoised, "NLM", "2x", "middle")


@pytest.mark.parametrize(
    ("factor", "where", "window"),
    [
        (1, (0.5, 0.5), Window(200, 800, 520, 1480)),  # 600 x 960 at the centre of 1000 x 2000
        (2, (0.0, 0.0), Window(0, 300, 0, 480)),
        (4, (1.0, 1.0), Window(850, 1000, 1760, 2000)),
        (4, (0.5, 0.0), Window(425, 575, 0, 240)),
        (1, (2.0, -1.0), Window(400, 1000, 0, 960)),  # fractions outside [0, 1] are cut
    ],
)
def test_the_detail_window_fills_the_view_and_stays_inside(factor: int, where, window: Window) -> None:
    assert swipe.detail_window(1000, 2000, factor, where) == window


def test_the_detail_window_of_a_small_photo_is_the_whole_photo() -> None:
    assert swipe.detail_window(72, 104, 2) == Window(0, 72, 0, 104)
    with pytest.raises(ValueError, match="at least 1"):
        swipe.detail_window(72, 104, 0)
