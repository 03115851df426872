"""Shipped weights and their cards: export to float32, write, read back, and catch a card that lies."""

import json
from pathlib import Path

import numpy as np
import pytest

from casestudy.config import project_root
from casestudy.models import build_model, load_model
from casestudy.models.cards import CardError, export_weights, read_card, sha256_of, verify_card, write_card
from casestudy.training.precision import dtype_policy

SHIPPED = sorted((project_root() / "weights").glob("*.json"))


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
