"""Generic random degradations: reproducible, well-formed, and each noise type with the statistics it promises."""

from __future__ import annotations

import numpy as np
import pytest

from casestudy.noise import degrade as dg

GREY = np.full((96, 96, 3), 0.5, dtype=np.float32)


def only(step: str, **ranges: object) -> dg.DegradationConfig:
    """A config that runs exactly ``step``."""
    shortcuts = {"p_clean": 0.0, "p_white": 0.0} | ranges
    return dg.DegradationConfig(**{f"p_{name}": float(name == step) for name in dg.STEPS}, **shortcuts)


def textured(seed: int = 0, size: int = 48) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random((size, size, 3)) * 200 + 20).astype(np.uint8)


def test_same_seed_same_output_and_other_seed_differs() -> None:
    image = textured()
    first = dg.degrade(image, np.random.default_rng(7))
    again = dg.degrade(image, np.random.default_rng(7))
    other = dg.degrade(image, np.random.default_rng(8))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("seed", range(12))
def test_output_is_float32_in_range_with_the_input_shape(seed: int) -> None:
    image = textured(seed, size=33)  # odd size: the camera step must cope
    out = dg.degrade(image, np.random.default_rng(seed))
    assert out.dtype == np.float32 and out.shape == image.shape
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_uint8_and_float_inputs_give_the_same_result() -> None:
    image = textured()
    from_uint8 = dg.degrade(image, np.random.default_rng(3))
    from_float = dg.degrade(image.astype(np.float64) / 255.0, np.random.default_rng(3))
    np.testing.assert_allclose(from_uint8, from_float, atol=1e-6)


def test_zero_probabilities_return_the_input() -> None:
    image = textured()
    config = dg.DegradationConfig(**{f"p_{name}": 0.0 for name in dg.STEPS})
    np.testing.assert_array_equal(dg.degrade(image, np.random.default_rng(0), config), image / np.float32(255.0))


def test_zero_noise_levels_return_the_input() -> None:
    image = textured().astype(np.float32) / 255.0
    config = dg.DegradationConfig(
        p_gaussian=1.0, p_correlated=1.0, p_poisson=0.0, p_camera=0.0, p_jpeg=0.0,
        gaussian_sigma=(0.0, 0.0), correlated_sigma=(0.0, 0.0),
    )  # fmt: skip
    np.testing.assert_array_equal(dg.degrade(image, np.random.default_rng(0), config), image)


@pytest.mark.parametrize("mode", dg.CHANNEL_MODES)
def test_gaussian_branch_has_the_requested_std(mode: str) -> None:
    rng = np.random.default_rng(1)
    noise = dg.add_gaussian(GREY, 0.04, rng, dg.channel_mixing(mode, rng)) - GREY
    assert abs(noise.mean()) < 0.002
    assert noise.std() == pytest.approx(0.04, rel=0.1)


def test_channel_modes_correlate_channels_as_documented() -> None:
    rng = np.random.default_rng(2)
    independent = (dg.add_gaussian(GREY, 0.04, rng, dg.channel_mixing("independent", rng)) - GREY).reshape(-1, 3)
    grey = (dg.add_gaussian(GREY, 0.04, rng, dg.channel_mixing("grey", rng)) - GREY).reshape(-1, 3)
    assert abs(np.corrcoef(independent.T)[0, 1]) < 0.05
    assert np.corrcoef(grey.T)[0, 1] > 0.99


def test_poisson_branch_grows_with_brightness_in_linear_light() -> None:
    """Variance a*x + b in linear light: measured back in linear light, the std matches sqrt(a*x + b)."""
    rng = np.random.default_rng(3)
    a, b = 4e-3, 1e-5
    for level in (0.3, 0.7):
        flat = np.full((128, 128, 3), level, dtype=np.float32)
        linear = dg.srgb_to_linear(flat)[0, 0, 0]
        noisy = dg.srgb_to_linear(dg.add_poisson_gaussian(flat, a, b, rng))
        assert noisy.std() == pytest.approx(np.sqrt(a * linear + b), rel=0.1)


def test_correlated_poisson_keeps_the_variance_but_correlates_pixels_and_channels() -> None:
    """Processed sensor noise: still variance a*x + b in linear light, now blotchy and shared across channels."""
    rng = np.random.default_rng(5)
    a, b = 4e-3, 1e-5
    flat = np.full((192, 192, 3), 0.5, dtype=np.float32)
    linear = dg.srgb_to_linear(flat)[0, 0, 0]
    kernel = dg.anisotropic_kernel(5, 1.0, 1.0, 0.0)
    mixing = dg.channel_mixing("grey", rng)
    noise = dg.srgb_to_linear(dg.add_poisson_gaussian(flat, a, b, rng, kernel, mixing)) - linear
    assert noise.std() == pytest.approx(np.sqrt(a * linear + b), rel=0.1)
    neighbour = np.corrcoef(noise[:, :-1, 0].ravel(), noise[:, 1:, 0].ravel())[0, 1]
    across = np.corrcoef(noise[..., 0].ravel(), noise[..., 2].ravel())[0, 1]
    white = dg.srgb_to_linear(dg.add_poisson_gaussian(flat, a, b, rng)) - linear
    white_neighbour = np.corrcoef(white[:, :-1, 0].ravel(), white[:, 1:, 0].ravel())[0, 1]
    assert neighbour > 0.5 and across > 0.95 and abs(white_neighbour) < 0.05


def test_poisson_step_is_correlated_as_often_as_configured() -> None:
    config = only("poisson", poisson_correlated=0.5)
    rng = np.random.default_rng(6)
    plans = [dg.sample_plan(rng, config) for _ in range(400)]
    share = np.mean(["kernel_sigma" in plan[0][1] for plan in plans])
    assert 0.4 < share < 0.6
    never = only("poisson", poisson_correlated=0.0)
    assert not any("kernel_sigma" in dg.sample_plan(rng, never)[0][1] for _ in range(50))


def test_correlated_branch_keeps_its_std_and_correlates_neighbours() -> None:
    rng = np.random.default_rng(4)
    kernel = dg.anisotropic_kernel(5, 1.2, 1.2, 0.0)
    noise = dg.add_correlated(GREY, 0.04, kernel, rng) - GREY
    assert noise.std() == pytest.approx(0.04, rel=0.1)
    neighbour = np.corrcoef(noise[:, :-1, 0].ravel(), noise[:, 1:, 0].ravel())[0, 1]
    white = dg.add_gaussian(GREY, 0.04, rng) - GREY
    white_neighbour = np.corrcoef(white[:, :-1, 0].ravel(), white[:, 1:, 0].ravel())[0, 1]
    assert neighbour > 0.5 and abs(white_neighbour) < 0.05


def test_anisotropic_kernel_has_unit_energy_and_follows_its_angle() -> None:
    kernel = dg.anisotropic_kernel(5, 1.5, 0.3, 0.0)
    assert np.square(kernel).sum() == pytest.approx(1.0, rel=1e-5)
    assert kernel[2, 4] > kernel[4, 2]  # long axis along x
    rotated = dg.anisotropic_kernel(5, 1.5, 0.3, np.pi / 2)
    np.testing.assert_allclose(rotated, kernel.T, atol=1e-6)


def test_camera_branch_adds_zero_mean_noise_that_grows_with_iso() -> None:
    from casestudy.camera import CaptureSettings

    stds = []
    for iso in (100, 800):
        settings = CaptureSettings.from_metadata("GP", iso, 1 / 60, 5500, "N")
        noise = dg.add_camera_noise(GREY, settings, np.random.default_rng(5)) - GREY
        assert abs(noise.mean()) < 0.01
        stds.append(noise.std())
    assert 0 < stds[0] < stds[1]


def test_jpeg_branch_changes_the_image_less_at_higher_quality() -> None:
    image = textured(size=64).astype(np.float32) / 255.0
    low = np.abs(dg.jpeg_compress(image, 30) - image).mean()
    high = np.abs(dg.jpeg_compress(image, 95) - image).mean()
    assert low > high > 0


def test_forced_noise_never_leaves_a_sample_clean() -> None:
    config = dg.DegradationConfig(p_gaussian=0.1, p_poisson=0.1, p_correlated=0.0, p_camera=0.0, p_jpeg=0.0)
    for seed in range(30):
        plan = dg.sample_plan(np.random.default_rng(seed), config)
        assert {step for step, _ in plan} & {"gaussian", "poisson"}


def test_shuffle_varies_the_order() -> None:
    config = dg.DegradationConfig(p_gaussian=1.0, p_poisson=1.0, p_correlated=1.0, p_camera=0.0, p_jpeg=1.0)
    orders = {tuple(step for step, _ in dg.sample_plan(np.random.default_rng(seed), config)) for seed in range(20)}
    assert len(orders) > 1
    fixed = dg.DegradationConfig(p_gaussian=1.0, p_poisson=1.0, p_correlated=1.0, p_camera=0.0, p_jpeg=1.0, shuffle=False)
    assert [step for step, _ in dg.sample_plan(np.random.default_rng(0), fixed)] == ["gaussian", "poisson", "correlated", "jpeg"]


def test_srgb_transfer_functions_round_trip() -> None:
    values = np.linspace(0, 1, 101, dtype=np.float32)
    np.testing.assert_allclose(dg.linear_to_srgb(dg.srgb_to_linear(values)), values, atol=1e-5)
    assert dg.srgb_to_linear(np.float32(0.5)) == pytest.approx(0.21404, abs=1e-4)


@pytest.mark.parametrize(
    "bad",
    [{"p_gaussian": 1.5}, {"gaussian_sigma": (0.1, 0.01)}, {"jpeg_quality": (0, 90)}, {"kernel_size": 4}],
)
def test_bad_config_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError, match="DegradationConfig"):
        dg.DegradationConfig(**bad)


def test_bad_images_are_refused() -> None:
    with pytest.raises(ValueError, match="RGB"):
        dg.degrade(np.zeros((8, 8)), np.random.default_rng(0))
    with pytest.raises(ValueError, match="uint8 or float"):
        dg.degrade(np.zeros((8, 8, 3), dtype=np.int32), np.random.default_rng(0))


def test_the_clean_shortcut_returns_the_input_exactly() -> None:
    image = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)
    config = dg.DegradationConfig(p_clean=1.0, p_white=0.0)
    assert np.array_equal(dg.degrade(image, np.random.default_rng(1), config), image)


def test_the_white_shortcut_draws_sigma_uniformly_over_its_range() -> None:
    image = np.full((48, 48, 3), 0.5, np.float32)
    config = dg.DegradationConfig(p_clean=0.0, p_white=1.0, white_sigma=(0.0, 40 / 255))
    sigmas = np.array([np.std(dg.degrade(image, np.random.default_rng(i), config) - image) * 255 for i in range(200)])
    assert sigmas.min() < 4 and sigmas.max() > 36
    assert np.mean(sigmas < 20) == pytest.approx(0.5, abs=0.1)  # uniform: half below the middle


def test_the_default_mix_has_clean_light_and_heavy_noise_with_light_at_least_as_common() -> None:
    image = np.clip(np.random.default_rng(0).normal(0.5, 0.1, (32, 32, 3)), 0, 1).astype(np.float32)
    spread = np.array([np.std(dg.degrade(image, np.random.default_rng(i)) - image) * 255 for i in range(300)])
    assert 0.02 < np.mean(spread == 0) < 0.09  # about 5 % clean in, clean out
    light, heavy = np.mean((spread > 0) & (spread < 10)), np.mean(spread > 25)
    assert heavy > 0.03 and light >= heavy
    assert spread.max() > 40


def test_sharpen_crisps_the_noise_and_leaves_a_clean_image_alone() -> None:
    rng = np.random.default_rng(0)
    clean = np.full((64, 64, 3), 0.5, np.float32)
    assert np.array_equal(dg.sharpen_noise(clean, clean, 1.0, 1.0), clean)
    noisy = dg.add_correlated(clean, 0.03, dg.anisotropic_kernel(5, 1.2, 1.2, 0.0), rng)
    sharpened = dg.sharpen_noise(noisy, clean, 1.0, 1.0)

    def neighbour_correlation(x: np.ndarray) -> float:
        n = (x - clean)[..., 0]
        return float(np.corrcoef(n[:, :-1].ravel(), n[:, 1:].ravel())[0, 1])

    assert neighbour_correlation(sharpened) < neighbour_correlation(noisy)
    assert np.std(sharpened - clean) > np.std(noisy - clean)
