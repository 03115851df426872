"""The clean photo pool: the committed record, checked loading, photo folders and the patch samplers."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from casestudy.data import photos as ph
from casestudy.training import photo_patches as pp
from casestudy.noise.degrade import DegradationConfig


def write_photo(path: Path, seed: int, size: tuple[int, int] = (40, 56)) -> str:
    """A small random RGB photo; returns its SHA-256."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((rng.random((*size, 3)) * 255).astype(np.uint8)).save(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_pool(root: Path, roles: dict[str, str]) -> Path:
    """A tiny pool: one PNG per name, recorded in photos.json with the given roles."""
    entries = []
    for index, (name, role) in enumerate(roles.items()):
        digest = write_photo(root / f"{name}.png", index)
        entries.append({"name": name, "file": f"{name}.png", "sha256": digest, "role": role, "author": "A. Author",
                        "licence": "CC0-1.0", "source_package": "pkg", "source_path": f"/src/{name}.png"})  # fmt: skip
    (root / "photos.json").write_text(json.dumps({"format": "casestudy-photo-pool", "photos": entries}))
    return root


def test_the_committed_pool_is_complete_and_checks_out() -> None:
    pool = ph.read_pool()
    assert len(pool) >= 10
    roles = {photo.role for photo in pool}
    assert roles == {"train", "val", "check"}
    check = ph.pool_photos("check")
    assert 3 <= len(check) <= 4
    assert len(ph.pool_photos("val")) >= 3
    total = sum(photo.path.stat().st_size for photo in pool)
    assert total < 10_000_000
    for photo in pool:
        assert hashlib.sha256(photo.path.read_bytes()).hexdigest() == photo.sha256, photo.path
        assert photo.licence in ("LGPLv3", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC-BY-4.0", "CC0-1.0",
                                 "Apache-2.0 AND BSD-3-Clause")  # fmt: skip
        assert photo.source.split(":")[0] in ("plasma-workspace-wallpapers", "lomiri-wallpapers-20.04", "opencv-doc")
        with Image.open(photo.path) as image:
            assert max(image.size) <= 1280 and image.mode == "RGB"


def test_the_committed_pool_follows_its_check_rule() -> None:
    """The held-out photos are the wallpapers' names with the smallest SHA-256 digests (photos.json's check_rule)."""
    wallpapers = [photo.name for photo in ph.read_pool() if photo.source.split(":")[0] != "opencv-doc"]
    names = sorted(wallpapers, key=lambda n: hashlib.sha256(n.encode()).hexdigest())
    check = {photo.name for photo in ph.pool_photos("check")}
    assert check == set(names[: len(check)])


def test_load_photo_pool_by_role(tmp_path: Path) -> None:
    root = make_pool(tmp_path, {"b": "train", "a": "train", "c": "check"})
    train = ph.load_photo_pool("train", root)
    assert len(train) == 2 and all(p.dtype == np.uint8 and p.shape == (40, 56, 3) for p in train)
    np.testing.assert_array_equal(train[0], np.asarray(Image.open(root / "a.png")))  # sorted by name
    assert len(ph.load_photo_pool(None, root)) == 3
    with pytest.raises(ph.PhotoPoolError, match="unknown role"):
        ph.pool_photos("test", root)


def test_a_changed_photo_is_named(tmp_path: Path) -> None:
    root = make_pool(tmp_path, {"a": "train"})
    write_photo(root / "a.png", seed=99)
    with pytest.raises(ph.PhotoPoolError, match=r"a\.png: SHA-256 .* differs"):
        ph.load_photo_pool("train", root)


def test_a_missing_photo_is_named(tmp_path: Path) -> None:
    root = make_pool(tmp_path, {"a": "train"})
    (root / "a.png").unlink()
    with pytest.raises(ph.PhotoPoolError, match=r"a\.png: photo 'a' is missing"):
        ph.load_photo_pool("train", root)


def test_a_corrupt_photo_is_named(tmp_path: Path) -> None:
    root = make_pool(tmp_path, {"a": "train"})
    (root / "a.png").write_bytes(b"not an image")
    record = json.loads((root / "photos.json").read_text())
    record["photos"][0]["sha256"] = hashlib.sha256(b"not an image").hexdigest()
    (root / "photos.json").write_text(json.dumps(record))
    with pytest.raises(ph.PhotoPoolError, match=r"a\.png: not a readable image"):
        ph.load_photo_pool("train", root)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("format"), "not a casestudy-photo-pool record"),
        (lambda r: r["photos"][0].pop("licence"), r"lacks \['licence'\]"),
        (lambda r: r["photos"][0].update(role="test"), "role 'test'"),
        (lambda r: r["photos"].append(dict(r["photos"][0])), "listed twice"),
    ],
)
def test_a_bad_record_is_explained(tmp_path: Path, change, message: str) -> None:
    root = make_pool(tmp_path, {"a": "train"})
    record = json.loads((root / "photos.json").read_text())
    change(record)
    (root / "photos.json").write_text(json.dumps(record))
    with pytest.raises(ph.PhotoPoolError, match=message):
        ph.read_pool(root)


def test_missing_record_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ph.PhotoPoolError, match="photos.json: no photo pool record"):
        ph.read_pool(tmp_path)


def test_a_pool_folder_gives_its_train_photos_only(tmp_path: Path) -> None:
    root = make_pool(tmp_path, {"a": "train", "c": "check"})
    assert [photo.name for photo in ph.photo_folder(root)] == ["a"]


def test_a_plain_folder_gives_every_image(tmp_path: Path) -> None:
    write_photo(tmp_path / "two.jpg", 2)
    digest = write_photo(tmp_path / "one.png", 1)
    (tmp_path / "notes.txt").write_text("not a photo")
    found = ph.photo_folder(tmp_path)
    assert [photo.name for photo in found] == ["one", "two"]
    assert found[0].sha256 == digest


def test_an_empty_or_missing_folder_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ph.PhotoPoolError, match="no photos"):
        ph.photo_folder(tmp_path)
    with pytest.raises(ph.PhotoPoolError, match="not found"):
        ph.photo_folder(tmp_path / "nowhere")


def test_photo_patch_sampler_is_deterministic_and_well_formed(tmp_path: Path) -> None:
    photos = ph.load_photo_pool("train", make_pool(tmp_path, {"a": "train", "b": "train"}))
    sampler = pp.PhotoPatchSampler(photos, patch_size=16, seed=3)
    noisy, clean = sampler(5)
    again_noisy, again_clean = pp.PhotoPatchSampler(photos, patch_size=16, seed=3)(5)
    np.testing.assert_array_equal(noisy, again_noisy)
    np.testing.assert_array_equal(clean, again_clean)
    assert noisy.shape == clean.shape == (16, 16, 3) and noisy.dtype == clean.dtype == np.float32
    assert not np.array_equal(noisy, clean)
    assert not np.array_equal(sampler(6)[1], clean)


def test_photo_patch_sampler_clean_patch_comes_from_a_photo(tmp_path: Path) -> None:
    photos = ph.load_photo_pool("train", make_pool(tmp_path, {"a": "train"}))
    quiet = DegradationConfig(p_gaussian=0, p_poisson=0, p_correlated=0, p_camera=0, p_jpeg=0, p_sharpen=0, p_white=0)
    noisy, clean = pp.PhotoPatchSampler(photos, patch_size=8, seed=0, config=quiet)(1)
    np.testing.assert_array_equal(noisy, clean)
    photo = photos[0].astype(np.float32) / 255.0
    symmetries = [np.rot90(clean, -k % 4) for k in range(4)] + [np.rot90(clean[:, ::-1], -k % 4) for k in range(4)]
    windows = np.lib.stride_tricks.sliding_window_view(photo, (8, 8, 3))[..., 0, :, :, :]
    assert any(np.any(np.all(windows == s, axis=(-3, -2, -1))) for s in symmetries)


def test_photo_patch_sampler_shrinks_the_photo_by_the_drawn_scale() -> None:
    """A ramp rising 1 grey level per pixel rises 2 per pixel once the photo is shrunk to half its size."""
    ramp = np.tile(np.arange(200, dtype=np.uint8)[None, :, None], (200, 1, 3))
    quiet = DegradationConfig(p_gaussian=0, p_poisson=0, p_correlated=0, p_camera=0, p_jpeg=0, p_sharpen=0, p_white=0)

    def slope(scale: float, index: int) -> float:
        sampler = pp.PhotoPatchSampler([ramp], patch_size=16, seed=4, config=quiet, scale_range=(scale, scale))
        clean = sampler(index)[1] * 255.0
        steps = [np.abs(np.diff(clean, axis=axis))[2:-2, 2:-2].max() for axis in (0, 1)]  # the ramp's axis after symmetry
        return float(max(steps))

    for index in range(4):
        assert slope(1.0, index) == pytest.approx(1.0, abs=1e-6)
        assert slope(0.5, index) == pytest.approx(2.0, abs=0.51)  # Lanczos on 8 bits: steps of 2 +- rounding
    with pytest.raises(ValueError, match="scale_range must be"):
        pp.PhotoPatchSampler([ramp], patch_size=16, seed=0, scale_range=(0.0, 1.0))
    with pytest.raises(ValueError, match="scale_range must be"):
        pp.PhotoPatchSampler([ramp], patch_size=16, seed=0, scale_range=(0.8, 0.5))


def test_photo_patch_sampler_refuses_small_photos() -> None:
    with pytest.raises(ValueError, match="smaller than the 32-pixel patch"):
        pp.PhotoPatchSampler([np.zeros((16, 64, 3), np.uint8)], patch_size=32, seed=0)


def test_mixed_sampler_follows_its_weights() -> None:
    mixed = pp.MixedSampler([(lambda i: "a", 0.25), (lambda i: "b", 0.75)], seed=1)
    drawn = [mixed(i) for i in range(2000)]
    assert drawn == [mixed(i) for i in range(2000)]
    assert drawn.count("b") / len(drawn) == pytest.approx(0.75, abs=0.04)
    with pytest.raises(ValueError, match="non-negative weights"):
        pp.MixedSampler([(lambda i: "a", 0.0)], seed=1)


def test_copied_pool_keeps_working(tmp_path: Path) -> None:
    """The committed pool is self-contained: a copy of the folder loads (paths are relative to it)."""
    copy = tmp_path / "photos"
    shutil.copytree(ph.pool_dir(), copy)
    assert [p.name for p in ph.pool_photos("check", copy)] == [p.name for p in ph.pool_photos("check")]


def _grid_details(images: list[np.ndarray], size: int = 64) -> np.ndarray:
    from casestudy.training.patches import grid_origins

    return np.array([
        pp.high_pass_detail(image[top : top + size, left : left + size])
        for image in images
        for top in grid_origins(image.shape[0], size)
        for left in grid_origins(image.shape[1], size)
    ])  # fmt: skip


def test_high_pass_detail_is_zero_on_flat_patches_and_grows_with_texture() -> None:
    rng = np.random.default_rng(0)
    flat = np.full((32, 32, 3), 120, np.uint8)
    assert pp.high_pass_detail(flat) == pytest.approx(0.0, abs=1e-4)
    fine = np.clip(120 + rng.normal(0, 4, (32, 32, 1)), 0, 255).repeat(3, axis=-1).astype(np.uint8)
    coarse = np.clip(120 + rng.normal(0, 16, (32, 32, 1)), 0, 255).repeat(3, axis=-1).astype(np.uint8)
    assert 0 < pp.high_pass_detail(fine) < pp.high_pass_detail(coarse)
    assert pp.high_pass_detail(fine) == pytest.approx(pp.high_pass_detail(fine.astype(np.float32) / 255), rel=1e-4)


def test_the_training_stream_is_as_detailed_as_the_validation_photos() -> None:
    """Median high-pass detail of the default training stream within a factor 1.5 of the held-out photos'."""
    sampler = pp.PhotoPatchSampler(ph.load_photo_pool("train"), 64, seed=3, scale_range=pp.DEFAULT_SCALE_RANGE)
    rng = np.random.default_rng(1)
    stream = np.median([pp.high_pass_detail(sampler.clean_patch(rng)) for _ in range(400)])
    validation = np.median(_grid_details(ph.load_photo_pool("val")))
    assert 1 / 1.5 < stream / validation < 1.5, (stream, validation)
    # The stream of earlier versions (photos by area, no redraws, no shrinking) was far smoother.
    old = pp.PhotoPatchSampler(ph.load_photo_pool("train"), 64, seed=3, weighting="area", max_redraws=0)
    assert np.median([pp.high_pass_detail(old.clean_patch(rng)) for _ in range(400)]) < stream / 1.5


def test_photos_are_drawn_with_equal_weight_whatever_their_size() -> None:
    big = np.full((400, 400, 3), 10, np.uint8)
    small = np.full((64, 64, 3), 200, np.uint8)
    sampler = pp.PhotoPatchSampler([big, small], 32, seed=0, max_redraws=0)
    rng = np.random.default_rng(0)
    share = np.mean([sampler.clean_patch(rng).mean() > 100 for _ in range(400)])
    assert 0.4 < share < 0.6
    by_area = pp.PhotoPatchSampler([big, small], 32, seed=0, weighting="area", max_redraws=0)
    assert np.mean([by_area.clean_patch(rng).mean() > 100 for _ in range(400)]) < 0.1
    with pytest.raises(ValueError, match="weighting"):
        pp.PhotoPatchSampler([big], 32, seed=0, weighting="pixels")


def test_flat_patches_are_redrawn_but_not_banned() -> None:
    rng = np.random.default_rng(0)
    textured = np.clip(128 + rng.normal(0, 30, (64, 64, 3)), 0, 255).astype(np.uint8)
    flat = np.full((64, 64, 3), 128, np.uint8)
    keep_all = pp.PhotoPatchSampler([textured, flat], 32, seed=0, max_redraws=0)
    redraw = pp.PhotoPatchSampler([textured, flat], 32, seed=0, max_redraws=1)
    flat_share = [
        np.mean([pp.high_pass_detail(s.clean_patch(np.random.default_rng(i))) < pp.FLAT_DETAIL for i in range(400)])
        for s in (keep_all, redraw)
    ]
    assert 0.4 < flat_share[0] < 0.6  # half the draws hit the flat photo
    assert 0.15 < flat_share[1] < 0.35  # one redraw: a quarter


def test_photo_validation_pairs_are_fixed_held_out_and_cover_the_noise_levels() -> None:
    pairs = pp.photo_validation_pairs(crop=64)
    again = pp.photo_validation_pairs(crop=64)
    val_names = {photo.name for photo in ph.pool_photos("val")}
    per_photo = len(pp.VALIDATION_WHITE_SIGMAS) + pp.VALIDATION_GENERIC_DRAWS
    assert len(pairs) == len(val_names) * per_photo
    assert {pair.instance.rsplit("-", 1)[0] for pair in pairs} == val_names
    assert not val_names & {photo.name for photo in ph.photo_folder(ph.pool_dir())}
    for pair, same in zip(pairs, again):
        assert np.array_equal(pair.noisy, same.noisy) and pair.clean.shape == (64, 64, 3)
    spread = {pair.instance.rsplit("-", 1)[1]: np.std(pair.noisy.astype(float) - pair.clean) for pair in pairs[:4]}
    assert spread["white05"] < spread["white15"] < spread["white25"] < spread["white50"]
    assert spread["white25"] == pytest.approx(25, rel=0.15)
    with pytest.raises(ph.PhotoPoolError, match="'val'"):
        pp.photo_validation_pairs(photos=[])
