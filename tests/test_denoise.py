"""`casestudy denoise`: photos in and out with EXIF, ICC and orientation; 16 bits kept; folders; bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps

keras = pytest.importorskip("keras")

from fakes import corrupt, write_png16  # noqa: E402

from casestudy import io  # noqa: E402
from casestudy.cli import main  # noqa: E402
from casestudy.inference.denoise import orient, png16_bytes, read_photo  # noqa: E402
from casestudy.models import build_model  # noqa: E402
from casestudy.evaluation.tuning import save_filter_params  # noqa: E402

ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
CAMERA = {"Make": "Apple", "Model": "iPhone 7", "ISOSpeedRatings": 800}
EXIF_IFD, ORIENTATION, ISO = 0x8769, 0x0112, 0x8827


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained smoke-width PRIDNet saved to .keras (fast to load and run)."""
    keras.utils.set_random_seed(2021)
    path = tmp_path_factory.mktemp("weights") / "pridnet.keras"
    build_model("pridnet", profile="smoke").save(path)
    return path


def _half_dark(height: int = 60, width: int = 90) -> np.ndarray:
    """A seeded noisy image whose left half is dark and right half bright (so a turn shows)."""
    pixels = np.full((height, width, 3), 200.0)
    pixels[:, : width // 2] = 40.0
    pixels += np.random.default_rng(0).normal(0, 10, pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def _camera_jpeg(path: Path, orientation: int = 1) -> Path:
    exif = io.make_exif(CAMERA)
    exif[ORIENTATION] = orientation
    Image.fromarray(_half_dark()).save(path, exif=exif, icc_profile=ICC, quality=95)
    return path


def _denoise(*args: str) -> int:
    return main(["denoise", *args])


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orient_matches_pillows_exif_transpose(orientation: int) -> None:
    pixels = np.random.default_rng(orientation).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[ORIENTATION] = orientation
    image.info["exif"] = exif.tobytes()
    expected = np.asarray(ImageOps.exif_transpose(image))
    np.testing.assert_array_equal(orient(pixels, orientation), expected)


def test_a_jpeg_keeps_its_exif_and_icc_and_comes_out_upright(tmp_path: Path, weights: Path, capsys) -> None:
    source = _camera_jpeg(tmp_path / "photo.jpg", orientation=6)
    target = tmp_path / "out" / "photo.jpg"
    assert _denoise(str(source), str(target), "--method", "pridnet", "--weights", str(weights), "--tile", "64",
                   "--overlap", "0") == 0
    assert "PRIDNet: weights pridnet.keras, loaded in Keras safe mode, tiles of 64 px" in capsys.readouterr().out
    with Image.open(target) as out:
        exif = out.getexif()
        assert (exif[0x010F], exif[0x0110], exif.get_ifd(EXIF_IFD)[ISO]) == ("Apple", "iPhone 7", 800)
        assert exif[ORIENTATION] == 1
        assert out.info["icc_profile"] == ICC
        assert out.size == (60, 90)  # stored 90 wide, 60 high; orientation 6 turns it a quarter
        upright = np.asarray(out, dtype=np.float64)
    # Orientation 6: turned 90 degrees clockwise, the dark left half becomes the top half.
    assert upright[:45].mean() + 100 < upright[45:].mean()


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_png_and_tiff_outputs_keep_the_camera_and_the_icc_profile(tmp_path: Path, suffix: str) -> None:
    source = _camera_jpeg(tmp_path / "photo.jpg")
    target = tmp_path / f"photo{suffix}"
    assert _denoise(str(source), str(target), "--method", "nlm") == 0
    with Image.open(target) as out:
        assert out.getexif()[0x010F] == "Apple"
        assert out.info["icc_profile"] == ICC
    assert io.read_image(target).shape == (60, 90, 3)


def test_a_16bit_png_comes_out_as_a_16bit_png(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    pixels = (20000 + rng.normal(0, 3000, (40, 50, 3))).clip(0, 65535).astype(np.uint16)
    source = write_png16(tmp_path / "deep.png", pixels)
    target = tmp_path / "deep-denoised.png"
    assert _denoise(str(source), str(target), "--method", "nlm") == 0
    assert io.bit_depth(target) == 16
    samples = np.round(io.read_image(target) * 65535).astype(np.int64)
    assert np.any(samples % 257 != 0)  # not 8-bit values stretched to 16 bits
    assert np.abs(samples - 20000).mean() < np.abs(pixels.astype(np.int64) - 20000).mean()  # denoised


def test_a_16bit_tiff_comes_out_as_a_16bit_tiff_with_its_text_tags(tmp_path: Path) -> None:
    import tifffile

    rng = np.random.default_rng(3)
    pixels = (20000 + rng.normal(0, 3000, (48, 56, 3))).clip(0, 65535).astype(np.uint16)
    source = tmp_path / "deep.tif"
    text = {0x010F: "Apple", 0x0110: "iPhone 7", 0x0132: "2026:11:26 12:00:00"}  # Make, Model, DateTime
    tifffile.imwrite(source, pixels, photometric="rgb", extratags=[(tag, "s", 0, value, True) for tag, value in text.items()])
    target = tmp_path / "deep-denoised.tif"
    assert _denoise(str(source), str(target), "--method", "nlm") == 0
    assert io.bit_depth(target) == 16
    samples = np.round(io.read_image(target) * 65535).astype(np.int64)
    assert np.any(samples % 257 != 0)  # more than 8 bits of precision survive the round trip
    assert np.abs(samples - 20000).mean() < np.abs(pixels.astype(np.int64) - 20000).mean()  # denoised
    with Image.open(target) as out:
        assert {tag: out.getexif().get(tag) for tag in text} == text


def test_a_tiff_output_keeps_the_first_exif_directory_but_not_the_exif_subdirectory(tmp_path: Path) -> None:
    """What a TIFF output carries of a photo's EXIF (the module docstring): make and model, not ISO."""
    pixels = np.random.default_rng(4).integers(0, 65536, (40, 44, 3), dtype=np.uint16)
    source = tmp_path / "deep.png"
    source.write_bytes(png16_bytes(pixels, io.make_exif(CAMERA).tobytes(), ICC))
    for name in ("out8.tif", "out16.tif"):
        if name == "out8.tif":
            Image.fromarray((pixels >> 8).astype(np.uint8)).save(tmp_path / "eight.png", exif=io.make_exif(CAMERA))
            assert _denoise(str(tmp_path / "eight.png"), str(tmp_path / name), "--method", "nlm") == 0
        else:
            assert _denoise(str(source), str(tmp_path / name), "--method", "nlm") == 0
        with Image.open(tmp_path / name) as out:
            exif = out.getexif()
            assert (exif[0x010F], exif[0x0110]) == ("Apple", "iPhone 7")
            assert ISO not in exif.get_ifd(EXIF_IFD)


def test_png16_bytes_round_trips_every_bit_with_its_metadata(tmp_path: Path) -> None:
    pixels = np.random.default_rng(2).integers(0, 65536, (9, 11, 3), dtype=np.uint16)
    exif = io.make_exif(CAMERA).tobytes()
    path = tmp_path / "deep.png"
    path.write_bytes(png16_bytes(pixels, exif, ICC))
    np.testing.assert_array_equal(np.round(io.read_image(path) * 65535).astype(np.uint16), pixels)
    photo = read_photo(path)
    assert photo.bits == 16 and photo.icc_profile == ICC
    assert photo.exif is not None and photo.exif.get_ifd(EXIF_IFD)[ISO] == 800


def test_a_folder_in_gives_a_folder_out(tmp_path: Path, weights: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _camera_jpeg(folder / "a.jpg")
    io.write_png(folder / "b.png", _half_dark(30, 40))
    (folder / "notes.txt").write_text("not a photo")
    assert _denoise(str(folder), str(tmp_path / "out"), "--method", "pridnet", "--weights", str(weights)) == 0
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["a.jpg", "b.png"]
    assert io.read_image(tmp_path / "out" / "b.png").shape == (30, 40, 3)


def test_the_default_method_is_the_best_network_on_the_committed_unseen_check() -> None:
    from casestudy.app.logic import unseen_means
    from casestudy.inference.denoise import DEFAULT_METHOD
    from casestudy.models import MODELS

    networks = {name: mean for name, mean in unseen_means().items() if name in MODELS}
    assert set(networks) == set(MODELS)  # the committed table scores every registered network
    assert DEFAULT_METHOD == max(networks, key=networks.__getitem__)


def test_classical_methods_say_which_settings_they_use(tmp_path: Path, capsys) -> None:
    source = _camera_jpeg(tmp_path / "photo.jpg")
    params = tmp_path / "params.json"
    assert _denoise(str(source), str(tmp_path / "a.png"), "--method", "nlm", "--params", str(params)) == 0
    assert f"default settings (none tuned in {params.name})" in capsys.readouterr().out
    save_filter_params(params, {"nlm": {"h_factor": 0.5}})
    assert _denoise(str(source), str(tmp_path / "b.png"), "--method", "nlm", "--params", str(params)) == 0
    assert f"settings tuned in {params.name}" in capsys.readouterr().out
    assert not np.array_equal(io.read_image(tmp_path / "a.png"), io.read_image(tmp_path / "b.png"))


# --------------------------------------------------------------------------- bad input


def _fails_naming(capsys, name: str, *args: str) -> str:
    assert _denoise(*args) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("casestudy denoise: error:") and name in error and "\n" not in error
    return error


def test_an_unreadable_photo_is_one_line_naming_it_and_nothing_is_written(tmp_path: Path, capsys) -> None:
    source = corrupt(tmp_path / "broken.jpg")
    _fails_naming(capsys, "broken.jpg", str(source), str(tmp_path / "out.jpg"), "--method", "nlm")
    assert not (tmp_path / "out.jpg").exists()


def test_a_photo_over_the_pixel_limit_is_refused(tmp_path: Path, capsys, monkeypatch) -> None:
    source = _camera_jpeg(tmp_path / "big.jpg")
    monkeypatch.setattr(io, "MAX_PIXELS", 1000)
    error = _fails_naming(capsys, "big.jpg", str(source), str(tmp_path / "out.jpg"), "--method", "nlm")
    assert "1,000" in error  # the limit it is over
    assert not (tmp_path / "out.jpg").exists()


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims ``width x height`` pixels: a decompression bomb's calling card."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("side", [15_000, 30_000])  # 225 MP: over our limit; 900 MP: over Pillow's too
def test_a_decompression_bomb_is_refused_before_decoding(tmp_path: Path, capsys, side: int) -> None:
    source = _png_header_only(tmp_path / "bomb.png", side, side)
    error = _fails_naming(capsys, "bomb.png", str(source), str(tmp_path / "out.png"), "--method", "nlm")
    assert "200,000,000" in error
    with pytest.raises(io.ImageError, match="bomb.png: .*200,000,000"):
        io.read_image(source)


def test_a_folder_without_photos_is_refused(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no photos here")
    _fails_naming(capsys, "empty", str(tmp_path / "empty"), str(tmp_path / "out"), "--method", "nlm")
    assert not (tmp_path / "out").exists()


def test_the_output_may_not_be_the_input(tmp_path: Path, capsys) -> None:
    source = _camera_jpeg(tmp_path / "photo.jpg")
    before = source.read_bytes()
    _fails_naming(capsys, "photo.jpg", str(source), str(tmp_path / "." / "photo.jpg"), "--method", "nlm")
    _fails_naming(capsys, str(tmp_path), str(tmp_path), str(tmp_path), "--method", "nlm")
    assert source.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["photo.jpg"]


def test_missing_weights_and_unknown_suffixes_are_refused(tmp_path: Path, capsys) -> None:
    source = _camera_jpeg(tmp_path / "photo.jpg")
    missing = str(tmp_path / "nothing.keras")
    _fails_naming(capsys, "nothing.keras", str(source), str(tmp_path / "o.jpg"), "--weights", missing)
    _fails_naming(capsys, "o.webp", str(source), str(tmp_path / "o.webp"), "--method", "nlm")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["photo.jpg"]


def test_quantising_by_strips_matches_whole_image_rounding() -> None:
    from casestudy.inference.denoise import _quantise

    pixels = np.random.default_rng(3).random((10, 7, 3)).astype(np.float32)
    np.testing.assert_array_equal(_quantise(pixels, 8, rows=3), io.to_uint8(pixels))
    expected = np.round(pixels.astype(np.float64) * 65535).astype(np.uint16)
    np.testing.assert_array_equal(_quantise(pixels, 16, rows=4), expected)


def test_strength_scales_the_filters_noise_level_and_blind_networks_refuse_it(tmp_path: Path, weights: Path,
                                                                              capsys) -> None:  # fmt: skip
    source = _camera_jpeg(tmp_path / "photo.jpg")
    params = tmp_path / "none.json"
    outputs = {}
    for strength in ("0.5", "1", "2"):
        target = tmp_path / f"nlm-{strength}.png"
        assert _denoise(str(source), str(target), "--method", "nlm", "--params", str(params), "--strength", strength) == 0
        outputs[strength] = io.read_image(target)
    assert "strength 2" in capsys.readouterr().out
    noisy = io.read_image(source)
    # a stronger NLM moves the photo further from its noisy input: the dial turns one way
    change = {key: float(np.abs(image - noisy).mean()) for key, image in outputs.items()}
    assert change["0.5"] < change["1"] < change["2"]
    error = _fails_naming(capsys, "is a blind network", str(source), str(tmp_path / "p.png"), "--method", "pridnet",
                          "--weights", str(weights), "--strength", "0.8")  # fmt: skip
    assert "no strength control" in error and not (tmp_path / "p.png").exists()
    _fails_naming(capsys, "strength must be a positive number", str(source), str(tmp_path / "q.png"), "--method", "nlm",
                  "--strength", "0")  # fmt: skip

