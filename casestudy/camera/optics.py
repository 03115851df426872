"""The lens and anti-aliasing filter: a slight blur of the scene before the colour filter array.

A real phone never sees a pixel-sharp scene: its lens and the sensor's optical
low-pass filter spread each point over about a pixel. The clean photos we start
from are sharp downscaled images, and mosaicking them as they are would give the
ground truth strong zipper edges and false colours after bilinear demosaicing
(the pagoda roof of scene 006 turns into a rainbow). A Gaussian point-spread
function of ``OPTICS_SIGMA_PX`` pixels, applied to linear light, brings them
close to what a phone renders. It is applied once, when a capture is simulated;
:func:`casestudy.camera.simulate.resimulate_noisy` starts from a ground truth
that has already been through it.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: Standard deviation of the Gaussian point-spread function, in output pixels.
OPTICS_SIGMA_PX = 0.7


def optical_blur(linear_rgb: np.ndarray, sigma_px: float = OPTICS_SIGMA_PX) -> np.ndarray:
    """Blur each channel of a linear (H, W, 3) image with a Gaussian PSF (edges mirrored); float32."""
    image = np.asarray(linear_rgb, dtype=np.float32)
    if sigma_px <= 0:
        return image.copy()
    return ndimage.gaussian_filter(image, sigma=(sigma_px, sigma_px, 0), mode="mirror", truncate=3.0)
