"""`casestudy data build --photos DIR`: extra photos become training scenes of the simulated set."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from casestudy.cli import main
from casestudy.config import PROFILES
from casestudy.data.catalogue import load_catalogue
from casestudy.data.photo_scenes import photo_captures
from casestudy.data.photos import PhotoPoolError
from casestudy.data.simulated import build_dataset
from test_photos import make_pool, write_photo

TINY = dataclasses.replace(PROFILES["smoke"], sim_long_side=32)


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    write_photo(folder / "lake.png", 1, size=(90, 120))
    write_photo(folder / "moss.jpg", 2, size=(120, 80))
    return folder


def test_photos_join_the_training_split_as_scenes_of_their_own(tmp_path: Path, photo_dir: Path) -> None:
    out = tmp_path / "set"
    report = build_dataset(out, TINY, photos=photo_dir, photo_captures=3)
    assert "6 from 2 extra training photos" in report
    catalogue = load_catalogue(out)
    extra = catalogue[catalogue["scene"].isin(["101", "102"])]
    assert len(extra) == 6 and set(extra["split"]) == {"train"}
    assert extra.groupby("scene").size().to_dict() == {"101": 3, "102": 3}
    assert {"val", "test"} <= set(catalogue["split"])  # the embedded scenes keep their split
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["photos"]) == {"lake", "moss"}
    assert {manifest["captures"][name]["source"] for name in extra["instance"]} == {"photos:lake.png", "photos:moss.jpg"}


def test_the_split_of_the_embedded_scenes_does_not_change(tmp_path: Path, photo_dir: Path) -> None:
    plain, with_photos = tmp_path / "plain", tmp_path / "photos-set"
    build_dataset(plain, TINY)
    build_dataset(with_photos, TINY, photos=photo_dir, photo_captures=1)
    before = load_catalogue(plain).set_index("instance")["split"]
    after = load_catalogue(with_photos).set_index("instance")["split"]
    assert after.loc[before.index].equals(before)


def test_rebuild_reuses_and_a_changed_photo_rebuilds_its_pairs(tmp_path: Path, photo_dir: Path) -> None:
    out = tmp_path / "set"
    build_dataset(out, TINY, photos=photo_dir, photo_captures=2)
    first = (out / "manifest.json").read_bytes()
    assert "0 built" in build_dataset(out, TINY, photos=photo_dir, photo_captures=2)
    assert (out / "manifest.json").read_bytes() == first
    write_photo(photo_dir / "lake.png", 7, size=(90, 120))
    assert "2 built" in build_dataset(out, TINY, photos=photo_dir, photo_captures=2)
    assert (out / "manifest.json").read_bytes() != first  # the manifest (and any hash of it) covers the photos


def test_a_saved_split_cannot_send_a_photo_scene_to_test(tmp_path: Path, photo_dir: Path) -> None:
    out = tmp_path / "set"
    build_dataset(out, TINY, photos=photo_dir, photo_captures=1)
    split_file = out / "split.csv"
    split_file.write_text(split_file.read_text().replace("101,train", "101,test"))
    build_dataset(out, TINY, photos=photo_dir, photo_captures=1)
    assert "101,train" in split_file.read_text()


def test_views_span_native_to_whole_photo(photo_dir: Path) -> None:
    captures = photo_captures(photo_dir, seed=1, long_side=32, captures=4)
    lake = [c for c in captures if c.photo.name == "lake"]
    assert lake[0].view == (0, 0, 90, 120)
    heights = [c.view[2] for c in lake]
    assert heights[1:] == sorted(heights[1:]) and heights[1] < heights[2] < heights[3] == 90
    assert min(heights) >= 32 / 0.85 * 90 / 120 - 1
    assert [c.row.instance for c in captures] == list(range(1001, 1009))
    again = photo_captures(photo_dir, seed=1, long_side=32, captures=4)
    assert [c.row.name for c in again] == [c.row.name for c in captures]


def test_a_pool_folder_never_contributes_its_check_photos(tmp_path: Path) -> None:
    pool = make_pool(tmp_path / "pool", {"keep": "train", "held": "check"})
    names = {c.photo.name for c in photo_captures(pool, seed=0, long_side=16, captures=1)}
    assert names == {"keep"}


def test_cli_builds_with_photos_and_reports_bad_folders(tmp_path: Path, photo_dir: Path, capsys) -> None:
    assert main(["data", "build", "--profile", "smoke", "--out", str(tmp_path / "set"), "--photos", str(photo_dir),
                 "--photo-captures", "1"]) == 0  # fmt: skip
    assert "2 from 2 extra training photos" in capsys.readouterr().out
    assert main(["data", "build", "--profile", "smoke", "--out", str(tmp_path / "x"), "--photos", str(tmp_path / "no")]) == 1
    assert "photo folder not found" in capsys.readouterr().err


def test_bad_capture_count_is_refused(photo_dir: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        photo_captures(photo_dir, seed=0, long_side=32, captures=0)
    with pytest.raises(PhotoPoolError):
        photo_captures(photo_dir / "missing", seed=0, long_side=32)


def test_source_photos_are_the_sharp_originals_behind_the_training_pairs(tmp_path: Path, photo_dir: Path) -> None:
    from casestudy.data.simulated import source_photos
    from casestudy.io import read_image, to_uint8

    out = tmp_path / "set"
    build_dataset(out, TINY, photos=photo_dir, photo_captures=1)
    catalogue = load_catalogue(out)
    photos = source_photos(out, "train")
    train_scenes = set(catalogue.loc[catalogue["split"] == "train", "scene"])
    assert len(photos) == len(train_scenes)
    lake = to_uint8(read_image(photo_dir / "lake.png"))
    assert any(p.shape == lake.shape and (p == lake).all() for p in photos)
    write_photo(photo_dir / "lake.png", 9, size=(90, 120))  # the photo changes after the build
    with pytest.raises(ValueError, match="lake.png is missing or not the one it was built from"):
        source_photos(out, "train")


def test_a_rebuild_of_the_profile_set_keeps_its_extra_photos(tmp_path: Path, photo_dir: Path, monkeypatch) -> None:
    from casestudy.data import simulated

    profile = dataclasses.replace(TINY, name="tiny-photos")
    monkeypatch.setattr(type(profile), "simulated_dir", property(lambda self: tmp_path / "set"))
    build_dataset(tmp_path / "set", profile, photos=photo_dir, photo_captures=2)
    monkeypatch.setattr(simulated, "simulator_fingerprint", lambda: "changed")  # the simulator was edited
    simulated.ensure_dataset(profile)
    catalogue = load_catalogue(tmp_path / "set")
    assert catalogue["scene"].isin(["101", "102"]).sum() == 4
