"""The before/after swipe: one view of the photo, noisy left of a divider the user drags, denoised right of it.

Photo editors compare two versions of a picture this way: both are laid over
each other in one frame, and a vertical divider, dragged across, decides where
one ends and the other begins. The eye compares the same pixels in place, not
two pictures side by side. The web app's page shows the swipe as a small
self-contained HTML document (:func:`swipe_html`): both images embedded as
base64 PNG (lossless, so the noise is shown as it is), the top one clipped by a
CSS ``clip-path`` that a range input drives (keyboard accessible) and that
dragging the divider moves. No new dependency: Streamlit shows the document in
an iframe. Everything here is plain text and arrays, unit tested without a browser
(``tests/test_app_swipe.py``); ``tests/test_app_browser.py`` drags it in Chromium.

* :func:`~casestudy.app.logic.preview` makes the display copy of a photo (its size from
  :func:`~casestudy.app.logic.display_size`): at most :data:`MAX_SIDE` pixels on the long side (a 12 MP
  photo as two PNGs would be tens of megabytes on the page), aspect kept, never enlarged. The download stays
  at full resolution.
* :func:`detail_window` is the crop shown at native pixels when the user zooms (:data:`ZOOMS`), placed by one
  control (:data:`PLACES`).
* :func:`swipe_view` puts them together for the page: the HTML, the height of its frame, and a caption that
  says what is shown (downscaled or native, which pixels).

Introduced in ``09_deployment.ipynb``.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io as _bytes_io
import math

import numpy as np
from PIL import Image

from casestudy import io
from casestudy.app.logic import Window, preview

#: Longest side, in pixels, of the display copy of a whole photo (the download is not touched).
MAX_SIDE = 1600
#: Largest size of the swipe on the page, in CSS pixels (height, width): a zoomed crop is cut to fill it.
VIEW = (600, 960)
#: Height of the row under the photo that holds the range input, in CSS pixels.
CONTROLS_HEIGHT = 44
#: Zoom choices: label -> CSS pixels per photo pixel (``None``: the whole photo, fitted and downscaled).
ZOOMS: dict[str, int | None] = {"Fit": None, "1x": 1, "2x": 2, "4x": 4}
#: Where a zoomed crop sits: label -> (down, across), fractions of the room the crop has to move in.
PLACES: dict[str, tuple[float, float]] = {
    "centre": (0.5, 0.5), "top left": (0.0, 0.0), "top": (0.0, 0.5), "top right": (0.0, 1.0), "left": (0.5, 0.0),
    "right": (0.5, 1.0), "bottom left": (1.0, 0.0), "bottom": (1.0, 0.5), "bottom right": (1.0, 1.0),
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class SwipeView:
    """What the page shows: the swipe's HTML, the height of the frame it needs (CSS pixels), and its caption."""

    html: str
    height: int
    caption: str


def detail_window(
    height: int, width: int, factor: int, where: tuple[float, float] = (0.5, 0.5), view: tuple[int, int] = VIEW
) -> Window:
    """The crop that fills ``view`` CSS pixels when each photo pixel is drawn ``factor`` pixels wide.

    ``where`` gives the crop's place as fractions ``(down, across)`` of the room it has to move in: 0 puts it
    at the top (left) edge, 1 at the bottom (right) edge, 0.5 in the centre. The crop is cut to the photo.
    """
    if factor < 1:
        raise ValueError(f"detail_window: a zoom factor is a whole number of display pixels, at least 1; got {factor}")
    crop_h, crop_w = max(1, min(height, view[0] // factor)), max(1, min(width, view[1] // factor))
    down, across = (min(max(float(value), 0.0), 1.0) for value in where)
    top, left = round(down * (height - crop_h)), round(across * (width - crop_w))
    return Window(top, top + crop_h, left, left + crop_w)


def png_data_uri(image: np.ndarray) -> str:
    """``image`` (uint8, or float in [0, 1]) as a ``data:image/png;base64,...`` URI, lossless."""
    buffer = _bytes_io.BytesIO()
    Image.fromarray(io.to_uint8(image)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _check_pair(before: np.ndarray, after: np.ndarray) -> None:
    """Raise a ValueError unless ``before`` and ``after`` are images of one shape (the swipe lays one on the other)."""
    for name, image in (("before", before), ("after", after)):
        if not isinstance(image, np.ndarray) or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
            shape = getattr(image, "shape", type(image).__name__)
            raise ValueError(f"swipe: the {name} image must be an (H, W) or (H, W, 3) array, got {shape}")
        if min(image.shape[:2]) < 1:
            raise ValueError(f"swipe: the {name} image is empty, shape {image.shape}")
    if before.shape != after.shape:
        raise ValueError(
            f"swipe: the before image is {before.shape} but the after image is {after.shape}; the swipe lays one "
            "over the other, so they must be the same size"
        )


def frame_height(height: int, width: int, scale: int | None = None, max_height: int = VIEW[0]) -> int:
    """The CSS height of the frame that holds a swipe of an ``height x width`` image, its range input included.

    Fitted (``scale`` None), the image is drawn at most ``max_height`` high and never larger than its pixels;
    zoomed, each pixel is ``scale`` CSS pixels.
    """
    drawn = height * scale if scale else min(height, max_height)
    return math.ceil(drawn) + CONTROLS_HEIGHT


_STYLE = """
:root { color-scheme: light dark; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.box { margin: 0 auto 0 0; }
.swipe { position: relative; margin: 0; overflow: hidden; cursor: ew-resize; touch-action: none;
         user-select: none; -webkit-user-select: none; background: #000; }
.swipe img { position: absolute; inset: 0; width: 100%; height: 100%; display: block; pointer-events: none; }
.swipe.native img { image-rendering: pixelated; }
.divider { position: absolute; top: 0; bottom: 0; width: 0; border-left: 2px solid #fff; margin-left: -1px;
           box-shadow: 0 0 4px rgba(0, 0, 0, 0.7); pointer-events: none; }
.handle { position: absolute; top: 50%; left: -18px; width: 34px; height: 34px; margin-top: -17px;
          border-radius: 50%; background: #fff; color: #333; box-shadow: 0 1px 5px rgba(0, 0, 0, 0.6);
          display: flex; align-items: center; justify-content: center; font-size: 13px; letter-spacing: -1px; }
.label { position: absolute; top: 8px; padding: 3px 8px; border-radius: 4px; background: rgba(0, 0, 0, 0.62);
         color: #fff; font-size: 13px; line-height: 1.35; pointer-events: none; white-space: nowrap; }
.label.before { left: 8px; }
.label.after { right: 8px; }
.controls { display: flex; align-items: center; gap: 10px; margin-top: 10px; font-size: 13px; color: #888; }
.controls input { flex: 1; margin: 0; }
"""

# Drag anywhere on the photo (mouse, pen or touch) or move the range input (arrow keys, Home, End): both call
# show(), which clips the top image, moves the divider and keeps the range input in step.
_SCRIPT = """
(function () {
  const figure = document.getElementById("swipe");
  const upper = figure.querySelector("img.before");
  const divider = figure.querySelector(".divider");
  const range = document.getElementById("split");
  function show(percent) {
    const p = Math.min(100, Math.max(0, percent));
    upper.style.clipPath = "inset(0 " + (100 - p) + "% 0 0)";
    divider.style.left = p + "%";
    range.value = String(p);
    range.setAttribute("aria-valuetext", Math.round(p) + "% noisy, " + Math.round(100 - p) + "% denoised");
  }
  function follow(event) {
    const box = figure.getBoundingClientRect();
    show(100 * (event.clientX - box.left) / box.width);
  }
  let dragging = false;
  figure.addEventListener("pointerdown", function (event) {
    dragging = true;
    figure.setPointerCapture(event.pointerId);
    follow(event);
    event.preventDefault();
  });
  figure.addEventListener("pointermove", function (event) { if (dragging) follow(event); });
  for (const name of ["pointerup", "pointercancel"]) {
    figure.addEventListener(name, function () { dragging = false; });
  }
  range.addEventListener("input", function () { show(parseFloat(range.value)); });
  show(parseFloat(range.value));
})();
"""


def swipe_html(
    before: np.ndarray,
    after: np.ndarray,
    labels: tuple[str, str] = ("Noisy", "Denoised"),
    *,
    scale: int | None = None,
    max_height: int = VIEW[0],
    position: float = 50.0,
) -> str:
    """A self-contained HTML page: ``after`` under ``before``, ``before`` shown left of a divider at ``position`` %.

    The two images are embedded as they are (base64 PNG; pass display copies, see :func:`~casestudy.app.logic.preview`), and
    ``labels`` (escaped) sit in the top corners: ``before``'s on the left, ``after``'s on the right. Fitted
    (``scale`` None) the photo fills the width available, at most ``max_height`` CSS pixels high and never
    larger than its pixels; with ``scale`` each pixel is drawn ``scale`` CSS pixels wide, unsmoothed.

    Raises:
        ValueError: images that are not ``(H, W)`` or ``(H, W, 3)`` arrays, or that differ in shape.
    """
    _check_pair(before, after)
    height, width = before.shape[:2]
    if scale:
        box_width, native = width * int(scale), " native"
    else:
        box_width, native = width * min(1.0, max_height / height), ""
    position = min(max(float(position), 0.0), 100.0)
    left, right = (html.escape(label) for label in labels)
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{left} / {right}</title><style>{_STYLE}</style></head>
<body>
<div class="box" style="width: min(100%, {box_width:.0f}px)">
<figure class="swipe{native}" id="swipe" style="aspect-ratio: {width} / {height}">
<img class="after" alt="{right}" src="{png_data_uri(after)}">
<img class="before" alt="{left}" src="{png_data_uri(before)}" style="clip-path: inset(0 {100 - position:g}% 0 0)">
<div class="divider" style="left: {position:g}%"><div class="handle" aria-hidden="true">&#9664;&#9654;</div></div>
<span class="label before">{left}</span><span class="label after">{right}</span>
</figure>
<div class="controls"><span aria-hidden="true">{left}</span>
<input type="range" id="split" min="0" max="100" step="0.5" value="{position:g}"
 aria-label="Divider: percent of the width showing {left}, the rest {right}">
<span aria-hidden="true">{right}</span></div>
</div>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def swipe_view(
    noisy: np.ndarray,
    denoised: np.ndarray,
    label: str,
    zoom: str = "Fit",
    where: str = "centre",
    *,
    max_side: int = MAX_SIDE,
    view: tuple[int, int] = VIEW,
) -> SwipeView:
    """The page's swipe of ``noisy`` against ``denoised`` (by method ``label``), fitted or zoomed.

    ``zoom`` is a key of :data:`ZOOMS`: ``"Fit"`` shows the whole photo, downscaled to at most ``max_side``
    pixels on the long side for display; ``"1x"``, ``"2x"``, ``"4x"`` show the crop of
    :func:`detail_window` placed at ``where`` (a key of :data:`PLACES`) at native pixels, each drawn 1, 2 or
    4 CSS pixels wide. The caption says which.

    Raises:
        ValueError: photos of different shapes, an unknown ``zoom`` or ``where``.
    """
    _check_pair(noisy, denoised)
    if zoom not in ZOOMS or where not in PLACES:
        raise ValueError(f"swipe: zoom must be one of {list(ZOOMS)} and where one of {list(PLACES)}")
    labels = ("Noisy", f"Denoised ({label})")
    height, width = noisy.shape[:2]
    factor = ZOOMS[zoom]
    if factor is None:
        before, after = preview(noisy, max_side), preview(denoised, max_side)
        shown_h, shown_w = before.shape[:2]
        if (shown_h, shown_w) == (height, width):
            caption = f"The whole photo, {width}x{height} pixels."
        else:
            caption = (
                f"The whole photo, downscaled for display to {shown_w}x{shown_h} (from {width}x{height}); "
                "the download is full resolution. Zoom in to see its own pixels."
            )
        page = swipe_html(before, after, labels, max_height=view[0])
        return SwipeView(page, frame_height(shown_h, shown_w, None, view[0]), caption)
    window = detail_window(height, width, factor, PLACES[where], view)
    crop_h, crop_w = window.bottom - window.top, window.right - window.left

    def crop(image: np.ndarray) -> np.ndarray:
        return image[window.top : window.bottom, window.left : window.right]

    caption = (
        f"A {crop_w}x{crop_h}-pixel crop at full resolution (rows {window.top}-{window.bottom}, columns "
        f"{window.left}-{window.right} of {width}x{height}), each pixel drawn {factor}x{factor} display pixels."
    )
    page = swipe_html(io.to_uint8(crop(noisy)), io.to_uint8(crop(denoised)), labels, scale=factor)
    return SwipeView(page, frame_height(crop_h, crop_w, factor), caption)
