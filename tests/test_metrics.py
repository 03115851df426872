"""casestudy.metrics: one convention, checked against tf.image, scikit-image and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from casestudy.metrics import MetricInputError, mse, psnr, ssim


@pytest.fixture(scope="module")
def pair() -> tuple[np.ndarray, np.ndarray]:
    """A smooth colour image and a noisy copy, both float32 in [0, 1]."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:40, 0:48] / 48.0
    clean = np.stack([0.2 + 0.6 * x, 0.5 + 0.3 * np.sin(6 * y), 0.3 + 0.4 * x * y], axis=-1)
    noisy = np.clip(clean + rng.normal(0, 0.08, clean.shape), 0, 1)
    return clean.astype(np.float32), noisy.astype(np.float32)


def test_constant_offset_gives_twenty_db_exactly() -> None:
    clean = np.full((16, 16, 3), 0.5)
    assert mse(clean, clean + 0.1) == pytest.approx(0.01, abs=1e-12)
    assert psnr(clean, clean + 0.1) == pytest.approx(20.0, abs=1e-9)


def test_ssim_of_a_hand_computed_pair() -> None:
    # Two constant images: mu_x = 0.5, mu_y = 0.6, no variance, so SSIM reduces to the luminance term
    # (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1) with C1 = (0.01 * 1.0)^2.
    c1 = 1e-4
    expected = (2 * 0.5 * 0.6 + c1) / (0.5**2 + 0.6**2 + c1)
    assert ssim(np.full((16, 16, 3), 0.5), np.full((16, 16, 3), 0.6)) == pytest.approx(expected, abs=1e-9)


def test_identical_images(pair) -> None:
    clean, _ = pair
    assert psnr(clean, clean) == math.inf
    assert ssim(clean, clean) == pytest.approx(1.0, abs=1e-12)
    assert mse(clean, clean) == 0.0


def test_grayscale_images_are_scored(pair) -> None:
    clean, noisy = pair
    assert psnr(clean[..., 0], noisy[..., 0]) == pytest.approx(psnr(clean[..., :1], noisy[..., :1]))
    assert 0 < ssim(clean[..., 0], noisy[..., 0]) < 1


def test_agrees_with_tf_image(pair) -> None:
    tf = pytest.importorskip("tensorflow")
    clean, noisy = pair
    tf_psnr = float(tf.image.psnr(clean, noisy, max_val=1.0))
    tf_ssim = float(tf.image.ssim(tf.constant(clean), tf.constant(noisy), max_val=1.0))
    assert psnr(clean, noisy) == pytest.approx(tf_psnr, abs=1e-4)
    assert ssim(clean, noisy) == pytest.approx(tf_ssim, abs=1e-4)


def test_agrees_with_skimage(pair) -> None:
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    clean, noisy = pair
    assert psnr(clean, noisy) == pytest.approx(peak_signal_noise_ratio(clean, noisy, data_range=1.0), abs=1e-4)
    expected = structural_similarity(
        clean, noisy, data_range=1.0, gaussian_weights=True, sigma=1.5,
        use_sample_covariance=False, channel_axis=-1,
    )
    assert ssim(clean, noisy) == pytest.approx(expected, abs=1e-6)


def test_ssim_differs_from_the_original_flawed_settings(pair) -> None:
    # The original used skimage's default 7x7 uniform window; our number must not silently be that one.
    from skimage.metrics import structural_similarity

    clean, noisy = pair
    flawed = structural_similarity(clean, noisy, data_range=1.0, channel_axis=-1)
    assert abs(ssim(clean, noisy) - flawed) > 1e-3


def test_tiny_overshoot_is_clipped_not_rejected(pair) -> None:
    clean, _ = pair
    overshoot = clean.copy()
    overshoot[0, 0, 0] = 1.0 + 5e-4
    assert psnr(overshoot, np.clip(overshoot, 0, 1)) == math.inf
    assert ssim(overshoot, np.clip(overshoot, 0, 1)) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("make_bad", "message"),
    [
        (lambda x: (x * 255).astype(np.uint8), "scale it by 1/255"),
        (lambda x: (x * 65535).astype(np.uint16), "1/65535"),
        (lambda x: x * 255.0, "divide by 255"),
        (lambda x: x - 0.5, "outside \\[0, 1\\]"),
        (lambda x: np.where(np.arange(x.size).reshape(x.shape) == 7, np.nan, x), "NaN or infinite"),
        (lambda x: np.where(np.arange(x.size).reshape(x.shape) == 7, np.inf, x), "NaN or infinite"),
        (lambda x: x[:-1], "shape mismatch"),
        (lambda x: x.astype(bool), "dtype bool"),
        (lambda x: x[None], "expected shape"),
    ],
)
@pytest.mark.parametrize("metric", [mse, psnr, ssim])
def test_bad_input_raises(pair, make_bad, message, metric) -> None:
    clean, _ = pair
    with pytest.raises(MetricInputError, match=message):
        metric(clean, make_bad(clean))


def test_metric_input_error_is_a_value_error() -> None:
    assert issubclass(MetricInputError, ValueError)


def test_ssim_rejects_images_smaller_than_its_window() -> None:
    with pytest.raises(MetricInputError, match="at least 11x11"):
        ssim(np.zeros((8, 30, 3)), np.zeros((8, 30, 3)))
