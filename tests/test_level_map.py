"""The noise-level map from what a photo tells us: the fitted curves, the choice between metadata and estimate."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from casestudy.camera.phones import PHONES, phone_code
from casestudy.noise.level_map import (
    NoiseLevelFileError, NoiseLevelFunction, choose_noise_map, fit_noise_level_function, metadata_map, metadata_of_exif,
    noise_rms,
)  # fmt: skip

ISOS = (100, 200, 400, 800, 1600, 3200)


def true_sigma(brightness: np.ndarray | float, iso: float) -> np.ndarray:
    """The generator's noise: grows as the root of ISO and linearly with brightness."""
    return 0.01 * math.sqrt(iso / 100) * (0.5 + np.asarray(brightness))


def noisy_pair(iso: float, seed: int, size: int = 96) -> tuple[np.ndarray, np.ndarray]:
    """A smooth ramp of brightness (left to right) with the generator's noise: ``(clean, noisy)``."""
    ramp = np.linspace(0.1, 0.9, size, dtype=np.float32)
    clean = np.repeat(np.tile(ramp, (size, 1))[..., None], 3, axis=-1)
    rng = np.random.default_rng(seed)
    noisy = clean + rng.normal(size=clean.shape).astype(np.float32) * true_sigma(clean, iso)
    return clean, np.clip(noisy, 0, 1).astype(np.float32)


@pytest.fixture(scope="module")
def curves() -> NoiseLevelFunction:
    pairs = [(*noisy_pair(iso, seed), iso, "GP") for seed, iso in enumerate(ISOS * 2)]
    return fit_noise_level_function(pairs, source="a test")


def test_the_fitted_curves_give_back_the_generators_noise(curves: NoiseLevelFunction) -> None:
    for iso in (100, 800, 3200):
        for brightness in (0.3, 0.5, 0.7):
            assert curves.sigma(brightness, iso) == pytest.approx(true_sigma(brightness, iso), rel=0.1)
    # noise that grows as the root of ISO: log sigma rises by ln(2)/2 per doubling of ISO
    assert np.median(curves.slope) == pytest.approx(math.log(2) / 2, abs=0.03)
    assert curves.fit_spread < 0.05 and curves.pairs == 12


def test_curves_need_two_isos() -> None:
    with pytest.raises(ValueError, match="two or more ISOs"):
        fit_noise_level_function([(*noisy_pair(400, 0), 400, None), (*noisy_pair(400, 1), 400, None)])


def test_the_map_follows_the_photos_brightness(curves: NoiseLevelFunction) -> None:
    clean, noisy = noisy_pair(800, 99)
    level_map = metadata_map(noisy, curves, 800)
    assert level_map.shape == noisy.shape[:2]
    assert level_map[:, -10].mean() > 1.5 * level_map[:, 10].mean()  # the bright side is noisier
    assert np.sqrt(np.mean(level_map**2)) == pytest.approx(noise_rms(noisy, clean), rel=0.1)


def test_save_and_load_round_trip(curves: NoiseLevelFunction, tmp_path: Path) -> None:
    path = curves.save(tmp_path / "nafnet.noise-levels.json")
    again = NoiseLevelFunction.load(path)
    assert again == curves
    assert not list(tmp_path.glob("*.tmp*"))


@pytest.mark.parametrize(("content", "message"), [
    (None, "no noise level function"),
    ("{not json", "not a readable JSON"),
    ('{"format": "something else"}', "not a noise level function"),
    ('{"format": "casestudy-noise-level-function", "edges": [0, 1]}', "missing field"),
])  # fmt: skip
def test_a_bad_file_names_itself_and_the_problem(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(NoiseLevelFileError, match=message) as raised:
        NoiseLevelFunction.load(path)
    assert str(path) in str(raised.value)


def test_metadata_that_agrees_with_the_image_gives_the_map(curves: NoiseLevelFunction) -> None:
    _, noisy = noisy_pair(800, 50)
    choice = choose_noise_map(noisy, curves, iso=800)
    assert choice.source == "metadata" and "agrees" in choice.note
    np.testing.assert_allclose(choice.level_map, metadata_map(noisy, curves, 800))


def test_a_wrong_iso_loses_to_the_estimate_and_says_so(curves: NoiseLevelFunction) -> None:
    _, noisy = noisy_pair(100, 51)
    choice = choose_noise_map(noisy, curves, iso=6400)
    assert choice.source == "estimate" and "looks wrong" in choice.note and "ISO 6400" in choice.note
    assert np.ptp(choice.level_map) == 0 and choice.level_map[0, 0] == pytest.approx(choice.estimated_level)
    assert choice.metadata_level > 3 * choice.estimated_level


def test_no_iso_gives_the_estimate(curves: NoiseLevelFunction) -> None:
    clean, noisy = noisy_pair(400, 52)
    choice = choose_noise_map(noisy, curves)
    assert choice.source == "estimate" and choice.metadata_level is None and "no ISO" in choice.note
    assert choice.estimated_level == pytest.approx(noise_rms(noisy, clean), rel=0.35)


def test_a_phone_is_found_by_its_exif_make_and_model() -> None:
    for code, phone in PHONES.items():
        assert phone_code(phone.make, phone.model) == code
        assert phone_code(phone.make.upper(), f" {phone.model} ") == code
    assert phone_code("Canon", "EOS 5D") is None


def test_exif_tags_give_iso_and_phone() -> None:
    phone = PHONES["GP"]
    assert metadata_of_exif({"EXIF ISOSpeedRatings": 800, "Image Make": phone.make, "Image Model": phone.model}) == (
        800.0, "GP")
    assert metadata_of_exif({"EXIF ISOSpeedRatings": [1600, 1600]}) == (1600.0, None)
    assert metadata_of_exif({}) == (None, None)
    assert metadata_of_exif({"EXIF ISOSpeedRatings": "bogus"}) == (None, None)
    assert metadata_of_exif({"EXIF ISOSpeedRatings": 0}) == (None, None)


def test_the_json_holds_what_the_card_describes(curves: NoiseLevelFunction, tmp_path: Path) -> None:
    record = json.loads(curves.save(tmp_path / "c.json").read_text())
    assert record["format"] == "casestudy-noise-level-function" and record["source"] == "a test"
    assert len(record["edges"]) == len(record["slope"]) + 1 and record["phone_offset"].keys() == {"GP"}


def test_a_large_photo_is_estimated_on_a_mosaic_of_windows() -> None:
    from casestudy.noise.level_map import estimate_sample

    small = np.zeros((100, 120, 3), np.float32)
    assert estimate_sample(small, window=64, per_side=2) is small or np.shares_memory(estimate_sample(small, 64, 2), small)
    large = np.arange(300 * 400, dtype=np.float32).reshape(300, 400, 1).repeat(3, axis=-1)
    mosaic = estimate_sample(large, window=64, per_side=2)
    assert mosaic.shape == (128, 128, 3)
    np.testing.assert_array_equal(mosaic[:64, :64], large[:64, :64])  # top-left corner
    np.testing.assert_array_equal(mosaic[64:, 64:], large[-64:, -64:])  # bottom-right corner


def test_a_files_metadata_comes_from_exif_else_from_its_sidd_folder(tmp_path: Path) -> None:
    from casestudy.io import write_png
    from casestudy.noise.level_map import metadata_of_file

    image = np.full((8, 8, 3), 128, np.uint8)
    folder = tmp_path / "0001_001_S6_00800_00060_3200_L"
    folder.mkdir()
    write_png(folder / "NOISY_SRGB_010.PNG", image)
    assert metadata_of_file(folder / "NOISY_SRGB_010.PNG") == (800.0, "S6")
    write_png(tmp_path / "plain.png", image)
    assert metadata_of_file(tmp_path / "plain.png") == (None, None)
