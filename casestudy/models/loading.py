"""Building, finding and loading the networks: the Keras side of :mod:`casestudy.models`.

``build_model("pridnet", profile="laptop")`` builds a registered network at a profile's
width; :func:`weights_path` and :func:`resolve_weights` find the ``.keras`` file to use
(the shipped ``weights/<name>.keras``, a file, a folder or a training run);
:func:`load_model` reads one in safe mode. Introduced in ``05_rednet.ipynb``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import keras

from casestudy.config import Profile
from casestudy.models import layers as _layers  # noqa: F401 - registers the custom layers for loading
from casestudy.models.registry import MODELS, get_model_spec


class ModelLoadError(ValueError):
    """A saved model that is missing, unreadable, or not one of this package's networks."""


def build_model(name: str, width: int | None = None, profile: Profile | str | None = None) -> keras.Model:
    """Build the network ``name`` with ``width`` channels, else the width ``profile`` sets.

    ``profile`` may be a :class:`~casestudy.config.Profile`, a profile name, or
    ``None`` (``$CASESTUDY_PROFILE``, else ``laptop``). The model is built under
    the current Keras dtype policy (``mixed_bfloat16`` works: its last layer and
    residual addition stay float32).
    """
    spec = get_model_spec(name)
    chosen = spec.width(profile) if width is None else int(width)
    if chosen < 1:
        raise ValueError(f"model {name!r}: width must be a positive integer, got {width}")
    return spec.build(chosen)


#: Where the shipped, trained networks live: ``weights/<name>.keras`` with a card ``weights/<name>.json``.
WEIGHTS_DIR_NAME = "weights"


def _missing_weights(name: str, looked_in: list[Path]) -> ModelLoadError:
    """The error for a network without weights: where it looked, and how to get a file."""
    places = ", ".join(str(place) for place in looked_in)
    return ModelLoadError(
        f"{places}: no weights for {name!r}; train them with `casestudy train {name}` and pass "
        f"--weights {name}=runs/{name}-<profile>/best.keras (or --weights FOLDER holding {name}.keras, "
        "or the run folder)"
    )


def _weights_in_folder(name: str, folder: Path) -> Path | None:
    """``folder/<name>.keras``, else the ``best.keras`` of ``folder`` if it is a training run of ``name``."""
    file = folder / f"{name}.keras"
    if file.is_file():
        return file
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    best = folder / "best.keras"
    is_run = isinstance(config, dict) and config.get("format") == "casestudy-train-config"
    return best if is_run and config.get("model") == name and best.is_file() else None


def weights_path(name: str, weights: str | os.PathLike | None = None) -> Path:
    """The ``.keras`` file to load for network ``name``: ``weights`` if given, else the shipped one.

    ``weights`` may be a file, a folder holding ``<name>.keras``, or the run folder
    of a ``casestudy train <name>`` run (its ``best.keras``); ``None`` looks in the
    repository's ``weights/`` folder.

    Raises:
        ModelLoadError: no such file (the message says how to train one or pass ``--weights``).
    """
    get_model_spec(name)
    from casestudy.config import project_root

    chosen = Path(weights) if weights is not None else project_root() / WEIGHTS_DIR_NAME
    if weights is None or chosen.is_dir():
        found = _weights_in_folder(name, chosen)
        if found is None:
            raise _missing_weights(name, [chosen / f"{name}.keras"])
        return found
    if not chosen.is_file():
        raise _missing_weights(name, [chosen])
    return chosen


def resolve_weights(names: Sequence[str], sources: Sequence[str | os.PathLike] | None = None) -> dict[str, Path]:
    """The ``.keras`` file of each network in ``names``, from the ``--weights`` values ``sources``.

    Each source is one of:

    * ``NAME=PATH``: the weights of network ``NAME`` (a ``.keras`` file, or a folder
      holding ``NAME.keras``); it wins over everything else;
    * ``FOLDER``: a folder holding ``<name>.keras`` files, or a training run folder
      (``runs/<name>-<profile>``: its ``best.keras`` serves network ``<name>``);
      folders are searched in the order given, and a network none of them holds
      falls back to the shipped ``weights/<name>.keras``;
    * ``FILE.keras``: the weights of the one network in ``names`` (several networks
      need ``NAME=FILE`` to say which file is which).

    Names in ``names`` that are not networks (``noisy``, filters) are ignored, and
    so are ``NAME=PATH`` pairs for networks not in ``names``.

    Raises:
        ModelLoadError: an unknown network in ``NAME=PATH``, a network named twice,
            a path that does not exist, a bare file for several networks, or a
            network whose weights are nowhere (the message names the files looked
            for and how to get one).
    """
    from casestudy.config import project_root

    networks = [name for name in dict.fromkeys(names) if name in MODELS]
    pairs: dict[str, Path] = {}
    folders: list[Path] = []
    files: list[Path] = []
    for source in sources or ():
        text = str(source)
        key, sep, rest = text.partition("=")
        if sep and key and os.sep not in key and "/" not in key:
            if key not in MODELS:
                raise ModelLoadError(f"--weights {text}: unknown network {key!r}; known networks: {', '.join(MODELS)}")
            if key in pairs:
                raise ModelLoadError(f"--weights names {key!r} twice ({pairs[key]} and {rest})")
            pairs[key] = Path(rest)
            continue
        path = Path(text)
        if path.is_dir():
            folders.append(path)
        elif path.is_file():
            files.append(path)
        else:
            raise ModelLoadError(f"{path}: --weights names no such file or folder")
    if files:
        if len(files) > 1 or len(networks) != 1:
            raise ModelLoadError(
                f"--weights {files[0]}: a bare file is only clear for one network; with "
                f"{', '.join(networks) or 'no network'} evaluated, say which file is which: "
                f"--weights NAME={files[0]}"
            )
        if networks[0] in pairs:
            raise ModelLoadError(f"--weights names {networks[0]!r} twice ({pairs[networks[0]]} and {files[0]})")
        pairs[networks[0]] = files[0]
    resolved: dict[str, Path] = {}
    for name in networks:
        if name in pairs:
            resolved[name] = weights_path(name, pairs[name])
            continue
        places = [*folders, project_root() / WEIGHTS_DIR_NAME]
        found = next((file for file in (_weights_in_folder(name, place) for place in places) if file), None)
        if found is None:
            raise _missing_weights(name, [place / f"{name}.keras" for place in places])
        resolved[name] = found
    return resolved


def load_model(path: str | os.PathLike) -> keras.Model:
    """Load a network saved with ``model.save(path)`` (a ``.keras`` file), in safe mode only.

    Raises:
        ModelLoadError: the file is missing, not a ``.keras`` archive, cannot be
            deserialised in safe mode, or holds a model that is not one of :data:`MODELS`;
            the message names the file.
    """
    file = Path(path)
    if not file.is_file():
        raise ModelLoadError(f"{file}: no such model file")
    if file.suffix != ".keras" or not zipfile.is_zipfile(file):
        raise ModelLoadError(f"{file}: not a Keras v3 '.keras' archive (a zip file saved by model.save)")
    for spec in MODELS.values():  # a network's custom layers register when its module is imported
        importlib.import_module(spec.builder_path.split(":")[0])
    try:
        model = keras.saving.load_model(file, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - any failure to deserialise is reported with the file name
        raise ModelLoadError(f"{file}: cannot load this model in safe mode ({type(error).__name__}: {error})") from error
    if model.name not in MODELS:
        raise ModelLoadError(
            f"{file}: holds a model named {model.name!r}, not one of this package's networks ({', '.join(MODELS)})"
        )
    return model


def load_network(name: str, weights: str | os.PathLike | None = None) -> tuple[keras.Model, Path]:
    """``(model, file)``: network ``name`` loaded in safe mode from ``weights`` (see :func:`weights_path`;
    default the shipped ``weights/<name>.keras``). The one way from a network's name to its trained model,
    for ``casestudy evaluate``, ``casestudy denoise`` and the app.

    Raises:
        ModelLoadError: no weights file, a file that does not load in safe mode, or one that holds
            another network (the message names the file and the network it holds).
    """
    file = weights_path(name, weights)
    model = load_model(file)
    if model.name != name:
        raise ModelLoadError(f"{file}: holds a {model.name!r} network, not {name!r}")
    return model, file


@contextlib.contextmanager
def dtype_policy(name: str) -> Iterator[None]:
    """Build models under the Keras dtype policy ``name``, restoring the previous global policy afterwards.

    The policy is stored in each layer, so a model built here keeps it; the
    global setting does not leak into a notebook's later cells.
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
