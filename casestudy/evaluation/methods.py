"""The denoisers of the project, by name: the noisy input, every classical filter, every network.

The one way from a name to a ready denoiser, for ``casestudy evaluate``, ``casestudy denoise``,
the app and the notebooks. A :class:`Method` has a name, a label, a ``prepare(context)`` hook
that returns a ready-to-run method (tuned settings filled in, weights loaded: never timed), and
is called as ``method(noisy) -> denoised`` on a whole image; :meth:`Method.run` denoises a photo
of any size (a network tile by tile, so memory stays bounded, reporting each tile) and
:attr:`Method.description` says what was loaded. :data:`METHODS` holds ``noisy``, every filter
of :data:`casestudy.filters.FILTERS` and every network of :data:`casestudy.models.MODELS`
(those registered later too); :func:`prepare_method` readies one from a weights file and a
file of tuned filter settings, as the command line and the app get them.
Introduced in ``04_classical_filters.ipynb``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from casestudy.evaluation.scoring import Pair, Runner, on_noisy
from casestudy.filters import FILTERS, FilterSpec
from casestudy.inference.tiling import DEFAULT_BATCH, DEFAULT_OVERLAP, DEFAULT_TILE
from casestudy.models.registry import on_register
from casestudy.registry import Registry


class UnknownMethodError(ValueError):
    """A method name that is not registered; the message lists the registered ones."""


class NoStrengthControlError(ValueError):
    """A strength other than 1 asked of a method that has no such control (a blind network, a filter without one)."""


#: ``on_progress(done, total)``: called as a photo is denoised (tiles done of the photo's tiles).
Progress = Callable[[int, int], None]


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

    @property
    def description(self) -> str:
        """One line on what a prepared method runs with (its settings or its weights)."""
        return self.label

    def tiles(self, height: int, width: int, tile: int = DEFAULT_TILE, overlap: int = DEFAULT_OVERLAP) -> int:
        """How many steps :meth:`run` takes on a ``height x width`` photo (1: the whole photo at once)."""
        return 1

    def with_strength(self, factor: float) -> Method:
        """This method smoothing ``factor`` times as hard as its settings say (below 1: more grain and detail kept).

        Raises:
            ValueError: a factor that is not a positive number.
            NoStrengthControlError: a method without such a control, unless ``factor`` is 1.
        """
        factor = _check_strength(factor)
        if factor != 1.0:
            raise NoStrengthControlError(f"{self.label} has no strength control; run it at strength 1, or choose "
                                         "NLM or BM3D, whose strength scales the noise level they smooth")  # fmt: skip
        return self

    def run(
        self,
        pixels: np.ndarray,
        *,
        tile: int = DEFAULT_TILE,
        overlap: int = DEFAULT_OVERLAP,
        batch_size: int = DEFAULT_BATCH,
        on_progress: Progress | None = None,
    ) -> np.ndarray:
        """Denoise a photo of any size, calling ``on_progress(done, total)`` as it goes.

        A filter sees the whole photo and reports ``(1, 1)`` when done; a network runs tile by tile
        (``tile``, ``overlap``, ``batch_size`` tiles at a time), reporting ``(0, total)`` first and then
        after every batch.
        """
        return self._run_photo(pixels, tile, overlap, batch_size, on_progress or (lambda done, total: None))

    def _run_photo(self, pixels: np.ndarray, tile: int, overlap: int, batch_size: int, report: Progress) -> np.ndarray:
        """:meth:`run` with its options resolved: the whole photo at once."""
        result = self(pixels)
        report(1, 1)
        return result


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
    settings: str = "default settings"

    def prepare(self, context: EvalContext) -> FilterMethod:
        return dataclasses.replace(self, params=self.spec.params(**dict(context.params.get(self.name, {}))))

    @property
    def description(self) -> str:
        return f"{self.label}: {self.settings}"

    def with_strength(self, factor: float) -> Method:
        """The filter with its :attr:`casestudy.filters.FilterSpec.strength_param` (a factor on the estimated noise
        level: NLM's ``h_factor``, BM3D's ``sigma_factor``) multiplied by ``factor``."""
        factor = _check_strength(factor)
        name = self.spec.strength_param
        if name is None or factor == 1.0:
            return super().with_strength(factor)
        params = dict(self.spec.params(**dict(self.params or {})))
        params[name] = params[name] * factor
        return dataclasses.replace(self, params=params, settings=f"{self.settings}, strength {factor:g}")

    def __call__(self, noisy: np.ndarray) -> np.ndarray:
        return self.spec(noisy, **dict(self.params or {}))


@dataclasses.dataclass(frozen=True)
class NetworkMethod(Method):
    """A trained network of :data:`casestudy.models.MODELS`, loaded in safe mode, run on whole images.

    Attributes:
        model: the loaded Keras model (``None`` until :meth:`prepare`).
        source: the ``.keras`` file it was loaded from.
        ensemble: run as a geometric self-ensemble (:mod:`casestudy.inference.ensemble`): the
            mean over the photo's eight rotations and mirror images, eight times the time.
    """

    model: Any = None
    source: Path | None = None
    ensemble: bool = False

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
        return denoise_image(self.model, noisy, ensemble=self.ensemble)

    def with_ensemble(self, on: bool = True) -> NetworkMethod:
        """This network run as a self-ensemble over the photo's eight rotations and mirror images (or not)."""
        return dataclasses.replace(self, ensemble=bool(on))

    @property
    def parameters(self) -> int | None:
        return None if self.model is None else int(self.model.count_params())

    @property
    def description(self) -> str:
        ensemble = "; a self-ensemble of 8 rotations and mirror images" if self.ensemble else ""
        return f"{self.label}: weights {Path(str(self.source)).name}, loaded in Keras safe mode{ensemble}"

    def with_strength(self, factor: float) -> Method:
        """A blind network has no strength control: it is told nothing about the noise (strength 1 only)."""
        if _check_strength(factor) != 1.0:
            raise NoStrengthControlError(f"{self.label} is a blind network: it has no strength control, since it is "
                                         "told nothing about the noise; run it at strength 1, or choose NLM or BM3D, "
                                         "whose strength scales the noise level they smooth")  # fmt: skip
        return self

    def _geometry(self, tile: int, overlap: int) -> tuple[int, int]:
        from casestudy.inference.tiling import tile_geometry
        from casestudy.models import get_model_spec

        return tile_geometry(tile, overlap, get_model_spec(self.name).multiple)

    def tiles(self, height: int, width: int, tile: int = DEFAULT_TILE, overlap: int = DEFAULT_OVERLAP) -> int:
        from casestudy.inference.tiling import plan_tiles

        return len(plan_tiles(height, width, *self._geometry(tile, overlap)))

    def _run_photo(self, pixels: np.ndarray, tile: int, overlap: int, batch_size: int, report: Progress) -> np.ndarray:
        """Tile by tile (:func:`casestudy.inference.tiling.denoise_tiled`), reporting after every batch of tiles."""
        return self._tiled(pixels, tile, overlap, batch_size, report)

    def _tiled(self, pixels: np.ndarray, tile: int, overlap: int, batch_size: int, report: Progress,
               extra: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        from casestudy.inference.network import denoise_batch
        from casestudy.inference.tiling import denoise_tiled
        from casestudy.models import get_model_spec

        if self.model is None:
            raise RuntimeError(f"network {self.name!r} is not loaded: call prepare() first")
        total = self.tiles(pixels.shape[0], pixels.shape[1], tile, overlap)
        done = 0
        report(0, total)

        def batch(stack: np.ndarray) -> np.ndarray:
            nonlocal done
            restored = denoise_batch(self.model, stack, ensemble=self.ensemble)
            done += len(stack)
            report(done, total)
            return restored

        return denoise_tiled(batch, pixels, tile_size=tile, overlap=overlap, multiple=get_model_spec(self.name).multiple,
                             batch_size=batch_size, extra=extra)  # fmt: skip


def noise_levels_path(weights: str | os.PathLike) -> Path:
    """The noise level function shipped beside a map network's weights: ``nafnet.keras`` -> ``nafnet.noise-levels.json``."""
    weights = Path(weights)
    return weights.with_name(f"{weights.stem}.noise-levels.json")


@dataclasses.dataclass(frozen=True)
class MappedNetworkMethod(NetworkMethod):
    """A network told the noise: it takes a noise-level map beside the photo, chosen per photo.

    The map (:mod:`casestudy.noise.level_map`) comes, with ``map_mode``:

    * ``"blind"`` (default): withheld, as the blind networks run. Told the map, the shipped NAFNet gains about a
      tenth of a dB at most on average (notebook 10 measures each source, and a map measured from the noise
      itself as the ceiling), so the map is the user's choice, and with it the strength dial;
    * ``"auto"``: from the metadata (``iso``, ``phone``) through the noise level function
      shipped beside the weights, unless it disagrees with the image's own estimate, which then
      wins; from the estimate when there is no ISO;
    * ``"metadata"`` or ``"estimate"``: from that source only (for measuring what each buys).

    ``strength`` multiplies the map: below 1 the network is told the photo is cleaner than it is
    and keeps more grain and detail, above 1 it smooths more. ``announce``, when set, is called
    with the chosen map's note for every photo (the command line prints it).
    """

    curves: Any = None
    iso: float | None = None
    phone: str | None = None
    map_mode: str = "blind"
    strength: float = 1.0
    announce: Callable[[str], None] | None = None

    def prepare(self, context: EvalContext) -> MappedNetworkMethod:
        """Load the weights and the noise level function beside them (:func:`noise_levels_path`).

        Raises:
            casestudy.models.ModelLoadError: weights that do not load.
            casestudy.noise.level_map.NoiseLevelFileError: no readable noise level function beside the weights.
        """
        from casestudy.noise.level_map import NoiseLevelFunction

        ready = super().prepare(context)
        return dataclasses.replace(ready, curves=NoiseLevelFunction.load(noise_levels_path(ready.source)))

    def with_strength(self, factor: float) -> Method:
        """This network told the noise is ``factor`` times what the map says (not in blind mode: it has no map)."""
        factor = _check_strength(factor)
        if self.map_mode == "blind" and factor != 1.0:
            raise NoStrengthControlError(f"{self.label} runs blind unless told the noise, and then has no map to scale; "
                                         "give it a map (casestudy denoise --map auto), or run it at strength 1")  # fmt: skip
        return dataclasses.replace(self, strength=factor)

    def with_metadata(self, iso: float | None = None, phone: str | None = None) -> MappedNetworkMethod:
        """This network for a photo taken at ``iso`` with ``phone`` (a SIDD code; ``None``: unknown)."""
        return dataclasses.replace(self, iso=None if iso is None else float(iso), phone=phone)

    def with_map_mode(self, mode: str) -> MappedNetworkMethod:
        """This network taking its map from ``mode`` (one of :data:`MAP_MODES`).

        Raises:
            ValueError: an unknown mode.
        """
        from casestudy.noise.level_map import MAP_MODES

        if mode not in MAP_MODES:
            raise ValueError(f"unknown map mode {mode!r}; choose one of {', '.join(MAP_MODES)}")
        if mode == "blind" and self.strength != 1.0:
            raise NoStrengthControlError(f"{self.label} run blind has no map to scale; reset the strength to 1 first")
        return dataclasses.replace(self, map_mode=mode)

    def noise_map(self, pixels: np.ndarray) -> Any:
        """The :class:`casestudy.noise.level_map.MapChoice` this photo gets (``None`` in blind mode).

        Raises:
            RuntimeError: not prepared (no noise level function).
            ValueError: ``map_mode="metadata"`` without an ISO.
        """
        choice = self._choose(pixels)
        if choice is not None and self.announce is not None:
            self.announce(choice.note)
        return choice

    def _choose(self, pixels: np.ndarray) -> Any:
        from casestudy.noise.level_map import MapChoice, choose_noise_map, metadata_map

        if self.map_mode == "blind":
            return None
        if self.curves is None:
            raise RuntimeError(f"network {self.name!r} is not loaded: call prepare() first")
        if self.map_mode == "estimate":
            return choose_noise_map(pixels, self.curves)
        if self.map_mode == "metadata":
            if self.iso is None:
                raise ValueError(f"{self.label}: the map from metadata needs the photo's ISO")
            level_map = metadata_map(pixels, self.curves, self.iso, self.phone)
            level = float(np.sqrt(np.mean(np.square(level_map))))
            return MapChoice(level_map, "metadata", f"ISO {self.iso:g} implies noise of {255 * level:.1f}/255 "
                             "(taken as it is)", level, float("nan"))  # fmt: skip
        return choose_noise_map(pixels, self.curves, self.iso, self.phone)

    def _scaled(self, choice: Any) -> np.ndarray | None:
        return None if choice is None else self.strength * choice.level_map

    def __call__(self, noisy: np.ndarray) -> np.ndarray:
        from casestudy.inference.network import denoise_image

        if self.model is None:
            raise RuntimeError(f"network {self.name!r} is not loaded: call prepare() first")
        return denoise_image(self.model, noisy, self._scaled(self.noise_map(noisy)), ensemble=self.ensemble)

    @property
    def description(self) -> str:
        told = "blind (map withheld)" if self.map_mode == "blind" else f"noise map: {self.map_mode}"
        strength = f", strength {self.strength:g}" if self.strength != 1.0 else ""
        return f"{super().description}; {told}{strength}"

    def _run_photo(self, pixels: np.ndarray, tile: int, overlap: int, batch_size: int, report: Progress) -> np.ndarray:
        """Tile by tile like every network, the map computed once on the whole photo and cut with each tile."""
        from casestudy.filters import check_noisy

        pixels = check_noisy(pixels)
        levels = self._scaled(self.noise_map(pixels))
        known = np.ones if levels is not None else np.zeros
        levels = np.zeros(pixels.shape[:2], np.float32) if levels is None else levels
        extra = np.stack([levels, known(pixels.shape[:2], np.float32)], axis=-1)
        return self._tiled(pixels, tile, overlap, batch_size, report, extra)


def pair_runner(method: Method) -> Runner:
    """How the scoring loop runs ``method``: on the pair's noisy image; a network told the noise also gets
    the pair's metadata (its ``iso`` and ``phone`` keys, where the table has them), as a photo's EXIF gives them."""
    if not isinstance(method, MappedNetworkMethod):
        return on_noisy(method)

    return lambda pair: method.with_metadata(*pair_metadata(pair))(pair.noisy)


def pair_metadata(pair: Pair, iso_factor: float = 1.0) -> tuple[float | None, str | None]:
    """``(iso, phone)`` from a pair's keys (``None`` where absent or NaN), the ISO times ``iso_factor``."""
    from casestudy.noise.level_map import parse_iso

    iso, phone = parse_iso(pair.keys.get("iso")), pair.keys.get("phone")
    return (None if iso is None else iso_factor * iso), (str(phone) if isinstance(phone, str) and phone else None)


def _check_strength(factor: float) -> float:
    """``factor`` as a float, checked: a positive, finite number."""
    value = float(factor)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"strength must be a positive number, got {factor!r}")
    return value


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


def prepare_method(
    name: str, *, weights: str | os.PathLike | None = None, params_file: str | os.PathLike | None = None
) -> Method:
    """Method ``name`` ready to run, as ``casestudy denoise`` and the app load it.

    Args:
        weights: a network's ``.keras`` file or a folder holding ``<name>.keras`` (default: the
            shipped ``weights/``); ignored for the other methods.
        params_file: a filter's tuned settings (:func:`casestudy.evaluation.tuning.save_filter_params`);
            the filter's defaults when it holds none for ``name`` or is ``None``.

    Raises:
        UnknownMethodError: an unregistered name.
        casestudy.models.ModelLoadError: a network without loadable weights, or whose file holds another network.
    """
    method = METHODS[name]
    if isinstance(method, NetworkMethod):  # a MappedNetworkMethod too
        return method.prepare(EvalContext(weights={name: Path(weights)} if weights is not None else {}))
    if isinstance(method, FilterMethod) and params_file is not None:
        from casestudy.evaluation.tuning import saved_filter_params

        saved = saved_filter_params(name, params_file)
        file = Path(params_file).name
        settings = f"settings tuned in {file}" if saved is not None else f"default settings (none tuned in {file})"
        return dataclasses.replace(method.prepare(EvalContext(params={name: saved or {}})), settings=settings)
    return method.prepare(EvalContext())


register_method(NoisyInput())
for _spec in FILTERS.values():
    register_method(FilterMethod(name=_spec.name, label=_spec.label, spec=_spec))
del _spec
# Every network of the registry (read without Keras) is a method, those registered later too.
on_register(lambda spec: register_method((MappedNetworkMethod if spec.map_channels else NetworkMethod)(
    name=spec.name, label=spec.label), replace=True))
