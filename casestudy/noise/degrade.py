"""Generic random degradations: noise a network should learn to remove, wider than one simulator.

A network trained only on the camera simulator learns the simulator, not denoising
(2.7 dB below NLM on other photos with another noise model, when we measured it).
The practical degradation models of the literature widen the training noise instead:
Unprocessing (Brooks et al., 2019) draws random camera parameters and noise levels;
BSRGAN and SCUNet (Zhang et al., 2021, 2022) draw random noise *types* in random
order, including processed sensor noise and JPEG compression. :func:`degrade` does
the same on one clean image:

============  ===================================================================
step          what it does (ranges in :class:`DegradationConfig`)
============  ===================================================================
gaussian      additive Gaussian noise; channels independent, identical (grey
              noise) or mixed by a random covariance (colour noise)
poisson       Poisson-Gaussian noise in *linear* light: sRGB -> linear, variance
              ``a * x + b``, back to sRGB (dark areas get the most visible noise);
              with probability ``poisson_correlated`` the noise is also correlated
              across pixels and channels, as a camera's demosaicing and colour
              matrix leave it (processed sensor noise: signal-dependent *and* blotchy)
correlated    Gaussian noise filtered by a small random anisotropic kernel, scaled
              back to the drawn standard deviation: blotchy, low-frequency noise
camera        the repository's camera simulator with a random phone, ISO,
              shutter, illuminant and light level: raw shot + read noise,
              white balance, demosaicing, colour matrix, tone curve
sharpen       an unsharp mask on the noise added so far (a camera sharpens after
              its noise is in): finer, crisper grain; the scene itself stays as it was
jpeg          JPEG compression at a random quality (the image is quantised to 8 bits)
============  ===================================================================

Before any step, two shortcuts are drawn: with probability ``p_clean`` the image is
returned unchanged (a network must give a clean photo back as it is), and with
probability ``p_white`` it gets white Gaussian noise with a standard deviation drawn
*uniformly* from ``white_sigma`` (0 to 50/255 by default: the textbook benchmark's
range, light noise as common as heavy). The rest follow the plan below.

Each step is drawn independently with its probability; if no noise step was drawn,
one is forced (chosen in proportion to the probabilities), so a sample is never
clean by accident. The drawn steps run in a random order (``shuffle``), each
result clipped to [0, 1]. Everything random comes from the ``rng`` passed in, so
``degrade(x, np.random.default_rng(s))`` is reproducible.

The camera step adds only the simulator's *noise*: the difference between the
noisy and the noise-free rendering of the same sensor signal. The clean image
therefore stays the target; the simulator's lens blur and demosaicing of the
signal are not degradations the network should learn to undo.

:func:`sample_plan` and :func:`apply_plan` split :func:`degrade` into drawing the
steps and running them, for figures and tests. Used by the networks' training
(``05_rednet.ipynb`` onwards).
"""

from __future__ import annotations

import dataclasses
import io as _io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image
from scipy import ndimage

NOISE_STEPS = ("gaussian", "poisson", "correlated", "camera")
STEPS = (*NOISE_STEPS, "sharpen", "jpeg")
#: How the gaussian step correlates the three channels: independent, identical, random mix.
CHANNEL_MODES = ("independent", "grey", "mixed")


@dataclasses.dataclass(frozen=True)
class DegradationConfig:
    """Probabilities and ranges of :func:`degrade`. Standard deviations are in [0, 1] units (x/255 for 8 bits).

    Attributes:
        p_gaussian, p_poisson, p_correlated, p_camera, p_jpeg: probability of each step.
        force_noise: if no noise step was drawn, draw one anyway (see the module docstring).
        shuffle: run the drawn steps in random order (else in :data:`STEPS` order).
        gaussian_sigma: (min, max) standard deviation, drawn log-uniformly, so light
            noise is as common per octave as heavy noise (BSRGAN: 1/255..25/255, uniform).
        channel_modes: probabilities of :data:`CHANNEL_MODES` for the gaussian and
            correlated steps.
        poisson_a: (min, max) of the signal-dependent variance factor ``a`` in linear light,
            log-uniform (``a`` is about the reciprocal of the full-well photon count). The top
            of the range is a phone at ISO 6400 and beyond (Unprocessing draws up to 1.2e-2
            for its cameras; SIDD's noisiest phones go past it).
        poisson_b: (min, max) of the constant (read-noise) variance ``b`` in linear light,
            log-uniform (Unprocessing's read noise at its highest shot noise is about 2e-4).
        poisson_correlated: probability that the poisson step's noise is filtered by a random
            anisotropic kernel (``kernel_sigma``) and mixed across channels (``channel_modes``).
            Without it a network learns signal-dependent noise only as white noise and leaves
            correlated camera-like noise behind (3-4 dB, measured on the unseen-noise check).
        correlated_sigma: (min, max) standard deviation of the filtered noise, log-uniform.
        kernel_sigma: (min, max) of each axis' standard deviation of the anisotropic
            Gaussian kernel, in pixels (uniform); the angle is uniform.
        kernel_size: odd side of the noise-filtering kernel.
        camera_iso: (min, max) ISO of the camera step, log-uniform (SIDD spans 50..10000).
        camera_shutter_s: (min, max) exposure time, log-uniform.
        camera_illuminant_k: (min, max) light colour temperature, uniform.
        camera_low_light: probability of SIDD's low-light (``L``) condition, else normal (``N``).
        jpeg_quality: (min, max) JPEG quality, uniform integers.
        p_clean: probability that the image comes back unchanged (clean in, clean out).
        p_white: probability of white Gaussian noise alone, sigma uniform in ``white_sigma``.
        white_sigma: (min, max) of that sigma, drawn uniformly.
        p_sharpen: probability of the sharpen step; ``sharpen_amount`` (min, max), uniform, is
            the unsharp mask's gain on the noise's high frequencies (radius ``kernel_sigma``).

    The defaults are the training recipe's (``tools/train_recipe.sh``): 5 % clean, 25 % white noise
    (sigma 0-50/255), the rest Poisson-Gaussian noise in linear light whose shot factor is
    log-uniform over nearly three decades (light noise as common as heavy), correlated half the
    time, with occasional extra Gaussian or filtered noise, sharpening and JPEG. The camera step
    is off: the simulator's noise reaches training through the simulated pairs instead.
    """

    p_gaussian: float = 0.1
    p_poisson: float = 1.0
    p_correlated: float = 0.1
    p_camera: float = 0.0
    p_jpeg: float = 0.2
    force_noise: bool = True
    shuffle: bool = False
    gaussian_sigma: tuple[float, float] = (1 / 255, 30 / 255)
    channel_modes: tuple[float, float, float] = (0.4, 0.2, 0.4)
    poisson_a: tuple[float, float] = (5e-5, 3e-2)
    poisson_b: tuple[float, float] = (1e-7, 2e-4)
    poisson_correlated: float = 0.5
    correlated_sigma: tuple[float, float] = (1 / 255, 20 / 255)
    kernel_sigma: tuple[float, float] = (0.3, 1.5)
    kernel_size: int = 5
    camera_iso: tuple[float, float] = (100.0, 3200.0)
    camera_shutter_s: tuple[float, float] = (1 / 250, 1 / 15)
    camera_illuminant_k: tuple[float, float] = (2800.0, 7500.0)
    camera_low_light: float = 0.4
    jpeg_quality: tuple[int, int] = (60, 95)
    p_clean: float = 0.05
    p_white: float = 0.25
    white_sigma: tuple[float, float] = (0.0, 50 / 255)
    p_sharpen: float = 0.2
    sharpen_amount: tuple[float, float] = (0.3, 1.5)

    def __post_init__(self) -> None:
        for name in ("p_gaussian", "p_poisson", "p_correlated", "p_camera", "p_jpeg", "camera_low_light",
                     "poisson_correlated", "p_clean", "p_white", "p_sharpen"):  # fmt: skip
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"DegradationConfig.{name} must be a probability in [0, 1], got {value}")
        for name in ("gaussian_sigma", "poisson_a", "poisson_b", "correlated_sigma", "kernel_sigma",
                     "camera_iso", "camera_shutter_s", "camera_illuminant_k", "jpeg_quality", "white_sigma",
                     "sharpen_amount"):  # fmt: skip
            low, high = getattr(self, name)
            if not (0 <= low <= high):
                raise ValueError(f"DegradationConfig.{name} must be (min, max) with 0 <= min <= max, got {(low, high)}")
        if not 1 <= self.jpeg_quality[0] <= self.jpeg_quality[1] <= 100:
            raise ValueError(f"DegradationConfig.jpeg_quality must lie in 1..100, got {self.jpeg_quality}")
        if self.p_clean + self.p_white > 1.0:
            raise ValueError(f"DegradationConfig.p_clean + p_white must be at most 1, got {self.p_clean + self.p_white}")
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"DegradationConfig.kernel_size must be odd and positive, got {self.kernel_size}")
        if len(self.channel_modes) != 3 or min(self.channel_modes) < 0 or sum(self.channel_modes) <= 0:
            raise ValueError(f"DegradationConfig.channel_modes must be three non-negative weights, got {self.channel_modes}")

    def probabilities(self) -> dict[str, float]:
        """``{step: probability}`` in :data:`STEPS` order."""
        return {step: getattr(self, f"p_{step}") for step in STEPS}

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (saved with the weights that were trained with it)."""
        return dataclasses.asdict(self)


#: The default used in training.
DEFAULT_CONFIG = DegradationConfig()


# --- sRGB transfer functions (IEC 61966-2-1) ---------------------------------------------------------------


def srgb_to_linear(image: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] -> linear light (the exact piecewise sRGB curve), float32."""
    image = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)
    return np.where(
        image <= 0.04045, image / np.float32(12.92), np.power((image + np.float32(0.055)) / np.float32(1.055), 2.4)
    ).astype(np.float32)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear light -> sRGB-encoded values in [0, 1] (clipped first), float32."""
    linear = np.clip(np.asarray(linear, dtype=np.float32), 0.0, 1.0)
    return np.where(
        linear <= 0.0031308,
        linear * np.float32(12.92),
        np.float32(1.055) * np.power(linear, np.float32(1 / 2.4)) - np.float32(0.055),
    ).astype(np.float32)


# --- the noise steps, each usable on its own ---------------------------------------------------------------


def channel_mixing(mode: str, rng: np.random.Generator) -> np.ndarray:
    """A (3, 3) matrix ``L``: noise ``z @ L.T`` of white ``z`` has covariance ``L @ L.T`` with mean diagonal 1.

    ``independent``: identity. ``grey``: every channel gets the same noise. ``mixed``:
    a random rotation of random per-axis variances (as BSRGAN's general case).
    """
    if mode == "independent":
        return np.eye(3, dtype=np.float32)
    if mode == "grey":
        return np.ones((3, 3), dtype=np.float32) / np.float32(math.sqrt(3.0))
    if mode == "mixed":
        rotation, _ = np.linalg.qr(rng.standard_normal((3, 3)))
        variances = rng.uniform(0.05, 1.0, size=3)
        variances *= 3.0 / variances.sum()  # trace 3: per-channel variances average 1
        return (rotation * np.sqrt(variances)).astype(np.float32)
    raise ValueError(f"unknown channel mode {mode!r}; expected one of {CHANNEL_MODES}")


def _white(shape: tuple[int, ...], mixing: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(shape, dtype=np.float32) @ mixing.T


def add_gaussian(image: np.ndarray, sigma: float, rng: np.random.Generator, mixing: np.ndarray | None = None) -> np.ndarray:
    """``image`` + Gaussian noise of standard deviation ``sigma`` per channel (on average), clipped to [0, 1]."""
    mixing = np.eye(3, dtype=np.float32) if mixing is None else mixing
    return np.clip(image + np.float32(sigma) * _white(image.shape, mixing, rng), 0.0, 1.0)


def add_poisson_gaussian(
    image: np.ndarray, a: float, b: float, rng: np.random.Generator,
    kernel: np.ndarray | None = None, mixing: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """Signal-dependent noise in linear light: variance ``a * x + b`` on the linear value ``x``; sRGB in and out.

    With ``kernel`` (unit energy, see :func:`anisotropic_kernel`) and/or ``mixing`` (see
    :func:`channel_mixing`) the unit noise is correlated across pixels and channels before
    it is scaled by the local standard deviation, so the variance stays ``a * x + b``.
    """
    linear = srgb_to_linear(image)
    std = np.sqrt(np.float32(a) * linear + np.float32(b))
    if kernel is None and mixing is None:
        unit = rng.standard_normal(linear.shape, dtype=np.float32)
    elif kernel is None:
        unit = _white(linear.shape, mixing, rng)
    else:
        unit = correlated_noise(linear.shape, 1.0, kernel, rng, mixing)
    return linear_to_srgb(linear + std * unit)


def anisotropic_kernel(size: int, sigma_x: float, sigma_y: float, angle: float) -> np.ndarray:
    """A (size, size) Gaussian kernel with axis standard deviations ``sigma_x``, ``sigma_y`` (pixels), rotated
    by ``angle`` radians, normalised to unit *energy* (sum of squares 1), so filtering white noise keeps its variance."""
    half = size // 2
    y, x = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float64)
    cos, sin = math.cos(angle), math.sin(angle)
    u, v = cos * x + sin * y, -sin * x + cos * y
    kernel = np.exp(-0.5 * ((u / max(sigma_x, 1e-3)) ** 2 + (v / max(sigma_y, 1e-3)) ** 2))
    return (kernel / np.sqrt(np.square(kernel).sum())).astype(np.float32)


def correlated_noise(
    shape: tuple[int, int, int], sigma: float, kernel: np.ndarray, rng: np.random.Generator, mixing: np.ndarray | None = None
) -> np.ndarray:
    """Zero-mean noise of standard deviation about ``sigma`` whose pixels are correlated by ``kernel`` (unit energy)."""
    mixing = np.eye(3, dtype=np.float32) if mixing is None else mixing
    white = _white(shape, mixing, rng)
    filtered = np.empty_like(white)
    for channel in range(shape[-1]):
        ndimage.correlate(white[..., channel], kernel, output=filtered[..., channel], mode="wrap")
    return np.float32(sigma) * filtered


def add_correlated(
    image: np.ndarray, sigma: float, kernel: np.ndarray, rng: np.random.Generator, mixing: np.ndarray | None = None
) -> np.ndarray:
    """``image`` + spatially correlated Gaussian noise (see :func:`correlated_noise`), clipped to [0, 1]."""
    return np.clip(image + correlated_noise(image.shape, sigma, kernel, rng, mixing), 0.0, 1.0)


def add_camera_noise(image: np.ndarray, settings: Any, rng: np.random.Generator) -> np.ndarray:
    """The camera simulator's noise for ``settings`` (a :class:`casestudy.camera.CaptureSettings`) added to ``image``.

    The image is unprocessed to the sensor mosaic, given shot + read noise and processed
    back; the same mosaic processed without noise is subtracted, so only the noise (with
    its demosaicing correlation, colour matrix and tone-curve shaping) is added.
    """
    from casestudy.camera.noise import add_raw_noise
    from casestudy.camera.process import process
    from casestudy.camera.unprocess import unprocess

    height, width = image.shape[:2]
    even = image[: height - height % 2 or None, : width - width % 2 or None]
    if min(even.shape[:2]) < 2:
        raise ValueError(f"the camera step needs at least a 2x2 image, got shape {image.shape}")
    sensor = np.minimum(unprocess(even, settings) / np.float32(settings.isp_gain), np.float32(1.0))
    noisy_sensor = np.minimum(add_raw_noise(sensor, settings.beta1, settings.beta2, rng), np.float32(1.0))
    noise = process(noisy_sensor, settings, quantize=False) - process(sensor, settings, quantize=False)
    if noise.shape != image.shape:  # odd sizes: repeat the last row / column of noise
        noise = np.pad(noise, ((0, height - noise.shape[0]), (0, width - noise.shape[1]), (0, 0)), mode="reflect")
    return np.clip(image + noise, 0.0, 1.0)


def sharpen_noise(image: np.ndarray, clean: np.ndarray, amount: float, sigma: float) -> np.ndarray:
    """``clean`` + the noise ``image - clean`` sharpened by an unsharp mask (gain ``amount``, blur ``sigma`` px)."""
    noise = np.asarray(image, dtype=np.float32) - np.asarray(clean, dtype=np.float32)
    blurred = ndimage.gaussian_filter(noise, (sigma, sigma, 0), mode="wrap")
    return np.clip(clean + noise + np.float32(amount) * (noise - blurred), 0.0, 1.0).astype(np.float32)


def jpeg_compress(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode ``image`` as an 8-bit JPEG of ``quality`` (4:2:0, as cameras and the web do) and decode it."""
    uint8 = np.clip(np.round(image * 255.0), 0, 255).astype(np.uint8)
    buffer = _io.BytesIO()
    Image.fromarray(uint8).save(buffer, "JPEG", quality=int(quality))
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return np.asarray(decoded.convert("RGB"), dtype=np.float32) / np.float32(255.0)


# --- drawing and running a plan ------------------------------------------------------------------------------


def _log_uniform(rng: np.random.Generator, bounds: Sequence[float]) -> float:
    low, high = float(bounds[0]), float(bounds[1])
    if low <= 0 or high <= low:
        return low if high <= low else float(rng.uniform(low, high))
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def _camera_settings(rng: np.random.Generator, config: DegradationConfig) -> dict[str, Any]:
    from casestudy.camera import PHONES

    phones = sorted(PHONES)
    return {
        "phone": phones[int(rng.integers(len(phones)))],
        "iso": round(_log_uniform(rng, config.camera_iso)),
        "shutter_s": _log_uniform(rng, config.camera_shutter_s),
        "illuminant_k": round(float(rng.uniform(*config.camera_illuminant_k))),
        "brightness": "L" if rng.random() < config.camera_low_light else "N",
    }


def _step_parameters(step: str, rng: np.random.Generator, config: DegradationConfig) -> dict[str, Any]:
    weights = np.asarray(config.channel_modes, dtype=np.float64)
    if step == "gaussian":
        mode = CHANNEL_MODES[int(rng.choice(3, p=weights / weights.sum()))]
        return {"sigma": _log_uniform(rng, config.gaussian_sigma), "channels": mode}
    if step == "poisson":
        parameters: dict[str, Any] = {"a": _log_uniform(rng, config.poisson_a), "b": _log_uniform(rng, config.poisson_b)}
        if rng.random() < config.poisson_correlated:
            mode = CHANNEL_MODES[int(rng.choice(3, p=weights / weights.sum()))]
            parameters |= {
                "kernel_sigma": [float(rng.uniform(*config.kernel_sigma)) for _ in range(2)],
                "angle": float(rng.uniform(0.0, math.pi)),
                "channels": mode,
            }
        return parameters
    if step == "correlated":
        mode = CHANNEL_MODES[int(rng.choice(3, p=weights / weights.sum()))]
        return {
            "sigma": _log_uniform(rng, config.correlated_sigma),
            "kernel_sigma": [float(rng.uniform(*config.kernel_sigma)) for _ in range(2)],
            "angle": float(rng.uniform(0.0, math.pi)),
            "channels": mode,
        }
    if step == "camera":
        return _camera_settings(rng, config)
    if step == "sharpen":
        return {"amount": float(rng.uniform(*config.sharpen_amount)), "sigma": float(rng.uniform(*config.kernel_sigma))}
    if step == "jpeg":
        return {"quality": int(rng.integers(config.jpeg_quality[0], config.jpeg_quality[1] + 1))}
    raise ValueError(f"unknown degradation step {step!r}; expected one of {STEPS}")


def sample_plan(rng: np.random.Generator, config: DegradationConfig = DEFAULT_CONFIG) -> list[tuple[str, dict[str, Any]]]:
    """Draw which steps run, in which order, with which parameters: ``[(step, parameters), ...]``."""
    probabilities = config.probabilities()
    drawn = [step for step in STEPS if rng.random() < probabilities[step]]
    noise_weights = np.array([probabilities[step] for step in NOISE_STEPS], dtype=np.float64)
    if config.force_noise and noise_weights.sum() > 0 and not set(drawn) & set(NOISE_STEPS):
        drawn.append(NOISE_STEPS[int(rng.choice(len(NOISE_STEPS), p=noise_weights / noise_weights.sum()))])
    if config.shuffle:
        drawn = [drawn[index] for index in rng.permutation(len(drawn))]
    else:
        drawn.sort(key=STEPS.index)
    return [(step, _step_parameters(step, rng, config)) for step in drawn]


def apply_step(image: np.ndarray, step: str, parameters: dict[str, Any], rng: np.random.Generator,
               config: DegradationConfig = DEFAULT_CONFIG, clean: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """Run one step of a plan on a float32 (H, W, 3) image in [0, 1] (``clean``: the plan's input, for sharpen)."""
    if step == "gaussian":
        mixing = channel_mixing(parameters["channels"], rng)
        return add_gaussian(image, parameters["sigma"], rng, mixing)
    if step == "poisson":
        if "kernel_sigma" not in parameters:
            return add_poisson_gaussian(image, parameters["a"], parameters["b"], rng)
        kernel = anisotropic_kernel(config.kernel_size, *parameters["kernel_sigma"], parameters["angle"])
        mixing = channel_mixing(parameters["channels"], rng)
        return add_poisson_gaussian(image, parameters["a"], parameters["b"], rng, kernel, mixing)
    if step == "correlated":
        kernel = anisotropic_kernel(config.kernel_size, *parameters["kernel_sigma"], parameters["angle"])
        mixing = channel_mixing(parameters["channels"], rng)
        return add_correlated(image, parameters["sigma"], kernel, rng, mixing)
    if step == "camera":
        from casestudy.camera import CaptureSettings

        settings = CaptureSettings.from_metadata(
            parameters["phone"], parameters["iso"], parameters["shutter_s"], parameters["illuminant_k"],
            parameters["brightness"],
        )  # fmt: skip
        return add_camera_noise(image, settings, rng)
    if step == "sharpen":
        return sharpen_noise(image, image if clean is None else clean, parameters["amount"], parameters["sigma"])
    if step == "jpeg":
        return jpeg_compress(image, parameters["quality"])
    raise ValueError(f"unknown degradation step {step!r}; expected one of {STEPS}")


def as_float_image(image: np.ndarray) -> np.ndarray:
    """uint8 (0..255) or float ([0, 1]) (H, W, 3) -> a float32 copy in [0, 1].

    Raises:
        ValueError: not an (H, W, 3) image, or an integer type other than uint8.
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
    if image.dtype == np.uint8:
        return image.astype(np.float32) / np.float32(255.0)
    if not np.issubdtype(image.dtype, np.floating):
        raise ValueError(f"expected uint8 or float pixels, got {image.dtype}")
    return np.clip(image.astype(np.float32), 0.0, 1.0)


def apply_plan(image: np.ndarray, plan: Sequence[tuple[str, dict[str, Any]]], rng: np.random.Generator,
               config: DegradationConfig = DEFAULT_CONFIG) -> np.ndarray:  # fmt: skip
    """Run a plan from :func:`sample_plan` on a clean image; float32 (H, W, 3) in [0, 1]."""
    clean = as_float_image(image)
    out = clean
    for step, parameters in plan:
        out = apply_step(out, step, parameters, rng, config, clean).astype(np.float32, copy=False)
    return out


def degrade(clean: np.ndarray, rng: np.random.Generator, config: DegradationConfig = DEFAULT_CONFIG) -> np.ndarray:
    """A randomly degraded copy of ``clean`` (uint8 or float (H, W, 3)): float32 in [0, 1], same shape.

    First the shortcuts: with probability ``p_clean`` the input comes back unchanged, with
    ``p_white`` it gets white Gaussian noise of a uniform sigma. Otherwise draws a plan
    (:func:`sample_plan`) and runs it (:func:`apply_plan`) with the same ``rng``.
    With every probability zero, returns the input (as float32) unchanged.
    """
    shortcut = rng.random() if config.p_clean or config.p_white else 1.0
    if shortcut < config.p_clean:
        return as_float_image(clean)
    if shortcut < config.p_clean + config.p_white:
        return add_gaussian(as_float_image(clean), float(rng.uniform(*config.white_sigma)), rng)
    return apply_plan(clean, sample_plan(rng, config), rng, config)
