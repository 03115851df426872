"""casestudy.explain.rednet: the diagram, tables and rewiring follow the real REDNet graph."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from casestudy.explain import rednet as explain  # noqa: E402
from casestudy.filters import FilterInputError  # noqa: E402
from casestudy.models import build_model  # noqa: E402


@pytest.fixture(scope="module")
def model() -> keras.Model:
    """A width-4 REDNet with fixed random weights (large enough that cutting a skip changes the output)."""
    keras.utils.set_random_seed(7)
    return build_model("rednet", width=4)


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return np.random.default_rng(3).random((20, 28, 3)).astype(np.float32)


def test_conv_layers_in_data_flow_order(model: keras.Model) -> None:
    names = [layer.name for layer in explain.conv_layers(model)]
    assert names == [f"conv{i}" for i in range(1, 6)] + [f"deconv{i}" for i in range(1, 6)]


def test_shortcuts_are_read_from_the_graph(model: keras.Model) -> None:
    assert explain.shortcuts(model) == {"skip1": "conv4", "skip3": "conv2", "residual": "pad"}
    assert explain.symmetric_skips(model) == {"skip1": "conv4", "skip3": "conv2"}


def test_not_a_rednet_is_refused() -> None:
    image = keras.Input((None, None, 3))
    plain = keras.Model(image, keras.layers.Conv2D(3, 3, padding="same")(image), name="plain")
    with pytest.raises(ValueError, match="not a REDNet"):
        explain.conv_layers(plain)
    with pytest.raises(ValueError, match="not a REDNet"):
        explain.architecture(plain)


def test_receptive_field_of_ten_3x3_layers_is_21(model: keras.Model) -> None:
    assert explain.receptive_field(model) == 21


def test_receptive_field_matches_how_far_one_pixel_reaches(model: keras.Model) -> None:
    """Changing one input pixel changes output pixels at most 10 away: a 21x21 square."""
    base = np.full((1, 41, 41, 3), 0.5, np.float32)
    poked = base.copy()
    poked[0, 20, 20] += 0.3
    changed = np.abs(model(poked).numpy() - model(base).numpy()).max(axis=-1)[0] > 0
    rows, cols = np.nonzero(changed)
    assert rows.max() - rows.min() + 1 <= explain.receptive_field(model)
    assert cols.max() - cols.min() + 1 <= explain.receptive_field(model)


def test_receptive_field_refuses_strides() -> None:
    image = keras.Input((None, None, 3))
    down = keras.layers.Conv2D(4, 3, strides=2, padding="same", name="c")(image)
    up = keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same", name="d")(down)
    with pytest.raises(ValueError, match="stride 1"):
        explain.receptive_field(keras.Model(image, up))


def test_layer_table_parameters_sum_to_the_model(model: keras.Model) -> None:
    table = explain.layer_table(model)
    assert len(table) == 10
    assert table["parameters"].sum() == model.count_params()
    assert table.loc["conv1", "parameters"] == 3 * 3 * 3 * 4 + 4
    assert table.loc["deconv5", ["channels_in", "channels_out"]].tolist() == [4, 3]
    assert table.loc["deconv1", "adds"] == "conv4" and table.loc["deconv3", "adds"] == "conv2"
    assert table["receptive_field"].tolist() == list(range(3, 22, 2))


def test_diagram_has_one_block_per_convolution_plus_input_and_output(model: keras.Model) -> None:
    blocks, links = explain.architecture(model)
    assert len(blocks) == len(explain.conv_layers(model)) + 2
    skips = {(link.source, link.target) for link in links if link.skip}
    assert skips == {("conv4", "deconv1"), ("conv2", "deconv3"), ("input", "output")}
    assert sum(not link.skip for link in links) == len(blocks) - 1
    assert "4 ch" in next(block.label for block in blocks if block.name == "conv3")


def test_architecture_figure_draws_every_block_and_link(model: keras.Model) -> None:
    figure = explain.architecture_figure(model)
    axes = figure.axes[0]
    assert sum(isinstance(p, FancyBboxPatch) for p in axes.patches) == 12
    assert sum(isinstance(p, FancyArrowPatch) for p in axes.patches) == 14
    assert f"{model.count_params():,} parameters" in axes.get_title()


def test_layer_outputs_shapes_and_the_final_output(model: keras.Model, image: np.ndarray) -> None:
    outputs = explain.layer_outputs(model, image, ["conv1", "deconv5", "crop"])
    assert outputs["conv1"].shape == (20, 28, 4)
    assert outputs["deconv5"].shape == (20, 28, 3)
    np.testing.assert_allclose(outputs["crop"], model(image[None]).numpy()[0], atol=1e-6)
    np.testing.assert_allclose(outputs["crop"], image + outputs["deconv5"], atol=1e-6)


def test_layer_outputs_errors(model: keras.Model, image: np.ndarray) -> None:
    with pytest.raises(ValueError, match="no layer.*conv9.*its layers: noisy, pad, conv1"):
        explain.layer_outputs(model, image, ["conv9"])
    with pytest.raises(FilterInputError):
        explain.layer_outputs(model, image * 2, ["conv1"])


def test_activation_table_counts_zeros() -> None:
    output = np.zeros((2, 2, 3), np.float32)
    output[..., 0] = [[1.0, 0.0], [3.0, 0.0]]
    table = explain.activation_table({"layer": output})
    assert table.loc["layer", "zero_share"] == pytest.approx(10 / 12)
    assert table.loc["layer", "silent_channels"] == 2
    assert table.loc["layer", "mean"] == pytest.approx(4 / 12)


def test_busiest_channel_and_figure() -> None:
    output = np.zeros((4, 4, 3), np.float32)
    output[..., 2] = np.arange(16).reshape(4, 4)
    assert explain.busiest_channel(output) == 2
    with pytest.raises(ValueError, match="H, W, C"):
        explain.busiest_channel(output[..., 0])
    figure = explain.feature_map_figure({"a": output, "b": output}, title="maps")
    assert figure._suptitle.get_text() == "maps"
    assert [ax.get_title() for ax in figure.axes[:2]] == ["a: channel 2 of 3", "b: channel 2 of 3"]
    with pytest.raises(ValueError, match="at least one"):
        explain.feature_map_figure({}, title="none")


def test_cutting_nothing_changes_nothing(model: keras.Model, image: np.ndarray) -> None:
    same = explain.without_shortcuts(model, [])
    np.testing.assert_array_equal(same(image[None]).numpy(), model(image[None]).numpy())


def test_cutting_skips_changes_the_output_and_shares_the_weights(model: keras.Model, image: np.ndarray) -> None:
    cut = explain.without_shortcuts(model)
    assert cut.count_params() == model.count_params()
    assert cut.name == "rednet_without_skip1_skip3"
    full, ablated = model(image[None]).numpy(), cut(image[None]).numpy()
    assert np.abs(full - ablated).max() > 1e-4
    # by hand: the decoder without the encoder outputs added
    layers = {layer.name: layer for layer in model.layers}
    x = image[None]
    for name in ("conv1", "conv2", "conv3", "conv4", "conv5", "deconv1", "deconv2", "deconv3", "deconv4", "deconv5"):
        x = layers[name](x)
    np.testing.assert_allclose(ablated, image[None] + x.numpy(), atol=1e-5)
    assert [s for s in explain.shortcuts(model)] == ["skip1", "skip3", "residual"]  # the original is untouched


def test_cutting_the_residual_outputs_the_correction(model: keras.Model, image: np.ndarray) -> None:
    correction = explain.without_shortcuts(model, ["residual"])(image[None]).numpy()
    np.testing.assert_allclose(correction[0], explain.layer_outputs(model, image, ["deconv5"])["deconv5"], atol=1e-6)


def test_cutting_an_unknown_shortcut_is_named(model: keras.Model) -> None:
    with pytest.raises(ValueError, match=r"no shortcut addition\(s\) \['skip2'\].*skip1, skip3, residual"):
        explain.without_shortcuts(model, ["skip2"])


def test_unseen_check_rows(tmp_path, model: keras.Model) -> None:
    from casestudy.evaluation.unseen.build import build_unseen_check

    build_unseen_check(tmp_path / "check", long_side=24)
    rows = explain.unseen_check_rows(tmp_path / "check", model, max_images=2)
    assert len(rows) == 2 * 3  # two images, each at the three levels
    assert list(rows.columns) == ["file", "level", "noisy", "nlm", "rednet"]
    assert set(rows["level"]) <= {"light", "medium", "heavy"}
    heavy = rows[rows["level"] == "heavy"]
    light = rows[rows["level"] == "light"]
    assert heavy["noisy"].mean() < light["noisy"].mean()
    assert (rows["nlm"] > rows["noisy"]).any()  # NLM given the true noise helps on these tiny images


def test_unseen_check_rows_without_a_check(tmp_path, model: keras.Model) -> None:
    with pytest.raises(FileNotFoundError, match="casestudy data unseen"):
        explain.unseen_check_rows(tmp_path, model)


def test_train_side_by_side_gives_the_same_patches_to_every_model(smoke_data) -> None:
    from casestudy.config import get_profile

    profile = get_profile("smoke")
    models = {}
    for name in ("a", "b"):
        keras.utils.set_random_seed(11)
        models[name] = build_model("rednet", width=2)
    keras.utils.set_random_seed(11)
    models["cut"] = explain.without_shortcuts(build_model("rednet", width=2))
    rows = explain.train_side_by_side(models, smoke_data, profile, steps=4, evaluations=2)
    assert rows["step"].tolist() == [2, 4] * 3
    assert rows["model"].tolist() == ["a", "a", "b", "b", "cut", "cut"]
    scores = rows.pivot(index="step", columns="model", values="val_psnr")
    np.testing.assert_allclose(scores["a"], scores["b"], atol=1e-4)  # same start, same patches: same result
    assert np.isfinite(scores.to_numpy()).all()
    with pytest.raises(ValueError, match="at least one step per part"):
        explain.train_side_by_side(models, smoke_data, profile, steps=1, evaluations=2)


def test_card_stages_of_the_shipped_card() -> None:
    from casestudy.config import project_root
    from casestudy.models.cards import read_card, training_stages

    card = read_card(project_root() / "weights" / "rednet.json")
    stages = explain.card_stages(card)
    last = len(training_stages(card))
    assert list(stages.index) == list(range(1, last + 1))
    assert stages.loc[last, "test_psnr"] == card["scores"]["test"]["psnr"]
    assert stages.loc[last, "unseen_psnr"] == card["scores"]["unseen_check"]["psnr"]
    earlier = {"sha256": "0" * 64, "training": {**card["training"], "steps": 123}, "scores": {"test": {"psnr": 20.5}}}
    tuned = {**card, "training": {**card["training"], "initialised_from": earlier}}  # fine-tuned from `earlier`
    two = explain.card_stages(tuned)
    assert list(two.index) == list(range(1, last + 2))
    assert two.loc[last, "steps"] == 123 and two.loc[last, "test_psnr"] == 20.5
    assert np.isnan(two.loc[last, "unseen_psnr"])  # the earlier stage's card says nothing of the check
    assert two.loc[last + 1, "test_psnr"] == card["scores"]["test"]["psnr"]
    with pytest.raises(ValueError, match="not a weights card"):
        explain.card_stages({"model": "rednet"})
