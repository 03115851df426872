"""A physically based camera-noise simulator: sRGB -> raw -> exposure + noise -> sRGB.

Public API (re-exported here):

* :class:`CaptureSettings` - a capture's metadata and the numbers derived from it;
* :func:`noise_level` - SIDD's raw noise level function of a phone at an ISO;
* :func:`simulate_capture` - clean sRGB -> (ground truth, noisy) sRGB;
* :func:`resimulate_noisy` - a fresh noise draw on a saved ground truth;
* :func:`simulate_stages` - every intermediate image, for figures;
* :data:`PHONES` / :func:`get_phone` - the five SIDD phones.
"""

from casestudy.camera.noise import noise_level
from casestudy.camera.phones import PHONES, Phone, get_phone
from casestudy.camera.settings import CaptureSettings
from casestudy.camera.simulate import resimulate_noisy, simulate_capture, simulate_stages

__all__ = [
    "PHONES",
    "CaptureSettings",
    "Phone",
    "get_phone",
    "noise_level",
    "resimulate_noisy",
    "simulate_capture",
    "simulate_stages",
]
