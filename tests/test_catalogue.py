"""The catalogue (columns, sizes, EXIF, split, detection, describe) and the scene-disjoint split."""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from casestudy.cli import main
from casestudy.data import catalogue as cat
from casestudy.data import split as sp
from casestudy.data.errors import DataLayoutError
from casestudy.io import ImageError
from fakes import clean_image, corrupt, make_pair_tree, save_image, sidd_small_names, truncate

EXPECTED_COLUMNS = [
    "source", "scene", "instance", "phone", "camera", "iso", "shutter_s", "illuminant_k", "brightness",
    "height", "width", "clean_path", "noisy_path",
    "exif_make", "exif_model", "exif_iso", "exif_exposure_s", "exif_fnumber", "exif_datetime",
    "split",
]  # fmt: skip
SOURCES = {"sidd": "sidd", "sidd-medium": "sidd", "simulated": "simulated", "renoir": "renoir", "nind": "nind",
           "folders": "folders"}  # fmt: skip


# --- the table -------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", sorted(SOURCES))
def test_every_layout_gives_the_same_columns_and_types(pair_tree: Callable[..., Path], layout: str) -> None:
    root = pair_tree(layout, n=6, scenes=3)
    table = cat.load_catalogue(root)
    assert list(table.columns) == EXPECTED_COLUMNS == list(cat.COLUMNS)
    assert len(table) == 6 and table["instance"].is_unique
    assert list(table["instance"]) == sorted(table["instance"])
    assert set(table["source"]) == {SOURCES[layout]}
    for column in ("iso", "shutter_s", "illuminant_k", "exif_iso", "exif_exposure_s", "exif_fnumber"):
        assert table[column].dtype == np.float64, column
    for column in ("height", "width"):
        assert table[column].dtype == np.int64, column
    for column in ("source", "scene", "instance", "phone", "camera", "brightness", "clean_path", "noisy_path",
                   "exif_make", "exif_model", "exif_datetime", "split"):  # fmt: skip
        assert all(isinstance(value, str) for value in table[column]), column
    assert (table["height"] == 8).all() and (table["width"] == 12).all()
    assert all(Path(path).is_absolute() and Path(path).is_file() for path in table["noisy_path"])
    assert set(table["split"]) == {"train", "val", "test"}


def test_sidd_rows_carry_the_folder_settings_and_the_exif(sidd_tree: Path) -> None:
    table = cat.load_catalogue(sidd_tree)
    row = table.iloc[0]
    assert row["instance"] == "0001_001_GP_00100_00060_3200_N"
    assert (row["scene"], row["phone"], row["camera"]) == ("001", "GP", "Google Pixel")
    assert (row["iso"], row["illuminant_k"], row["brightness"]) == (100.0, 3200.0, "N")
    assert row["shutter_s"] == pytest.approx(1 / 60)
    assert (row["exif_make"], row["exif_model"], row["exif_iso"]) == ("Google", "Pixel", 100.0)
    assert row["exif_exposure_s"] == pytest.approx(1 / 60) and row["exif_fnumber"] == pytest.approx(1.8)
    assert row["exif_datetime"].startswith("2017")


def test_missing_exif_is_empty_not_an_error(pair_tree: Callable[..., Path]) -> None:
    table = cat.load_catalogue(pair_tree("sidd", n=3, exif=False))
    assert (table["exif_make"] == "").all() and (table["exif_datetime"] == "").all()
    assert table[["exif_iso", "exif_exposure_s", "exif_fnumber"]].isna().all().all()
    assert table["iso"].notna().all()  # the folder names still say it


def test_read_exif_false_skips_the_exif_columns(sidd_tree: Path) -> None:
    table = cat.load_catalogue(sidd_tree, read_exif=False)
    assert (table["exif_model"] == "").all() and table["exif_iso"].isna().all()


def test_exif_fills_what_the_layout_does_not_record(pair_tree: Callable[..., Path]) -> None:
    table = cat.load_catalogue(pair_tree("folders", n=2))
    assert (table["camera"] == "Acme Cam 1").all()  # Make 'Acme' is already in Model 'Acme Cam 1'
    assert (table["iso"] == 1600).all() and np.allclose(table["shutter_s"], 1 / 125)
    assert (table["phone"] == "").all() and table["illuminant_k"].isna().all()
    renoir = cat.load_catalogue(pair_tree("renoir", n=2))  # BMPs carry no EXIF: stays unknown
    assert renoir["iso"].isna().all() and (renoir["camera"] == "Xiaomi Mi3").all()


def test_exif_columns_tolerate_odd_values() -> None:
    columns = cat.exif_columns(
        {"Image Make": b"Canon\x00", "EXIF ISOSpeedRatings": [400, 400], "EXIF ExposureTime": "1/250",
         "EXIF FNumber": "oops", "EXIF DateTimeOriginal": "2020:01:01 00:00:00"}  # fmt: skip
    )
    assert columns["exif_make"] == "Canon" and columns["exif_model"] == ""
    assert columns["exif_iso"] == 400 and columns["exif_exposure_s"] == pytest.approx(1 / 250)
    assert math.isnan(columns["exif_fnumber"]) and columns["exif_datetime"] == "2020:01:01 00:00:00"
    empty = cat.exif_columns({})
    assert (empty["exif_make"], empty["exif_model"], empty["exif_datetime"]) == ("", "", "")
    assert all(math.isnan(empty[key]) for key in ("exif_iso", "exif_exposure_s", "exif_fnumber"))


def test_relative_root_gives_absolute_paths(sidd_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sidd_tree.parent)
    table = cat.load_catalogue("sidd")
    assert all(Path(path).is_absolute() for path in table["clean_path"])
    assert Path(table["clean_path"][0]).is_file()


# --- bad input -------------------------------------------------------------------------------


def test_pair_of_different_sizes_names_both_files(sidd_tree: Path) -> None:
    folder = sorted((sidd_tree / "Data").iterdir())[1]
    save_image(folder / "NOISY_SRGB_010.PNG", clean_image(10, 12))
    expected = f"{folder}/NOISY_SRGB_010.PNG: size 12x10.*{folder}/GT_SRGB_010.PNG: 12x8"
    with pytest.raises(DataLayoutError, match=expected):
        cat.load_catalogue(sidd_tree)


def test_corrupted_image_is_named(sidd_tree: Path) -> None:
    folder = sorted((sidd_tree / "Data").iterdir())[3]
    corrupt(folder / "GT_SRGB_010.PNG")
    with pytest.raises(ImageError, match=f"{folder}/GT_SRGB_010.PNG: not a readable image"):
        cat.load_catalogue(sidd_tree)


def test_truncated_image_passes_the_catalogue_but_not_the_reader(sidd_tree: Path) -> None:
    """The catalogue reads headers only (fast); decoding the pixels is what finds the damage."""
    from casestudy.io import read_image

    folder = sorted((sidd_tree / "Data").iterdir())[0]
    truncate(folder / "NOISY_SRGB_010.PNG", keep=0.9)
    table = cat.load_catalogue(sidd_tree)
    with pytest.raises(ImageError, match="NOISY_SRGB_010.PNG: corrupted or truncated"):
        read_image(table["noisy_path"][0])


def test_empty_folder_lists_the_expected_layouts(tmp_path: Path) -> None:
    (tmp_path / ".DS_Store").write_bytes(b"")
    with pytest.raises(DataLayoutError, match=f"{tmp_path}: the folder is empty; expected one of") as error:
        cat.load_catalogue(tmp_path)
    for layout in cat.LOADERS:
        assert f"{layout}:" in str(error.value)


def test_wrongly_laid_out_folder_lists_layouts_and_contents(tmp_path: Path) -> None:
    save_image(tmp_path / "holiday" / "beach.png", clean_image())
    save_image(tmp_path / "IMG_0001.png", clean_image())
    expected = "not a recognised data layout \\(it holds IMG_0001.png, holiday\\)"
    with pytest.raises(DataLayoutError, match=expected) as error:
        cat.detect_layout(tmp_path)
    assert all(f"{layout}:" in str(error.value) for layout in cat.LOADERS)


def test_missing_folder_and_file_root_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataLayoutError, match="nowhere: folder not found"):
        cat.load_catalogue(tmp_path / "nowhere")
    with pytest.raises(DataLayoutError, match="nowhere: folder not found"):
        cat.load_catalogue(tmp_path / "nowhere", layout="sidd")
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(DataLayoutError, match="a.txt: not a folder"):
        cat.detect_layout(tmp_path / "a.txt")
    with pytest.raises(DataLayoutError, match="a.txt: not a folder"):
        cat.load_catalogue(tmp_path / "a.txt", layout="folders")


def test_unknown_layout_lists_the_known_ones(sidd_tree: Path) -> None:
    with pytest.raises(DataLayoutError, match="unknown layout 'dnd'; choose one of: folders, sidd, renoir, nind"):
        cat.load_catalogue(sidd_tree, layout="dnd")


def test_forcing_the_wrong_layout_says_what_does_not_fit(sidd_tree: Path) -> None:
    with pytest.raises(DataLayoutError, match="clean: folder not found"):
        cat.load_catalogue(sidd_tree, layout="folders")


def test_unparseable_sidd_folder_fails_the_whole_catalogue(sidd_tree: Path) -> None:
    bad = sidd_tree / "Data" / "0007_001_S6_00100_fast_3200_L"
    save_image(bad / "GT_SRGB_010.PNG", clean_image())
    with pytest.raises(DataLayoutError, match=f"{bad}: .*is not a SIDD instance name"):
        cat.load_catalogue(sidd_tree)


def test_duplicate_instances_and_unknown_sources_are_refused(
    sidd_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = cat.LOADERS["sidd"].find_pairs(sidd_tree)
    twin = dict(good[1], instance=good[0]["instance"])
    fake = types.SimpleNamespace(LAYOUT="fake", looks_like=lambda root: True, find_pairs=lambda root: [good[0], twin])
    monkeypatch.setitem(cat.LOADERS, "fake", fake)
    with pytest.raises(DataLayoutError, match=f"instance name '{good[0]['instance']}' is also used by"):
        cat.load_catalogue(sidd_tree, layout="fake")
    fake.find_pairs = lambda root: [dict(good[0], source="dnd")]
    with pytest.raises(DataLayoutError, match="unknown source 'dnd'"):
        cat.load_catalogue(sidd_tree, layout="fake")
    fake.find_pairs = lambda root: []
    with pytest.raises(DataLayoutError, match="no pairs found"):
        cat.load_catalogue(sidd_tree, layout="fake")


# --- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "expected"),
    [("sidd", "sidd"), ("sidd-medium", "sidd"), ("simulated", "sidd"), ("renoir", "renoir"), ("nind", "nind"),
     ("folders", "folders")],  # fmt: skip
)
def test_detect_layout(pair_tree: Callable[..., Path], layout: str, expected: str) -> None:
    assert cat.detect_layout(pair_tree(layout, n=2)) == expected


def test_detection_prefers_the_explicit_clean_noisy_structure(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("folders", n=2)
    save_image(root / "clean" / "x_ISO200.png", clean_image())  # would also look like NIND
    assert cat.detect_layout(root) == "folders"


# --- the split -------------------------------------------------------------------------------


def test_catalogue_split_is_scene_disjoint_and_saved(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("sidd", n=12, scenes=6)
    table = cat.load_catalogue(root)
    assert table.groupby("scene")["split"].nunique().max() == 1
    saved = sp.read_split(root / sp.SPLIT_FILE)
    assert saved == dict(zip(table["scene"], table["split"]))
    again = cat.load_catalogue(root, seed=99)  # split.csv rules once written
    assert list(again["split"]) == list(table["split"])


def test_catalogue_refuses_a_split_file_that_lacks_scenes(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("sidd", n=6, scenes=3)
    (root / sp.SPLIT_FILE).write_text("scene,split\n001,train\n002,test\n")
    with pytest.raises(sp.SplitError, match="split.csv: scenes \\['003'\\] are not in the saved split"):
        cat.load_catalogue(root)


def test_catalogue_in_a_read_only_folder_still_splits(sidd_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr(sp, "write_split", refuse)
    table = cat.load_catalogue(sidd_tree)
    assert set(table["split"]) == {"train", "val", "test"}
    assert not (sidd_tree / sp.SPLIT_FILE).exists()


def test_assign_scene_split_is_deterministic_and_order_free() -> None:
    scenes = [f"{index:03d}" for index in range(1, 11)]
    first = sp.assign_scene_split(scenes, seed=2021)
    assert first == sp.assign_scene_split(list(reversed(scenes)) + scenes[:3], seed=2021)
    assert list(first) == sorted(first)
    others = [sp.assign_scene_split(scenes, seed=seed) for seed in range(20)]
    assert any(other != first for other in others)


@pytest.mark.parametrize("n", range(3, 16))
def test_assign_scene_split_fills_all_three_splits(n: int) -> None:
    scenes = [f"scene{index}" for index in range(n)]
    assignment = sp.assign_scene_split(scenes, seed=n)
    assert set(assignment) == set(scenes)  # every scene exactly once, so disjoint
    assert set(assignment.values()) == {"train", "val", "test"}
    counts = pd.Series(assignment).value_counts()
    assert counts["train"] >= counts["test"] >= 1 and counts["val"] >= 1


@pytest.mark.parametrize("n", [1, 2])
def test_fewer_than_three_scenes_all_train(n: int) -> None:
    assert set(sp.assign_scene_split([f"s{i}" for i in range(n)]).values()) == {"train"}


def test_assign_scene_split_rejects_bad_input() -> None:
    with pytest.raises(sp.SplitError, match="empty"):
        sp.assign_scene_split([])
    with pytest.raises(sp.SplitError, match="fractions"):
        sp.assign_scene_split(["a", "b", "c"], fractions=(0.5, 0.5, 0.5))


def test_load_or_create_split_writes_then_reads_the_same(tmp_path: Path) -> None:
    scenes = ["b", "a", "c", "d", "e", "a"]
    made = sp.load_or_create_split(tmp_path, scenes, seed=3)
    assert (tmp_path / sp.SPLIT_FILE).read_text().startswith("scene,split\na,")
    assert sp.load_or_create_split(tmp_path, scenes, seed=999) == made
    assert sp.read_split(tmp_path / sp.SPLIT_FILE) == made
    assert sp.load_or_create_split(tmp_path, ["a", "c"]) == {"a": made["a"], "c": made["c"]}  # a subset is fine


def test_load_or_create_split_errors_on_missing_scenes(tmp_path: Path) -> None:
    sp.load_or_create_split(tmp_path, ["a", "b", "c"])
    with pytest.raises(sp.SplitError, match=f"{tmp_path / sp.SPLIT_FILE}: scenes \\['z'\\].*delete split.csv"):
        sp.load_or_create_split(tmp_path, ["a", "b", "c", "z"])


@pytest.mark.parametrize(
    ("text", "reason"),
    [("name,split\na,train\n", "expected the header 'scene,split'"),
     ("scene,split\na,train\nb,holdout\n", ":3: unknown split 'holdout'"),
     ("scene,split\na,train\na,test\n", ":3: scene 'a' is listed twice")],  # fmt: skip
)
def test_read_split_names_the_bad_line(tmp_path: Path, text: str, reason: str) -> None:
    (tmp_path / "split.csv").write_text(text)
    with pytest.raises(sp.SplitError, match=f"split.csv{reason}" if reason.startswith(":") else reason):
        sp.read_split(tmp_path / "split.csv")


def test_check_scene_disjoint_catches_a_leak() -> None:
    sp.check_scene_disjoint([("a", "train"), ("a", "train"), ("b", "test")])
    with pytest.raises(sp.SplitError, match="scene 'a' is in both 'train' and 'test'"):
        sp.check_scene_disjoint([("a", "train"), ("b", "val"), ("a", "test")])


# --- describe and the command line -----------------------------------------------------------


def test_describe_summarises_the_catalogue(sidd_tree: Path) -> None:
    table = cat.load_catalogue(sidd_tree)
    text = cat.describe(table, sidd_tree)
    assert str(sidd_tree) in text
    assert "Pairs: 6 in 3 scenes" in text
    assert "GP Google Pixel" in text and "33.3 %" in text
    assert "ISO levels (5): 100 x2, 400 x1, 800 x1, 1600 x1, 3200 x1" in text
    assert "Brightness: " in text and "H 2" in text
    assert "8x12 (2)" in text
    assert "train" in text and "test" in text and "pairs" in text
    assert "EXIF: 6 of 6 noisy files carry EXIF" in text


def test_describe_says_what_is_unknown(pair_tree: Callable[..., Path]) -> None:
    text = cat.describe(cat.load_catalogue(pair_tree("renoir", n=4, scenes=2)), "renoir")
    assert "ISO levels: unknown for all 4 pairs" in text
    assert "Brightness: unknown 4" in text
    assert "EXIF: 0 of 4 noisy files carry EXIF" in text
    assert cat.describe(pd.DataFrame(columns=cat.COLUMNS), "x").endswith("no pairs")


def test_sidd_small_sized_tree_matches_the_case_study(tmp_path: Path) -> None:
    root = make_pair_tree(tmp_path, "sidd", n=160, names=sidd_small_names())
    table = cat.load_catalogue(root)
    assert len(table) == 160 and table["scene"].nunique() == 10
    assert table["phone"].value_counts().to_dict() == {"IP": 54, "S6": 35, "GP": 33, "N6": 22, "G4": 16}
    assert table["brightness"].value_counts().to_dict() == {"N": 84, "L": 74, "H": 2}
    assert set(table.loc[table["brightness"] == "H", "phone"]) == {"S6"}
    iso = table["iso"].value_counts()
    assert len(iso) == 14 and (iso[100], iso[800], iso[1600], iso[400], iso[3200]) == (56, 36, 22, 17, 13)
    assert table["shutter_s"].nunique() == 30
    text = cat.describe(table, root)
    assert "Pairs: 160 in 10 scenes" in text and "IP Apple iPhone 7" in text and "33.8 %" in text


def test_cli_data_info_prints_the_summary(sidd_tree: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["data", "info", str(sidd_tree)]) == 0
    out = capsys.readouterr().out
    assert "Pairs: 6 in 3 scenes" in out and "Split (scene-disjoint):" in out


def test_cli_data_info_reports_a_layout_error_in_one_line(sidd_tree: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["data", "info", str(sidd_tree), "--layout", "nind"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
