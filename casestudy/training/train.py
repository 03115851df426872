"""Train a network on the patch pipeline, safely: checkpoints, resume, NaN guard, mixed precision, several GPUs.

``train("rednet", profile="laptop")`` (or ``casestudy train rednet --profile laptop``)
fits a registered network (:data:`casestudy.models.MODELS`) with Keras ``fit`` on
the tf.data patch pipeline: random training patches with fresh simulated noise,
validation on the fixed grid of the validation split. MSE loss (L1 as an option),
Adam with gradient clipping by global norm and a learning rate that warms up
linearly then decays along a cosine, validation PSNR (data range 1) after each
epoch, early stopping when it stops improving.

Everything a run needs and produces lives in its run folder::

    runs/<model>-<profile>/config.json   what was run: model, width, data set and its hashes, seeds, ...
                           last.keras    the latest checkpoint: model, optimizer, training state
                           best.keras    the checkpoint with the best validation PSNR
                           state.json    a readable copy of the training state in last.keras
                           log.csv       one row per epoch

A run killed at any moment and started again with the same call continues from
``last.keras``: the same epoch and global step, the optimizer's moments and step
count (hence the learning-rate position), and the same patch stream (sample ``i``
of the stream is drawn from the seed ``(seed, i)``; after ``s`` steps the stream
restarts at sample ``s * batch``). It loses the steps since the last checkpoint,
written every ``checkpoint_minutes`` minutes and/or ``checkpoint_steps`` steps and
at each epoch's end. Used in notebooks 05-07, which each train their network briefly.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casestudy import __version__
from casestudy.config import Profile, get_profile, project_root, resolve_data_dir
from casestudy.training.run_config import DISTRIBUTE, LOSSES, TrainConfig, add_arguments  # noqa: F401 - the CLI's parser

if TYPE_CHECKING:  # pragma: no cover
    import keras
    import pandas as pd

#: Epochs per run in each profile; steps per epoch = the profile's ``train_steps`` / epochs.
EPOCHS = {"smoke": 2, "laptop": 10, "gpu": 50}
CONFIG_FILE = "config.json"
CONFIG_FORMAT = "casestudy-train-config"
#: Config entries that may differ between a run and its resumption (they do not change what is computed).
RESUME_MAY_DIFFER = frozenset(
    {"created_by", "package_version", "tensorflow_version", "keras_version", "keras_backend", "python_version", "data_dir",
     "checkpoint_steps", "checkpoint_minutes", "tensorboard"}
)  # fmt: skip


class TrainingDivergedError(RuntimeError):
    """The loss or the weights became NaN or infinite; the last good checkpoint was kept."""


class RunFolderError(ValueError):
    """A run folder that cannot be resumed with this configuration (another model, data set, ...)."""


@dataclasses.dataclass
class TrainResult:
    """What a call to :func:`train` leaves behind.

    Attributes:
        run_dir: the run folder.
        config: the run's configuration (``config.json``).
        history: one row per epoch: epoch, step, learning_rate, loss, psnr, val_loss, val_psnr, seconds.
        last_path: the latest checkpoint.
        best_path: the checkpoint with the best validation PSNR (``None`` before the first epoch ends).
        step: global steps taken so far; epoch: epochs completed.
        stop_reason: why training stopped (completed, early stopping), ``None`` if it was not finished.
        resumed_from_step: the step this call started from (0 for a fresh run).
    """

    run_dir: Path
    config: dict[str, Any]
    history: pd.DataFrame
    last_path: Path
    best_path: Path | None
    step: int
    epoch: int
    stop_reason: str | None
    resumed_from_step: int

    def load_best(self) -> keras.Model:
        """The best checkpoint's network, loaded in safe mode (without its optimizer)."""
        from casestudy.models import load_model

        return load_model(self.best_path or self.last_path)


# --------------------------------------------------------------------------- configuration


def default_run_dir(model_name: str, profile: Profile) -> Path:
    """``runs/<model>-<profile>`` in the repository."""
    return project_root() / "runs" / f"{model_name}-{profile.name}"


def data_fingerprint(root: Path, catalogue: pd.DataFrame) -> dict[str, str | None]:
    """SHA-256 of the data set's ``manifest.json`` (``None`` without one) and of its catalogue (pairs, sizes, split)."""
    manifest = root / "manifest.json"
    manifest_hash = hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.is_file() else None
    columns = [column for column in ("instance", "scene", "split", "height", "width") if column in catalogue.columns]
    listing = catalogue[columns].astype(str).sort_values(columns[0]).to_csv(index=False)
    return {"manifest_sha256": manifest_hash, "catalogue_sha256": hashlib.sha256(listing.encode()).hexdigest()}


def _as_json(value: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(value))


def config_differences(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The entries (outside :data:`RESUME_MAY_DIFFER`) whose values differ, as ``"key: old -> new"``.

    Both sides are compared as JSON sees them: a saved configuration has lists where the
    current one may have tuples (a range such as ``poisson_a``), and those are the same setting.
    """
    saved, current = _as_json(saved), _as_json(current)
    keys = sorted((set(saved) | set(current)) - RESUME_MAY_DIFFER)
    return [f"{key}: {saved.get(key)!r} -> {current.get(key)!r}" for key in keys if saved.get(key) != current.get(key)]


def _check_resumable(run_dir: Path, config: dict[str, Any]) -> None:
    path = run_dir / CONFIG_FILE
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RunFolderError(f"{path}: unreadable run configuration ({error})") from None
    if saved.get("format") != CONFIG_FORMAT:
        raise RunFolderError(f"{path}: not a casestudy training run configuration")
    differences = config_differences(saved, config)
    if differences:
        raise RunFolderError(
            f"{run_dir}: this run folder holds another run ({'; '.join(differences)}); "
            "pass --no-resume (resume=False) to start over in it, or choose another --run-dir"
        )


# --------------------------------------------------------------------------- data


def _load_data(data_dir: str | os.PathLike | None, profile: Profile) -> tuple[Path, pd.DataFrame, list, list]:
    """The data folder, its catalogue, and the training and validation pairs (fresh noise where possible)."""
    from casestudy.data.catalogue import load_catalogue
    from casestudy.training.patches import load_pair_images
    from casestudy.data.simulated import MANIFEST_FILE, ensure_dataset, load_capture_settings

    root = resolve_data_dir(data_dir, profile)
    if root == profile.simulated_dir:
        ensure_dataset(profile)
    catalogue = load_catalogue(root, read_exif=False, seed=profile.seed)
    counts = catalogue["split"].value_counts()
    if not counts.get("train", 0):
        raise ValueError(f"{root}: the training split is empty ({_split_counts(counts)}); a network needs training pairs")
    if not counts.get("val", 0):
        raise ValueError(
            f"{root}: the data set has no validation split ({_split_counts(counts)}); training needs one to score "
            "epochs and keep the best checkpoint (edit split.csv to move some scenes to 'val')"
        )
    settings = load_capture_settings(root) if (root / MANIFEST_FILE).is_file() else {}
    return root, catalogue, load_pair_images(catalogue, "train", settings), load_pair_images(catalogue, "val")


def _copy_weights(source: Path, model: Any) -> None:
    """Start ``model`` from the weights of the ``.keras`` file ``source`` (same network, same width)."""
    from casestudy.models import load_model

    trained = load_model(source)
    shapes = [tuple(w.shape) for w in trained.get_weights()]
    if trained.name != model.name or shapes != [tuple(w.shape) for w in model.get_weights()]:
        raise ValueError(f"{source}: holds {trained.name} of another width or network; cannot start {model.name} from it")
    model.set_weights(trained.get_weights())


def _generic_sources(root: Path, folder: str | os.PathLike | None = None) -> tuple[list | None, str]:
    """Clean images for the generic degradations: ``folder``'s photos if given, else a simulated set's sharp
    source photos, else the pairs' clean images."""
    from casestudy.data.simulated import MANIFEST_FILE, source_photos

    if folder is not None:
        from casestudy.data.photos import photo_folder

        photos = photo_folder(folder)
        digest = hashlib.sha256("".join(sorted(photo.sha256 for photo in photos)).encode()).hexdigest()
        return [photo.load() for photo in photos], f"{len(photos)} photos of {Path(folder).name}/ (sha256 {digest[:16]})"

    if not (root / MANIFEST_FILE).is_file():
        return None, "the training pairs' clean images"
    photos = source_photos(root, "train")
    return photos, f"the {len(photos)} original photos behind the simulated training pairs"


def _split_counts(counts: Any) -> str:
    return ", ".join(f"{name}: {count} pairs" for name, count in counts.items()) or "no pairs"


# --------------------------------------------------------------------------- devices


def choose_strategy(distribute: str, profile: Profile) -> Any:
    """The tf.distribute strategy: MirroredStrategy for the ``gpu`` profile on several GPUs, else the default.

    ``distribute="mirrored"`` forces MirroredStrategy over every GPU, or, without
    GPUs, over every logical CPU device (how the tests exercise it);
    ``"none"`` always uses the default single-device strategy.
    """
    import tensorflow as tf

    if distribute not in DISTRIBUTE:
        raise ValueError(f"unknown distribute {distribute!r}; choose one of: {', '.join(DISTRIBUTE)}")
    gpus = tf.config.list_logical_devices("GPU")
    if distribute == "auto" and profile.name == "gpu" and len(gpus) > 1:
        distribute = "mirrored"
    if distribute != "mirrored":
        return tf.distribute.get_strategy()
    devices = gpus or tf.config.list_logical_devices("CPU")
    return tf.distribute.MirroredStrategy(devices=[device.name for device in devices])


# --------------------------------------------------------------------------- training


def train(
    config: TrainConfig | str,
    profile: Profile | str | None = None,
    data_dir: str | os.PathLike | None = None,
    run_dir: str | os.PathLike | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    *,
    verbose: int = 1,
    callbacks: Sequence[Any] = (),
    **settings: Any,
) -> TrainResult:
    """Train a network (resuming its run folder if it holds a checkpoint) and return the result.

    ``train(TrainConfig(...))`` runs a config; ``train("rednet", profile, epochs=3, loss="l1")`` is the
    same as ``train(TrainConfig.of("rednet", profile=profile, epochs=3, loss="l1"))``: the keywords are
    :class:`casestudy.training.run_config.TrainConfig`'s settings (``generic_camera`` too), each
    described there and by ``casestudy train --help``. Of note:

    * the profile sets the width, patch and batch size and the number of steps; the data set defaults
      to ``$CASESTUDY_DATA``, else the profile's simulated set (built if missing); the run folder to
      ``runs/<model>-<profile>``;
    * ``validation="photos"`` scores each epoch on held-out photographs with white and generic noise
      (:func:`casestudy.training.photo_patches.photo_validation_pairs`), the training recipe's yardstick;
    * ``generic_fraction`` of the patches get a generic degradation (:attr:`TrainConfig.degradations`)
      instead of the data set's own noise; ``resume=False`` starts the run folder over.

    Args:
        verbose: 0 silent (for notebooks' checked cells), 1 a progress bar per epoch, 2 one line per epoch.
        callbacks: extra Keras callbacks (run after the engine's own).

    Raises:
        ValueError: an unknown model, loss or precision, an empty training split, no validation split.
        RunFolderError: the run folder holds a run with another configuration.
        TrainingDivergedError: the loss became NaN or infinite (the last good checkpoint stays).
    """
    if not isinstance(config, TrainConfig):
        config = TrainConfig.of(config, profile=profile, data_dir=data_dir, run_dir=run_dir, epochs=epochs,
                                steps_per_epoch=steps_per_epoch, **settings)  # fmt: skip
    elif settings or any(value is not None for value in (profile, data_dir, run_dir, epochs, steps_per_epoch)):
        raise TypeError("pass either a TrainConfig or a network's name with its settings, not both")
    return _run(config, verbose, callbacks)


def _run(config: TrainConfig, verbose: int, callbacks: Sequence[Any]) -> TrainResult:  # noqa: C901 - one run, start to end
    """:func:`train` for one config: its settings are read once here, resolved against the profile, recorded."""
    model_name, data_dir, run_dir, width, precision = config.model, config.data_dir, config.run_dir, config.width, config.precision
    loss, learning_rate, warmup_steps = config.loss, config.learning_rate, config.warmup_steps
    final_lr_fraction, clipnorm, batch_size, patch_size = config.final_lr_fraction, config.clipnorm, config.batch_size, config.patch_size
    seed, patience, checkpoint_minutes, checkpoint_steps = config.seed, config.patience, config.checkpoint_minutes, config.checkpoint_steps
    resume, deterministic, distribute, tensorboard = config.resume, config.deterministic, config.distribute, config.tensorboard
    generic_fraction, workers, init_weights = config.generic_fraction, config.workers, config.init_weights
    generic_scale_min, validation, generic_photos = config.generic_scale_min, config.validation, config.generic_photos
    degradations, map_jitter, map_wrong = config.degradations, config.map_jitter, config.map_wrong
    profile = config.profile if isinstance(config.profile, Profile) else get_profile(config.profile)
    epochs = int(config.epochs or EPOCHS.get(profile.name, 10))
    steps_per_epoch = int(config.steps_per_epoch or max(1, math.ceil(profile.train_steps / epochs)))
    if epochs < 1 or steps_per_epoch < 1:
        raise ValueError(f"epochs and steps per epoch must be at least 1, got {epochs} and {steps_per_epoch}")
    root, catalogue, train_pairs, val_pairs = _load_data(data_dir, profile)
    if validation == "photos":
        from casestudy.training.photo_patches import photo_validation_pairs

        val_pairs = photo_validation_pairs(seed=int(profile.seed if seed is None else seed))

    from casestudy.models import get_model_spec

    spec = get_model_spec(model_name)
    width = int(width if width is not None else spec.width(profile))

    import keras

    from casestudy.training.patches import evaluation_dataset, grid_patches, training_batches, training_dataset
    from casestudy.training import checkpoint, monitor, schedule
    from casestudy.models import dtype_policy
    from casestudy.training.precision import resolve_precision

    on_tensorflow = keras.backend.backend() == "tensorflow"
    if on_tensorflow:
        import tensorflow as tf

        if deterministic:
            tf.config.experimental.enable_op_determinism()
        strategy = choose_strategy(distribute, profile)
    else:
        if distribute == "mirrored":
            raise ValueError(f"distribute='mirrored' needs the TensorFlow backend, not {keras.backend.backend()!r}")
        strategy = _SingleDevice()
    replicas = int(strategy.num_replicas_in_sync)
    batch_size = int(batch_size or profile.batch_size)
    patch_size = int(patch_size or profile.patch_size)
    seed = int(profile.seed if seed is None else seed)
    total_steps = epochs * steps_per_epoch
    warmup_steps = int(min(max(total_steps // 20, 1), 1000) if warmup_steps is None else warmup_steps)
    config = {
        "format": CONFIG_FORMAT,
        "model": model_name,
        "width": width,
        "profile": profile.name,
        "data_dir": str(Path(os.path.abspath(root))),
        **data_fingerprint(root, catalogue),
        "train_pairs": len(train_pairs),
        "val_pairs": len(val_pairs),
        **({"validation": "photos"} if validation == "photos" else {}),
        "fresh_noise": any(pair.settings is not None for pair in train_pairs),
        "generic_fraction": float(generic_fraction),
        "generic_sources": None,
        "generic_degradations": None,
        "init_weights": None,
        "seed": seed,
        "precision": resolve_precision(precision),
        "loss": loss,
        "optimizer": "adam",
        "learning_rate": float(learning_rate),
        "warmup_steps": warmup_steps,
        "final_lr_fraction": float(final_lr_fraction),
        "clipnorm": None if clipnorm is None else float(clipnorm),
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "patch_size": patch_size,
        "batch_size": batch_size,
        "replicas": replicas,
        "global_batch_size": batch_size * replicas,
        "patience": patience or None,
        "deterministic": bool(deterministic),
        "checkpoint_minutes": checkpoint_minutes,
        "checkpoint_steps": checkpoint_steps,
        "tensorboard": bool(tensorboard),
        "package_version": __version__,
        "tensorflow_version": tf.__version__ if on_tensorflow else None,
        "keras_backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "python_version": platform.python_version(),
        "created_by": "casestudy.training.train.train",
    }

    noise_map: bool | Any = spec.map_channels > 0
    if noise_map:  # recorded only for networks told the noise, so the blind networks' runs still resume
        from casestudy.training.noise_maps import MapRecipe

        noise_map = MapRecipe(jitter=float(map_jitter), wrong=float(map_wrong))
        config["noise_map"] = noise_map.record()
    elif map_jitter or map_wrong:
        raise ValueError(f"{model_name} is a blind network: it takes no noise map to jitter or make wrong")
    if init_weights is not None:
        from casestudy.models.cards import sha256_of

        init_weights = Path(init_weights)
        if not init_weights.is_file():
            raise ValueError(f"{init_weights}: no such weights file to start from")
        config["init_weights"] = {"file": str(init_weights), "sha256": sha256_of(init_weights)}
    generic_sources = None
    if generic_fraction > 0:
        generic_sources, config["generic_sources"] = _generic_sources(root, generic_photos)
        if generic_photos is not None:
            config["generic_photos"] = Path(generic_photos).as_posix()
        # what the generic patches were given; a run folder made with other degradations is not resumed
        config["generic_degradations"] = degradations.to_dict()
        from casestudy.training.photo_patches import FLAT_REDRAWS

        config["generic_sampling"] = {"photos": "equal weight", "flat_redraws": FLAT_REDRAWS}
        # recorded only when the photos are shrunk, so runs made before the option still resume
        config["generic_scale_min"] = float(generic_scale_min) if generic_scale_min < 1.0 else None
    run_dir = Path(run_dir) if run_dir is not None else default_run_dir(model_name, profile)
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint.remove_temporaries(run_dir)
    last_path, best_path = run_dir / monitor.LAST_FILE, run_dir / monitor.BEST_FILE
    has_config = (run_dir / CONFIG_FILE).is_file()
    if resume and last_path.is_file() and not has_config:
        raise RunFolderError(f"{run_dir}: holds {last_path.name} but no {CONFIG_FILE}; not a run folder of casestudy train")
    if resume and has_config:
        _check_resumable(run_dir, config)
    resuming = resume and last_path.is_file()
    if not resuming:
        for stale in (last_path, best_path, run_dir / monitor.STATE_FILE, run_dir / monitor.LOG_FILE):
            stale.unlink(missing_ok=True)
        from casestudy.io import write_text

        write_text(run_dir / CONFIG_FILE, json.dumps(config, indent=1) + "\n")

    with strategy.scope():
        if resuming:
            model, state = checkpoint.load_checkpoint(last_path)
            state = monitor.check_state(state, str(last_path))
        else:
            keras.utils.set_random_seed(seed)
            with dtype_policy(config["precision"]):
                model = spec.build(width)
            if init_weights is not None:
                _copy_weights(init_weights, model)
            optimizer = keras.optimizers.Adam(
                learning_rate=schedule.WarmupCosine(learning_rate, warmup_steps, total_steps, final_lr_fraction),
                global_clipnorm=clipnorm,
            )
            model.compile(optimizer=optimizer, loss=LOSSES[loss], metrics=[schedule.psnr])
            state = monitor.new_state()
    start_step = int(state["step"])
    if state["finished"]:
        if verbose:
            print(f"{run_dir}: already finished ({state['stop_reason']}); nothing to do")
        return _result(run_dir, config, state, start_step)

    watcher = monitor.RunMonitor(run_dir, state, epochs, checkpoint_steps, checkpoint_minutes, patience)
    all_callbacks: list[Any] = [watcher, *_tensorboard(run_dir, tensorboard), *callbacks]
    global_batch = batch_size * replicas
    if on_tensorflow:
        validation = evaluation_dataset(val_pairs, patch_size, global_batch, blind_map=noise_map)
    else:
        validation = grid_patches(val_pairs, patch_size, blind_map=noise_map)
        workers = int(workers or max(1, (os.cpu_count() or 2) - 1))
    if verbose:
        where = f"resuming at step {start_step} (epoch {state['epoch'] + 1})" if resuming else "starting"
        print(
            f"{model_name} (width {width}, {config['precision']}) on {root}: {len(train_pairs)} training pairs, "
            f"{epochs} epochs x {steps_per_epoch} steps of {global_batch} patches ({replicas} replica(s)); "
            f"{where}; run folder {run_dir}"
        )
    for first_epoch, end_epoch, steps in _segments(start_step, steps_per_epoch, epochs):
        if state["finished"] or watcher.diverged_at is not None:
            break
        start = state["step"] * global_batch
        if on_tensorflow:
            stream = training_dataset(
                train_pairs, patch_size, global_batch, seed, fresh_noise=True, start=start,
                generic_fraction=generic_fraction, generic_sources=generic_sources,
                generic_scale=(generic_scale_min, 1.0), generic_config=degradations, noise_map=noise_map,
            )  # fmt: skip
        else:
            stream = training_batches(
                train_pairs, patch_size, global_batch, seed, start=start,
                generic_fraction=generic_fraction, generic_sources=generic_sources, workers=workers,
                generic_scale=(generic_scale_min, 1.0), generic_config=degradations, noise_map=noise_map,
            )  # fmt: skip
        model.fit(
            stream,
            epochs=end_epoch,
            initial_epoch=first_epoch,
            steps_per_epoch=steps,
            validation_data=validation,
            validation_batch_size=None if on_tensorflow else global_batch,
            callbacks=all_callbacks,
            shuffle=False,  # the stream is already random; order matters for resuming
            verbose=verbose,
        )
    if watcher.diverged_at is not None:
        kept = (
            f"the last good checkpoint, {last_path} (step {_checkpoint_step(last_path)}), was kept"
            if last_path.is_file()
            else "no checkpoint had been written yet"
        )
        raise TrainingDivergedError(
            f"training stopped at step {watcher.diverged_at}: {watcher.divergence}; {kept}. "
            f"Lower the learning rate (now {learning_rate:g}) or use float32 precision, and start over "
            "(--no-resume, or another run folder)"
        )
    return _result(run_dir, config, state, start_step)


class _SingleDevice:
    """Stands in for a tf.distribute strategy on other Keras backends: one device, no scope."""

    num_replicas_in_sync = 1

    def scope(self) -> Any:
        import contextlib

        return contextlib.nullcontext()


def _checkpoint_step(path: Path) -> int:
    """The global step stored in a checkpoint."""
    from casestudy.training.checkpoint import read_state

    return int(read_state(path)["step"])


def _segments(step: int, steps_per_epoch: int, epochs: int) -> list[tuple[int, int, int]]:
    """``fit`` calls as (initial_epoch, epochs, steps_per_epoch): the rest of an interrupted epoch, then whole ones."""
    epoch, done = divmod(step, steps_per_epoch)
    segments = []
    if done and epoch < epochs:
        segments.append((epoch, epoch + 1, steps_per_epoch - done))
        epoch += 1
    if epoch < epochs:
        segments.append((epoch, epochs, steps_per_epoch))
    return segments


def _tensorboard(run_dir: Path, wanted: bool) -> list[Any]:
    if not wanted:
        return []
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        print("note: tensorboard is not installed (pip install tensorboard); logging to log.csv only", file=sys.stderr)
        return []
    import keras

    return [keras.callbacks.TensorBoard(log_dir=str(run_dir / "tensorboard"), update_freq="epoch")]


def _result(run_dir: Path, config: dict[str, Any], state: dict[str, Any], start_step: int) -> TrainResult:
    import pandas as pd

    from casestudy.training.monitor import BEST_FILE, LAST_FILE

    best = run_dir / BEST_FILE
    return TrainResult(
        run_dir=run_dir,
        config=config,
        history=pd.DataFrame(state["history"]),
        last_path=run_dir / LAST_FILE,
        best_path=best if best.is_file() else None,
        step=int(state["step"]),
        epoch=int(state["epoch"]),
        stop_reason=state["stop_reason"],
        resumed_from_step=start_step,
    )


# --------------------------------------------------------------------------- command line


def run_cli(args: argparse.Namespace) -> int:
    """``casestudy train``: train, then print where the checkpoints are; 1 on a diverged or refused run."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        result = train(TrainConfig.from_arguments(args), verbose=0 if args.quiet else 1)
    except TrainingDivergedError as error:
        print(f"casestudy train: error: {error}", file=sys.stderr)
        return 1
    best = result.history["val_psnr"].max() if "val_psnr" in result.history else float("nan")
    print(f"{result.stop_reason}: step {result.step}, best validation PSNR {best:.2f} dB")
    print(f"best checkpoint: {result.best_path}\nlast checkpoint: {result.last_path}\nlog: {result.run_dir / 'log.csv'}")
    return 0
