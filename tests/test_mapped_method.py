"""A network told the noise as a method: its map per photo, the strength dial, tiles that carry the map."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from casestudy.evaluation.methods import (  # noqa: E402
    MappedNetworkMethod, NoStrengthControlError, noise_levels_path, prepare_method,
)  # fmt: skip
from casestudy.inference.network import denoise_image  # noqa: E402
from casestudy.inference.tiling import denoise_tiled  # noqa: E402
from casestudy.noise.level_map import NoiseLevelFileError, NoiseLevelFunction  # noqa: E402

BINS = 4


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small untrained NAFNet-style network (the registered one, narrow), saved with a flat noise level function."""
    from casestudy.models.nafnet import build_nafnet

    keras.utils.set_random_seed(5)
    model = build_nafnet(4)
    for layer in model.layers:  # switch the blocks on, so the map changes the output
        if layer.name.endswith(("_beta", "_gamma")):
            layer.set_weights([np.full_like(weight, 0.5) for weight in layer.get_weights()])
    folder = tmp_path_factory.mktemp("weights")
    model.save(folder / "nafnet.keras")
    flat = NoiseLevelFunction(tuple(np.linspace(0, 1, BINS + 1)), (np.log(0.04),) * BINS, (0.35,) * BINS, {}, 0.0, 0.3,
                              0.3, 10, "a test")  # fmt: skip
    flat.save(noise_levels_path(folder / "nafnet.keras"))
    return folder / "nafnet.keras"


@pytest.fixture
def photo() -> np.ndarray:
    rng = np.random.default_rng(1)
    return np.clip(0.5 + 0.04 * rng.normal(size=(40, 56, 3)), 0, 1).astype(np.float32)


def test_the_noise_level_function_sits_beside_the_weights() -> None:
    assert noise_levels_path("weights/nafnet.keras") == Path("weights/nafnet.noise-levels.json")


def test_the_method_takes_its_map_from_the_iso_and_the_strength_scales_it(weights: Path, photo: np.ndarray) -> None:
    method = prepare_method("nafnet", weights=weights)
    assert isinstance(method, MappedNetworkMethod) and method.curves.pairs == 10 and method.map_mode == "blind"
    told = method.with_map_mode("auto").with_metadata(iso=100)
    choice = told.noise_map(photo)
    assert choice.source == "metadata"
    np.testing.assert_allclose(choice.level_map, 0.04, rtol=1e-5)
    np.testing.assert_allclose(told(photo), denoise_image(method.model, photo, choice.level_map), atol=1e-6)
    stronger = told.with_strength(2.0)
    np.testing.assert_allclose(stronger(photo), denoise_image(method.model, photo, 2 * choice.level_map), atol=1e-6)
    assert not np.allclose(stronger(photo), told(photo), atol=1e-4)
    assert "strength 2" in stronger.description and "noise map: auto" in stronger.description


def test_blind_mode_is_the_network_without_a_map(weights: Path, photo: np.ndarray) -> None:
    method = prepare_method("nafnet", weights=weights)  # blind by default
    assert method.noise_map(photo) is None
    np.testing.assert_allclose(method(photo), denoise_image(method.model, photo), atol=1e-6)
    with pytest.raises(NoStrengthControlError, match="blind"):
        method.with_strength(1.5)
    with pytest.raises(ValueError, match="unknown map mode"):
        method.with_map_mode("exif")


def test_the_metadata_mode_needs_an_iso(weights: Path, photo: np.ndarray) -> None:
    with pytest.raises(ValueError, match="needs the photo's ISO"):
        prepare_method("nafnet", weights=weights).with_map_mode("metadata").noise_map(photo)


def test_the_choice_is_announced(weights: Path, photo: np.ndarray) -> None:
    notes: list[str] = []
    method = dataclasses.replace(prepare_method("nafnet", weights=weights).with_map_mode("auto"), announce=notes.append)
    method.with_metadata(iso=100).run(photo, tile=32, overlap=8)
    assert len(notes) == 1 and "ISO 100" in notes[0]


def test_tiles_carry_the_map_and_match_the_whole_photo(weights: Path, photo: np.ndarray) -> None:
    method = prepare_method("nafnet", weights=weights).with_map_mode("auto").with_metadata(iso=100)
    reports: list[tuple[int, int]] = []
    tiled = method.run(photo, tile=32, overlap=16, on_progress=lambda done, total: reports.append((done, total)))
    assert reports[-1][0] == reports[-1][1] > 1
    # a tile sees less context than the whole photo, so the two agree closely but not exactly
    assert np.abs(tiled - method(photo)).mean() < 0.01


def test_missing_curves_name_the_file(weights: Path, tmp_path: Path) -> None:
    lonely = tmp_path / "nafnet.keras"
    lonely.write_bytes(weights.read_bytes())
    with pytest.raises(NoiseLevelFileError, match="nafnet.noise-levels.json"):
        prepare_method("nafnet", weights=lonely)


def test_the_tiler_cuts_extra_channels_with_each_tile() -> None:
    image = np.full((30, 44, 3), 0.25, np.float32)
    extra = np.zeros((30, 44, 1), np.float32)
    extra[:, 22:] = 0.5
    out = denoise_tiled(lambda stack: stack[..., :3] + stack[..., 3:4], image, tile_size=16, overlap=4, extra=extra)
    np.testing.assert_allclose(out[:, :20], 0.25)
    np.testing.assert_allclose(out[:, 24:], 0.75)
    with pytest.raises(ValueError, match="do not match"):
        denoise_tiled(lambda stack: stack[..., :3], image, tile_size=16, overlap=4, extra=extra[:10])


def test_the_scoring_loop_tells_the_network_the_pairs_metadata(weights: Path, photo: np.ndarray) -> None:
    from casestudy.evaluation.methods import pair_runner
    from casestudy.evaluation.scoring import Pair

    method = prepare_method("nafnet", weights=weights).with_map_mode("auto")
    told = pair_runner(method)(Pair({"iso": 100.0, "phone": "GP"}, photo, photo))
    np.testing.assert_allclose(told, method.with_metadata(100.0, "GP")(photo), atol=1e-6)
    unknown = pair_runner(method)(Pair({"iso": float("nan"), "phone": ""}, photo, photo))
    np.testing.assert_allclose(unknown, method.with_map_mode("estimate")(photo), atol=1e-6)


def test_each_condition_is_scored_on_each_pair(weights: Path, photo: np.ndarray) -> None:
    from casestudy.evaluation.map_check import CONDITIONS, condition_table, map_condition_rows
    from casestudy.evaluation.scoring import Pair

    method = prepare_method("nafnet", weights=weights)
    clean = np.clip(photo * 0 + 0.5, 0, 1).astype(np.float32)
    pairs = [Pair({"instance": f"p{i}", "iso": iso, "phone": "GP"}, photo, clean) for i, iso in enumerate((100.0, 3200.0))]
    rows = map_condition_rows(method, pairs)
    assert len(rows) == 2 * len(CONDITIONS) and set(rows["method"]) == set(CONDITIONS)
    psnr = rows.set_index(["instance", "method"])["psnr"]
    assert psnr["p0", "ISO x4 (metadata)"] != psnr["p0", "metadata"]
    table = condition_table(rows)
    assert list(table.columns) == list(CONDITIONS) and table.index[-1] == "all" and len(table) == 3
    assert table.loc["all", "blind"] == pytest.approx(rows[rows["method"] == "blind"]["psnr"].mean())
    with pytest.raises(ValueError, match="unknown condition"):
        map_condition_rows(method, pairs, conditions=("exif",))


def test_the_reference_tells_the_network_the_noise_measured_against_the_clean_image(weights: Path,
                                                                                    photo: np.ndarray) -> None:  # fmt: skip
    from casestudy.evaluation.map_check import REFERENCE, condition_runner
    from casestudy.evaluation.scoring import Pair
    from casestudy.training.noise_maps import local_noise_level

    method = prepare_method("nafnet", weights=weights)
    clean = np.full_like(photo, 0.5)
    reference = condition_runner(method, REFERENCE)(Pair({"iso": 100.0}, photo, clean))
    np.testing.assert_allclose(reference, denoise_image(method.model, photo, local_noise_level(photo, clean)), atol=1e-6)
    assert np.abs(reference - method(photo)).max() > 1e-4  # not the blind run: the map reaches the network


def test_the_checks_run_a_network_told_the_noise_as_its_method_does(weights: Path, photo: np.ndarray) -> None:
    from casestudy.evaluation.unseen.check import network_denoisers
    from casestudy.models import load_model

    from_file = network_denoisers({"nafnet": weights})["nafnet"]
    assert isinstance(from_file, MappedNetworkMethod) and from_file.curves is not None
    np.testing.assert_allclose(from_file(photo), prepare_method("nafnet", weights=weights)(photo), atol=1e-6)
    model = load_model(weights)
    as_object = network_denoisers({"nafnet": model})["nafnet"]  # no file, no noise level function: blind
    np.testing.assert_allclose(as_object(photo), denoise_image(model, photo), atol=1e-6)


def test_casestudy_denoise_tells_the_network_the_iso_and_checks_the_options(weights: Path, photo: np.ndarray,
                                                                            tmp_path: Path, capsys) -> None:  # fmt: skip
    from casestudy import io
    from casestudy.cli import main

    io.write_png(tmp_path / "photo.png", photo)
    out = tmp_path / "out.png"
    assert main(["denoise", str(tmp_path / "photo.png"), str(out), "--method", "nafnet", "--weights", str(weights),
                 "--map", "auto", "--iso", "100", "--strength", "1.5"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "noise map: auto, strength 1.5" in printed and "ISO 100" in printed and out.is_file()
    assert main(["denoise", str(tmp_path / "photo.png"), str(tmp_path / "b.png"), "--method", "nafnet", "--weights",
                 str(weights), "--strength", "2"]) == 2  # fmt: skip  (blind by default: no map to scale)
    assert "no map to scale" in capsys.readouterr().err and not (tmp_path / "b.png").exists()
    assert main(["denoise", str(tmp_path / "photo.png"), str(tmp_path / "c.png"), "--method", "nlm",
                 "--map", "estimate"]) == 2  # fmt: skip
    assert "is not told the noise" in capsys.readouterr().err
