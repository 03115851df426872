"""Checkpoints that a SIGKILL cannot corrupt, each carrying the training state it belongs to.

A checkpoint is a Keras ``.keras`` archive (architecture, weights, and the
optimizer with its Adam moments and iteration count) with one more zip entry,
:data:`STATE_ENTRY`: the JSON training state (global step, epoch, best score,
history, ...). Weights and state live in one file, written to a temporary name
and renamed into place (``os.replace``), so whatever moment a run is killed, the
checkpoint on disk is a complete, consistent earlier one. Keras ignores the
extra entry when loading.
"""

from __future__ import annotations

import contextlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

#: The zip entry holding the training state inside a checkpoint.
STATE_ENTRY = "casestudy_training_state.json"
#: Temporary checkpoints end with this (Keras insists on the ``.keras`` suffix when saving).
TEMP_SUFFIX = ".part.keras"


class CheckpointError(ValueError):
    """A checkpoint that cannot be read; the message names the file."""


def save_checkpoint(model: Any, path: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Save ``model`` (with its optimizer) and ``state`` to ``path`` atomically; return the path."""
    from casestudy.io import atomic_path

    path = Path(path)
    with atomic_path(path, TEMP_SUFFIX) as temporary:
        model.save(temporary)
        with zipfile.ZipFile(temporary, "a") as archive:
            archive.writestr(STATE_ENTRY, json.dumps(state, indent=1))
    return path


def read_state(path: str | os.PathLike) -> dict[str, Any]:
    """The training state stored in the checkpoint ``path``.

    Raises:
        CheckpointError: not a zip archive, or no readable state entry in it.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read(STATE_ENTRY).decode("utf-8"))
    except (zipfile.BadZipFile, OSError) as error:
        raise CheckpointError(f"{path}: not a readable checkpoint ({error})") from None
    except KeyError:
        raise CheckpointError(f"{path}: a .keras file without training state; it was not written by casestudy train") from None
    except ValueError as error:
        raise CheckpointError(f"{path}: corrupted training state ({error})") from None


def load_checkpoint(path: str | os.PathLike) -> tuple[Any, dict[str, Any]]:
    """Load a checkpoint in safe mode, compiled (optimizer state restored), with its training state."""
    import keras

    from casestudy import models as _models  # noqa: F401 - registers the networks' layers
    from casestudy.training import schedule as _schedule  # noqa: F401 - registers the schedule and metric

    state = read_state(path)
    try:
        model = keras.saving.load_model(path, compile=True, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - reported with the file name
        raise CheckpointError(f"{path}: cannot load the checkpoint ({type(error).__name__}: {error})") from error
    return model, state


def remove_temporaries(folder: str | os.PathLike) -> int:
    """Delete checkpoints a killed run left half-written in ``folder``; return how many."""
    removed = 0
    for leftover in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
            removed += 1
    return removed
