"""Profiles: chosen by name or environment, unknown names rejected, sizes ordered sensibly."""

from pathlib import Path

import pytest

from casestudy import config


def test_profile_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.PROFILE_ENV, "smoke")
    assert config.get_profile().name == "smoke"
    assert config.get_profile("gpu").name == "gpu"  # an explicit name wins


def test_default_profile_is_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.PROFILE_ENV, raising=False)
    assert config.get_profile().name == "laptop"


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="smoke, laptop, gpu"):
        config.get_profile("huge")


def test_profiles_grow_from_smoke_to_gpu() -> None:
    smoke, laptop, gpu = (config.PROFILES[name] for name in ("smoke", "laptop", "gpu"))
    assert smoke.train_steps < laptop.train_steps < gpu.train_steps
    assert smoke.sim_long_side < laptop.sim_long_side <= gpu.sim_long_side
    assert smoke.sim_subset == "smoke" and laptop.sim_subset == gpu.sim_subset == "sidd-small"


def test_each_profile_has_its_own_data_folder() -> None:
    folders = {profile.simulated_dir for profile in config.PROFILES.values()}
    assert len(folders) == len(config.PROFILES)
    assert config.PROFILES["laptop"].simulated_dir == config.data_root() / "simulated-sidd"


def test_data_dir_resolution_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(config.DATA_ENV, raising=False)
    smoke = config.PROFILES["smoke"]
    assert config.resolve_data_dir(None, smoke) == smoke.simulated_dir
    monkeypatch.setenv(config.DATA_ENV, str(tmp_path / "sidd"))
    assert config.resolve_data_dir(None, smoke) == tmp_path / "sidd"
    assert config.resolve_data_dir(tmp_path / "mine", smoke) == tmp_path / "mine"
