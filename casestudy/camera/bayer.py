"""The RGGB colour filter array: sampling an RGB image into a mosaic, and bilinear demosaicing.

A phone sensor sees one colour per pixel, through a 2x2 pattern repeated over
the sensor; SIDD's phones (as simulated here) use RGGB::

    R G
    G B

so red sits at (even row, even column), blue at (odd, odd) and green at the two
other sites. Crops that start at even coordinates keep this phase, which is why
:func:`casestudy.camera.simulate.resimulate_noisy` asks for them.

Bilinear demosaicing fills each missing colour with the mean of its nearest
samples of that colour (2 or 4 of them). It keeps every measured value where it
was measured, and it is what makes sRGB noise spatially correlated: one noisy
raw sample leaks into its neighbours.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: Green: mean of the 4 direct neighbours. Red/blue: of 2 or 4 neighbours (edge or diagonal).
_KERNEL_GREEN = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]], dtype=np.float32) / 4
_KERNEL_RED_BLUE = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float32) / 4


def mosaic(image: np.ndarray) -> np.ndarray:
    """Sample an (H, W, 3) image through the RGGB pattern into an (H, W) mosaic."""
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"expected an (H, W, 3) image to mosaic, got shape {image.shape}")
    out = np.array(image[..., 1], dtype=np.float32, copy=True)
    out[0::2, 0::2] = image[0::2, 0::2, 0]
    out[1::2, 1::2] = image[1::2, 1::2, 2]
    return out


def apply_site_gains(raw: np.ndarray, red: float, green: float, blue: float) -> np.ndarray:
    """Multiply the red, green and blue sites of an (H, W) mosaic by their gains (a new array)."""
    out = np.asarray(raw, dtype=np.float32) * np.float32(green)
    out[0::2, 0::2] *= np.float32(red / green)
    out[1::2, 1::2] *= np.float32(blue / green)
    return out


def demosaic_bilinear(raw: np.ndarray) -> np.ndarray:
    """Bilinear demosaicing of an RGGB (H, W) mosaic into an (H, W, 3) float32 image.

    Borders are mirrored about the edge pixel, which keeps the Bayer phase, so
    edge pixels are interpolated from real samples of the right colour.
    """
    raw = np.asarray(raw, dtype=np.float32)
    if raw.ndim != 2:
        raise ValueError(f"expected an (H, W) mosaic, got shape {raw.shape}")
    out = np.empty(raw.shape + (3,), dtype=np.float32)
    plane = np.zeros_like(raw)
    plane[0::2, 0::2] = raw[0::2, 0::2]
    ndimage.correlate(plane, _KERNEL_RED_BLUE, output=out[..., 0], mode="mirror")
    plane[...] = raw
    plane[0::2, 0::2] = 0
    plane[1::2, 1::2] = 0
    ndimage.correlate(plane, _KERNEL_GREEN, output=out[..., 1], mode="mirror")
    plane[...] = 0
    plane[1::2, 1::2] = raw[1::2, 1::2]
    ndimage.correlate(plane, _KERNEL_RED_BLUE, output=out[..., 2], mode="mirror")
    return out
