"""The embedded simulated data set: layout, EXIF, manifest, determinism, repair, split, noise range."""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from casestudy.config import PROFILES
from casestudy.data import simulated
from casestudy.data.scenes import SCENES, load_scene, scene_ids, scene_path
from casestudy.data.simulated import (
    DATA_SUBDIR,
    CaptureRow,
    GT_FILE,
    NOISY_FILE,
    build_dataset,
    ensure_dataset,
    load_capture_settings,
    read_manifest,
    rows_for_profile,
    sidd_small_rows,
)
from casestudy.data.split import check_scene_disjoint, read_split
from casestudy.io import image_size, read_exif, read_image

SMOKE = PROFILES["smoke"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def all_bytes(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def smoke_set(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("smoke") / "simulated-sidd-smoke"
    report = build_dataset(root, SMOKE)
    assert "12 built, 0 reused" in report
    return root


# --- the scenes -----------------------------------------------------------------------------


def test_ten_scenes_load_offline_as_float_rgb():
    assert scene_ids() == [f"{number:03d}" for number in range(1, 11)]
    sources = set()
    for scene_id in scene_ids():
        image = load_scene(scene_id)
        assert image.dtype == np.float32 and image.ndim == 3 and image.shape[-1] == 3
        assert min(image.shape[:2]) >= 300 and 0 <= image.min() and image.max() <= 1
        assert image.std() > 0.02
        sources.add(scene_path(scene_id).resolve())
        assert SCENES[scene_id].licence
    assert len(sources) == 10


def test_unknown_scene_is_named():
    with pytest.raises(ValueError, match="011"):
        load_scene("011")


# --- the metadata rows ----------------------------------------------------------------------


def test_sidd_small_rows_match_sidd_small_counts():
    rows = rows_for_profile(PROFILES["laptop"], {}, seed=2021)
    assert len(rows) == 160 and len({row.instance for row in rows}) == 160
    assert collections.Counter(row.phone for row in rows) == {"IP": 54, "S6": 35, "GP": 33, "N6": 22, "G4": 16}
    assert collections.Counter(row.brightness for row in rows) == {"N": 84, "L": 74, "H": 2}
    isos = collections.Counter(row.iso for row in rows)
    assert (isos[100], isos[800], isos[1600], isos[400], isos[3200]) == (56, 36, 22, 17, 13)
    assert {row.phone for row in rows if row.brightness == "H"} == {"S6"}
    assert len({row.shutter_s for row in rows}) == 30


def test_folder_names_parse_and_bad_ones_are_explained():
    row = CaptureRow.from_name("0001_001_S6_00100_00060_3200_L")
    assert (row.instance, row.scene, row.phone, row.iso, row.illuminant_k, row.brightness) == (
        1, "001", "S6", 100, 3200, "L"
    )
    assert row.shutter_s == pytest.approx(1 / 60)
    with pytest.raises(ValueError, match="unknown phone code 'XX'"):
        CaptureRow.from_name("0001_001_XX_00100_00060_3200_L")


def test_smoke_subset_is_scene_stratified_and_every_split_has_pairs():
    split = {scene: "train" for scene in scene_ids()} | {"004": "val", "007": "test", "009": "test"}
    rows = rows_for_profile(SMOKE, split, seed=2021)
    assert 10 <= len(rows) <= 14
    assert {row.scene for row in rows} == set(scene_ids())
    per_split = collections.Counter(split[row.scene] for row in rows)
    assert per_split["test"] >= 3 and per_split["val"] >= 1 and per_split["train"] >= 7


# --- the built smoke set --------------------------------------------------------------------


def test_layout_names_and_sizes(smoke_set):
    manifest = read_manifest(smoke_set)
    folders = sorted(path.name for path in (smoke_set / DATA_SUBDIR).iterdir())
    assert folders == sorted(manifest["captures"]) and len(folders) == 12
    for name in folders:
        row = CaptureRow.from_name(name)
        gt_size = image_size(smoke_set / DATA_SUBDIR / name / GT_FILE)
        assert gt_size == image_size(smoke_set / DATA_SUBDIR / name / NOISY_FILE)
        height, width = gt_size
        assert width == SMOKE.sim_long_side and height % 2 == 0 and height < width
        expected_aspect = 9 / 16 if row.phone in ("S6", "G4") else 0.75
        assert height / width == pytest.approx(expected_aspect, abs=0.02)


def test_exif_matches_folder_metadata(smoke_set):
    makes = {"GP": ("Google", "Pixel"), "IP": ("Apple", "iPhone 7"), "S6": ("samsung", "SM-G925F"),
             "N6": ("motorola", "Nexus 6"), "G4": ("LGE", "LG-H815")}
    for folder in sorted((smoke_set / DATA_SUBDIR).iterdir()):
        row = CaptureRow.from_name(folder.name)
        exif = read_exif(folder / NOISY_FILE)
        height, width = image_size(folder / NOISY_FILE)
        assert (exif["Image Make"], exif["Image Model"]) == makes[row.phone]
        assert exif["EXIF ISOSpeedRatings"] == row.iso
        assert exif["EXIF ExposureTime"] == pytest.approx(row.shutter_s, rel=1e-4)
        assert exif["EXIF FNumber"] > 1
        assert (exif["EXIF ExifImageWidth"], exif["EXIF ExifImageLength"]) == (width, height)
        assert str(exif["EXIF DateTimeOriginal"]).startswith("2016")


def test_manifest_hashes_and_settings(smoke_set):
    manifest = read_manifest(smoke_set)
    assert manifest["seed"] == SMOKE.seed and manifest["profile"]["name"] == "smoke"
    settings = load_capture_settings(smoke_set)
    for name, entry in manifest["captures"].items():
        for filename, digest in entry["sha256"].items():
            assert sha256(smoke_set / DATA_SUBDIR / name / filename) == digest
        assert settings[name] == CaptureRow.from_name(name).settings()
        assert entry["source"] == SCENES[entry["scene"]].source


def test_split_is_scene_disjoint_and_covers_every_split(smoke_set):
    split = read_split(smoke_set / "split.csv")
    assert sorted(split) == scene_ids()
    pairs = [(CaptureRow.from_name(name).scene, split[CaptureRow.from_name(name).scene])
             for name in read_manifest(smoke_set)["captures"]]
    check_scene_disjoint(pairs)
    assert {split_name for _, split_name in pairs} == {"train", "val", "test"}


def test_pairs_are_reproducible_from_seed_and_instance(smoke_set):
    """A pair's pixels depend only on (seed, instance): re-simulating one row alone gives the same files."""
    name = sorted(read_manifest(smoke_set)["captures"])[3]
    capture = simulated.simulate_row(CaptureRow.from_name(name), SMOKE.sim_long_side, SMOKE.seed)
    for key, filename in (("gt", GT_FILE), ("noisy", NOISY_FILE)):
        stored = read_image(smoke_set / DATA_SUBDIR / name / filename)
        assert np.array_equal(np.round(stored * 255), np.round(capture[key] * 255))


def test_rebuild_with_same_seed_is_byte_identical(smoke_set, tmp_path):
    again = tmp_path / "again"
    build_dataset(again, SMOKE)
    assert all_bytes(again) == all_bytes(smoke_set)
    other = tmp_path / "other-seed"
    build_dataset(other, SMOKE, seed=SMOKE.seed + 1)
    assert read_manifest(other)["seed"] == SMOKE.seed + 1


def test_interrupted_build_is_repaired(smoke_set, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(smoke_set, copy)
    folders = sorted((copy / DATA_SUBDIR).iterdir())
    (folders[0] / NOISY_FILE).unlink()  # killed between GT and NOISY
    gt = folders[1] / GT_FILE
    gt.write_bytes(gt.read_bytes()[: gt.stat().st_size // 2])  # truncated by a crash or a bad copy
    (folders[2] / f".{NOISY_FILE}.abc123.part").write_bytes(b"half a file")  # an atomic write cut short
    (copy / "manifest.json").unlink()

    report = build_dataset(copy, SMOKE)
    assert "2 built, 10 reused" in report
    assert not list(copy.rglob("*.part"))
    assert all_bytes(copy) == all_bytes(smoke_set)


def test_pairs_no_longer_listed_are_removed(smoke_set, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(smoke_set, copy)
    stale = copy / DATA_SUBDIR / "0099_005_G4_00400_00200_3200_N"
    shutil.copytree(copy / DATA_SUBDIR / sorted(read_manifest(smoke_set)["captures"])[0], stale)
    report = build_dataset(copy, SMOKE)
    assert "removed 1" in report and not stale.exists()


def test_ensure_dataset_builds_once_then_is_quiet(smoke_set, tmp_path, monkeypatch, capsys):
    import casestudy.config

    monkeypatch.setattr(casestudy.config, "data_root", lambda: tmp_path)
    shutil.copytree(smoke_set, SMOKE.simulated_dir)
    (SMOKE.simulated_dir / DATA_SUBDIR / sorted(read_manifest(smoke_set)["captures"])[0] / GT_FILE).unlink()
    assert ensure_dataset(SMOKE) == tmp_path / "simulated-sidd-smoke"
    assert "1 built, 11 reused" in capsys.readouterr().out
    ensure_dataset(SMOKE)
    assert capsys.readouterr().out == ""


def test_missing_manifest_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="casestudy data build"):
        load_capture_settings(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="manifest.json"):
        load_capture_settings(tmp_path)


# --- realism of the whole set ---------------------------------------------------------------


def test_noisy_psnr_spans_a_sidd_like_range():
    """40 of the 160 captures (every fourth), simulated in memory at long side 128.

    SIDD's noisy sRGB images run from very noisy high-ISO low-light shots to
    nearly clean ISO-100 ones; the simulated set must span a comparable range, and
    low light must be the noisier half.
    """
    rows = sidd_small_rows()[::4]
    scores = collections.defaultdict(list)
    for row in rows:
        capture = simulated.simulate_row(row, 128, seed=2021)
        mse = np.mean((capture["noisy"].astype(np.float64) - capture["gt"]) ** 2)
        scores[row.brightness].append(10 * np.log10(1 / mse))
    everything = np.concatenate([np.asarray(values) for values in scores.values()])
    assert len(everything) == 40
    assert 8 < everything.min() < 20 and 32 < everything.max() < 45
    assert 22 < np.median(everything) < 32
    assert np.percentile(everything, 90) - np.percentile(everything, 10) > 8
    assert np.median(scores["L"]) < np.median(scores["N"])


def test_profile_with_custom_size_builds(tmp_path):
    tiny = dataclasses.replace(SMOKE, sim_long_side=64)
    build_dataset(tmp_path, tiny)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {entry["width"] for entry in manifest["captures"].values()} == {64}


def test_a_changed_simulator_rebuilds_old_pairs(smoke_set, tmp_path, monkeypatch):
    copy = tmp_path / "copy"
    shutil.copytree(smoke_set, copy)
    monkeypatch.setattr(simulated, "simulator_fingerprint", lambda: "0123456789abcdef")
    assert "12 built, 0 reused" in build_dataset(copy, SMOKE)
