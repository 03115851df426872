"""The NAFNet-style network: its layers do what the paper says, it runs at any size, blind or told the noise."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from casestudy.inference.network import denoise_image, with_noise_map  # noqa: E402
from casestudy.models.nafnet import MAP_CHANNELS, PixelShuffle, SimpleGate, build_nafnet  # noqa: E402


@pytest.fixture(scope="module")
def model() -> keras.Model:
    keras.utils.set_random_seed(3)
    return build_nafnet(4, encoder_blocks=(1, 1), middle_blocks=1)


def test_the_simple_gate_multiplies_the_two_halves_of_the_channels() -> None:
    x = np.arange(2 * 3 * 3 * 4, dtype=np.float32).reshape(2, 3, 3, 4)
    out = keras.ops.convert_to_numpy(SimpleGate()(x))
    np.testing.assert_allclose(out, x[..., :2] * x[..., 2:])


def test_the_pixel_shuffle_moves_four_channels_into_a_two_by_two_block() -> None:
    x = np.arange(1 * 2 * 3 * 8, dtype=np.float32).reshape(1, 2, 3, 8)
    out = keras.ops.convert_to_numpy(PixelShuffle()(x))
    assert out.shape == (1, 4, 6, 2)
    for row, col, dy, dx in [(0, 0, 0, 0), (1, 2, 1, 1), (0, 1, 1, 0)]:
        np.testing.assert_array_equal(out[0, 2 * row + dy, 2 * col + dx], x[0, row, col, (2 * dy + dx) * 2:(2 * dy + dx) * 2 + 2])


def test_any_size_goes_in_blind_and_comes_back_the_same_size(model: keras.Model) -> None:
    assert model.input_shape[-1] == 3 + MAP_CHANNELS
    noisy = np.random.default_rng(0).random((13, 21, 3)).astype(np.float32)
    out = denoise_image(model, noisy)
    assert out.shape == noisy.shape and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1


def test_the_map_channels_say_known_or_withheld(model: keras.Model) -> None:
    batch = np.zeros((2, 4, 5, 3), np.float32)
    blind = with_noise_map(model, batch)
    assert blind.shape == (2, 4, 5, 5) and not blind[..., 3:].any()
    told = with_noise_map(model, batch, 0.05)
    np.testing.assert_allclose(told[..., 3], 0.05)
    np.testing.assert_array_equal(told[..., 4], 1.0)
    photo = keras.Input((None, None, 3))
    blind_network = keras.Model(photo, keras.layers.Identity()(photo), name="blind")
    assert with_noise_map(blind_network, batch) is batch
    with pytest.raises(ValueError, match="blind"):
        with_noise_map(blind_network, batch, 0.05)


def test_it_saves_and_loads_in_safe_mode(tmp_path, model: keras.Model) -> None:
    """Every custom layer is registered and serialisable: Keras' safe mode loads it (it refuses Lambda layers)."""
    model.save(tmp_path / "nafnet.keras")
    again = keras.saving.load_model(tmp_path / "nafnet.keras", compile=False, safe_mode=True)
    noisy = np.random.default_rng(1).random((16, 16, 3)).astype(np.float32)
    np.testing.assert_allclose(denoise_image(again, noisy), denoise_image(model, noisy), atol=1e-6)


def test_load_model_imports_a_registered_networks_module_so_its_layers_load(tmp_path, model: keras.Model) -> None:
    """In a fresh process nothing has imported the network's module yet; loading its file must still work."""
    import subprocess
    import sys

    path = tmp_path / "nafnet.keras"
    model.save(path)
    code = f"from casestudy.models import load_model; print(load_model({str(path)!r}).input_shape)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "(None, None, None, 5)" in done.stdout
