"""The three networks: registry, any-size inference, Haar wavelets, mixed precision, safe loading, FLOPs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras")

from casestudy.config import PROFILES, get_profile  # noqa: E402
from casestudy.filters import FilterInputError  # noqa: E402
from casestudy.models import MODELS, ModelLoadError, build_model, get_model_spec, load_model  # noqa: E402
from casestudy.models.complexity import FLOPS_PER_MAC, count_macs, flops_per_megapixel  # noqa: E402
from casestudy.inference.network import denoise_image  # noqa: E402
from casestudy.models.layers import (  # noqa: E402
    BilinearUpsampling,
    CropToMatch,
    HaarDWT,
    HaarIWT,
    PadToMultiple,
    SoftmaxBranchFusion,
)

NAMES = ("rednet", "mwcnn", "pridnet", "nafnet")
REPO = Path(__file__).resolve().parents[1]


def _images(batch: int = 3, height: int = 97, width: int = 131, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((batch, height, width, 3), dtype=np.float32)


def _fed(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """``images`` as ``model`` takes them: a network told the noise gets its map channels (withheld: blind)."""
    from casestudy.inference.network import with_noise_map

    return with_noise_map(model, images)


def _zero_last_layer(model: keras.Model) -> None:
    """Zero the weights of the layer predicting the correction: the network then returns its input."""
    last = [layer for layer in model.layers if layer.weights][-1]
    last.set_weights([np.zeros_like(weight) for weight in last.get_weights()])


@pytest.fixture
def restore_policy():
    """Put the global dtype policy back to float32 whatever the test does."""
    yield
    keras.mixed_precision.set_global_policy("float32")


# --------------------------------------------------------------------------- registry


def test_registry_lists_the_four_networks_with_widths_per_profile():
    assert tuple(MODELS) == NAMES
    for name, spec in MODELS.items():
        assert set(spec.widths) == set(PROFILES)
        module = __import__(spec.builder_path.split(":")[0], fromlist=["MULTIPLE"])
        assert spec.multiple == module.MULTIPLE, "the registry's multiple must be the network module's"
        assert spec.widths["smoke"] < spec.widths["laptop"] <= spec.widths["gpu"]
        assert spec.width(get_profile("gpu")) == spec.widths["gpu"]


def test_build_model_takes_a_width_or_a_profile():
    assert build_model("rednet", width=4).count_params() == 3 * 4 * 9 + 4 + 8 * (4 * 4 * 9 + 4) + 4 * 3 * 9 + 3
    assert build_model("rednet", profile="smoke").count_params() == build_model("rednet", width=8).count_params()
    assert build_model("mwcnn", width=4).name == "mwcnn"


@pytest.mark.parametrize("bad", [{"name": "unet"}, {"name": "rednet", "width": 0}, {"name": "rednet", "profile": "x"}])
def test_build_model_rejects_unknown_names_widths_and_profiles(bad):
    with pytest.raises(ValueError, match="unknown|width"):
        build_model(**bad)


def test_unknown_spec_lists_the_known_ones():
    with pytest.raises(ValueError, match="rednet, mwcnn, pridnet"):
        get_model_spec("dncnn")


# --------------------------------------------------------------------------- any size, residual output


@pytest.mark.parametrize("name", NAMES)
def test_each_network_takes_an_odd_size_and_returns_input_plus_correction(name):
    model = build_model(name, profile="smoke")
    images = _images()
    out = np.asarray(model(_fed(model, images)))
    assert out.shape == images.shape and out.dtype == np.float32
    assert np.all(np.isfinite(out)) and not np.allclose(out, images)
    _zero_last_layer(model)  # no correction: the padded, cropped-back input must come out exactly
    np.testing.assert_array_equal(np.asarray(model(_fed(model, images))), images)


@pytest.mark.parametrize("multiple, height, width", [(8, 5, 13), (64, 3, 70), (4, 1, 2)])
def test_pad_to_multiple_reflects_like_numpy(multiple, height, width):
    image = _images(batch=2, height=height, width=width)
    padded = np.asarray(PadToMultiple(multiple)(image))
    target_h, target_w = -(-height // multiple) * multiple, -(-width // multiple) * multiple
    expected = image
    for axis, (side, target) in enumerate([(height, target_h), (width, target_w)], start=1):
        pads = [(0, 0)] * 4
        pads[axis] = (0, target - side)
        expected = np.pad(expected, pads, mode="reflect" if side > 1 else "edge")  # one pixel reflects onto itself
    np.testing.assert_array_equal(padded, expected)
    np.testing.assert_array_equal(np.asarray(CropToMatch()([padded, image])), image)


def test_pad_to_multiple_rejects_a_non_positive_multiple():
    with pytest.raises(ValueError, match="multiple"):
        PadToMultiple(0)


# --------------------------------------------------------------------------- Haar wavelets


def test_inverse_wavelet_transform_restores_the_input():
    images = _images(batch=2, height=16, width=24)
    bands = HaarDWT()(images)
    assert tuple(bands.shape) == (2, 8, 12, 12)
    np.testing.assert_allclose(np.asarray(HaarIWT()(bands)), images, atol=1e-5)


def test_wavelet_sub_bands_match_pywavelets_haar():
    pywt = pytest.importorskip("pywt")
    image = _images(batch=1, height=6, width=10, seed=3)
    bands = np.asarray(HaarDWT()(image))[0]
    for channel in range(3):
        approx, (horizontal, vertical, diagonal) = pywt.dwt2(image[0, :, :, channel].astype(np.float64), "haar")
        # same orthonormal scale; the two detail bands are differences taken the other way round
        expected = [approx, -horizontal, -vertical, diagonal]
        for band, reference in enumerate(expected):
            np.testing.assert_allclose(bands[:, :, 3 * band + channel], reference, atol=1e-6)


def test_wavelet_of_a_constant_image_is_all_approximation():
    bands = np.asarray(HaarDWT()(np.full((1, 4, 4, 1), 0.25, np.float32)))[0]
    np.testing.assert_allclose(bands[..., 0], 0.5)  # (4 x 0.25) / 2
    np.testing.assert_allclose(bands[..., 1:], 0.0)


def test_softmax_branch_fusion_weights_branches_per_channel():
    ones, twos = np.ones((1, 2, 2, 2), np.float32), np.full((1, 2, 2, 2), 2.0, np.float32)
    logits_a = np.array([[[[0.0, 50.0]]]], np.float32)  # channel 0: even split; channel 1: all branch a
    logits_b = np.array([[[[0.0, 0.0]]]], np.float32)
    fused = np.asarray(SoftmaxBranchFusion()([ones, twos, logits_a, logits_b]))
    np.testing.assert_allclose(fused[..., 0], 1.5, atol=1e-6)
    np.testing.assert_allclose(fused[..., 1], 1.0, atol=1e-6)


# --------------------------------------------------------------------------- mixed precision


@pytest.mark.parametrize("name", NAMES)
def test_each_network_runs_under_mixed_bfloat16_with_a_float32_output(name, restore_policy):
    reference = build_model(name, profile="smoke")
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = build_model(name, profile="smoke")
    assert model.get_layer("residual").compute_dtype == "float32"
    model.set_weights(reference.get_weights())
    images = _images(batch=2, height=40, width=33)
    out = np.asarray(model(_fed(model, images)))
    assert out.dtype == np.float32 and out.shape == images.shape
    np.testing.assert_allclose(out, np.asarray(reference(_fed(reference, images))), atol=0.05)


# --------------------------------------------------------------------------- saving and loading


_LOAD_IN_FRESH_PROCESS = """
import sys, numpy as np
from casestudy.models import load_model
from casestudy.inference.network import denoise_image
folder = sys.argv[1]
image = np.load(folder + "/image.npy")
for name in sys.argv[2:]:
    np.save(f"{folder}/{name}_fresh.npy", denoise_image(load_model(f"{folder}/{name}.keras"), image))
"""


def test_saved_models_load_in_a_fresh_process_in_safe_mode(tmp_path):
    image = _images(batch=1, height=37, width=29, seed=5)[0]
    np.save(tmp_path / "image.npy", image)
    expected = {}
    for name in NAMES:
        model = build_model(name, profile="smoke")
        model.save(tmp_path / f"{name}.keras")
        expected[name] = denoise_image(model, image)
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _LOAD_IN_FRESH_PROCESS, str(tmp_path), *NAMES],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for name in NAMES:
        np.testing.assert_allclose(np.load(tmp_path / f"{name}_fresh.npy"), expected[name], atol=1e-6)


def test_load_model_names_the_file_when_missing_or_not_a_keras_archive(tmp_path):
    with pytest.raises(ModelLoadError, match="nothing.keras: no such model file"):
        load_model(tmp_path / "nothing.keras")
    text = tmp_path / "notes.keras"
    text.write_text("not a zip")
    with pytest.raises(ModelLoadError, match="notes.keras: not a Keras"):
        load_model(text)
    broken = tmp_path / "broken.keras"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("config.json", json.dumps({"class_name": "Nonsense"}))
    with pytest.raises(ModelLoadError, match="broken.keras: cannot load"):
        load_model(broken)


def test_load_model_refuses_models_that_are_not_ours(tmp_path):
    inputs = keras.Input((None, None, 3))
    foreign = keras.Model(inputs, keras.layers.Conv2D(3, 1)(inputs), name="someone_elses")
    foreign.save(tmp_path / "foreign.keras")
    with pytest.raises(ModelLoadError, match="foreign.keras: holds a model named 'someone_elses'"):
        load_model(tmp_path / "foreign.keras")
    lambda_model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs), name="rednet")
    lambda_model.save(tmp_path / "lambda.keras")
    with pytest.raises(ModelLoadError, match="lambda.keras: cannot load this model in safe mode"):
        load_model(tmp_path / "lambda.keras")


# --------------------------------------------------------------------------- inference


def test_denoise_image_returns_a_clipped_float32_image():
    model = build_model("mwcnn", width=2)
    _zero_last_layer(model)
    image = _images(batch=1, height=21, width=19)[0]
    np.testing.assert_array_equal(denoise_image(model, image), image)
    shifted = keras.Model(model.inputs[0], keras.layers.Add()([model.outputs[0], model.outputs[0]]))  # doubles
    out = denoise_image(shifted, image)
    assert out.dtype == np.float32 and out.max() == 1.0
    np.testing.assert_allclose(out, np.clip(2 * image, 0, 1), atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_denoise_image_takes_images_of_several_sizes_one_after_another(name):
    """One traced graph serves every size (PRIDNet's upsampling once failed on the second size)."""
    model = build_model(name, width=2)
    _zero_last_layer(model)
    for height, width in ((40, 56), (33, 47), (64, 24)):
        image = _images(batch=1, height=height, width=width, seed=height)[0]
        np.testing.assert_allclose(denoise_image(model, image), image, atol=1e-6)


def test_bilinear_upsampling_matches_keras_upsampling2d_and_round_trips():
    images = _images(batch=2, height=5, width=7)
    for factor in (2, 4, 16):
        expected = keras.layers.UpSampling2D(factor, interpolation="bilinear")(images)
        np.testing.assert_allclose(np.asarray(BilinearUpsampling(factor)(images)), np.asarray(expected), atol=1e-6)
    layer = BilinearUpsampling.from_config(BilinearUpsampling(8, name="up").get_config())
    assert layer.factor == 8 and layer.compute_output_shape((None, None, 3, 4)) == (None, None, 24, 4)
    with pytest.raises(ValueError, match="factor must be a positive integer"):
        BilinearUpsampling(0)


def test_denoise_image_still_runs_a_model_with_keras_bilinear_upsampling():
    """Files saved before BilinearUpsampling hold Keras' UpSampling2D: they fall back to a graph per size."""
    inputs = keras.Input((None, None, 3))
    pooled = keras.layers.AveragePooling2D(2)(inputs)
    model = keras.Model(inputs, keras.layers.UpSampling2D(2, interpolation="bilinear")(pooled), name="pridnet")
    for height, width in ((16, 24), (24, 16), (32, 32)):
        image = np.full((height, width, 3), 0.25, np.float32)
        np.testing.assert_allclose(denoise_image(model, image), image, atol=1e-6)


@pytest.mark.parametrize(
    "bad", [np.zeros((8, 8), np.float32), np.zeros((8, 8, 3), np.uint8), np.full((8, 8, 3), 2.0, np.float32)]
)
def test_denoise_image_rejects_what_the_filters_reject(bad):
    with pytest.raises(FilterInputError):
        denoise_image(build_model("rednet", width=2), bad)


# --------------------------------------------------------------------------- complexity


def test_flop_count_matches_a_hand_count_for_a_tiny_network():
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)  # 9*3*4 = 108 MACs per pixel
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same")(x)  # 9*4*8 = 288 per output pixel, a quarter
    x = keras.layers.Conv2DTranspose(2, 2, strides=2)(x)  # 4*8*2 = 64 per input pixel (a quarter)
    x = keras.layers.Dense(5)(x)  # 2*5 = 10 per pixel
    model = keras.Model(inputs, x)
    assert count_macs(model, 16, 16) == 256 * 108 + 64 * 288 + 64 * 64 + 256 * 10
    per_pixel = 108 + 288 / 4 + 64 / 4 + 10
    assert flops_per_megapixel(model, side=16) == pytest.approx(FLOPS_PER_MAC * per_pixel * 1e6)


def test_rednet_flops_are_its_convolution_weights_per_pixel():
    """REDNet keeps the full resolution: MACs per pixel equal its kernel weights (biases aside)."""
    model = build_model("rednet", width=8)
    kernels = sum(int(np.prod(w.shape)) for w in model.weights if len(w.shape) == 4)
    assert flops_per_megapixel(model) == pytest.approx(2 * kernels * 1e6)


def test_laptop_pridnet_stays_compact():
    assert build_model("pridnet", profile="laptop").count_params() <= 3_000_000


def test_weights_path_finds_a_file_or_a_folder_and_names_what_is_missing(tmp_path) -> None:
    from casestudy.models import ModelLoadError, weights_path

    file = tmp_path / "rednet.keras"
    file.write_bytes(b"placeholder")
    assert weights_path("rednet", tmp_path) == file
    assert weights_path("rednet", file) == file
    with pytest.raises(ModelLoadError, match=r"mwcnn\.keras: no weights for 'mwcnn'"):
        weights_path("mwcnn", tmp_path)
    with pytest.raises(ValueError, match="unknown model 'unet'"):
        weights_path("unet", tmp_path)

