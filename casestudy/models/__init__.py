"""The three denoising networks behind one registry: REDNet, MWCNN and PRIDNet.

``build_model("pridnet", profile="laptop")`` builds a network at a profile's
width; :data:`MODELS` lists them with their papers and the multiple their input
is padded to internally; :func:`load_model` reads a saved ``.keras`` file in safe
mode. Every network takes ``(batch, H, W, 3)`` float32 images in [0, 1] of any
size and batch, and returns the same shape: the input plus a predicted correction.
Introduced in ``05_networks.ipynb``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import keras

from casestudy.config import PROFILES, Profile, get_profile
from casestudy.models import layers as _layers  # noqa: F401 - registers the custom layers for loading
from casestudy.models import mwcnn, pridnet, rednet
from casestudy.registry import Registry


class ModelLoadError(ValueError):
    """A saved model that is missing, unreadable, or not one of this package's networks."""


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A registered network.

    Attributes:
        name: registry key, also the Keras model's name (``"rednet"``).
        label: name for tables and figures (``"REDNet"``).
        paper: the paper it follows.
        builder: ``builder(width) -> keras.Model``.
        multiple: the network pads its input to a multiple of this internally;
            training patches and tiles of this size cost nothing extra.
        width_meaning: what the width parameter counts.
    """

    name: str
    label: str
    paper: str
    builder: Callable[[int], keras.Model]
    multiple: int
    width_meaning: str

    def width(self, profile: Profile | str | None = None) -> int:
        """This network's width in ``profile`` (its ``<name>_width`` field)."""
        chosen = profile if isinstance(profile, Profile) else get_profile(profile)
        return int(getattr(chosen, f"{self.name}_width"))

    @property
    def widths(self) -> dict[str, int]:
        """The default width in every profile, ``{"smoke": ..., "laptop": ..., "gpu": ...}``."""
        return {name: self.width(profile) for name, profile in PROFILES.items()}


#: Every network, by name, in the order tables list them.
MODELS: Registry[ModelSpec] = Registry("model")


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add a network to :data:`MODELS` (a name may be registered once)."""
    return MODELS.register(spec.name, spec)


def get_model_spec(name: str) -> ModelSpec:
    """The registered network called ``name``.

    Raises:
        ValueError: an unknown name; the message lists the known ones.
    """
    return MODELS.lookup(name)


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
    return spec.builder(chosen)


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
    try:
        model = keras.saving.load_model(file, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - any failure to deserialise is reported with the file name
        raise ModelLoadError(f"{file}: cannot load this model in safe mode ({type(error).__name__}: {error})") from error
    if model.name not in MODELS:
        raise ModelLoadError(
            f"{file}: holds a model named {model.name!r}, not one of this package's networks ({', '.join(MODELS)})"
        )
    return model


register_model(
    ModelSpec(
        name="rednet",
        label="REDNet",
        paper="Mao, Shen and Yang 2016, Image restoration using very deep convolutional encoder-decoder networks "
        "with symmetric skip connections",
        builder=rednet.build_rednet,
        multiple=rednet.MULTIPLE,
        width_meaning="channels of every hidden layer",
    )
)
register_model(
    ModelSpec(
        name="mwcnn",
        label="MWCNN",
        paper="Liu, Zhang, Zhang, Lin and Zuo 2018, Multi-level wavelet-CNN for image restoration",
        builder=mwcnn.build_mwcnn,
        multiple=mwcnn.MULTIPLE,
        width_meaning="channels at full resolution (2x, 4x, 4x at the three wavelet levels below)",
    )
)
register_model(
    ModelSpec(
        name="pridnet",
        label="PRIDNet",
        paper="Zhao, Lam and Lun 2019, Pyramid real image denoising network",
        builder=pridnet.build_pridnet,
        multiple=pridnet.MULTIPLE,
        width_meaning="feature channels (each pyramid branch's U-Net: 1x, 2x, 4x)",
    )
)
