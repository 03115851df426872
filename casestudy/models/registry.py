"""The networks' registry, readable without Keras: names, labels, papers, widths per profile, builders by name.

Every list of networks in the package (the command line's choices, the methods scored by
``casestudy evaluate``, the app's menu, the report, the unseen-noise check) reads
:data:`MODELS`; adding a network is one module in ``casestudy/models/`` and one
:func:`register_model` call. A spec names its builder as ``"module:function"``, so
reading the registry (to list choices in a command line, say) does not import Keras;
:meth:`ModelSpec.build` imports the builder when a network is built. Introduced in
``05_rednet.ipynb``.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from casestudy.config import PROFILES, Profile, get_profile
from casestudy.registry import Registry

if TYPE_CHECKING:  # pragma: no cover
    import keras


#: Input channels a network told the noise takes after the photo's three: the noise-level map and the flag
#: that says whether it is known (:mod:`casestudy.training.noise_maps`, :func:`casestudy.inference.network.with_noise_map`).
NOISE_MAP_CHANNELS = 2


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A registered network.

    Attributes:
        name: registry key, also the Keras model's name (``"rednet"``).
        label: name for tables and figures (``"REDNet"``).
        paper: the paper it follows.
        builder_path: ``"module:function"`` of ``builder(width) -> keras.Model``.
        multiple: the network pads its input to a multiple of this internally;
            training patches and tiles of this size cost nothing extra.
        width_meaning: what the width parameter counts.
        widths: the default width in each profile, ``{"smoke": ..., "laptop": ..., "gpu": ...}``.
        map_channels: input channels after the photo's three: :data:`NOISE_MAP_CHANNELS` for a network
            told the noise, 0 for a blind one.
        notebook: the number of the notebook that introduces it (a notebook shows the networks introduced
            so far: :func:`networks_up_to`).
    """

    name: str
    label: str
    paper: str
    builder_path: str
    multiple: int
    width_meaning: str
    widths: Mapping[str, int]
    map_channels: int = 0
    notebook: int = 0

    def __post_init__(self) -> None:
        missing = sorted(set(PROFILES) - set(self.widths))
        if missing:
            raise ValueError(f"model {self.name!r}: no width for profile(s) {missing}")
        if self.map_channels not in (0, NOISE_MAP_CHANNELS):
            raise ValueError(f"model {self.name!r}: map_channels must be 0 or {NOISE_MAP_CHANNELS}, got {self.map_channels}")
        if ":" not in self.builder_path:
            raise ValueError(f"model {self.name!r}: builder_path must read 'module:function', got {self.builder_path!r}")

    @property
    def builder(self) -> Callable[[int], keras.Model]:
        """The builder function (imports its module, and Keras with it)."""
        module, function = self.builder_path.split(":")
        return getattr(importlib.import_module(module), function)

    def build(self, width: int) -> keras.Model:
        """The network at ``width`` under the current Keras dtype policy."""
        return self.builder(int(width))

    def width(self, profile: Profile | str | None = None) -> int:
        """This network's default width in ``profile`` (a profile, its name, or ``None``: the current one)."""
        chosen = profile if isinstance(profile, Profile) else get_profile(profile)
        return int(self.widths[chosen.name])


#: Every network, by name, in the order tables list them.
MODELS: Registry[ModelSpec] = Registry("model")
_LISTENERS: list[Callable[[ModelSpec], Any]] = []


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add a network to :data:`MODELS` (a name may be registered once) and tell every listener."""
    MODELS.register(spec.name, spec)
    for listener in _LISTENERS:
        listener(spec)
    return spec


def unregister_model(name: str) -> None:
    """Remove a network (a test's throwaway one); listeners are not told, they look names up in :data:`MODELS`."""
    MODELS.pop(name, None)


def on_register(listener: Callable[[ModelSpec], Any]) -> None:
    """Call ``listener(spec)`` for every network registered so far and every one registered later.

    How a registry on a higher floor (the evaluation's methods) follows this one without
    this module importing it.
    """
    _LISTENERS.append(listener)
    for spec in list(MODELS.values()):
        listener(spec)


def get_model_spec(name: str) -> ModelSpec:
    """The registered network called ``name``.

    Raises:
        ValueError: an unknown name; the message lists the known ones.
    """
    return MODELS.lookup(name)


def network_names() -> tuple[str, ...]:
    """The registered networks' names, in table order."""
    return tuple(MODELS)


def networks_up_to(notebook: int) -> tuple[str, ...]:
    """The registered networks that notebook ``notebook`` or an earlier one introduces, in table order."""
    return tuple(name for name, spec in MODELS.items() if spec.notebook <= notebook)


def network_labels() -> dict[str, str]:
    """``{name: label}`` of the registered networks, in table order."""
    return {name: spec.label for name, spec in MODELS.items()}


register_model(ModelSpec(
    name="rednet",
    label="REDNet",
    paper="Mao, Shen and Yang 2016, Image restoration using very deep convolutional encoder-decoder networks "
    "with symmetric skip connections",
    builder_path="casestudy.models.rednet:build_rednet",
    multiple=1,
    width_meaning="channels of every hidden layer",
    widths={"smoke": 8, "laptop": 32, "gpu": 64},
    notebook=5,
))  # fmt: skip
register_model(ModelSpec(
    name="mwcnn",
    label="MWCNN",
    paper="Liu, Zhang, Zhang, Lin and Zuo 2018, Multi-level wavelet-CNN for image restoration",
    builder_path="casestudy.models.mwcnn:build_mwcnn",
    multiple=8,
    width_meaning="channels at full resolution (2x, 4x, 4x at the three wavelet levels below)",
    widths={"smoke": 4, "laptop": 16, "gpu": 64},
    notebook=6,
))  # fmt: skip
register_model(ModelSpec(
    name="pridnet",
    label="PRIDNet",
    paper="Zhao, Lam and Lun 2019, Pyramid real image denoising network",
    builder_path="casestudy.models.pridnet:build_pridnet",
    multiple=64,
    width_meaning="feature channels (each pyramid branch's U-Net: 1x, 2x, 4x)",
    widths={"smoke": 4, "laptop": 16, "gpu": 32},
    notebook=7,
))  # fmt: skip
register_model(ModelSpec(
    name="nafnet",
    label="NAFNet",
    paper="Chen, Chu, Zhang and Sun 2022, Simple baselines for image restoration; its noise-level map after "
    "Zhang, Zuo and Zhang 2018, FFDNet",
    builder_path="casestudy.models.nafnet:build_nafnet",
    multiple=8,
    width_meaning="channels at full resolution (doubled at each of the three levels below)",
    widths={"smoke": 4, "laptop": 16, "gpu": 32},
    map_channels=NOISE_MAP_CHANNELS,
    notebook=10,
))  # fmt: skip
