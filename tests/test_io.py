"""casestudy.io: round trips, EXIF, atomic writes, and every documented conversion or rejection."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from casestudy import io
from fakes import clean_image, corrupt, truncate, write_png16

EXIF = {
    "Make": "Google",
    "Model": "Pixel",
    "Software": "casestudy test",
    "ISOSpeedRatings": 800,
    "ExposureTime": 1 / 60,
    "FNumber": 1.8,
    "DateTimeOriginal": "2021:01:02 03:04:05",
    "PixelXDimension": 12,
    "PixelYDimension": 8,
}


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


# --- round trips -----------------------------------------------------------------------------


def test_write_png_then_read_image_returns_the_same_uint8_levels(tmp_path: Path, rng: np.random.Generator) -> None:
    pixels = rng.integers(0, 256, size=(8, 12, 3), dtype=np.uint8)
    io.write_png(tmp_path / "a.png", pixels)
    image = io.read_image(tmp_path / "a.png")
    assert image.dtype == np.float32 and image.shape == (8, 12, 3)
    assert image.min() >= 0.0 and image.max() <= 1.0
    np.testing.assert_array_equal(io.to_uint8(image), pixels)


def test_write_png_quantises_floats_by_rounding(tmp_path: Path) -> None:
    floats = np.full((2, 3, 3), 100.4 / 255, dtype=np.float32)
    floats[0, 0] = [-0.5, 1.5, 100.6 / 255]
    io.write_png(tmp_path / "f.png", floats)
    levels = io.to_uint8(io.read_image(tmp_path / "f.png"))
    assert levels[1, 1].tolist() == [100, 100, 100]
    assert levels[0, 0].tolist() == [0, 255, 101]


def test_write_png_is_byte_identical_for_the_same_pixels(tmp_path: Path) -> None:
    pixels = clean_image(8, 12)
    io.write_png(tmp_path / "a.png", pixels, exif=EXIF)
    io.write_png(tmp_path / "b.png", pixels, exif=EXIF)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


@pytest.mark.parametrize("shape", [(8, 12), (8, 12, 4), (8, 12, 1)])
def test_write_png_rejects_anything_but_rgb_naming_the_file(tmp_path: Path, shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="bad.png.*shape"):
        io.write_png(tmp_path / "bad.png", np.zeros(shape, dtype=np.uint8))
    assert not (tmp_path / "bad.png").exists()


def test_exif_written_by_write_png_is_read_back(tmp_path: Path) -> None:
    io.write_png(tmp_path / "e.png", clean_image(8, 12), exif=EXIF)
    tags = io.read_exif(tmp_path / "e.png")
    assert tags["Image Make"] == "Google"
    assert tags["Image Model"] == "Pixel"
    assert tags["Image Software"] == "casestudy test"
    assert tags["EXIF ISOSpeedRatings"] == 800
    assert isinstance(tags["EXIF ExposureTime"], float)
    assert tags["EXIF ExposureTime"] == pytest.approx(1 / 60)
    assert tags["EXIF FNumber"] == pytest.approx(1.8)
    # exifread names PixelXDimension / PixelYDimension ExifImageWidth / ExifImageLength.
    assert tags["EXIF ExifImageWidth"] == 12
    assert tags["EXIF ExifImageLength"] == 8
    date = str(tags["EXIF DateTimeOriginal"])
    assert date.replace("-", ":") == "2021:01:02 03:04:05"
    assert not any(key.startswith("Thumbnail") for key in tags)


def test_exif_does_not_change_the_pixels(tmp_path: Path) -> None:
    pixels = clean_image(8, 12)
    io.write_png(tmp_path / "e.png", pixels, exif=EXIF)
    np.testing.assert_array_equal(io.to_uint8(io.read_image(tmp_path / "e.png")), pixels)


def test_make_exif_refuses_tags_it_does_not_write() -> None:
    with pytest.raises(KeyError, match="LensModel"):
        io.make_exif({"LensModel": "50mm"})


def test_missing_exif_is_an_empty_dict_without_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    io.write_png(tmp_path / "plain.png", clean_image(8, 12))
    with caplog.at_level(logging.DEBUG):
        assert io.read_exif(tmp_path / "plain.png") == {}
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert logging.getLogger("exifread").level == logging.NOTSET  # restored


@pytest.mark.parametrize("suffix", [".bmp", ".jpg"])
def test_formats_without_exif_give_an_empty_dict(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"plain{suffix}"
    Image.fromarray(clean_image(8, 12)).save(path)
    assert io.read_exif(path) == {}


def test_exif_of_a_garbage_file_is_empty_not_an_error(tmp_path: Path) -> None:
    assert io.read_exif(corrupt(tmp_path / "junk.png")) == {}


def test_exif_of_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(io.ImageError, match="nothere.png: file not found"):
        io.read_exif(tmp_path / "nothere.png")


def test_jpeg_exif_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    Image.fromarray(clean_image(8, 12)).save(path, exif=io.make_exif({"Make": "FUJIFILM", "ISOSpeedRatings": 3200}))
    tags = io.read_exif(path)
    assert tags["Image Make"] == "FUJIFILM" and tags["EXIF ISOSpeedRatings"] == 3200


# --- atomic writes ---------------------------------------------------------------------------


def test_atomic_write_leaves_no_file_and_no_temp_file_when_the_block_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with io.atomic_write(tmp_path / "out.bin") as handle:
            handle.write(b"half a file")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_keeps_the_old_file_when_the_block_raises(tmp_path: Path) -> None:
    io.write_text(tmp_path / "out.txt", "old")
    with pytest.raises(KeyboardInterrupt):
        with io.atomic_write(tmp_path / "out.txt", "w") as handle:
            handle.write("new")
            raise KeyboardInterrupt
    assert (tmp_path / "out.txt").read_text() == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_creates_folders_and_replaces_files(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.txt"
    io.write_text(target, "one")
    io.write_text(target, "two")
    assert target.read_text() == "two"
    assert [path.name for path in target.parent.iterdir()] == ["out.txt"]


def test_atomic_write_gives_files_the_usual_permissions(tmp_path: Path) -> None:
    """mkstemp makes owner-only files; a data set others should read must not end up 0600."""
    previous = os.umask(0o022)
    try:
        io.write_png(tmp_path / "shared.png", clean_image(4, 4))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "shared.png").stat().st_mode) == 0o644


# --- conversions the module docstring documents ----------------------------------------------


def test_8bit_grayscale_is_repeated_into_three_channels(tmp_path: Path, rng: np.random.Generator) -> None:
    gray = rng.integers(0, 256, size=(8, 12), dtype=np.uint8)
    Image.fromarray(gray, mode="L").save(tmp_path / "g.png")
    image = io.read_image(tmp_path / "g.png")
    assert image.shape == (8, 12, 3)
    for channel in range(3):
        np.testing.assert_allclose(image[..., channel], gray / 255.0, atol=1e-7)


def test_bilevel_image_becomes_black_and_white(tmp_path: Path) -> None:
    bits = np.zeros((8, 12), dtype=bool)
    bits[:, :6] = True
    Image.fromarray(bits).convert("1").save(tmp_path / "b.png")
    image = io.read_image(tmp_path / "b.png")
    assert image.shape == (8, 12, 3) and set(np.unique(image)) == {0.0, 1.0}
    assert image[0, 0, 0] == 1.0 and image[0, 11, 0] == 0.0


def test_16bit_grayscale_png_keeps_all_16_bits(tmp_path: Path, rng: np.random.Generator) -> None:
    gray = rng.integers(0, 65536, size=(8, 12), dtype=np.uint16)
    write_png16(tmp_path / "g16.png", gray)
    image = io.read_image(tmp_path / "g16.png")
    assert image.shape == (8, 12, 3) and image.dtype == np.float32
    np.testing.assert_array_equal(np.round(image[..., 1] * 65535).astype(np.uint16), gray)


def test_16bit_grayscale_png_written_by_pillow_keeps_all_16_bits(tmp_path: Path) -> None:
    gray = (np.arange(96, dtype=np.uint16).reshape(8, 12) * 683).astype(np.uint16)
    Image.fromarray(gray).save(tmp_path / "p16.png")
    image = io.read_image(tmp_path / "p16.png")
    np.testing.assert_array_equal(np.round(image[..., 0] * 65535).astype(np.uint16), gray)


def test_16bit_rgb_png_keeps_all_16_bits(tmp_path: Path, rng: np.random.Generator) -> None:
    """Pillow alone would keep only the high byte; the low byte must survive too."""
    colour = rng.integers(0, 65536, size=(8, 12, 3), dtype=np.uint16)
    write_png16(tmp_path / "c16.png", colour)
    image = io.read_image(tmp_path / "c16.png")
    assert image.shape == (8, 12, 3) and image.dtype == np.float32
    np.testing.assert_array_equal(np.round(image * 65535).astype(np.uint16), colour)


def test_16bit_rgba_png_that_is_opaque_loses_only_its_alpha(tmp_path: Path, rng: np.random.Generator) -> None:
    colour = rng.integers(0, 65536, size=(8, 12, 3), dtype=np.uint16)
    rgba = np.concatenate([colour, np.full((8, 12, 1), 65535, dtype=np.uint16)], axis=-1)
    write_png16(tmp_path / "c16a.png", rgba)
    np.testing.assert_array_equal(np.round(io.read_image(tmp_path / "c16a.png") * 65535).astype(np.uint16), colour)


def test_16bit_rgba_png_with_transparency_is_rejected(tmp_path: Path, rng: np.random.Generator) -> None:
    rgba = rng.integers(0, 65536, size=(8, 12, 4), dtype=np.uint16)
    write_png16(tmp_path / "t16.png", rgba)
    with pytest.raises(io.ImageError, match="t16.png: image has transparent pixels"):
        io.read_image(tmp_path / "t16.png")


def test_16bit_grayscale_alpha_png_is_rejected_with_a_reason(tmp_path: Path) -> None:
    write_png16(tmp_path / "la16.png", np.full((8, 12, 2), 65535, dtype=np.uint16))
    with pytest.raises(io.ImageError, match="la16.png: 16-bit grayscale\\+alpha PNG is not supported"):
        io.read_image(tmp_path / "la16.png")


@pytest.mark.parametrize("layout", ["interleaved", "planar", "compressed"])
def test_16bit_rgb_tiff_keeps_all_16_bits(tmp_path: Path, rng: np.random.Generator, layout: str) -> None:
    import tifffile

    colour = rng.integers(0, 65536, size=(8, 12, 3), dtype=np.uint16)
    path = tmp_path / "c16.tif"
    if layout == "planar":
        tifffile.imwrite(path, np.moveaxis(colour, -1, 0), photometric="rgb", planarconfig="separate")
    else:
        tifffile.imwrite(path, colour, photometric="rgb", compression="zlib" if layout == "compressed" else None)
    with Image.open(path) as image:
        assert image.mode == "RGB"  # Pillow alone would keep only the high byte
    np.testing.assert_array_equal(np.round(io.read_image(path) * 65535).astype(np.uint16), colour)
    assert io.bit_depth(path) == 16


def test_16bit_rgba_tiff_loses_only_an_opaque_alpha(tmp_path: Path, rng: np.random.Generator) -> None:
    import tifffile

    colour = rng.integers(0, 65536, size=(8, 12, 3), dtype=np.uint16)
    for name, alpha in (("opaque", 65535), ("seethrough", 1000)):
        rgba = np.concatenate([colour, np.full((8, 12, 1), alpha, dtype=np.uint16)], axis=-1)
        tifffile.imwrite(tmp_path / f"{name}.tif", rgba, photometric="rgb", extrasamples=["unassalpha"])
    np.testing.assert_array_equal(np.round(io.read_image(tmp_path / "opaque.tif") * 65535), colour)
    with pytest.raises(io.ImageError, match="seethrough.tif.*transparent"):
        io.read_image(tmp_path / "seethrough.tif")


def test_8bit_tiff_stays_8bit(tmp_path: Path, rng: np.random.Generator) -> None:
    colour = rng.integers(0, 256, size=(8, 12, 3), dtype=np.uint8)
    Image.fromarray(colour).save(tmp_path / "c8.tif")
    np.testing.assert_array_equal(np.round(io.read_image(tmp_path / "c8.tif") * 255).astype(np.uint8), colour)
    assert io.bit_depth(tmp_path / "c8.tif") == 8


def test_opaque_rgba_drops_the_alpha_channel(tmp_path: Path) -> None:
    pixels = clean_image(8, 12)
    rgba = np.concatenate([pixels, np.full((8, 12, 1), 255, dtype=np.uint8)], axis=-1)
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "rgba.png")
    np.testing.assert_array_equal(io.to_uint8(io.read_image(tmp_path / "rgba.png")), pixels)


def test_rgba_with_transparency_is_rejected_naming_the_file(tmp_path: Path) -> None:
    rgba = np.full((8, 12, 4), 255, dtype=np.uint8)
    rgba[3, 4, 3] = 0
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "hole.png")
    with pytest.raises(io.ImageError, match="hole.png: image has transparent pixels"):
        io.read_image(tmp_path / "hole.png")


def test_gray_with_alpha_follows_the_same_rule(tmp_path: Path) -> None:
    la = np.full((8, 12, 2), 200, dtype=np.uint8)
    la[..., 1] = 255
    Image.fromarray(la, mode="LA").save(tmp_path / "la.png")
    assert io.read_image(tmp_path / "la.png")[0, 0].tolist() == pytest.approx([200 / 255] * 3)
    la[0, 0, 1] = 10
    Image.fromarray(la, mode="LA").save(tmp_path / "la_hole.png")
    with pytest.raises(io.ImageError, match="la_hole.png: image has transparent pixels"):
        io.read_image(tmp_path / "la_hole.png")


def _palette_image(transparent_index: int | None) -> Image.Image:
    indices = np.zeros((8, 12), dtype=np.uint8)
    indices[:, 6:] = 1
    image = Image.fromarray(indices, mode="P")
    image.putpalette([255, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    if transparent_index is not None:
        image.info["transparency"] = transparent_index
    return image


def test_palette_image_is_expanded_to_rgb(tmp_path: Path) -> None:
    _palette_image(None).save(tmp_path / "p.png")
    image = io.to_uint8(io.read_image(tmp_path / "p.png"))
    assert image.shape == (8, 12, 3)
    assert image[0, 0].tolist() == [255, 0, 0] and image[0, 11].tolist() == [0, 0, 255]


def test_palette_image_with_a_used_transparent_colour_is_rejected(tmp_path: Path) -> None:
    _palette_image(1).save(tmp_path / "pt.png", transparency=1)
    with pytest.raises(io.ImageError, match="pt.png: image has transparent pixels"):
        io.read_image(tmp_path / "pt.png")


def test_palette_image_with_an_unused_transparent_colour_is_accepted(tmp_path: Path) -> None:
    _palette_image(7).save(tmp_path / "pu.png", transparency=7)
    assert io.read_image(tmp_path / "pu.png").shape == (8, 12, 3)


def test_cmyk_is_rejected_naming_the_mode(tmp_path: Path) -> None:
    Image.new("CMYK", (12, 8), (0, 50, 100, 0)).save(tmp_path / "cmyk.jpg")
    with pytest.raises(io.ImageError, match="cmyk.jpg: unsupported image mode 'CMYK'"):
        io.read_image(tmp_path / "cmyk.jpg")


def test_float_tiff_is_rejected_naming_the_mode(tmp_path: Path) -> None:
    Image.fromarray(np.full((8, 12), 0.5, dtype=np.float32), mode="F").save(tmp_path / "f.tif")
    with pytest.raises(io.ImageError, match="f.tif: unsupported image mode 'F'"):
        io.read_image(tmp_path / "f.tif")


@pytest.mark.parametrize("suffix", [".bmp", ".tif", ".jpg"])
def test_other_8bit_formats_read_as_rgb(tmp_path: Path, suffix: str) -> None:
    pixels = clean_image(8, 12)
    options = {"quality": 95, "subsampling": 0} if suffix == ".jpg" else {}
    Image.fromarray(pixels).save(tmp_path / f"x{suffix}", **options)
    image = io.read_image(tmp_path / f"x{suffix}")
    assert image.shape == (8, 12, 3)
    tolerance = 8 if suffix == ".jpg" else 0  # JPEG is lossy
    assert np.abs(io.to_uint8(image).astype(int) - pixels).max() <= tolerance


# --- broken files ----------------------------------------------------------------------------


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(io.ImageError, match="ghost.png: file not found"):
        io.read_image(tmp_path / "ghost.png")
    with pytest.raises(io.ImageError, match="ghost.png: file not found"):
        io.image_size(tmp_path / "ghost.png")


@pytest.mark.parametrize("name", ["junk.png", "junk.jpg", "empty.png"])
def test_corrupted_file_is_named(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.startswith("empty"):
        path.write_bytes(b"")
    else:
        corrupt(path)
    with pytest.raises(io.ImageError, match=f"{name}: corrupted or truncated image"):
        io.read_image(path)
    with pytest.raises(io.ImageError, match=f"{name}: not a readable image"):
        io.image_size(path)


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".jpg"])
def test_truncated_file_is_named(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"cut{suffix}"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(path)
    truncate(path)
    assert io.image_size(path) == (64, 64)  # the header survives: only decoding finds the damage
    with pytest.raises(io.ImageError, match=f"cut{suffix}: corrupted or truncated image"):
        io.read_image(path)


def test_truncated_16bit_png_is_named(tmp_path: Path, rng: np.random.Generator) -> None:
    path = write_png16(tmp_path / "cut16.png", rng.integers(0, 65536, size=(32, 32, 3), dtype=np.uint16))
    truncate(path)
    with pytest.raises(io.ImageError, match="cut16.png: corrupted or truncated image"):
        io.read_image(path)


def test_a_folder_is_not_an_image(tmp_path: Path) -> None:
    with pytest.raises(io.ImageError, match="file not found"):
        io.read_image(tmp_path)


def test_oversized_image_is_refused_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    io.write_png(tmp_path / "big.png", clean_image(8, 12))
    monkeypatch.setattr(io, "MAX_PIXELS", 50)
    with pytest.raises(io.ImageError, match="big.png: 12x8 is over 50 pixels"):
        io.read_image(tmp_path / "big.png")


def test_image_size_reads_the_header_as_height_width(tmp_path: Path) -> None:
    io.write_png(tmp_path / "s.png", clean_image(8, 12))
    assert io.image_size(tmp_path / "s.png") == (8, 12)


def test_to_uint8_rounds_clips_and_passes_uint8_through() -> None:
    assert io.to_uint8(np.array([-1.0, 0.0, 0.5 / 255, 1.49 / 255, 1.0, 2.0])).tolist() == [0, 0, 0, 1, 255, 255]
    levels = np.arange(256, dtype=np.uint8)
    assert io.to_uint8(levels) is levels


def test_atomic_path_renames_on_success_and_leaves_nothing_on_failure(tmp_path) -> None:
    from casestudy.io import atomic_path

    target = tmp_path / "model.keras"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target, ".part.keras") as temporary:
            temporary.write_text("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]
    with atomic_path(target, ".part.keras") as temporary:
        assert temporary.parent == tmp_path and temporary.name.endswith(".part.keras")
        temporary.write_text("new")
    assert target.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]
