"""casestudy.noise.psd and the PSD-aware BM3D: kernels from residuals, PSDs for bm3d, the np.trapz workaround."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from casestudy.filters import FILTERS, bm3d
from casestudy.metrics import psnr
from casestudy.noise.psd import (
    NoisePSDError,
    estimate_noise_kernel,
    kernel_to_psd,
    numpy_for_bm4d,
    psd_to_kernel,
)
from casestudy.evaluation.tuning import fitted_params


def blurred_noise(shape, sigma, seed, blur=0.8):
    noise = ndimage.gaussian_filter(np.random.default_rng(seed).normal(size=shape), (blur, blur, 0)[: len(shape)])
    return noise / noise.std() * sigma


def test_white_noise_gives_an_impulse_kernel():
    kernel = estimate_noise_kernel([np.random.default_rng(0).normal(0, 0.1, (128, 128, 3))], radius=2)
    assert kernel.shape == (5, 5) and kernel[2, 2] == 1.0
    off_centre = np.delete(kernel.ravel(), 12)
    assert np.abs(off_centre).max() < 0.03


def test_blurred_noise_gives_its_known_correlation():
    """Gaussian-blurred white noise of width s has correlation exp(-d^2 / (4 s^2)) at lag d."""
    s = 0.8
    kernel = estimate_noise_kernel([blurred_noise((96, 96), 0.05, seed, blur=s) for seed in range(4)], radius=3)
    for d in (1, 2):
        assert kernel[3, 3 + d] == pytest.approx(np.exp(-(d**2) / (4 * s**2)), abs=0.03)
        assert kernel[3 + d, 3] == pytest.approx(kernel[3, 3 + d], abs=0.03)
    assert np.allclose(kernel, kernel[::-1, ::-1])


def test_kernel_to_psd_of_an_impulse_is_the_white_noise_psd():
    impulse = np.zeros((5, 5))
    impulse[2, 2] = 1.0
    psd = kernel_to_psd(impulse, (16, 24), sigma=0.1)
    assert psd.shape == (16, 24)
    assert np.allclose(psd, 0.1**2 * 16 * 24)


def test_kernel_psd_round_trip_and_variance():
    kernel = estimate_noise_kernel([blurred_noise((64, 64, 3), 0.05, 7)], radius=3)
    psd = kernel_to_psd(kernel, (32, 32), sigma=0.2)
    assert psd.mean() == pytest.approx(0.2**2 * 32 * 32)  # mean of the PSD / (H W) = per-pixel variance
    assert psd[0, 0] > psd[16, 16]  # correlated noise: more power at low frequencies
    assert np.allclose(psd_to_kernel(psd, radius=3), kernel, atol=0.02)


@pytest.mark.parametrize(
    ("residuals", "kwargs", "message"),
    [
        ([], {}, "no residuals"),
        ([np.zeros((16, 16))], {}, "no variance"),
        ([np.zeros((3, 16))], {"radius": 4}, "too small"),
        ([np.zeros((4, 4, 3, 1))], {}, "expected an"),
        ([np.full((16, 16), np.nan)], {}, "NaN"),
    ],
)
def test_estimate_noise_kernel_rejects_bad_input(residuals, kwargs, message):
    with pytest.raises(NoisePSDError, match=message):
        estimate_noise_kernel(residuals, **kwargs)


@pytest.mark.parametrize(
    ("kernel", "message"),
    [(np.ones((4, 4)), "odd side"), (np.ones((3, 5)), "square"), (np.full((3, 3), 0.5), "normalised"), ("x", "numbers")],
)
def test_kernel_to_psd_rejects_bad_kernels(kernel, message):
    with pytest.raises(NoisePSDError, match=message):
        kernel_to_psd(kernel, (16, 16), 0.1)
    with pytest.raises(NoisePSDError, match="does not fit"):
        kernel_to_psd(np.pad([[1.0]], 4), (6, 16), 0.1)


def test_bm3d_library_with_a_psd_runs_under_the_workaround():
    """bm3d 4.0.3 calls np.trapz (gone in NumPy 2.4) when given a PSD; the workaround supplies it."""
    import bm3d as library
    import bm4d

    image = np.random.default_rng(1).uniform(0.3, 0.7, (24, 24, 3))
    psd = np.full((24, 24), 0.05**2 * 24 * 24)
    with numpy_for_bm4d():
        out = library.bm3d_rgb(image, psd)
    assert out.shape == image.shape
    assert bm4d.np is np  # restored
    if not hasattr(np, "trapz"):
        with pytest.raises(AttributeError, match="trapz"):
            library.bm3d_rgb(image, psd)


def test_psd_aware_bm3d_uses_the_kernel_and_denoises_correlated_noise():
    """Told the PSD of demosaic-like correlated noise, BM3D removes more of it than assuming white noise
    of the same per-pixel sigma (which leaves the low-frequency blotches); without a kernel it still runs."""
    y, x = np.mgrid[0:32, 0:32] / 32
    clean = np.stack([0.3 + 0.4 * x, 0.5 + 0.2 * np.sin(6 * y), 0.4 + 0.3 * x * y], axis=-1).astype(np.float32)
    noise = blurred_noise(clean.shape, 0.06, 3, blur=1.0)
    noisy = np.clip(clean + noise, 0, 1).astype(np.float32)
    kernel = estimate_noise_kernel([noise], radius=3).tolist()
    with_psd = psnr(clean, bm3d(noisy, sigma_factor=1.0, noise_kernel=kernel))
    white = psnr(clean, bm3d(noisy, sigma_factor=1.0))
    assert with_psd > psnr(clean, noisy) + 3
    assert with_psd > white + 1.0


def test_bm3d_takes_its_kernel_from_the_tuning_residuals():
    assert "noise_kernel" in FILTERS["bm3d"].defaults and FILTERS["bm3d"].defaults["noise_kernel"] is None
    clean = np.full((32, 32, 3), 0.5, np.float32)
    pairs = [(np.clip(clean + blurred_noise(clean.shape, 0.05, seed), 0, 1).astype(np.float32), clean) for seed in (1, 2)]
    fitted = fitted_params("bm3d", pairs)
    kernel = np.asarray(fitted["noise_kernel"])
    assert kernel.shape == (9, 9) and kernel[4, 4] == 1.0 and kernel[4, 5] > 0.5
    assert fitted_params("nlm", pairs) == {}
