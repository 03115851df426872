"""The denoisers an evaluation can run, by name: the noisy input, every classical filter, every network.

A :class:`Method` has a name, a label, a ``prepare(context)`` hook that returns a
ready-to-run method (tuned settings filled in, weights loaded: never timed), and is
called as ``method(noisy) -> denoised``. :data:`METHODS` holds ``noisy``, every filter
of :data:`casestudy.filters.FILTERS` and every network of :data:`casestudy.models.MODELS`
(those registered later too); :func:`casestudy.evaluation.evaluate.evaluate` scores them.
Introduced in ``04_classical_filters.ipynb``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from casestudy.filters import FILTERS, FilterSpec
from casestudy.models.registry import on_register
from casestudy.registry import Registry


class UnknownMethodError(ValueError):
    """A method name that is not registered; the message lists the registered ones."""


@dataclasses.dataclass(frozen=True)
class EvalContext:
    """What a method may need to get ready.

    Attributes:
        params: tuned settings of the classical filters, ``{filter name: params}``.
        data_dir: the data set's folder, when known.
        weights: the ``.keras`` file of each network, ``{network name: file}``
            (:func:`casestudy.models.resolve_weights` builds it); a network not in
            it loads the shipped ``weights/<name>.keras``.
    """

    params: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    data_dir: Path | None = None
    weights: Mapping[str, Path] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Method:
    """A denoiser :func:`evaluate` can run.

    Subclasses override :meth:`__call__` and, if they need set-up, :meth:`prepare`.
    """

    name: str
    label: str

    def prepare(self, context: EvalContext) -> Method:
        """Return a copy ready to run (tuned parameters filled in, model loaded); not timed."""
        return self

    def __call__(self, noisy: np.ndarray) -> np.ndarray:
        """Denoise one float32 (H, W, 3) image in [0, 1]."""
        raise NotImplementedError(f"method {self.name!r} does not implement __call__")

    @property
    def parameters(self) -> int | None:
        """Trainable size of a prepared method (a network's parameter count); ``None`` for methods without."""
        return None


@dataclasses.dataclass(frozen=True)
class NoisyInput(Method):
    """The noisy input returned unchanged: the score every denoiser has to beat."""

    name: str = "noisy"
    label: str = "Noisy input"

    def __call__(self, noisy: np.ndarray) -> np.ndarray:
        return noisy


@dataclasses.dataclass(frozen=True)
class FilterMethod(Method):
    """A classical filter with its parameters: the tuned ones from the context, else the defaults."""

    spec: FilterSpec
    params: Mapping[str, Any] | None = None

    def prepare(self, context: EvalContext) -> FilterMethod:
        return dataclasses.replace(self, params=self.spec.params(**dict(context.params.get(self.name, {}))))

    def __call__(self, noisy: np.ndarray) -> np.ndarray:
        return self.spec(noisy, **dict(self.params or {}))


@dataclasses.dataclass(frozen=True)
class NetworkMethod(Method):
    """A trained network of :data:`casestudy.models.MODELS`, loaded in safe mode, run on whole images.

    Attributes:
        model: the loaded Keras model (``None`` until :meth:`prepare`).
        source: the ``.keras`` file it was loaded from.
    """

    model: Any = None
    source: Path | None = None

    #: A small input run in ``prepare``, so that the graph is traced before the evaluation's
    #: own untimed warm-up (one trace serves every size: :func:`casestudy.inference.network.denoise_image`).
    WARM_UP_SHAPE: ClassVar[tuple[int, int]] = (24, 40)

    def prepare(self, context: EvalContext) -> NetworkMethod:
        """Load the weights (``context.weights[name]``, else ``weights/<name>.keras``) and trace the graph.

        Raises:
            casestudy.models.ModelLoadError: no weights file, a file that does not load
                in safe mode, or a file holding another network.
        """
        from casestudy.inference.network import denoise_image
        from casestudy.models import load_network

        model, source = load_network(self.name, context.weights.get(self.name))
        denoise_image(model, np.zeros((*self.WARM_UP_SHAPE, 3), np.float32))
        return dataclasses.replace(self, model=model, source=source)

    def __call__(self, noisy: np.ndarray) -> np.ndarray:
        from casestudy.inference.network import denoise_image

        if self.model is None:
            raise RuntimeError(f"network {self.name!r} is not loaded: call prepare() first")
        return denoise_image(self.model, noisy)

    @property
    def parameters(self) -> int | None:
        return None if self.model is None else int(self.model.count_params())


#: Every method :func:`evaluate` knows, by name, in the order tables list them.
METHODS: Registry[Method] = Registry("method", UnknownMethodError)


def register_method(method: Method, replace: bool = False) -> Method:
    """Add ``method`` to :data:`METHODS` (``replace=True`` to swap one already registered)."""
    return METHODS.register(method.name, method, replace)


def default_methods() -> list[str]:
    """The methods evaluated when none are named: the noisy input and every classical filter."""
    return ["noisy", *FILTERS]


def parse_methods(text: str | Sequence[str] | None) -> list[str]:
    """Method names from ``"noisy,nlm,bm3d"`` (or a list); ``None`` or ``""`` gives :func:`default_methods`.

    Raises:
        UnknownMethodError: a name that is not registered; the message lists the known ones.
    """
    if text is None:
        return default_methods()
    items = text.split(",") if isinstance(text, str) else list(text)
    names = list(dict.fromkeys(item.strip() for item in items if item.strip()))
    if not names:
        return default_methods()
    unknown = [name for name in names if name not in METHODS]
    if unknown:
        raise UnknownMethodError(f"unknown method(s) {', '.join(map(repr, unknown))}; known methods: {', '.join(METHODS)}")
    return names


register_method(NoisyInput())
for _spec in FILTERS.values():
    register_method(FilterMethod(name=_spec.name, label=_spec.label, spec=_spec))
del _spec
# Every network of the registry (read without Keras) is a method, those registered later too.
on_register(lambda spec: register_method(NetworkMethod(name=spec.name, label=spec.label), replace=True))
