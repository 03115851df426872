"""The layout loaders: pairs matched by name, metadata parsed, and every malformed tree a named error."""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from casestudy.data import folders, nind, renoir, sidd, sidd_names
from casestudy.data.errors import DataLayoutError
from fakes import clean_image, make_pair_tree, save_image

LOADERS = {"sidd": sidd, "renoir": renoir, "nind": nind, "folders": folders}
#: Which loader should claim each fake layout.
CLAIMS = {"sidd": "sidd", "sidd-medium": "sidd", "simulated": "sidd", "renoir": "renoir", "nind": "nind",
          "folders": "folders"}  # fmt: skip
RECORD_KEYS = {"source", "scene", "instance", "phone", "camera", "iso", "shutter_s", "illuminant_k", "brightness",
               "clean_path", "noisy_path"}  # fmt: skip


def _comparable(records: list[dict]) -> list[dict]:
    """Records with NaN replaced by None, so that equal lists compare equal."""
    return [{key: None if value != value else value for key, value in record.items()} for record in records]


# --- every layout ----------------------------------------------------------------------------


@pytest.mark.parametrize("layout", sorted(CLAIMS))
def test_each_loader_recognises_only_its_own_layout(pair_tree: Callable[..., Path], layout: str) -> None:
    root = pair_tree(layout, n=4, scenes=2)
    claims = {name for name, loader in LOADERS.items() if loader.looks_like(root)}
    assert claims == {CLAIMS[layout]}


@pytest.mark.parametrize("layout", sorted(CLAIMS))
def test_each_loader_returns_one_sorted_record_per_pair(pair_tree: Callable[..., Path], layout: str) -> None:
    root = pair_tree(layout, n=6, scenes=3)
    records = LOADERS[CLAIMS[layout]].find_pairs(root)
    assert len(records) == 6
    for record in records:
        assert set(record) == RECORD_KEYS
        assert Path(record["clean_path"]).is_absolute() and Path(record["clean_path"]).is_file()
        assert Path(record["noisy_path"]).is_absolute() and Path(record["noisy_path"]).is_file()
        assert record["clean_path"] != record["noisy_path"]
    assert len({record["instance"] for record in records}) == 6
    assert _comparable(records) == _comparable(LOADERS[CLAIMS[layout]].find_pairs(root))  # deterministic


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_loaders_see_nothing_in_an_empty_or_missing_folder(tmp_path: Path, loader: str) -> None:
    assert not LOADERS[loader].looks_like(tmp_path)
    assert not LOADERS[loader].looks_like(tmp_path / "missing")


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_find_pairs_on_an_empty_folder_is_a_named_error(tmp_path: Path, loader: str) -> None:
    with pytest.raises(DataLayoutError, match=str(tmp_path)):
        LOADERS[loader].find_pairs(tmp_path)


# --- SIDD ------------------------------------------------------------------------------------


def test_sidd_folder_name_is_parsed() -> None:
    parsed = sidd_names.parse_instance_name("0001_001_S6_00100_00060_3200_L")
    assert parsed == {
        "instance_number": "0001",
        "scene": "001",
        "phone": "S6",
        "camera": "Samsung Galaxy S6 Edge",
        "iso": 100.0,
        "shutter_s": pytest.approx(1 / 60),
        "illuminant_k": 3200.0,
        "brightness": "L",
    }


@pytest.mark.parametrize(
    ("name", "phone", "camera", "iso", "shutter", "kelvin", "brightness"),
    [
        ("0052_002_S6_01600_01000_5500_N", "S6", "Samsung Galaxy S6 Edge", 1600, 1 / 1000, 5500, "N"),
        ("0200_010_GP_01600_03200_5500_N", "GP", "Google Pixel", 1600, 1 / 3200, 5500, "N"),
        ("0099_008_IP_10000_08460_4400_H", "IP", "Apple iPhone 7", 10000, 1 / 8460, 4400, "H"),
        ("0010_001_N6_00050_00025_3200_L", "N6", "Motorola Nexus 6", 50, 1 / 25, 3200, "L"),
        ("0123_006_G4_00800_00020_4400_N", "G4", "LG G4", 800, 1 / 20, 4400, "N"),
    ],
)
def test_sidd_phone_codes_and_shutter_denominators(name, phone, camera, iso, shutter, kelvin, brightness) -> None:
    parsed = sidd_names.parse_instance_name(name)
    assert (parsed["phone"], parsed["camera"], parsed["iso"]) == (phone, camera, iso)
    assert parsed["shutter_s"] == pytest.approx(shutter)
    assert (parsed["illuminant_k"], parsed["brightness"]) == (kelvin, brightness)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("0001_001_S6_00100_00060_3200", "is not a SIDD instance name"),
        ("0001_001_S6_00100_00060_3200_L_extra", "is not a SIDD instance name"),
        ("0001_001_S6_ISO100_00060_3200_L", "is not a SIDD instance name"),
        ("0001_001_XX_00100_00060_3200_L", "unknown phone code 'XX'"),
        ("0001_001_S6_00100_00060_3200_Q", "unknown brightness code 'Q'"),
        ("0001_001_S6_00100_00000_3200_L", "shutter field is 0"),
    ],
)
def test_unparseable_sidd_folder_is_an_error_naming_it(tmp_path: Path, name: str, reason: str) -> None:
    root = make_pair_tree(tmp_path, "sidd", n=2)
    bad = root / "Data" / name
    bad.mkdir()
    save_image(bad / "GT_SRGB_010.PNG", clean_image())
    save_image(bad / "NOISY_SRGB_010.PNG", clean_image())
    with pytest.raises(DataLayoutError, match=f"{bad}.*{reason}"):
        sidd.find_pairs(root)


def test_sidd_instance_is_the_folder_name_and_scene_the_scene_number(sidd_tree: Path) -> None:
    records = sidd.find_pairs(sidd_tree)
    for record in records:
        folder = Path(record["noisy_path"]).parent
        assert record["instance"] == folder.name
        assert record["scene"] == folder.name.split("_")[1]
        assert Path(record["clean_path"]) == folder / "GT_SRGB_010.PNG"
        assert Path(record["noisy_path"]) == folder / "NOISY_SRGB_010.PNG"
        assert record["source"] == "sidd"
    assert [record["instance"] for record in records] == sorted(record["instance"] for record in records)


def test_sidd_root_may_be_the_data_folder_itself(sidd_tree: Path) -> None:
    assert sidd.looks_like(sidd_tree / "Data")
    assert _comparable(sidd.find_pairs(sidd_tree / "Data")) == _comparable(sidd.find_pairs(sidd_tree))


def test_sidd_medium_pairs_gt_k_with_noisy_k(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("sidd-medium", n=4, scenes=2)
    records = sidd.find_pairs(root)
    assert len(records) == 4
    for record in records:
        index = record["instance"].rsplit("_", 1)[1]
        assert index in ("010", "011")
        assert Path(record["clean_path"]).name == f"GT_SRGB_{index}.PNG"
        assert Path(record["noisy_path"]).name == f"NOISY_SRGB_{index}.PNG"
        assert Path(record["clean_path"]).parent == Path(record["noisy_path"]).parent


def test_sidd_pairing_ignores_letter_case_and_other_files(sidd_tree: Path) -> None:
    folder = sorted((sidd_tree / "Data").iterdir())[0]
    (folder / "GT_SRGB_010.PNG").rename(folder / "gt_srgb_010.png")
    (folder / "GT_RAW_010.MAT").write_bytes(b"raw data")
    (folder / ".done.json").write_text("{}")
    (sidd_tree / "Data" / "Scene_Instances.txt").write_text("listing")
    records = sidd.find_pairs(sidd_tree)
    assert len(records) == 6
    assert Path(records[0]["clean_path"]).name == "gt_srgb_010.png"


@pytest.mark.parametrize(("remove", "named", "missing"), [("NOISY", "GT", "NOISY"), ("GT", "NOISY", "GT")])
def test_sidd_file_without_its_partner_is_named(sidd_tree: Path, remove: str, named: str, missing: str) -> None:
    folder = sorted((sidd_tree / "Data").iterdir())[2]
    (folder / f"{remove}_SRGB_010.PNG").unlink()
    with pytest.raises(DataLayoutError, match=f"{folder / named}_SRGB_010.PNG: no matching {missing}_SRGB_010"):
        sidd.find_pairs(sidd_tree)


def test_sidd_medium_second_pair_without_partner_is_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("sidd-medium", n=4)
    folder = sorted((root / "Data").iterdir())[1]
    (folder / "GT_SRGB_011.PNG").unlink()
    with pytest.raises(DataLayoutError, match="NOISY_SRGB_011.PNG: no matching GT_SRGB_011"):
        sidd.find_pairs(root)


def test_sidd_folder_without_images_is_named(sidd_tree: Path) -> None:
    empty = sidd_tree / "Data" / "0099_001_GP_00100_00060_3200_N"
    empty.mkdir()
    with pytest.raises(DataLayoutError, match=f"{empty}: no GT_SRGB_<k>.PNG"):
        sidd.find_pairs(sidd_tree)


def test_sidd_data_folder_without_instances_is_named(tmp_path: Path) -> None:
    (tmp_path / "Data").mkdir()
    assert sidd.looks_like(tmp_path)  # so the error below is what a user sees, not "unknown layout"
    with pytest.raises(DataLayoutError, match=f"{tmp_path / 'Data'}: no SIDD instance folders"):
        sidd.find_pairs(tmp_path)


def test_simulated_manifest_marks_the_source(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("simulated", n=3)
    assert {record["source"] for record in sidd.find_pairs(root)} == {"simulated"}
    assert {record["source"] for record in sidd.find_pairs(root / "Data")} == {"simulated"}


def test_the_simulated_format_name_is_the_one_the_builder_writes() -> None:
    from casestudy.data import simulated

    assert simulated.FORMAT in sidd.SIMULATED_FORMATS
    assert simulated.MANIFEST_FILE == sidd.MANIFEST and simulated.DATA_SUBDIR == sidd.DATA_FOLDER


@pytest.mark.parametrize(
    ("manifest", "source"),
    [({"source": "simulated"}, "simulated"), ({"source": "SIDD"}, "sidd"), ({"note": "hand made"}, "sidd")],
)
def test_manifest_source_key_is_honoured(sidd_tree: Path, manifest: dict, source: str) -> None:
    (sidd_tree / "manifest.json").write_text(json.dumps(manifest))
    assert sidd.source_of(sidd_tree) == source


@pytest.mark.parametrize(
    ("text", "reason"),
    [("{not json", "not a readable JSON manifest"), ("[1, 2]", "expected a JSON object"),
     ('{"source": "camera roll"}', "unknown source 'camera roll'")],  # fmt: skip
)
def test_bad_manifest_is_named(sidd_tree: Path, text: str, reason: str) -> None:
    (sidd_tree / "manifest.json").write_text(text)
    with pytest.raises(DataLayoutError, match=f"manifest.json: {reason}"):
        sidd.find_pairs(sidd_tree)


# --- RENOIR ----------------------------------------------------------------------------------


def test_renoir_noisy_images_pair_with_their_batch_reference(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("renoir", n=6, scenes=3)
    records = renoir.find_pairs(root)
    for record in records:
        noisy, clean = Path(record["noisy_path"]), Path(record["clean_path"])
        assert clean.parent == noisy.parent
        assert clean.name.endswith("Reference.bmp") and noisy.name.endswith("Noisy.bmp")
        assert record["scene"] == f"Mi3_{noisy.parent.name}"
        assert record["instance"] == f"{record['scene']}_{noisy.stem}"
        assert (record["phone"], record["camera"], record["source"]) == ("Mi3", "Xiaomi Mi3", "renoir")
        assert math.isnan(record["iso"]) and math.isnan(record["shutter_s"]) and record["brightness"] == ""
    by_scene: dict[str, set[str]] = {}
    for record in records:
        by_scene.setdefault(record["scene"], set()).add(record["clean_path"])
    assert len(by_scene) == 3 and all(len(cleans) == 1 for cleans in by_scene.values())
    assert sorted(len([r for r in records if r["scene"] == scene]) for scene in by_scene) == [2, 2, 2]


def test_renoir_full_images_are_never_the_clean_image(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("renoir", n=4, scenes=2)
    assert list(root.rglob("*full.bmp"))
    assert all(Path(record["clean_path"]).name.endswith("Reference.bmp") for record in renoir.find_pairs(root))


def test_renoir_root_may_be_a_camera_folder(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("renoir", n=4, scenes=2)
    assert renoir.looks_like(root / "Mi3_Aligned")
    assert _comparable(renoir.find_pairs(root / "Mi3_Aligned")) == _comparable(renoir.find_pairs(root))


def test_renoir_iso_from_the_file_name_or_a_batch_note(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("renoir", n=4, scenes=2)
    batch1, batch2 = root / "Mi3_Aligned" / "Batch_001", root / "Mi3_Aligned" / "Batch_002"
    (batch1 / "IMG_0Noisy.bmp").rename(batch1 / "IMG_0_ISO3200Noisy.bmp")
    (batch2 / "notes.txt").write_text("IMG_1Noisy.bmp ISO 1600\nIMG_2Reference.bmp ISO=100\nunrelated line\n")
    iso = {Path(record["noisy_path"]).name: record["iso"] for record in renoir.find_pairs(root)}
    assert iso["IMG_0_ISO3200Noisy.bmp"] == 3200
    assert iso["IMG_1Noisy.bmp"] == 1600
    assert math.isnan(iso["IMG_2Noisy.bmp"]) and math.isnan(iso["IMG_3Noisy.bmp"])


def test_renoir_unknown_camera_keeps_its_folder_prefix(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("renoir", n=2, scenes=1)
    (root / "Mi3_Aligned").rename(root / "Nikon_Aligned")
    record = renoir.find_pairs(root)[0]
    assert (record["phone"], record["camera"], record["scene"]) == ("Nikon", "Nikon", "Nikon_Batch_001")


def test_renoir_batch_without_reference_is_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("renoir", n=4, scenes=2)
    batch = root / "Mi3_Aligned" / "Batch_002"
    (batch / "IMG_2Reference.bmp").unlink()
    with pytest.raises(DataLayoutError, match=f"{batch}: expected exactly one \\*Reference.bmp, found none"):
        renoir.find_pairs(root)


def test_renoir_batch_with_two_references_is_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("renoir", n=4, scenes=2)
    batch = root / "Mi3_Aligned" / "Batch_001"
    shutil.copy(batch / "IMG_1Reference.bmp", batch / "IMG_9Reference.bmp")
    with pytest.raises(DataLayoutError, match="found IMG_1Reference.bmp, IMG_9Reference.bmp"):
        renoir.find_pairs(root)


def test_renoir_reference_without_noisy_is_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("renoir", n=4, scenes=2)
    batch = root / "Mi3_Aligned" / "Batch_001"
    for noisy in batch.glob("*Noisy.bmp"):
        noisy.unlink()
    with pytest.raises(DataLayoutError, match="IMG_1Reference.bmp: no \\*Noisy.bmp in its batch"):
        renoir.find_pairs(root)


def test_renoir_unexpected_image_is_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("renoir", n=2, scenes=1)
    stray = save_image(root / "Mi3_Aligned" / "Batch_001" / "IMG_5.bmp", clean_image())
    with pytest.raises(DataLayoutError, match=f"{stray}: not a RENOIR"):
        renoir.find_pairs(root)


def test_renoir_folder_that_is_not_a_batch_is_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("renoir", n=2, scenes=1)
    (root / "Mi3_Aligned" / "extras").mkdir()
    with pytest.raises(DataLayoutError, match="extras: not a RENOIR batch folder"):
        renoir.find_pairs(root)


# --- NIND ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "iso", "suffix"),
    [
        ("NIND_droid_ISO200", 200, ""),
        ("NIND_droid_ISO6400", 6400, ""),
        ("NIND_droid_ISO200b", 200, "b"),
        ("NIND_droid_ISO200-2", 200, "-2"),
        ("NIND_MuseeL-Bobo_ISOH1", 12800, ""),
        ("NIND_MuseeL-Bobo_ISOH2", 25600, ""),
        ("NIND_MuseeL-Bobo_ISOH3", 51200, ""),
        ("NIND_scene_iso3200", 3200, ""),
    ],
)
def test_nind_iso_from_the_name(stem: str, iso: float, suffix: str) -> None:
    assert nind.parse_iso(stem) == (iso, suffix)


@pytest.mark.parametrize(("stem", "reason"), [("NIND_droid", "does not end in ISO"),
                                              ("NIND_droid_ISOH4", "unknown extended ISO H4")])  # fmt: skip
def test_nind_bad_iso_names(stem: str, reason: str) -> None:
    with pytest.raises(DataLayoutError, match=reason):
        nind.parse_iso(stem)


def test_nind_lowest_iso_is_the_clean_image_of_its_scene(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("nind", n=6, scenes=2)
    records = nind.find_pairs(root)
    assert len(records) == 6
    for record in records:
        assert Path(record["clean_path"]).name == f"NIND_{record['scene']}_ISO200.png"
        assert Path(record["noisy_path"]).parent.name == record["scene"]
        assert record["instance"] == Path(record["noisy_path"]).stem
        assert record["iso"] > 200
        assert (record["phone"], record["camera"], record["source"]) == ("X-T1", "Fujifilm X-T1", "nind")
    assert {record["iso"] for record in records} == {800, 3200, 6400}


def test_nind_extended_iso_and_base_iso_ties(tmp_path: Path) -> None:
    scene = tmp_path / "nind" / "bobo"
    for tag in ("ISOH1", "ISO200b", "ISO200", "ISO6400"):
        save_image(scene / f"NIND_bobo_{tag}.jpg", clean_image())
    records = nind.find_pairs(tmp_path / "nind")
    assert {Path(record["clean_path"]).name for record in records} == {"NIND_bobo_ISO200.jpg"}
    assert {record["instance"]: record["iso"] for record in records} == {
        "NIND_bobo_ISO200b": 200, "NIND_bobo_ISO6400": 6400, "NIND_bobo_ISOH1": 12800
    }  # fmt: skip


def test_nind_image_without_iso_is_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("nind", n=2, scenes=1)
    stray = save_image(root / "scene1" / "cover.png", clean_image())
    (root / "scene1" / "README.txt").write_text("not an image: not read")
    with pytest.raises(DataLayoutError, match=f"{stray}: 'cover' does not end in ISO"):
        nind.find_pairs(root)


def test_nind_scene_with_one_shot_is_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("nind", n=2, scenes=1)
    lonely = root / "lonely"
    save_image(lonely / "NIND_lonely_ISO200.png", clean_image())
    with pytest.raises(DataLayoutError, match=f"{lonely}: a NIND scene needs a clean .* found 1"):
        nind.find_pairs(root)


def test_nind_images_outside_scene_folders_are_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("nind", n=2, scenes=1)
    loose = save_image(root / "NIND_x_ISO200.png", clean_image())
    with pytest.raises(DataLayoutError, match=f"{loose}: NIND images must sit in a folder per scene"):
        nind.find_pairs(root)


def test_nind_nested_folder_is_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("nind", n=2, scenes=1)
    (root / "scene1" / "crops").mkdir()
    with pytest.raises(DataLayoutError, match="crops: unexpected folder inside NIND scene folder scene1"):
        nind.find_pairs(root)


# --- folders ---------------------------------------------------------------------------------


def test_folders_pair_by_stem_not_by_listing_position(tmp_path: Path) -> None:
    root = tmp_path / "mine"
    # Written in opposite orders, with different suffixes and letter case: only the names can match them.
    for index, stem in enumerate(["zebra", "apple", "mango"]):
        save_image(root / "clean" / f"{stem}.png", clean_image(scene=index))
    for index, stem in enumerate(["mango", "zebra", "apple"]):
        save_image(root / "noisy" / f"{stem}{'.JPG' if stem == 'apple' else '.png'}", clean_image(scene=index))
    records = folders.find_pairs(root)
    assert [record["instance"] for record in records] == ["apple", "mango", "zebra"]
    for record in records:
        assert Path(record["clean_path"]).stem == Path(record["noisy_path"]).stem == record["instance"]
        assert record["scene"] == record["instance"]
        assert (record["source"], record["phone"], record["camera"]) == ("folders", "", "")


@pytest.mark.parametrize("side", ["clean", "noisy"])
def test_folders_file_on_one_side_only_is_named(pair_tree: Callable[..., Path], side: str) -> None:
    root = pair_tree("folders", n=3)
    extra = save_image(root / side / "orphan.png", clean_image())
    with pytest.raises(DataLayoutError, match=f"{extra}: no image of the same name on the other side"):
        folders.find_pairs(root)


def test_folders_two_files_with_one_stem_are_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("folders", n=2)
    save_image(root / "noisy" / "photo000.jpg", clean_image())
    with pytest.raises(DataLayoutError, match="photo000.png: same name as photo000.jpg"):
        folders.find_pairs(root)


def test_folders_non_image_file_is_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("folders", n=2)
    (root / "noisy" / "notes.txt").write_text("hello")
    (root / "noisy" / ".DS_Store").write_bytes(b"\x00")  # hidden files are never data
    with pytest.raises(DataLayoutError, match="notes.txt: not an image file"):
        folders.find_pairs(root)


def test_folders_subfolder_is_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("folders", n=2)
    (root / "clean" / "more").mkdir()
    with pytest.raises(DataLayoutError, match="more: unexpected folder"):
        folders.find_pairs(root)


def test_folders_missing_side_is_named(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("folders", n=2)
    shutil.rmtree(root / "noisy")
    with pytest.raises(DataLayoutError, match=f"{root / 'noisy'}: folder not found"):
        folders.find_pairs(root)


def test_folders_scenes_csv_groups_pairs(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("folders", n=4, scenes=2, scenes_csv=True)
    scenes = {record["instance"]: record["scene"] for record in folders.find_pairs(root)}
    assert scenes == {"photo000": "view0", "photo001": "view1", "photo002": "view0", "photo003": "view1"}


def test_folders_scenes_csv_accepts_stems(pair_tree: Callable[..., Path]) -> None:
    root = pair_tree("folders", n=2)
    (root / "scenes.csv").write_text("file,scene\nphoto000,kitchen\nphoto001.png,kitchen\n")
    assert {record["scene"] for record in folders.find_pairs(root)} == {"kitchen"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("name,scene\nphoto000.png,a\nphoto001.png,b\n", " expected the header 'file,scene'"),
        ("file,scene\nphoto000.png,a\n", " no scene for photo001.png"),
        ("file,scene\nphoto000.png,a\nphoto001.png,b\nghost.png,c\n", "4: 'ghost.png' is not an image"),
        ("file,scene\nphoto000.png,a\nphoto000,b\nphoto001.png,b\n", "3: 'photo000' is listed twice"),
        ("file,scene\nphoto000.png,\nphoto001.png,b\n", "2: empty file or scene"),
    ],
)
def test_folders_bad_scenes_csv_is_named(pair_tree: Callable[..., Path], text: str, reason: str) -> None:
    root = pair_tree("folders", n=2)
    (root / "scenes.csv").write_text(text)
    with pytest.raises(DataLayoutError, match=f"scenes.csv:{reason}"):
        folders.find_pairs(root)


def test_folders_with_no_images_is_named(tmp_path: Path) -> None:
    (tmp_path / "clean").mkdir()
    (tmp_path / "noisy").mkdir()
    with pytest.raises(DataLayoutError, match="clean/ and noisy/ hold no images"):
        folders.find_pairs(tmp_path)
