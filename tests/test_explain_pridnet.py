"""Looking inside PRIDNet: attention weights, pyramid inputs, scale and kernel shares, read from a real model."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from casestudy.explain import pridnet as explain  # noqa: E402
from casestudy.filters import FilterInputError  # noqa: E402
from casestudy.models import build_model  # noqa: E402

WIDTH = 4
HEIGHT, COLS = 37, 50  # not multiples of the model's 64: the padded border must be cut off


@pytest.fixture(scope="module")
def model():
    import keras

    keras.utils.set_random_seed(3)
    return build_model("pridnet", width=WIDTH)


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:HEIGHT, 0:COLS] / 50.0
    smooth = np.stack([0.5 + 0.3 * np.sin(6 * x), 0.5 + 0.3 * np.cos(5 * y), 0.4 + 0.2 * x], axis=-1)
    return np.clip(smooth + rng.normal(0, 0.05, smooth.shape), 0, 1).astype(np.float32)


def _layer(model, image, name):
    return explain._activations(model, image, [name])[name]


def test_attention_has_one_weight_per_channel_in_0_1_as_its_dense_layers_compute(model, image) -> None:
    weights = explain.attention_weights(model, image)
    assert weights.shape == (WIDTH,) and weights.dtype == np.float32
    assert ((weights >= 0) & (weights <= 1)).all()
    features = _layer(model, image, "extract_conv2_act")  # the padded image's features, as the model pools them
    w1, b1 = model.get_layer("extract_attention_squeeze").get_weights()
    w2, b2 = model.get_layer("extract_attention_excite").get_weights()
    hidden = np.maximum(features.mean(axis=(0, 1)) @ w1 + b1, 0)
    np.testing.assert_allclose(weights, 1 / (1 + np.exp(-(hidden @ w2 + b2))), atol=1e-5)


def test_attention_differs_between_images(model, image) -> None:
    darker = (image * 0.3).astype(np.float32)
    assert not np.allclose(explain.attention_weights(model, image), explain.attention_weights(model, darker))


def test_kernel_weights_sum_to_1_per_channel_and_rebuild_the_modules_output(model, image) -> None:
    weights = explain.kernel_weights(model, image)
    assert weights.shape == (WIDTH, 3)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-6)
    branches, same, fused = explain.kernel_branches(model, image)
    np.testing.assert_allclose(same, weights, atol=1e-6)
    assert branches.shape == (3, HEIGHT, COLS, WIDTH) and fused.shape == (HEIGHT, COLS, WIDTH)
    np.testing.assert_allclose((branches * weights.T[:, None, None, :]).sum(axis=0), fused, atol=1e-5)


def test_kernel_shares_sum_to_1_at_every_pixel(model, image) -> None:
    shares = explain.kernel_shares(model, image)
    assert shares.shape == (HEIGHT, COLS, 3)
    assert ((shares >= 0) & (shares <= 1)).all()
    np.testing.assert_allclose(shares.sum(axis=-1), 1.0, atol=1e-5)
    assert shares.std(axis=(0, 1)).max() > 0  # they vary with position, although the weights do not


def test_scale_contributions_split_the_fusion_exactly(model, image) -> None:
    labels, shares = explain.scale_contributions(model, image)
    assert labels == ["features", "scale 1", "scale 2", "scale 4", "scale 8", "scale 16"]
    assert shares.shape == (HEIGHT, COLS, 6)
    np.testing.assert_allclose(shares.sum(axis=-1), 1.0, atol=1e-5)
    concat = _layer(model, image, "pyramid_concat")[:HEIGHT, :COLS]
    kernel, bias = model.get_layer("pyramid_fuse").get_weights()
    parts = [concat[..., i * WIDTH : (i + 1) * WIDTH] @ kernel[0, 0, i * WIDTH : (i + 1) * WIDTH] for i in range(6)]
    np.testing.assert_allclose(sum(parts) + bias, _layer(model, image, "pyramid_fuse")[:HEIGHT, :COLS], atol=1e-4)
    lengths = np.stack([np.linalg.norm(part, axis=-1) for part in parts], axis=-1)
    np.testing.assert_allclose(shares, lengths / lengths.sum(axis=-1, keepdims=True), atol=1e-5)


def test_pyramid_inputs_are_the_pooled_features_cut_to_the_image(model, image) -> None:
    inputs = explain.pyramid_inputs(model, image)
    assert sorted(inputs) == [1, 2, 4, 8, 16]
    for factor, features in inputs.items():
        assert features.shape == (-(-HEIGHT // factor), -(-COLS // factor), WIDTH)
    full = inputs[1]
    np.testing.assert_allclose(inputs[2][0, 0], full[:2, :2].mean(axis=(0, 1)), atol=1e-5)


def test_pooled_images_average_blocks_and_partial_edges() -> None:
    image = np.zeros((5, 5, 3), np.float32)
    image[:, :, 0] = np.arange(25, dtype=np.float32).reshape(5, 5) / 24
    pooled = explain.pooled_images(image, sizes=(1, 2))
    np.testing.assert_array_equal(pooled[1], image)
    assert pooled[2].shape == (3, 3, 3)
    assert pooled[2][0, 0, 0] == pytest.approx((0 + 1 + 5 + 6) / 4 / 24)
    assert pooled[2][2, 2, 0] == pytest.approx(24 / 24)  # the corner block holds one pixel
    assert pooled[2][2, 0, 0] == pytest.approx((20 + 21) / 2 / 24)
    with pytest.raises(ValueError, match="positive"):
        explain.pooled_images(image, sizes=(0,))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((8, 8, 3), np.uint8), "float"),
        (np.zeros((8, 8), np.float32), r"\(H, W, 3\)"),
        (np.full((8, 8, 3), 1.5, np.float32), r"\[0, 1\]"),
        (np.full((8, 8, 3), np.nan, np.float32), "finite|NaN"),
    ],
)
def test_bad_images_are_refused(model, bad, message) -> None:
    with pytest.raises(FilterInputError, match=message):
        explain.attention_weights(model, bad)
    with pytest.raises(FilterInputError):
        explain.pooled_images(bad)


def test_a_network_that_is_not_pridnet_is_refused(image) -> None:
    rednet = build_model("rednet", width=2)
    with pytest.raises(ValueError, match="'rednet' is not a PRIDNet"):
        explain.attention_weights(rednet, image)
    with pytest.raises(ValueError, match="not a PRIDNet"):
        explain.kernel_sizes(rednet)


def test_architecture_and_diagram_come_from_the_model(model) -> None:
    arch = explain.architecture(model)
    assert arch == {"width": WIDTH, "attention_units": 4, "pool_sizes": [1, 2, 4, 8, 16],
                    "unet_channels": [WIDTH, 2 * WIDTH, 4 * WIDTH], "concat_channels": 6 * WIDTH,
                    "kernel_sizes": [3, 5, 7], "parameters": model.count_params()}  # fmt: skip
    wider = build_model("pridnet", width=8)
    labels = {block.name: block.label for block in explain.diagram_parts(wider)[0]}
    assert "8/16/32 ch" in labels["unet16"] and "48 ch" in labels["fuse"] and "/16" in labels["pool16"]
    figure = explain.pridnet_diagram(model)
    assert f"{model.count_params():,} parameters" in figure.axes[0].get_title()


def test_figures_are_titled_and_refuse_nothing_to_draw(model, image) -> None:
    weights = {"a": explain.attention_weights(model, image), "b": explain.attention_weights(model, image * 0.5)}
    figure = explain.attention_figure(weights, "attention")
    assert figure.axes[0].get_title() == "attention" and len(figure.axes[0].patches) == 2 * WIDTH
    with pytest.raises(ValueError, match="at least one"):
        explain.attention_figure({}, "empty")
    shares = explain.kernel_shares(model, image)
    figure = explain.kernel_share_figure(image, shares, [3, 5, 7], "kernels")
    assert figure._suptitle.get_text() == "kernels"


def test_iso_extreme_crops_take_the_lowest_and_highest_iso_test_images(smoke_data) -> None:
    from casestudy.data.catalogue import load_catalogue

    catalogue = load_catalogue(smoke_data)
    crops = explain.iso_extreme_crops(catalogue, 64)
    test = catalogue[catalogue["split"] == "test"]
    assert list(crops) == ["lowest ISO", "highest ISO"]
    assert crops["lowest ISO"]["row"].iso == test["iso"].min() and crops["highest ISO"]["row"].iso == test["iso"].max()
    for crop in crops.values():
        assert crop["noisy"].shape == crop["clean"].shape and max(crop["noisy"].shape[:2]) <= 64
        assert not np.array_equal(crop["noisy"], crop["clean"])
    with pytest.raises(ValueError, match="'nope' split has no images"):
        explain.iso_extreme_crops(catalogue, 64, split="nope")
