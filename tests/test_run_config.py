"""TrainConfig: one object behind the command line, config.json and the card's reproduce command."""

from __future__ import annotations

import argparse
import dataclasses
import shlex

import pytest

from casestudy.noise.degrade import DEFAULT_CONFIG
from casestudy.training.run_config import TrainConfig, add_arguments


def _parse(words: list[str]) -> TrainConfig:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile")
    add_arguments(parser)
    return TrainConfig.from_arguments(parser.parse_args(words))


def test_the_parser_is_built_from_the_fields_and_reads_back_into_the_config() -> None:
    config = _parse(["mwcnn", "--profile", "laptop", "--lr", "0.0005", "--loss", "l1", "--generic", "0.85",
                     "--generic-camera", "0.3", "--patience", "0", "--no-resume", "--width", "32"])  # fmt: skip
    assert config == TrainConfig.of("mwcnn", profile="laptop", learning_rate=5e-4, loss="l1", generic_fraction=0.85,
                                    generic_camera=0.3, patience=0, resume=False, width=32)  # fmt: skip
    assert config.degradations.p_camera == 0.3 and config.degradations.p_white == DEFAULT_CONFIG.p_white
    assert _parse(["rednet"]) == TrainConfig("rednet")  # every default is the dataclass's


def test_a_recorded_run_gives_a_command_that_parses_back_to_the_same_settings() -> None:
    record = {"model": "mwcnn", "profile": "laptop", "width": 16, "epochs": 25, "steps_per_epoch": 750,
              "precision": "mixed_bfloat16", "loss": "l1", "learning_rate": 0.001, "batch_size": 16, "patch_size": 64,
              "seed": 2021, "patience": None, "generic_fraction": 0.85, "generic_scale_min": 0.5,
              "generic_photos": "data/photos", "validation": "photos", "warmup_steps": 937, "final_lr_fraction": 0.01,
              "clipnorm": 1.0, "generic_degradations": {**DEFAULT_CONFIG.to_dict(), "p_camera": 0.2}}  # fmt: skip
    config = TrainConfig.from_record(record)
    command = config.command_line(run_dir="RUN")
    assert command.startswith("casestudy train mwcnn --profile laptop --epochs 25") and command.endswith("--run-dir RUN")
    assert "--patience 0" in command and "--generic-camera 0.2" in command
    again = _parse(shlex.split(command)[2:])
    # the command line does not carry the schedule's fine print (warm-up, final fraction, clipping): those stay defaults
    assert again == dataclasses.replace(config, warmup_steps=None, run_dir="RUN")


def test_the_errors_put_in_a_networks_training_maps_come_back_from_its_record() -> None:
    from casestudy.training.noise_maps import MapRecipe

    record = {"model": "nafnet", "profile": "laptop", "noise_map": MapRecipe(jitter=0.3, wrong=0.2).record()}
    config = TrainConfig.from_record(record)
    assert (config.map_jitter, config.map_wrong) == (0.3, 0.2)
    command = config.command_line(run_dir="RUN")
    assert "--map-jitter 0.3 --map-wrong 0.2" in command
    assert _parse(shlex.split(command)[2:]) == dataclasses.replace(config, run_dir="RUN")
    exact = TrainConfig.from_record({"model": "nafnet", "noise_map": MapRecipe().record()})
    assert (exact.map_jitter, exact.map_wrong) == (0.0, 0.0) and "--map-" not in exact.command_line()


def test_bad_settings_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown loss 'l3'"):
        TrainConfig("rednet", loss="l3")
    with pytest.raises(ValueError, match=r"generic_scale_min must lie in \(0, 1\]"):
        TrainConfig("rednet", generic_scale_min=0.0)
    with pytest.raises(ValueError, match=r"p_camera must be a probability in \[0, 1\], got 1.5"):
        TrainConfig.of("rednet", generic_camera=1.5)
    with pytest.raises(TypeError, match="learning_rte"):
        TrainConfig.of("rednet", learning_rte=0.1)
    with pytest.raises(ValueError, match="needs a network's name"):
        TrainConfig()
    with pytest.raises(ValueError, match="map_jitter must be a finite number >= 0"):
        TrainConfig("nafnet", map_jitter=-0.1)
    with pytest.raises(ValueError, match=r"map_wrong must lie in \[0, 1\]"):
        TrainConfig("nafnet", map_wrong=2.0)
    odd = TrainConfig("rednet", degradations=dataclasses.replace(DEFAULT_CONFIG, p_white=0.9))
    with pytest.raises(ValueError, match="cannot reproduce"):
        odd.command_line()
