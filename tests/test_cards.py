"""Shipped weights and their cards: export to float32, write, read back, and catch a card that lies."""

import json
from pathlib import Path

import numpy as np
import pytest

from casestudy.config import project_root
from casestudy.models import build_model, load_model
from casestudy.models.cards import (
    CardError, card_path, export_weights, read_card, sha256_of, training_stages, verify_card, write_card,
)  # fmt: skip
from casestudy.models import dtype_policy

#: The cards of the shipped weights (the folder also holds other JSON: a network told the noise ships its curves).
SHIPPED = sorted(card_path(path) for path in (project_root() / "weights").glob("*.keras"))


def _card(model_name: str = "rednet", width: int = 8) -> dict:
    return {"model": model_name, "width": width, "parameters": 0, "training": {}, "scores": {}, "reproduce": "x"}


def test_export_turns_a_bfloat16_checkpoint_into_float32_with_the_same_weights(tmp_path: Path) -> None:
    with dtype_policy("mixed_bfloat16"):
        trained = build_model("rednet", width=8)
    trained.save(tmp_path / "ckpt.keras")
    out = export_weights(tmp_path / "ckpt.keras", tmp_path / "rednet.keras", width=8)
    model = load_model(out)
    assert model.dtype_policy.name == "float32"
    for a, b in zip(model.get_weights(), trained.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="do not fit rednet at width 16"):
        export_weights(tmp_path / "ckpt.keras", tmp_path / "other.keras", width=16)


def test_a_card_round_trips_and_verifies_against_its_file(tmp_path: Path) -> None:
    weights = tmp_path / "rednet.keras"
    build_model("rednet", width=8).save(weights)
    card = _card()
    card["parameters"] = load_model(weights).count_params()
    path = write_card(weights, card)
    assert path == tmp_path / "rednet.json"
    assert read_card(path)["sha256"] == sha256_of(weights)
    assert verify_card(path)["model"] == "rednet"


def test_a_card_that_does_not_match_its_file_is_refused(tmp_path: Path) -> None:
    weights = tmp_path / "rednet.keras"
    build_model("rednet", width=8).save(weights)
    path = write_card(weights, _card())  # parameters 0: wrong
    with pytest.raises(CardError, match="holds rednet with .* parameters, the card says rednet with 0"):
        verify_card(path)
    card = json.loads(path.read_text())
    card["sha256"] = "0" * 64
    path.write_text(json.dumps(card))
    with pytest.raises(CardError, match="rednet.keras has SHA-256"):
        verify_card(path)
    path.write_text("{not json")
    with pytest.raises(CardError, match="not valid JSON"):
        read_card(path)
    with pytest.raises(CardError, match="the card lacks reproduce"):
        write_card(weights, {k: v for k, v in _card().items() if k != "reproduce"})


@pytest.mark.parametrize("card", SHIPPED, ids=[path.stem for path in SHIPPED])
def test_each_shipped_card_matches_its_weights(card: Path) -> None:
    verified = verify_card(card)
    assert verified["scores"]["test"]["images"] > 0
    assert (card.parent / verified["file"]).stat().st_size < 20 * 2**20


def test_the_shipped_weights_stay_under_50_mb() -> None:
    total = sum(path.stat().st_size for path in (project_root() / "weights").glob("*.keras"))
    assert total < 50 * 2**20


def _ship_tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location("ship_weights_tool", project_root() / "tools" / "ship_weights.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_each_stage_of_a_reproduce_command_trains_in_a_run_folder_of_its_own() -> None:
    """A stage that reused the previous stage's folder would be refused as a resumption with another configuration."""
    tool = _ship_tool()
    config = {"model": "rednet", "profile": "laptop", "width": 8, "batch_size": 16, "epochs": 2, "steps_per_epoch": 5,
              "loss": "l1", "generic_fraction": 0.7, "precision": "float32", "learning_rate": 2e-4, "seed": 1}
    first = tool.reproduce_command(config)
    assert first.startswith("casestudy data build") and first.endswith("--run-dir RUN && python tools/ship_weights.py RUN")
    second = tool.reproduce_command(config, {"reproduce": first})
    assert second.startswith(first + " && ")
    assert second.endswith("--init-weights weights/rednet.keras --run-dir RUN2 && python tools/ship_weights.py RUN2")
    third = tool.reproduce_command(config, {"reproduce": second})
    assert third.startswith(second + " && ") and third.endswith("--run-dir RUN3 && python tools/ship_weights.py RUN3")
    for card in SHIPPED:
        command = json.loads(card.read_text())["reproduce"]
        folders = [part.split()[0] for part in command.split("--run-dir ")[1:]]
        assert len(folders) == len(set(folders)), f"{card.name}: a run folder is reused in {command}"


def test_training_stages_walks_every_stage_oldest_first() -> None:
    first = {**_card(), "training": {"steps": 100}, "scores": {"test": 1}}
    second = {**_card(), "training": {"steps": 20, "initialised_from": first}, "scores": {"test": 2}}
    third = {**_card(), "training": {"steps": 5, "initialised_from": {"sha256": "x", **second}}, "scores": {"test": 3}}
    assert [stage["training"]["steps"] for stage in training_stages(third)] == [100, 20, 5]
    assert training_stages(first) == [first]
    partial = {**_card(), "training": {"steps": 5, "initialised_from": {"file": "old.keras"}}, "scores": {}}
    assert training_stages(partial) == [partial]  # a start without a card of its own ends the walk
    with pytest.raises(CardError, match="not a weights card"):
        training_stages({"model": "rednet"})
    for card in SHIPPED:  # every shipped card's stages are in order: the last one is the card itself
        shipped = read_card(card)
        stages = training_stages(shipped)
        assert stages[-1]["training"] == shipped["training"]
        assert len(stages) == 1 + shipped["reproduce"].count("--init-weights")  # one stage per training command


def test_a_reproduce_command_ships_the_checkpoint_the_card_ships() -> None:
    """Weights shipped at the end of their schedule are rebuilt from RUN/last.keras, not the default best.keras."""
    tool = _ship_tool()
    config = {"model": "mwcnn", "profile": "laptop", "width": 16, "batch_size": 16, "epochs": 25, "steps_per_epoch": 750,
              "loss": "l1", "generic_fraction": 0.85, "precision": "mixed_bfloat16", "learning_rate": 1e-3, "seed": 2021,
              "patch_size": 64}  # fmt: skip
    assert tool.reproduce_command(config).endswith("python tools/ship_weights.py RUN")
    last = tool.reproduce_command(config, checkpoint="last")
    assert last.endswith("python tools/ship_weights.py RUN --checkpoint RUN/last.keras") and "--patch-size 64" in last
    for card in SHIPPED:
        shipped = json.loads(card.read_text())
        ships_last = shipped["reproduce"].endswith("/last.keras")
        assert ships_last == (shipped["scores"]["validation"].get("checkpoint") == "last"), card.name


def test_a_network_told_the_noise_ships_its_noise_level_function() -> None:
    from casestudy.evaluation.methods import noise_levels_path
    from casestudy.models import MODELS, weights_path
    from casestudy.noise.level_map import NoiseLevelFunction

    told = [name for name, spec in MODELS.items() if spec.map_channels and weights_path(name).is_file()]
    for name in told:
        curves = NoiseLevelFunction.load(noise_levels_path(weights_path(name)))
        card = read_card(card_path(weights_path(name)))
        assert card["noise_map"]["noise_levels"]["file"] == noise_levels_path(weights_path(name)).name
        assert curves.pairs > 0 and len(curves.slope) == len(curves.edges) - 1
