"""MWCNN explained: Haar sub-bands, energy split, lossless round trip, the model's levels and its diagram."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
pytest.importorskip("keras")
import matplotlib  # noqa: E402

matplotlib.use("Agg")

from casestudy.explain.mwcnn import (  # noqa: E402
    SUBBANDS,
    architecture,
    architecture_diagram,
    feature_shapes,
    haar_round_trip,
    haar_subbands,
    level_table,
    psnr_of_error,
    reconstruction_errors,
    subband_energy,
    subband_figure,
)
from casestudy.models import build_model  # noqa: E402


def _image(height: int = 16, width: int = 24, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((height, width, 3), dtype=np.float32)


def test_a_constant_image_has_only_a_low_band() -> None:
    bands = haar_subbands(np.full((8, 6, 3), 0.25, np.float32))
    assert list(bands) == list(SUBBANDS)
    assert all(band.shape == (4, 3, 3) for band in bands.values())
    np.testing.assert_allclose(bands["LL"], 0.5)  # 4 pixels of 0.25, orthonormal gain 1/2
    for name in SUBBANDS[1:]:
        assert np.abs(bands[name]).max() == 0.0


def test_each_band_sees_its_own_direction() -> None:
    rows = np.zeros((4, 4), np.float32)
    rows[1::2] = 1.0  # every odd row bright: a difference between rows only
    bands = haar_subbands(rows)
    np.testing.assert_allclose(bands["LH"], 1.0)
    np.testing.assert_allclose(bands["LL"], 1.0)
    assert np.abs(bands["HL"]).max() == 0.0 and np.abs(bands["HH"]).max() == 0.0
    np.testing.assert_allclose(haar_subbands(rows.T)["HL"], 1.0)


def test_round_trip_is_exact_and_keeps_the_shape() -> None:
    image = _image()
    restored = haar_round_trip(image)
    assert restored.shape == image.shape
    assert np.abs(restored - image).max() < 1e-6
    gray = image[..., 0]
    assert haar_round_trip(gray).shape == gray.shape


@pytest.mark.parametrize("shape", [(7, 8, 3), (8, 9, 3), (1, 2, 3), (2, 2, 2, 3), (8,)])
def test_bad_shapes_are_refused_with_the_shape(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"\d+x\d+|shape"):
        haar_subbands(np.zeros(shape, np.float32))


def test_energy_fractions_sum_to_one_and_white_noise_spreads_evenly() -> None:
    rng = np.random.default_rng(1)
    clean = np.clip(np.linspace(0, 1, 64 * 64 * 3, dtype=np.float32).reshape(64, 64, 3), 0, 1)
    noisy = clean + rng.normal(0, 0.05, clean.shape).astype(np.float32)
    table = subband_energy(clean, noisy)
    assert list(table.index) == list(SUBBANDS)
    np.testing.assert_allclose(table[["signal_fraction", "noise_fraction"]].sum(), 1.0, atol=1e-9)
    np.testing.assert_allclose(table["noise_fraction"], 0.25, atol=0.03)  # white noise: a quarter each
    assert table.loc["LL", "signal_fraction"] > 0.99  # a smooth ramp is nearly all low-pass
    assert table.loc["LL", "snr_db"] > table.loc["HH", "snr_db"]


def test_energy_refuses_images_of_different_shapes() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        subband_energy(_image(8, 8), _image(8, 10))


def test_only_the_full_transform_reconstructs_exactly() -> None:
    table = reconstruction_errors(_image(32, 32))
    assert list(table.index) == ["max-pool + upsample", "LL only + IWT", "DWT + IWT"]
    assert table.loc["DWT + IWT", "max_abs_error"] < 1e-6
    assert table.loc["max-pool + upsample", "rms_error"] > 0.1  # random pixels: a block's max is far from each
    assert table.loc["LL only + IWT", "rms_error"] < table.loc["max-pool + upsample", "rms_error"]
    assert list(table["values_per_block"]) == [1, 1, 4]
    # average pooling keeps a constant image exactly, and so does max-pooling
    flat = reconstruction_errors(np.full((4, 4, 3), 0.3, np.float32))
    assert flat["max_abs_error"].max() < 1e-6


def test_psnr_of_error() -> None:
    assert psnr_of_error(0.1) == pytest.approx(20.0)
    assert psnr_of_error(0.0) == float("inf")


@pytest.mark.parametrize("width", [4, 6])
def test_level_table_reads_the_model(width: int) -> None:
    model = build_model("mwcnn", width=width)
    table = level_table(model)
    assert list(table.index) == [0, 1, 2, 3]
    assert list(table["channels"]) == [width, 2 * width, 4 * width, 4 * width]
    assert table["parameters"].sum() == model.count_params()
    assert table["compute_share"].sum() == pytest.approx(1.0)
    # level 0: enc0 (3->w, w->w), dec0_conv1 (w->w), dec0_out (w->3), 3x3 kernels with biases
    w = width
    assert table.loc[0, "parameters"] == (27 * w + w) + 2 * (9 * w * w + w) + (9 * w * 3 + 3)


def test_level_table_refuses_another_network() -> None:
    with pytest.raises(ValueError, match="not an MWCNN"):
        level_table(build_model("rednet", width=4))


def test_architecture_draws_every_level() -> None:
    model = build_model("mwcnn", width=4)
    blocks, links = architecture(model)
    names = {block.name for block in blocks}
    assert {"enc0", "enc3", "dwt1", "dwt3", "iwt1", "iwt3", "add0", "add2", "out"} <= names
    assert sum(link.skip for link in links) == 4  # three skips and the residual
    labels = " ".join(block.label for block in blocks)
    assert "16 ch, 1/8" in labels and "4x8 ch" in labels
    figure = architecture_diagram(model)
    assert "3 wavelet levels" in figure.axes[0].get_title()


def test_feature_shapes_follow_the_levels() -> None:
    model = build_model("mwcnn", width=4)
    shapes = feature_shapes(model, _image(20, 30))
    assert tuple(shapes.loc["pad", ["height", "width", "channels"]]) == (24, 32, 3)
    assert tuple(shapes.loc["dwt1", ["height", "width", "channels"]]) == (12, 16, 16)
    assert tuple(shapes.loc["dwt3", ["height", "width", "channels"]]) == (3, 4, 64)
    assert tuple(shapes.loc["iwt1", ["height", "width", "channels"]]) == (24, 32, 4)
    with pytest.raises(ValueError, match="shape"):
        feature_shapes(model, _image(20, 30)[..., :2])


def test_subband_figure_has_eight_titled_panels() -> None:
    clean = _image(16, 16)
    figure = subband_figure(clean, clean + 0.01, title="bands")
    titles = [axes.get_title() for axes in figure.axes if axes.get_title()]
    assert len(titles) == 8 and titles[0].startswith("clean: LL") and titles[-1].startswith("noisy: HH")
    assert figure._suptitle.get_text() == "bands"


def test_level_energy_of_white_noise_and_of_a_constant() -> None:
    from casestudy.explain.mwcnn import level_energy

    noise = np.random.default_rng(2).normal(0, 1, (128, 128, 3)).astype(np.float32)
    shares = level_energy(noise, levels=3)
    assert list(shares.index) == ["level 1 details", "level 2 details", "level 3 details", "LL after 3 levels"]
    assert shares.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(shares.to_numpy(), [3 / 4, 3 / 16, 3 / 64, 1 / 64], atol=0.01)
    flat = level_energy(np.full((8, 8, 3), 0.5, np.float32), levels=3)
    assert flat["LL after 3 levels"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="divisible by 8"):
        level_energy(np.zeros((12, 16, 3), np.float32), levels=3)
