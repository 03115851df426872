"""Shipped weights and their cards: export a training checkpoint, describe it, check it.

A network ships as ``weights/<name>.keras`` beside a card ``weights/<name>.json``
that says exactly how it was made: architecture and width, parameters, the data
it saw, the schedule, the hardware, the precision, its scores, and the one
command that retrains it. :func:`verify_card` checks a card against its file
(SHA-256) and that the file loads in Keras's safe mode, so a card can never
silently describe other weights.

A checkpoint trained in ``mixed_bfloat16`` keeps that policy in every layer;
:func:`export_weights` rebuilds the network in float32 and copies the weights in,
so the shipped file runs at full precision on any CPU and carries no optimizer
state (a third of the size). `tools/ship_weights.py` uses both.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

CARD_FORMAT = "casestudy-weights-card"
#: Fields every card must hold (the checks below and the notebooks read them).
REQUIRED_FIELDS = (
    "format",
    "model",
    "width",
    "parameters",
    "file",
    "sha256",
    "training",
    "scores",
    "reproduce",
)


class CardError(ValueError):
    """A card that is missing, malformed, or does not match its weights file; the message names the file."""


def sha256_of(path: str | os.PathLike) -> str:
    """The SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_weights(checkpoint: str | os.PathLike, out: str | os.PathLike, width: int) -> Path:
    """Rebuild the checkpoint's network in float32 at ``width``, copy its weights in, save to ``out`` atomically.

    Raises:
        casestudy.models.ModelLoadError: the checkpoint does not load in safe mode.
        ValueError: ``width`` does not match the checkpoint's weights.
    """
    import keras

    from casestudy.models import build_model, dtype_policy, load_model

    trained = load_model(checkpoint)
    with dtype_policy("float32"):
        model = build_model(trained.name, width=width)
    shapes = [tuple(w.shape) for w in trained.get_weights()]
    if shapes != [tuple(w.shape) for w in model.get_weights()]:
        raise ValueError(f"{checkpoint}: its weights do not fit {trained.name} at width {width}")
    model.set_weights(trained.get_weights())
    from casestudy.io import atomic_path

    out = Path(out)
    with atomic_path(out, ".tmp.keras") as temporary:
        model.save(temporary)
    keras.backend.clear_session()
    return out


def card_path(weights: str | os.PathLike) -> Path:
    """The card beside a weights file: ``rednet.keras`` -> ``rednet.json``."""
    return Path(weights).with_suffix(".json")


def write_card(weights: str | os.PathLike, card: dict[str, Any]) -> Path:
    """Write ``card`` beside ``weights``, adding the file name and its SHA-256; return the card's path."""
    from casestudy.io import write_text

    weights = Path(weights)
    full = {"format": CARD_FORMAT, **card, "file": weights.name, "sha256": sha256_of(weights)}
    missing = [field for field in REQUIRED_FIELDS if field not in full]
    if missing:
        raise CardError(f"{card_path(weights)}: the card lacks {', '.join(missing)}")
    path = card_path(weights)
    write_text(path, json.dumps(full, indent=1, sort_keys=False) + "\n")
    return path


def read_card(path: str | os.PathLike) -> dict[str, Any]:
    """A card as a dict.

    Raises:
        CardError: missing file, not JSON, not a card, or a required field missing.
    """
    path = Path(path)
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CardError(f"{path}: no such card") from None
    except json.JSONDecodeError as error:
        raise CardError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT:
        raise CardError(f"{path}: not a weights card (format must be {CARD_FORMAT!r})")
    missing = [field for field in REQUIRED_FIELDS if field not in card]
    if missing:
        raise CardError(f"{path}: the card lacks {', '.join(missing)}")
    return card


def training_stages(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The card of every training stage behind ``card``, oldest first, ``card`` itself last.

    Fine-tuned weights keep the card of the stage they started from under
    ``training.initialised_from``, which may keep its own, and so on; the walk stops at a
    stage without ``training`` and ``scores``. Each stage's ``training`` says how it was
    trained, its ``scores`` how it scored.

    Raises:
        CardError: ``card`` itself has no ``training`` or no ``scores``.
    """
    if "training" not in card or "scores" not in card:
        raise CardError("not a weights card: it needs 'training' and 'scores'")
    stages, current = [], card
    while current is not None and "training" in current and "scores" in current:
        stages.append(current)
        current = current["training"].get("initialised_from")
    return stages[::-1]


def verify_card(path: str | os.PathLike) -> dict[str, Any]:
    """Check a card against its weights: same SHA-256, loads in safe mode, same network, width and parameters.

    Returns the card. Raises :class:`CardError` naming the file on any mismatch.
    """
    from casestudy.models import load_model

    path = Path(path)
    card = read_card(path)
    weights = path.with_name(card["file"])
    if not weights.is_file():
        raise CardError(f"{path}: its weights file {weights} is missing")
    digest = sha256_of(weights)
    if digest != card["sha256"]:
        raise CardError(f"{path}: {weights.name} has SHA-256 {digest[:12]}..., the card says {card['sha256'][:12]}...")
    model = load_model(weights)
    if model.name != card["model"] or model.count_params() != card["parameters"]:
        raise CardError(
            f"{path}: {weights.name} holds {model.name} with {model.count_params()} parameters, "
            f"the card says {card['model']} with {card['parameters']}"
        )
    return card
