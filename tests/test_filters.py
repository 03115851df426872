"""casestudy.filters: every filter denoises, the registry and grids hang together, the noise estimators and NLM weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from casestudy import filters as F
from casestudy.filters import FILTERS, FilterInputError, nlm_weights
from casestudy.noise.estimate import DEFAULT_NOISE_METHOD, NOISE_ESTIMATORS, NoiseInputError, estimate_noise_sigma
from casestudy.metrics import psnr
from casestudy.evaluation.texture_check import texture_image


def smooth_image(height: int = 32, width: int = 48) -> np.ndarray:
    """A smooth colour image with one edge, float32 in [0.1, 0.9]."""
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    image = np.stack([0.3 + 0.4 * x, 0.5 + 0.2 * np.sin(5 * y), 0.4 + 0.3 * x * y], axis=-1)
    image[:, width // 2 :, 1] += 0.15  # an edge the edge-preserving filters should keep
    return np.clip(image, 0.1, 0.9).astype(np.float32)


@pytest.fixture(scope="module")
def clean_noisy() -> tuple[np.ndarray, np.ndarray]:
    clean = smooth_image()
    noisy = np.clip(clean + np.random.default_rng(1).normal(0, 0.07, clean.shape), 0, 1).astype(np.float32)
    return clean, noisy


@pytest.mark.parametrize("name", list(FILTERS))
def test_every_filter_raises_psnr_and_keeps_the_contract(name, clean_noisy) -> None:
    clean, noisy = clean_noisy
    before = noisy.copy()
    out = FILTERS[name](noisy)
    assert out.shape == noisy.shape and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
    assert np.array_equal(noisy, before), "filters must not modify their input"
    assert psnr(clean, out) > psnr(clean, noisy) + 2.0


def test_registry_lists_the_seven_classical_filters() -> None:
    assert list(FILTERS) == ["gaussian", "median", "bilateral", "wavelet", "tv", "nlm", "bm3d"]
    for name, spec in FILTERS.items():
        assert spec.name == name and spec.label


@pytest.mark.parametrize("name", list(FILTERS))
def test_grids_are_complete_and_small_is_small(name) -> None:
    spec = FILTERS[name]
    small, full = spec.grid("small"), spec.grid("full")
    assert 1 <= len(small) <= 4
    assert len(full) > len(small)
    for params in small + full:
        assert set(params) == set(spec.defaults)
    assert len({tuple(sorted(p.items())) for p in full}) == len(full), "no duplicate grid points"


def test_unknown_grid_and_parameter_and_filter_are_clear_errors(clean_noisy) -> None:
    _, noisy = clean_noisy
    with pytest.raises(FilterInputError, match="unknown grid 'huge'"):
        FILTERS["nlm"].grid("huge")
    with pytest.raises(FilterInputError, match="has no parameter.*'hh'.*takes"):
        FILTERS["nlm"](noisy, hh=1.0)
    with pytest.raises(FilterInputError, match="unknown filter 'nlmm'.*nlm"):
        F.apply_filter("nlmm", noisy)
    with pytest.raises(NoiseInputError, match="unknown noise estimator 'mad'.*blocks"):
        estimate_noise_sigma(noisy, "mad")
    with pytest.raises(FilterInputError, match="unknown noise estimator 'mad'.*blocks"):
        FILTERS["nlm"](noisy, sigma_method="mad")  # a filter reports the estimator's error as its own


def test_apply_filter_passes_parameters(clean_noisy) -> None:
    _, noisy = clean_noisy
    light, heavy = F.apply_filter("gaussian", noisy, sigma=0.5), F.apply_filter("gaussian", noisy, sigma=3.0)
    assert np.std(heavy) < np.std(light)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ((smooth_image() * 255).astype(np.uint8), "/ 255"),
        (smooth_image()[..., 0], "shape \\(H, W, 3\\)"),
        (np.where(np.arange(32 * 48 * 3).reshape(32, 48, 3) == 5, np.nan, smooth_image()), "NaN"),
        (smooth_image() * 2.0, "outside|span"),
    ],
)
def test_bad_inputs_raise(bad, message) -> None:
    with pytest.raises(FilterInputError, match=message):
        FILTERS["gaussian"](bad)


def test_filter_input_error_is_a_value_error() -> None:
    assert issubclass(FilterInputError, ValueError)


def test_float64_input_comes_back_float32(clean_noisy) -> None:
    _, noisy = clean_noisy
    assert FILTERS["tv"](noisy.astype(np.float64)).dtype == np.float32


# --------------------------------------------------------------------------- noise estimation


def _correlated_noise(shape: tuple[int, ...], sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise blurred like a demosaiced photo's, rescaled to per-pixel std ``sigma``."""
    noise = ndimage.gaussian_filter(rng.normal(size=shape), (0.8, 0.8, 0))
    return noise / noise.std() * sigma


@pytest.fixture(scope="module")
def flat_scene() -> np.ndarray:
    return smooth_image(128, 128)


def test_every_estimator_reads_white_noise_on_a_flat_image(flat_scene) -> None:
    noisy = np.clip(flat_scene + np.random.default_rng(2).normal(0, 0.05, flat_scene.shape), 0, 1)
    assert estimate_noise_sigma(noisy, "pca") == pytest.approx(0.05, rel=0.1)
    assert estimate_noise_sigma(noisy, "blocks") == pytest.approx(0.05, rel=0.15)
    assert estimate_noise_sigma(noisy, "wavelet") == pytest.approx(0.05, rel=0.15)


def test_blocks_estimator_reads_correlated_noise_that_wavelet_misses(flat_scene) -> None:
    noisy = np.clip(flat_scene + _correlated_noise(flat_scene.shape, 0.05, np.random.default_rng(3)), 0, 1)
    assert estimate_noise_sigma(noisy, "blocks") == pytest.approx(0.05, rel=0.25)
    assert estimate_noise_sigma(noisy, "wavelet") < 0.6 * 0.05


#: The "pca" estimator is within this fraction of the true spread of white noise, on flat and textured images.
PCA_TOLERANCE = 0.1


def texture(name: str, size: int = 256) -> np.ndarray:
    """The central ``size`` x ``size`` square of one of scikit-image's bundled gray textures, as float32 RGB."""
    return texture_image(name, size)


@pytest.mark.parametrize("sigma", [0.01, 0.02, 0.05, 0.1])
@pytest.mark.parametrize("scene", ["flat", "grass", "gravel", "brick"])
def test_pca_estimator_reads_white_noise_on_flat_and_textured_images(scene, sigma, flat_scene) -> None:
    clean = flat_scene if scene == "flat" else texture(scene)
    noisy = np.clip(clean + np.random.default_rng(int(sigma * 1000)).normal(0, sigma, clean.shape), 0, 1)
    truth = float(np.std(noisy - clean))  # what remains after clipping
    assert estimate_noise_sigma(noisy, "pca") == pytest.approx(truth, rel=PCA_TOLERANCE)


def test_blocks_estimator_reads_texture_as_noise_where_pca_does_not() -> None:
    clean = texture("grass")
    noisy = np.clip(clean + np.random.default_rng(7).normal(0, 0.02, clean.shape), 0, 1)
    assert estimate_noise_sigma(noisy, "blocks") > 2 * 0.02  # the failure "pca" fixes
    assert estimate_noise_sigma(noisy, "pca") == pytest.approx(0.02, rel=PCA_TOLERANCE)


@pytest.mark.parametrize("scene", ["flat", "gravel"])
def test_pca_estimator_on_correlated_noise_reads_a_fixed_multiple_of_it(scene, flat_scene) -> None:
    """On noise blurred like a demosaiced photo's (Gaussian, 0.8 px) the estimate is about 1.2 x the per-pixel
    spread (see the docstring): above the truth, the same multiple at every level, so a tuned factor absorbs it."""
    clean = flat_scene if scene == "flat" else texture(scene)
    ratios = []
    for seed, sigma in enumerate((0.02, 0.05, 0.1)):
        noisy = np.clip(clean + _correlated_noise(clean.shape, sigma, np.random.default_rng(seed)), 0, 1)
        ratios.append(estimate_noise_sigma(noisy, "pca") / float(np.std(noisy - clean)))
    assert all(1.05 < ratio < 1.4 for ratio in ratios), ratios
    assert max(ratios) / min(ratios) < 1.1, ratios


def test_robust_estimator_keeps_the_block_reading_of_correlated_noise(flat_scene) -> None:
    """On camera-like (blurred) noise PCA reads high, so the flat blocks decide, as before the texture check."""
    noisy = np.clip(flat_scene + _correlated_noise(flat_scene.shape, 0.05, np.random.default_rng(3)), 0, 1)
    assert estimate_noise_sigma(noisy, "blocks") < estimate_noise_sigma(noisy, "pca")
    assert estimate_noise_sigma(noisy, "robust") == estimate_noise_sigma(noisy, "blocks")
    assert DEFAULT_NOISE_METHOD == "robust" and estimate_noise_sigma(noisy) == estimate_noise_sigma(noisy, "robust")


@pytest.mark.parametrize("scene", ["grass", "gravel"])
def test_robust_estimator_does_not_read_texture_as_noise(scene) -> None:
    clean = texture(scene)
    noisy = np.clip(clean + np.random.default_rng(8).normal(0, 0.02, clean.shape), 0, 1)
    assert estimate_noise_sigma(noisy, "blocks") > 2 * 0.02
    assert estimate_noise_sigma(noisy, "robust") == pytest.approx(0.02, rel=PCA_TOLERANCE)


def test_robust_estimator_falls_back_to_blocks_on_a_thumbnail() -> None:
    rng = np.random.default_rng(9)
    small = np.clip(0.5 + rng.normal(0, 0.05, (32, 48, 3)), 0, 1)
    assert estimate_noise_sigma(small, "robust") == estimate_noise_sigma(small, "blocks")


def test_estimator_on_a_clean_image_is_small_and_filters_survive_it(flat_scene) -> None:
    assert estimate_noise_sigma(flat_scene) < 0.005
    out = FILTERS["nlm"](flat_scene)
    assert psnr(flat_scene, out) > 40


def test_blocks_estimator_needs_one_block() -> None:
    with pytest.raises(NoiseInputError, match="at least 8x8"):
        estimate_noise_sigma(np.full((4, 40, 3), 0.5, np.float32), "blocks")


def test_pca_estimator_refuses_a_thumbnail_that_the_filters_still_take(clean_noisy) -> None:
    assert F.pca_min_side() == 40
    with pytest.raises(NoiseInputError, match="'pca' noise estimator needs an image of at least 40x40 pixels, got 39x60"):
        estimate_noise_sigma(np.full((39, 60, 3), 0.5, np.float32), "pca")
    estimate_noise_sigma(np.full((40, 40, 3), 0.5, np.float32), "pca")  # the smallest accepted
    clean, noisy = clean_noisy  # 32x48: the filters fall back to the "blocks" estimate
    assert psnr(clean, FILTERS["nlm"](noisy, sigma_method="pca")) > psnr(clean, noisy)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.full((64, 64), 0.5, np.float32), "shape \\(H, W, 3\\)"),
        (np.full((64, 64, 4), 0.5, np.float32), "shape \\(H, W, 3\\)"),
        (np.where(np.arange(64 * 64 * 3).reshape(64, 64, 3) == 7, np.nan, 0.5), "NaN"),
        (np.full((64, 64, 3), 128, np.uint8), "/ 255"),
    ],
)
def test_noise_estimator_bad_inputs_raise(bad, message) -> None:
    for method in NOISE_ESTIMATORS:
        with pytest.raises(NoiseInputError, match=message):
            estimate_noise_sigma(bad, method)


# --------------------------------------------------------------------------- NLM weights


def test_nlm_weights_shape_centre_and_range(clean_noisy) -> None:
    _, noisy = clean_noisy
    weights = nlm_weights(noisy, (10, 20), h=0.05, patch_size=5, patch_distance=4)
    assert weights.shape == (9, 9)
    assert weights[4, 4] == 1.0
    assert np.all((weights > 0) & (weights <= 1))


def test_nlm_weights_by_hand() -> None:
    # 1x1 patches: d2 is the mean over channels of the squared colour difference.
    image = np.zeros((5, 5, 3))
    image[2, 3] = [0.3, 0.0, 0.0]  # mean squared difference 0.03
    weights = nlm_weights(image, (2, 2), h=0.1, patch_size=1, patch_distance=1)
    assert weights[1, 2] == pytest.approx(np.exp(-0.03 / 0.01))
    assert weights[1, 1] == 1.0 and weights[0, 0] == 1.0
    # Subtracting 2 sigma^2 >= the distance makes the pixel weigh as much as p itself.
    assert nlm_weights(image, (2, 2), h=0.1, sigma=0.13, patch_size=1, patch_distance=1)[1, 2] == 1.0


def test_nlm_weights_are_symmetric(clean_noisy) -> None:
    _, noisy = clean_noisy
    p, q = (12, 20), (14, 17)
    d = 4
    w_pq = nlm_weights(noisy, p, h=0.06, patch_distance=d)[d + q[0] - p[0], d + q[1] - p[1]]
    w_qp = nlm_weights(noisy, q, h=0.06, patch_distance=d)[d + p[0] - q[0], d + p[1] - q[1]]
    assert w_pq == pytest.approx(w_qp)


def test_nlm_weights_explain_scikit_image_output(clean_noisy) -> None:
    from skimage.restoration import denoise_nl_means

    _, noisy = clean_noisy
    h, sigma, s, d = 0.06, 0.07, 5, 6
    reference = denoise_nl_means(noisy, h=h, sigma=sigma, patch_size=s, patch_distance=d, fast_mode=True, channel_axis=-1)
    padded = np.pad(noisy, ((d, d), (d, d), (0, 0)), mode="reflect")
    for row, col in [(10, 10), (16, 30), (20, 40)]:
        weights = nlm_weights(noisy, (row, col), h=h, sigma=sigma, patch_size=s, patch_distance=d)
        window = padded[row : row + 2 * d + 1, col : col + 2 * d + 1]
        mean = (weights[..., None] * window).sum(axis=(0, 1)) / weights.sum()
        error = np.abs(mean - reference[row, col]).max()
        assert error < 0.02
        assert error < 0.25 * np.abs(noisy[row, col] - reference[row, col]).max()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pixel": (40, 0), "h": 0.1}, "outside"),
        ({"pixel": (0, 0), "h": 0.0}, "h must be positive"),
        ({"pixel": (0, 0), "h": 0.1, "patch_size": 4}, "odd"),
    ],
)
def test_nlm_weights_bad_arguments(kwargs, message) -> None:
    with pytest.raises(FilterInputError, match=message):
        nlm_weights(smooth_image(), **kwargs)


# --------------------------------------------------------------------------- texture: never worse than doing nothing

#: NLM and BM3D settings as the project's tuning chose them with the default ("robust") estimate: ``tune_filters``
#: on the laptop profile's simulated data set (validation split, full grids), as notebook 04 prints them
#: (NLM h_factor 1.3, patch 9, distance 15; BM3D sigma_factor 1.5 with the validation noise kernel).
TUNED_LAPTOP = Path(__file__).parent / "data" / "filter_params-laptop.json"


@pytest.mark.parametrize("name", ["grass", "gravel", "brick"])
@pytest.mark.parametrize("method", ["nlm", "bm3d"])
def test_tuned_nlm_and_bm3d_do_not_wreck_texture_with_light_noise(name, method) -> None:
    from casestudy.evaluation.tuning import load_filter_params

    params = load_filter_params(TUNED_LAPTOP)[method]
    clean = texture(name)
    noisy = np.clip(clean + np.random.default_rng(2021).normal(0, 0.02, clean.shape), 0, 1).astype(np.float32)
    assert psnr(clean, FILTERS[method](noisy, **params)) >= psnr(clean, noisy)


def test_texture_scores_show_the_block_estimate_wrecking_grass_and_the_default_not() -> None:
    from casestudy.evaluation.texture_check import texture_scores
    from casestudy.evaluation.tuning import load_filter_params

    params = load_filter_params(TUNED_LAPTOP)
    table = texture_scores(params, methods=["nlm"], textures=["grass"], size=128).set_index("estimator")
    assert list(table.columns) == ["texture", "sigma_read", "noisy", "nlm"]
    assert table.loc["blocks", "sigma_read"] > 2 * 0.02 and table.loc["robust", "sigma_read"] < 1.2 * 0.02
    assert table.loc["blocks", "nlm"] < table.loc["blocks", "noisy"] - 5  # the failure the default fixes
    assert table.loc["robust", "nlm"] >= table.loc["robust", "noisy"]


def test_texture_image_refuses_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown texture 'moss'"):
        texture_image("moss")
    assert texture_image("brick", 64).shape == (64, 64, 3)
