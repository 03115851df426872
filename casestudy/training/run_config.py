"""What a training run is given, in one place: :class:`TrainConfig`.

One frozen dataclass holds every setting of ``casestudy train`` (the network, its data, the
schedule, the patch stream, the generic degradations nested as a
:class:`casestudy.noise.degrade.DegradationConfig`, where checkpoints go). It drives:

* the command line: :func:`add_arguments` builds the parser from the fields' metadata and
  :meth:`TrainConfig.from_arguments` reads it back;
* :func:`casestudy.training.train.train`, which takes a config (or a network's name and the
  fields as keywords) and records the resolved settings in the run's ``config.json``;
* the weights card's ``reproduce`` command: :meth:`TrainConfig.from_record` rebuilds the config
  from a run's ``config.json`` and :meth:`TrainConfig.command_line` writes it out;
* resuming, which compares the ``config.json`` a config would write with the one in the folder.

A setting is added here once (a field, with its flag and help in the metadata); the parser,
the record and the card follow.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Mapping
from typing import Any

from casestudy.config import Profile
from casestudy.noise.degrade import DEFAULT_CONFIG, DegradationConfig

#: Loss names accepted by :func:`casestudy.training.train.train`, and the Keras losses they stand for.
LOSSES = {"mse": "mean_squared_error", "l1": "mean_absolute_error"}
DISTRIBUTE = ("auto", "none", "mirrored")
#: What each epoch is scored on (see :attr:`TrainConfig.validation`).
VALIDATIONS = ("split", "photos")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16", "auto")


def _option(default: Any, flag: str | None, help: str, *, record: str | None = None, **argparse_options: Any) -> Any:
    """A field with its command-line flag (``None``: not on the command line) and the ``config.json`` key that
    records it (``None``: not recorded, as a run folder or a worker count does not change what is computed)."""
    return dataclasses.field(default=default, metadata={"flag": flag, "help": help, "record": record, **argparse_options})


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Every setting of one training run; ``None`` means the profile's (or the stated) default.

    Attributes are described by the help of their command-line flag (``casestudy train --help``).
    """

    model: str = _option(None, None, "network to train", record="model")
    profile: Profile | str | None = _option(None, None, "sets the width, patch and batch size, the steps")
    data_dir: str | os.PathLike | None = _option(
        None, "--data", "data folder (default: $CASESTUDY_DATA, else the profile's simulated set)", metavar="DIR")
    run_dir: str | os.PathLike | None = _option(
        None, "--run-dir", "run folder (default: runs/<model>-<profile>)", metavar="DIR")
    epochs: int | None = _option(None, "--epochs", "epochs (default: the profile's)", record="epochs", type=int,
                                 metavar="N")
    steps_per_epoch: int | None = _option(None, "--steps-per-epoch", "steps per epoch (default: the profile's)",
                                          record="steps_per_epoch", type=int, metavar="N")
    width: int | None = _option(None, "--width", "network width (default: the profile's)", record="width", type=int,
                                metavar="N")
    precision: str = _option(
        "auto", "--precision",
        "numeric precision (default: auto, the fastest one measured to cost at most 0.05 dB on this device)",
        record="precision", choices=PRECISIONS)
    loss: str = _option("mse", "--loss", "training loss (default: mse)", record="loss", choices=tuple(sorted(LOSSES)))
    learning_rate: float = _option(1e-3, "--lr", "peak learning rate (default: 1e-3)", record="learning_rate",
                                   type=float, metavar="RATE")
    warmup_steps: int | None = _option(None, None, "linear warm-up steps (default: 5 % of the steps, at most 1,000)",
                                       record="warmup_steps")
    final_lr_fraction: float = _option(0.01, None, "fraction of the peak the cosine decays to", record="final_lr_fraction")
    clipnorm: float | None = _option(1.0, None, "clip gradients to this global norm (None: never)", record="clipnorm")
    batch_size: int | None = _option(None, "--batch-size", "patches per step and device (default: the profile's)",
                                     record="batch_size", type=int, metavar="N")
    patch_size: int | None = _option(None, "--patch-size",
                                     "side of the training (and validation) patches in pixels (default: the profile's)",
                                     record="patch_size", type=int, metavar="PX")
    seed: int | None = _option(None, "--seed", "seed of the weights and the patch stream (default: the profile's)",
                               record="seed", type=int)
    patience: int | None = _option(5, "--patience", "early stopping after N epochs without gain (0: never)",
                                   record="patience", type=int, metavar="N")
    checkpoint_minutes: float | None = _option(5.0, "--checkpoint-minutes", "write last.keras every M minutes (default: 5)",
                                               type=float, metavar="M")
    checkpoint_steps: int | None = _option(None, "--checkpoint-steps", "also write last.keras every K steps", type=int,
                                           metavar="K")
    resume: bool = _option(True, "--resume", "continue the run folder's last checkpoint if any (default); --no-resume "
                           "starts over", action=argparse.BooleanOptionalAction)
    deterministic: bool = _option(False, "--deterministic", "TensorFlow op determinism (reproducible, slower)",
                                  action="store_true")
    distribute: str = _option("auto", "--distribute", "tf.distribute strategy (default: auto)", choices=DISTRIBUTE)
    tensorboard: bool = _option(False, "--tensorboard", "also write TensorBoard logs (needs tensorboard)",
                                action="store_true")
    generic_fraction: float = _option(
        0.0, "--generic",
        "share of training patches given a generic random degradation instead of the data set's noise (default 0)",
        record="generic_fraction", type=float, metavar="FRACTION")
    generic_scale_min: float = _option(
        1.0, "--generic-scale",
        "shrink the generic patches' photos by a random factor in [MIN, 1] first: finer texture (default 1: never)",
        type=float, metavar="MIN")
    generic_photos: str | os.PathLike | None = _option(
        None, "--generic-photos",
        "clean photos for the generic patches (data/photos: the pool's train photos; default: the simulated set's "
        "source photos)", metavar="DIR")
    degradations: DegradationConfig = _option(
        DEFAULT_CONFIG, None, "the generic degradations (--generic-camera sets their camera step's probability)")
    validation: str = _option(
        "split", "--validation",
        "score epochs on the data set's validation split (default) or on held-out photos with white and generic "
        "noise (photos)", choices=VALIDATIONS)
    workers: int | None = _option(None, "--workers", "patch-drawing processes on non-TensorFlow Keras backends (JAX)",
                                  type=int, metavar="N")
    map_jitter: float = _option(
        0.0, "--map-jitter",
        "networks told the noise: multiply each training patch's map by exp(N(0, S)), as uncertain as a photo's "
        "(default 0: exact maps)", type=float, metavar="S")
    map_wrong: float = _option(
        0.0, "--map-wrong",
        "networks told the noise: share of told patches whose map is also off by a factor up to 4 either way, as "
        "from a wrong ISO (default 0)", type=float, metavar="FRACTION")
    init_weights: str | os.PathLike | None = _option(
        None, "--init-weights", "start a new run from these weights (same network and width): fine-tuning",
        metavar="FILE")

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or not self.model:
            raise ValueError(f"a training run needs a network's name, got {self.model!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of: {', '.join(LOSSES)}")
        if self.validation not in VALIDATIONS:
            raise ValueError(f"unknown validation {self.validation!r}; choose one of: {', '.join(VALIDATIONS)}")
        if not 0.0 <= self.generic_fraction <= 1.0:
            raise ValueError(f"generic_fraction must lie in [0, 1], got {self.generic_fraction}")
        if not 0.0 < self.generic_scale_min <= 1.0:
            raise ValueError(f"generic_scale_min must lie in (0, 1], got {self.generic_scale_min}")
        if not (0.0 <= self.map_jitter < float("inf")):
            raise ValueError(f"map_jitter must be a finite number >= 0, got {self.map_jitter}")
        if not 0.0 <= self.map_wrong <= 1.0:
            raise ValueError(f"map_wrong must lie in [0, 1], got {self.map_wrong}")

    @classmethod
    def of(cls, model: str, generic_camera: float | None = None, **settings: Any) -> TrainConfig:
        """``TrainConfig(model, **settings)``, with ``generic_camera`` (the camera step's probability among the
        generic degradations; ``None``: the default's) set in :attr:`degradations`.

        Raises:
            TypeError: a keyword that is not a setting.
            ValueError: a setting out of its range (an unknown loss, a probability above 1, ...).
        """
        if generic_camera is not None:
            settings["degradations"] = dataclasses.replace(settings.get("degradations", DEFAULT_CONFIG),
                                                           p_camera=float(generic_camera))  # fmt: skip
        return cls(model=model, **settings)

    @classmethod
    def from_arguments(cls, args: argparse.Namespace) -> TrainConfig:
        """The config of a parsed ``casestudy train`` command line (:func:`add_arguments`)."""
        settings = {field.name: getattr(args, _dest(field)) for field in dataclasses.fields(cls) if field.metadata["flag"]}
        return cls.of(args.model, profile=getattr(args, "profile", None), generic_camera=args.generic_camera, **settings)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> TrainConfig:
        """The config a run's ``config.json`` was written from, as far as it recorded it (its resolved width,
        epochs, precision and so on; a recorded ``None`` patience is 0, never stop early)."""
        settings = {field.name: record[field.metadata["record"]] for field in dataclasses.fields(cls)
                    if field.metadata["record"] and field.metadata["record"] in record}  # fmt: skip
        if "patience" in settings:
            settings["patience"] = settings["patience"] or 0
        if record.get("generic_scale_min") is not None:
            settings["generic_scale_min"] = float(record["generic_scale_min"])
        if record.get("generic_photos"):
            settings["generic_photos"] = record["generic_photos"]
        if record.get("validation"):
            settings["validation"] = record["validation"]
        noise_map = record.get("noise_map") or {}
        if noise_map.get("jitter"):
            settings["map_jitter"] = float(noise_map["jitter"])
        if noise_map.get("wrong"):
            settings["map_wrong"] = float(noise_map["wrong"])
        if record.get("generic_degradations"):
            settings["degradations"] = DegradationConfig(**{
                key: tuple(value) if isinstance(value, list) else value
                for key, value in record["generic_degradations"].items()})  # fmt: skip
        return cls(profile=record.get("profile"), **settings)

    def command_line(self, run_dir: str = "RUN") -> str:
        """``casestudy train ...`` that trains this config again in ``run_dir``.

        Every setting ``config.json`` records is written out, defaults too (a card's command should not
        depend on the defaults of the day); the others only where they differ from their default. Where
        the run folder, the data folder, resuming and the checkpoints' rhythm are left out: they do not
        change what is computed.

        Raises:
            ValueError: degradations that differ from the defaults in more than the camera step (the
                command line cannot say so).
        """
        words = ["casestudy", "train", self.model]
        if self.profile is not None:
            words += ["--profile", self.profile.name if isinstance(self.profile, Profile) else str(self.profile)]
        for field in dataclasses.fields(self):
            flag, value = field.metadata["flag"], getattr(self, field.name)
            if not flag or field.name in NOT_REPRODUCED:
                continue
            if field.name == "patience":
                words += [flag, str(value or 0)]
            elif value is None or (not field.metadata["record"] and value == field.default):
                continue
            elif field.metadata.get("action") == "store_true":
                words.append(flag)
            else:
                words += [flag, value.as_posix() if hasattr(value, "as_posix") else str(value)]
        if dataclasses.replace(DEFAULT_CONFIG, p_camera=self.degradations.p_camera) != self.degradations:
            raise ValueError("these generic degradations differ from the defaults in more than the camera step; "
                             "the command line cannot reproduce them")  # fmt: skip
        if self.degradations.p_camera != DEFAULT_CONFIG.p_camera:
            words += ["--generic-camera", str(self.degradations.p_camera)]
        return " ".join([*words, "--run-dir", run_dir])


#: Settings a reproduce command leaves out: where things go and how often they are saved, not what is computed
#: (the starting weights are the previous stage's, written by the card's tool).
NOT_REPRODUCED = frozenset({"data_dir", "run_dir", "resume", "workers", "checkpoint_minutes", "checkpoint_steps",
                            "tensorboard", "distribute", "init_weights"})  # fmt: skip


def _dest(field: dataclasses.Field) -> str:
    return field.metadata["flag"].lstrip("-").replace("-", "_")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``casestudy train``'s options, from :class:`TrainConfig`'s fields (``--profile`` is added by the caller)."""
    from casestudy.models import network_names

    parser.add_argument("model", metavar="MODEL", help=f"network to train: {', '.join(network_names())}")
    for field in dataclasses.fields(TrainConfig):
        meta = dict(field.metadata)
        flag = meta.pop("flag")
        if not flag:
            continue
        meta.pop("record")
        parser.add_argument(flag, default=field.default, **meta)
    parser.add_argument(
        "--generic-camera", type=float, metavar="P",
        help=f"probability of the simulated-camera step among the generic degradations (default {DEFAULT_CONFIG.p_camera})",
    )  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
