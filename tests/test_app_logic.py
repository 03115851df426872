"""The web app's logic without a browser: uploads and their limits, EXIF, methods, crops, scores, the download."""

from __future__ import annotations

import io as _bytes_io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

keras = pytest.importorskip("keras")

from fakes import truncate, write_png16  # noqa: E402

from casestudy import io  # noqa: E402
from casestudy.app import logic  # noqa: E402
from casestudy.app.logic import UploadError, Window  # noqa: E402
from casestudy.filters import apply_filter  # noqa: E402
from casestudy.models import ModelLoadError, build_model  # noqa: E402
from casestudy.inference.tiling import denoise_tiled_model  # noqa: E402
from casestudy.evaluation.tuning import save_filter_params  # noqa: E402

CAMERA = {"Make": "Apple", "Model": "iPhone 7", "ISOSpeedRatings": 800, "ExposureTime": 1 / 250, "FNumber": 1.8}
ORIENTATION = 0x0112


def _pixels(height: int = 40, width: int = 60, seed: int = 0) -> np.ndarray:
    """Seeded noisy uint8 pixels: dark left half, bright right half."""
    pixels = np.full((height, width, 3), 190.0)
    pixels[:, : width // 2] = 50.0
    return np.clip(pixels + np.random.default_rng(seed).normal(0, 12, pixels.shape), 0, 255).astype(np.uint8)


def _encoded(pixels: np.ndarray, image_format: str, **options) -> bytes:
    buffer = _bytes_io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _camera_jpeg(orientation: int = 1) -> bytes:
    exif = io.make_exif(CAMERA)
    exif[ORIENTATION] = orientation
    return _encoded(_pixels(), "JPEG", exif=exif, quality=95)


# --------------------------------------------------------------------------- uploads


def test_a_camera_jpeg_is_decoded_with_its_exif_summarised() -> None:
    upload = logic.decode_upload(_camera_jpeg(), "IMG_0001.JPG")
    assert (upload.name, upload.image_format, upload.pixels.shape) == ("IMG_0001.JPG", "JPEG", (40, 60, 3))
    assert upload.pixels.dtype == np.float32
    assert logic.exif_summary(upload.photo.exif) == {
        "camera": "Apple iPhone 7", "ISO": "800", "exposure": "1/250 s", "aperture": "f/1.8",
    }  # fmt: skip


def test_an_upload_is_turned_upright_as_its_exif_orientation_says() -> None:
    upload = logic.decode_upload(_camera_jpeg(orientation=6), "turned.jpg")
    assert upload.pixels.shape == (60, 40, 3)
    # Orientation 6 turns the photo a quarter clockwise: the dark left half becomes the top half.
    assert upload.pixels[:30].mean() + 0.3 < upload.pixels[30:].mean()


def test_the_same_bytes_give_the_same_digest_and_other_bytes_another() -> None:
    first, again = logic.decode_upload(_camera_jpeg(), "a.jpg"), logic.decode_upload(_camera_jpeg(), "b.jpg")
    assert first.digest == again.digest
    assert logic.decode_upload(_camera_jpeg(orientation=3), "a.jpg").digest != first.digest


def test_png_and_tiff_are_accepted_and_a_16_bit_png_keeps_its_depth(tmp_path: Path) -> None:
    pixels = _pixels()
    assert logic.decode_upload(_encoded(pixels, "PNG"), "p.png").image_format == "PNG"
    tiff = logic.decode_upload(_encoded(pixels, "TIFF"), "t.tif")
    assert tiff.image_format == "TIFF"
    np.testing.assert_array_equal(io.to_uint8(tiff.pixels), pixels)
    deep = np.random.default_rng(1).integers(0, 65536, (12, 16, 3), dtype=np.uint16)
    upload = logic.decode_upload(write_png16(tmp_path / "deep.png", deep).read_bytes(), "deep.png")
    assert upload.photo.bits == 16
    np.testing.assert_array_equal(np.round(upload.pixels.astype(np.float64) * 65535).astype(np.uint16), deep)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty.png: the file is empty"),
        (b"GIF87a but not really", "empty.png: not a readable image"),
        (b"%PDF-1.4 a document", "empty.png: not a readable image"),
    ],
)
def test_files_that_are_not_images_are_refused_by_name(data: bytes, message: str) -> None:
    with pytest.raises(UploadError, match=message):
        logic.decode_upload(data, "empty.png")


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "WEBP"])
def test_images_of_other_formats_are_refused(image_format: str) -> None:
    with pytest.raises(UploadError, match=f"frame.x: a {image_format} image; the app takes PNG, JPEG or TIFF"):
        logic.decode_upload(_encoded(_pixels(), image_format), "frame.x")


def test_an_upload_over_the_byte_limit_is_refused_before_it_is_read() -> None:
    data = _camera_jpeg()
    with pytest.raises(UploadError, match=r"big.jpg: [\d,]+ bytes \(\d kB\) is over the app's upload limit of 1,024 bytes \(1 kB\)"):
        logic.decode_upload(data, "big.jpg", max_bytes=1024)
    assert logic.decode_upload(data, "big.jpg", max_bytes=len(data)).pixels.shape == (40, 60, 3)


def test_a_header_over_the_pixel_limit_is_refused_before_decoding() -> None:
    # 8000 x 7000 = 56 MP claimed by 100 bytes: the header check refuses it (a decode would fail on the data).
    with pytest.raises(UploadError, match=r"bomb.png: 8000x7000 is 56,000,000 pixels \(56\.0 MP\), over the app's limit of 48,000,000 \(48 MP\)"):
        logic.decode_upload(logic.header_only_png(8000, 7000), "bomb.png")
    with pytest.raises(UploadError, match=r"small.jpg: 60x40 is 2,400 pixels \(0\.0 MP\), over the app's limit of 1,000 \(0\.001 MP\)"):
        logic.decode_upload(_camera_jpeg(), "small.jpg", max_pixels=1000)


def test_a_decompression_bomb_beyond_pillows_own_limit_is_refused() -> None:
    with pytest.raises(UploadError, match="huge.png: the image claims more pixels than this app accepts"):
        logic.decode_upload(logic.header_only_png(100_000, 100_000), "huge.png")


def test_a_truncated_photo_is_refused_naming_the_upload_not_a_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    path.write_bytes(_encoded(_pixels(200, 300), "JPEG", quality=95))
    with pytest.raises(UploadError, match=r"^cut\.jpg: corrupted or truncated image") as caught:
        logic.decode_upload(truncate(path).read_bytes(), "cut.jpg")
    assert "casestudy-upload" not in str(caught.value)


def test_a_transparent_png_is_refused_with_the_reason() -> None:
    rgba = np.dstack([_pixels(), np.full((40, 60), 128, dtype=np.uint8)])
    with pytest.raises(UploadError, match="glass.png: image has transparent pixels"):
        logic.decode_upload(_encoded(rgba, "PNG"), "glass.png")


@pytest.mark.parametrize(
    ("name", "safe"),
    [("../../etc/passwd", "passwd"), ("C:\\Users\\me\\IMG 1 (2).jpg", "IMG_1_2_.jpg"), ("...", "upload"), ("", "upload")],
)
def test_upload_names_lose_folders_and_odd_characters(name: str, safe: str) -> None:
    assert logic.safe_name(name) == safe


# --------------------------------------------------------------------------- EXIF


def test_exif_summary_of_nothing_is_empty_and_exposures_read_naturally() -> None:
    assert logic.exif_summary(None) == {}
    assert logic.exif_summary(Image.Exif()) == {}
    long = io.make_exif({"Make": "Canon", "Model": "Canon EOS 5D", "ExposureTime": 2.5})
    assert logic.exif_summary(long) == {"camera": "Canon EOS 5D", "exposure": "5/2 s"}
    assert logic.exif_summary(io.make_exif({"ExposureTime": 1 / 30}))["exposure"] == "1/30 s"


# --------------------------------------------------------------------------- methods


@pytest.fixture(scope="module")
def rednet_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained smoke-width REDNet saved to .keras (fast to load and run)."""
    keras.utils.set_random_seed(13)
    path = tmp_path_factory.mktemp("weights") / "rednet.keras"
    build_model("rednet", profile="smoke").save(path)
    return path


def test_a_network_is_loaded_in_safe_mode_and_runs_tile_by_tile_reporting_each(rednet_file: Path) -> None:
    method = logic.load_method("rednet", rednet_file)
    assert method.model.name == "rednet" and method.description == "REDNet: weights rednet.keras, loaded in Keras safe mode"
    noisy = _pixels(100, 150).astype(np.float32) / 255
    calls: list[tuple[int, int]] = []
    result = logic.run_method(method, noisy, tile=64, overlap=16, on_progress=lambda *call: calls.append(call))
    total = logic.tile_count(method, 100, 150, tile=64, overlap=16)
    assert total == 2 * 3  # starts every 48 px: rows 0, 48; columns 0, 48, 96
    assert calls == [(done, total) for done in range(total + 1)]
    np.testing.assert_allclose(result, denoise_tiled_model(method.model, noisy, 64, 16), atol=1e-6)


def test_weights_of_another_network_or_with_code_are_refused(tmp_path: Path, rednet_file: Path) -> None:
    with pytest.raises(ModelLoadError, match="holds a 'rednet' network, not 'mwcnn'"):
        logic.load_method("mwcnn", rednet_file)
    inputs = keras.Input((None, None, 3))
    unsafe = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs), name="rednet")
    unsafe.save(tmp_path / "rednet.keras")
    with pytest.raises(ModelLoadError, match="cannot load this model in safe mode"):
        logic.load_method("rednet", tmp_path / "rednet.keras")


def test_a_filter_uses_its_tuned_settings_when_saved_and_reports_one_step(tmp_path: Path) -> None:
    params = tmp_path / "filter_params.json"
    save_filter_params(params, {"nlm": {"h_factor": 0.6, "patch_size": 3, "patch_distance": 4}})
    method = logic.load_method("nlm", params_file=params)
    assert {**method.params, "h_factor": 0.6, "patch_size": 3, "patch_distance": 4} == method.params  # the rest default
    assert method.parameters is None and method.description == "NLM: settings tuned in filter_params.json"
    noisy = _pixels().astype(np.float32) / 255
    calls: list[tuple[int, int]] = []
    result = logic.run_method(method, noisy, on_progress=lambda *call: calls.append(call))
    np.testing.assert_array_equal(result, apply_filter("nlm", noisy, **method.params))
    assert calls == [(1, 1)]
    assert "default settings" in logic.load_method("bm3d", params_file=tmp_path / "none.json").description


def test_an_unknown_method_is_refused_with_the_menu() -> None:
    with pytest.raises(ValueError, match="unknown method 'gaussian'; the app offers nlm, bm3d, rednet, mwcnn, pridnet"):
        logic.load_method("gaussian")


# --------------------------------------------------------------------------- views and scores


@pytest.mark.parametrize(
    ("centre", "size", "window"),
    [
        ((0.5, 0.5), 40, Window(30, 70, 80, 120)),
        ((0.0, 0.0), 40, Window(0, 40, 0, 40)),
        ((1.0, 1.0), 40, Window(60, 100, 160, 200)),
        ((0.5, 0.9), 500, Window(0, 100, 100, 200)),  # cut to the shorter side, kept inside
    ],
)
def test_the_crop_window_is_centred_and_kept_inside_the_photo(centre, size: int, window: Window) -> None:
    assert logic.crop_window(100, 200, *centre, size) == window


def test_zoom_repeats_pixels_and_preview_shrinks_only_large_images() -> None:
    image = np.arange(100 * 200 * 3, dtype=np.float32).reshape(100, 200, 3) / (100 * 200 * 3)
    zoomed = logic.zoom(image, Window(10, 50, 20, 60), display=512)
    assert zoomed.shape == (480, 480, 3)  # 40 px crop, 12 x
    np.testing.assert_array_equal(zoomed[::12, ::12], image[10:50, 20:60])
    np.testing.assert_array_equal(logic.preview(image), io.to_uint8(image))
    large = logic.preview(np.zeros((1000, 3000, 3), dtype=np.float32), max_side=1600)
    assert large.shape == (533, 1600, 3) and large.dtype == np.uint8


def test_scores_against_the_reference_and_a_reference_of_another_size_is_refused() -> None:
    clean = _pixels(seed=3).astype(np.float64) / 255
    noisy = np.clip(clean + 0.05, 0, 1)
    table = logic.scores(clean, noisy, clean)
    assert table["denoised"] == {"PSNR": float("inf"), "SSIM": pytest.approx(1.0)}
    assert table["noisy"]["PSNR"] < 30
    with pytest.raises(UploadError, match="clean.png: the reference is 30x20 but the photo is 60x40"):
        logic.scores(clean[:20, :30], noisy, clean, "clean.png")


# --------------------------------------------------------------------------- the download


@pytest.mark.parametrize(("image_format", "suffix", "mime"), [("JPEG", ".jpg", "image/jpeg"), ("PNG", ".png", "image/png"), ("TIFF", ".tif", "image/tiff")])
def test_the_download_keeps_the_uploads_format_and_camera(image_format: str, suffix: str, mime: str) -> None:
    data = _encoded(_pixels(), image_format, exif=io.make_exif(CAMERA))
    upload = logic.decode_upload(data, f"night{suffix}")
    download = logic.encode_download(upload.pixels, upload, "nlm")
    assert (download.file_name, download.mime) == (f"night-nlm{suffix}", mime)
    with Image.open(_bytes_io.BytesIO(download.data)) as image:
        assert image.format == image_format and image.size == (60, 40)
        assert image.getexif()[0x0110] == "iPhone 7"
        if image_format != "JPEG":
            np.testing.assert_array_equal(np.asarray(image), io.to_uint8(upload.pixels))


def test_a_16_bit_png_downloads_as_16_bit(tmp_path: Path) -> None:
    deep = np.random.default_rng(2).integers(0, 65536, (12, 16, 3), dtype=np.uint16)
    upload = logic.decode_upload(write_png16(tmp_path / "deep.png", deep).read_bytes(), "deep.png")
    download = logic.encode_download(upload.pixels, upload, "rednet")
    (tmp_path / download.file_name).write_bytes(download.data)
    assert io.bit_depth(tmp_path / "deep-rednet.png") == 16
    np.testing.assert_array_equal(np.round(io.read_image(tmp_path / "deep-rednet.png") * 65535).astype(np.uint16), deep)


def test_before_after_figure_shows_the_same_crop_of_both() -> None:
    from casestudy.app.notebook import before_after_figure

    noisy = _pixels().astype(np.float32) / 255
    figure = before_after_figure(noisy, 1 - noisy, Window(0, 20, 10, 30), "NLM")
    shown = [axes.images[0].get_array() for axes in figure.axes if axes.images]
    factor = shown[0].shape[0] // 20  # zoomed by pixel repetition
    np.testing.assert_allclose(shown[0][::factor, ::factor], noisy[0:20, 10:30], atol=1e-6)
    np.testing.assert_allclose(shown[1], 1 - shown[0], atol=1e-6)
    assert "20-pixel crop before and after NLM" in figure._suptitle.get_text()


def test_only_the_filters_that_scale_a_noise_level_get_a_strength_dial() -> None:
    assert logic.has_strength("nlm") and logic.has_strength("bm3d")
    assert not any(logic.has_strength(name) for name in ("rednet", "mwcnn", "pridnet", "nosuchmethod"))


# --------------------------------------------------------------------------- the default method

HEADER = "check,condition,image,method,psnr,dark_shift\n"


def _quality_csv(path: Path, rows: list[tuple[str, str, float]]) -> Path:
    """A quality-check table with ``(check, method, psnr)`` rows (the other columns filled in)."""
    lines = [f"{check},medium,scene{index % 2},{method},{psnr},0.1\n" for index, (check, method, psnr) in enumerate(rows)]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def test_the_default_method_is_the_best_mean_on_the_unseen_check(tmp_path: Path) -> None:
    table = _quality_csv(tmp_path / "quality.csv", [
        ("unseen", "nlm (blind)", 30.0), ("unseen", "nlm (blind)", 32.0),    # mean 31.0
        ("unseen", "bm3d (blind)", 31.5), ("unseen", "bm3d (blind)", 30.0),  # mean 30.75
        ("unseen", "mwcnn", 33.0), ("unseen", "mwcnn", 29.5),                # mean 31.25: the best
        ("unseen", "rednet", 31.2), ("unseen", "rednet", "nan"),             # an unfinished row does not count
        ("white", "pridnet", 45.0), ("white", "pridnet", 45.0),              # another check: ignored
    ])  # fmt: skip
    assert logic.unseen_means(table) == pytest.approx({"nlm": 31.0, "bm3d": 30.75, "rednet": 31.2, "mwcnn": 31.25})
    assert list(logic.unseen_means(table)) == ["nlm", "bm3d", "rednet", "mwcnn"]  # menu order
    assert logic.best_unseen_method(table) == "mwcnn"
    name, why = logic.default_method(table)
    assert name == "mwcnn" and why == (
        "Opens on MWCNN: best mean PSNR on the unseen-noise check (31.25 dB; benchmarks/results/quality.md)."
    )


def test_reference_rows_and_methods_the_app_lacks_never_win(tmp_path: Path) -> None:
    table = _quality_csv(tmp_path / "quality.csv", [
        ("unseen", "noisy", 99.0), ("unseen", "bm3d (true)", 98.0), ("unseen", "nlm (true)", 97.0),
        ("unseen", "gaussian (blind)", 96.0), ("unseen", "unet", 95.0), ("unseen", "bm3d", 94.0),
        ("unseen", "rednet", 28.0), ("unseen", "pridnet", 29.0), ("unseen", "bm3d (blind)", 27.0),
    ])  # fmt: skip
    assert logic.unseen_means(table) == pytest.approx({"bm3d": 27.0, "rednet": 28.0, "pridnet": 29.0})
    assert logic.best_unseen_method(table) == "pridnet"


def test_ties_go_to_the_method_first_in_the_menu(tmp_path: Path) -> None:
    table = _quality_csv(tmp_path / "quality.csv", [("unseen", "pridnet", 30.0), ("unseen", "bm3d (blind)", 30.0)])
    assert logic.best_unseen_method(table) == "bm3d"


@pytest.mark.parametrize(
    "content",
    [
        None,  # deleted
        "",  # empty
        "check,method\nunseen,rednet\n",  # no psnr column
        HEADER + "white,sigma 5,a,rednet,30.0,0.1\n",  # no unseen rows
        HEADER + "unseen,light,a,noisy,30.0,0.1\n",  # only a reference row
        b"\xff\xfe\x00 not text",  # not UTF-8
    ],
)
def test_a_missing_or_unreadable_table_falls_back_without_an_error(tmp_path: Path, content) -> None:
    path = tmp_path / "quality.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    assert logic.best_unseen_method(path) == logic.FALLBACK_METHOD == "nlm"
    name, why = logic.default_method(path)
    assert name == "nlm" and "missing or unreadable" in why
    assert logic.best_unseen_method(tmp_path) == "nlm"  # a folder, not a file


def test_the_committed_table_is_found_from_the_package_and_read() -> None:
    from casestudy.config import project_root

    assert logic.QUALITY_CSV == project_root() / "benchmarks" / "results" / "quality.csv"
    if not logic.QUALITY_CSV.is_file():
        pytest.skip("benchmarks/results/quality.csv is not in this checkout")
    means = logic.unseen_means()
    assert {"nlm", "bm3d", "rednet", "mwcnn", "pridnet"} <= set(means) <= set(logic.method_labels())
    assert logic.best_unseen_method() == max(means, key=means.get)


def test_bm3d_runs_one_call_at_a_time_so_overlapping_sessions_do_not_crash_the_server() -> None:
    # The bm3d library aborts the process when two calls overlap (a Streamlit server runs sessions in threads);
    # numpy_for_bm4d, around every BM3D call, holds a lock. Two threads ask at once, in a child process: without
    # the lock the child dies of SIGABRT, and this test process survives to say so.
    import subprocess
    import sys
    import textwrap

    child = textwrap.dedent("""
        import threading
        import numpy as np
        from casestudy.app import logic
        method = logic.load_method("bm3d", params_file="no-such-settings.json")
        noisy = np.random.default_rng(0).random((24, 32, 3)).astype(np.float32)
        results = []
        threads = [threading.Thread(target=lambda: results.append(logic.run_method(method, noisy))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # both finish with the same picture; BM3D's own thread pool may sum in another order (within a grey level)
        assert len(results) == 2 and np.allclose(results[0], results[1], atol=1 / 255)
        print("both done")
    """)
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "both done", done.stderr[-2000:]


def test_a_network_told_the_noise_reads_the_uploads_iso_and_phone() -> None:
    from PIL import Image

    from casestudy.camera.phones import PHONES

    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = PHONES["GP"].make, PHONES["GP"].model
    exif.get_ifd(0x8769)[0x8827] = 800
    assert logic.photo_metadata(exif) == (800.0, "GP")
    other = Image.Exif()
    other[0x010F], other[0x0110] = "Canon", "EOS 5D"
    other.get_ifd(0x8769)[0x8827] = (1600, 1600)
    assert logic.photo_metadata(other) == (1600.0, None)
    assert logic.photo_metadata(None) == (None, None) and logic.photo_metadata(Image.Exif()) == (None, None)


def test_the_strength_dial_is_for_filters_and_networks_told_the_noise() -> None:
    from casestudy.models import MODELS

    for name in MODELS:  # the blind networks, and NAFNet, which the app runs blind (by default)
        assert not logic.has_strength(name)
    assert logic.has_strength("nlm") and logic.has_strength("bm3d")
    method = logic.load_method("nlm")
    assert logic.told_the_photo(method, None) is method


def test_only_a_network_that_takes_a_noise_map_is_offered_to_be_told_the_noise() -> None:
    from casestudy.models import MODELS

    for name, spec in MODELS.items():  # the model spec decides: NAFNet has map channels, the blind networks none
        assert logic.has_noise_map(name) == (spec.map_channels > 0)
    assert logic.has_noise_map("nafnet")
    assert not any(logic.has_noise_map(name) for name in ("rednet", "mwcnn", "pridnet", "nlm", "bm3d", "nosuchmethod"))
    # NAFNet's dial follows the map; the blind networks have none either way, the filters one either way.
    assert not logic.has_strength("nafnet") and logic.has_strength("nafnet", told_noise=True)
    assert not any(logic.has_strength(name, told_noise=True) for name in ("rednet", "mwcnn", "pridnet"))
    assert all(logic.has_strength(name, told) for name in ("nlm", "bm3d") for told in (False, True))


def test_a_network_told_the_noise_runs_blind_with_the_map_off_and_scales_the_map_with_it_on() -> None:
    from casestudy.evaluation.methods import METHODS, NoStrengthControlError

    nafnet = logic.told_the_photo(METHODS["nafnet"], None).with_metadata(800.0, "IP")
    blind = logic.set_up(nafnet)
    assert (blind.map_mode, blind.strength) == ("blind", 1.0) and "blind (map withheld)" in blind.description
    told = logic.set_up(nafnet, told_noise=True, strength=1.5)
    assert (told.map_mode, told.strength) == (logic.TOLD_MAP_MODE, 1.5) == ("auto", 1.5)
    assert told.description.endswith("noise map: auto, strength 1.5")
    assert (told.iso, told.phone) == (800.0, "IP")  # the photo's EXIF is kept
    # Switched off again, it runs blind at strength 1, whatever strength it had.
    again = logic.set_up(told, told_noise=False)
    assert (again.map_mode, again.strength) == ("blind", 1.0)
    # Blind, it has no map to scale: a strength other than 1 is refused, not silently dropped.
    with pytest.raises(NoStrengthControlError, match="runs blind"):
        logic.set_up(told, told_noise=False, strength=1.5)
    with pytest.raises(ValueError, match="positive"):
        logic.set_up(nafnet, told_noise=True, strength=0)


def test_methods_without_a_map_refuse_to_be_told_the_noise_and_filters_keep_their_dial() -> None:
    from casestudy.evaluation.methods import METHODS, NoStrengthControlError

    rednet = METHODS["rednet"]
    assert logic.set_up(rednet) is rednet
    with pytest.raises(ValueError, match="REDNet cannot be told the noise"):
        logic.set_up(rednet, told_noise=True)
    with pytest.raises(NoStrengthControlError, match="blind network"):
        logic.set_up(rednet, strength=1.5)
    nlm = logic.load_method("nlm")
    assert logic.set_up(nlm) == nlm.with_strength(1.0)
    assert logic.set_up(nlm, strength=1.5) == nlm.with_strength(1.5) != nlm
    assert logic.set_up(rednet, ensemble=True).ensemble and "self-ensemble" in logic.set_up(rednet, ensemble=True).description
    assert logic.set_up(logic.set_up(rednet, ensemble=True)) == rednet  # unticked again
    assert logic.set_up(nlm, ensemble=True) == nlm.with_strength(1.0)  # a filter has no ensemble: unchanged
    with pytest.raises(ValueError, match="NLM cannot be told the noise"):
        logic.set_up(nlm, told_noise=True, strength=1.5)


@pytest.mark.parametrize(
    ("name", "megapixels", "ensemble", "wait"),
    [
        ("bm3d", 12.0, False, "about 12 to 36 minutes"),  # a phone photo under the slowest filter
        ("nlm", 12.0, False, "about 1 to 3 minutes"),  # 84 to 180 s: minutes from 90 s on
        ("nafnet", 12.0, False, "about 12 to 24 seconds"),
        ("nafnet", 12.0, True, "about 2 to 3 minutes"),  # eight passes: 96 to 192 s
        ("bm3d", 12.0, True, "about 12 to 36 minutes"),  # a filter has no self-ensemble
        ("rednet", 0.5, False, "about 1 second"),
        ("nlm", 0.0075, False, "under a second"),  # the browser test's 104x72 photo
    ],
)
def test_the_wait_shown_while_a_method_runs_scales_with_the_photo_and_the_method(
    name: str, megapixels: float, ensemble: bool, wait: str
) -> None:
    assert logic.expected_wait(name, megapixels, ensemble) == wait


@pytest.mark.parametrize("megapixels", [-1.0, float("nan"), float("inf")])
def test_a_wait_for_an_impossible_photo_size_is_refused(megapixels: float) -> None:
    with pytest.raises(ValueError, match="megapixels"):
        logic.expected_wait("nlm", megapixels)


def test_a_wait_for_a_method_the_app_does_not_offer_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown method 'dncnn'"):
        logic.expected_wait("dncnn", 1.0)


def test_the_menus_speed_note_quotes_the_figures_the_wait_is_worked_out_from() -> None:
    note = logic.speed_note()
    low, high = logic.SECONDS_PER_MEGAPIXEL["bm3d"]
    assert f"BM3D {low / 60:g} to {high / 60:g} minutes" in note
    assert logic.expected_wait("bm3d", 1.0) == f"about {low / 60:g} to {high / 60:g} minutes"
    assert f"({logic.ENSEMBLE_PASSES} times that as a self-ensemble)" in note
