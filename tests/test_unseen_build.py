"""The unseen-noise check: held-out photos, non-simulator noise at three levels, in the generic folder layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from casestudy.cli import main
from casestudy.evaluation.unseen import build as unseen
from casestudy.data.catalogue import load_catalogue
from casestudy.noise.degrade import srgb_to_linear
from casestudy.data.photos import pool_photos


@pytest.fixture(scope="module")
def check_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("unseen")
    return out, unseen.build_unseen_check(out, seed=5, long_side=48)


def test_sources_are_the_check_photos_and_the_test_scenes(check_set) -> None:
    _, record = check_set
    names = [source["name"] for source in record["sources"]]
    check = [photo.name for photo in pool_photos("check")]
    assert names[: len(check)] == check
    assert all(name.startswith("scene") for name in names[len(check) :]) and len(names) > len(check)
    assert not {photo.name for photo in pool_photos("train")} & set(names)


def test_it_loads_as_a_folders_data_set_all_in_test(check_set) -> None:
    out, record = check_set
    catalogue = load_catalogue(out)
    assert len(catalogue) == len(record["pairs"]) == 3 * len(record["sources"])
    assert set(catalogue["split"]) == {"test"} and set(catalogue["source"]) == {"folders"}
    assert catalogue["scene"].nunique() == len(record["sources"])  # the levels of one image share a scene
    assert catalogue[["height", "width"]].max().max() == 48
    assert catalogue["exif_make"].eq("").all()


def test_noise_grows_from_light_to_heavy(check_set) -> None:
    _, record = check_set
    by_level = record["noisy_psnr_by_level"]
    assert by_level["light"] > by_level["medium"] > by_level["heavy"]
    assert min(by_level[name] for name in ("light", "medium", "heavy")) > 15


def test_same_seed_same_bytes_other_seed_differs(check_set, tmp_path: Path) -> None:
    out, _ = check_set
    again = tmp_path / "again"
    unseen.build_unseen_check(again, seed=5, long_side=48)
    name = "noisy/" + json.loads((out / "unseen.json").read_text())["pairs"][0]["file"]
    assert (again / name).read_bytes() == (out / name).read_bytes()
    other = tmp_path / "other"
    unseen.build_unseen_check(other, seed=6, long_side=48)
    assert (other / name).read_bytes() != (out / name).read_bytes()


def test_noise_on_flat_grey_is_signal_dependent_and_correlated() -> None:
    level = unseen.LEVELS[1]
    for value in (0.3, 0.7):
        flat = np.full((160, 160, 3), value, dtype=np.float32)
        noisy = unseen.add_unseen_noise(flat, level, np.random.default_rng(0))
        linear = srgb_to_linear(flat)[0, 0, 0]
        residual = srgb_to_linear(noisy) - linear
        assert residual.std() == pytest.approx(np.sqrt(level.a * linear + level.b), rel=0.1)
    horizontal = np.corrcoef(residual[:, :-1, 0].ravel(), residual[:, 1:, 0].ravel())[0, 1]
    across = np.corrcoef(residual[..., 0].ravel(), residual[..., 1].ravel())[0, 1]
    assert horizontal > 0.4
    assert across == pytest.approx(unseen.CHANNEL_CORRELATION, abs=0.05)


def test_refuses_to_overwrite_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not an unseen-noise check"):
        unseen.build_unseen_check(tmp_path, long_side=32)
    with pytest.raises(ValueError, match="at least 16"):
        unseen.build_unseen_check(tmp_path / "new", long_side=8)


def test_cli_prints_the_noisy_psnr_per_level(tmp_path: Path, capsys) -> None:
    assert main(["data", "unseen", "--profile", "smoke", "--out", str(tmp_path / "u"), "--long-side", "32"]) == 0
    out = capsys.readouterr().out
    assert all(f"{name} " in out for name in ("light", "medium", "heavy")) and "dB" in out
    assert main(["data", "info", str(tmp_path / "u")]) == 0
    assert "test " in capsys.readouterr().out
