"""Scoring the unseen-noise check: per-pair PSNR of the noisy input, NLM and BM3D given the true noise, networks."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from casestudy.config import get_profile
from casestudy.evaluation.unseen import build as unseen
from casestudy.data.split import write_split
from casestudy.io import read_image, write_png, write_text
from casestudy.metrics import psnr
from casestudy.evaluation.unseen.ablations import brightness_bias, correlation_ablation
from casestudy.evaluation.unseen.check import (
    ALL_LEVELS, BM3D_COLUMN, NLM_COLUMN, NOISY_COLUMN, UnseenCheckError, check_for_profile, load_table,
    noise_autocorrelation, run_unseen_check, save_table, summarize_by_level,
)  # fmt: skip
from fakes import clean_image

#: Image names in record order; "zeta" comes first although it sorts last.
IMAGES = ("zeta", "alpha")


def _write_check(root: Path, images=IMAGES, height: int = 24, width: int = 32) -> Path:
    """A tiny check in the layout `build_unseen_check` writes: smooth pictures with the check's own noise."""
    pairs, scenes = [], {}
    for image_index, name in enumerate(images):
        clean = clean_image(height, width, scene=image_index).astype(np.float32) / 255.0
        for level_index, level in enumerate(unseen.LEVELS):
            rng = np.random.default_rng([7, image_index, level_index])
            noisy = np.clip(unseen.add_unseen_noise(clean, level, rng), 0, 1)
            stem = f"{name}_{level.name}"
            write_png(root / "clean" / f"{stem}.png", clean)
            write_png(root / "noisy" / f"{stem}.png", noisy)
            scenes[stem] = name
            pairs.append({"file": f"{stem}.png", "image": name, "level": level.name})
    write_text(root / "scenes.csv", "file,scene\n" + "".join(f"{s},{n}\n" for s, n in sorted(scenes.items())))
    write_split(root / "split.csv", {name: "test" for name in images})
    record = {"format": unseen.FORMAT, "format_version": unseen.FORMAT_VERSION, "seed": 7, "long_side": width,
              "noise": {"kernel": {"sigma_px": unseen.KERNEL_SIGMA_PX, "size": unseen.KERNEL_SIZE},
                        "levels": [dataclasses.asdict(level) for level in unseen.LEVELS]},
              "pairs": pairs}
    write_text(root / unseen.RECORD_FILE, json.dumps(record))
    return root


@pytest.fixture(scope="module")
def identity_model():
    """A Keras model that returns its input: a stand-in network with a known score."""
    import keras

    image = keras.Input(shape=(None, None, 3))
    return keras.Model(image, keras.layers.Identity()(image), name="identity")


@pytest.fixture(scope="module")
def check(tmp_path_factory: pytest.TempPathFactory, identity_model):
    """The first image of a two-image check, every method (BM3D with a PSD costs ~2 s a call, even tiny)."""
    root = _write_check(tmp_path_factory.mktemp("check"))
    return root, run_unseen_check(root, networks={"same": identity_model}, max_images=1)


def test_one_row_per_pair_with_the_true_noise_and_the_noisy_psnr(check) -> None:
    root, result = check
    table = result.table
    assert len(table) == len(unseen.LEVELS) and set(table["image"]) == {"zeta"}  # the record's first image
    assert list(table.columns) == ["file", "image", "level", "noise_std", NOISY_COLUMN, NLM_COLUMN, BM3D_COLUMN, "same"]
    for row in table.itertuples(index=False):
        noisy, clean = read_image(root / "noisy" / row.file), read_image(root / "clean" / row.file)
        assert row.noisy == pytest.approx(psnr(clean, noisy), abs=1e-6)
        assert row.noise_std == pytest.approx(float(np.std(noisy - clean)), rel=1e-5)
        assert row.image == row.file.split("_")[0] and row.file.endswith(f"_{row.level}.png")


def test_a_network_that_returns_its_input_scores_the_noisy_input(check) -> None:
    _, result = check
    assert result.networks == ("same",)
    np.testing.assert_allclose(result.table["same"], result.table[NOISY_COLUMN], atol=1e-6)
    np.testing.assert_allclose(result.margins(NOISY_COLUMN)["same"], 0.0, atol=1e-6)
    with pytest.raises(KeyError, match="no column 'nope'"):
        result.margins("nope")


def test_the_filters_given_the_true_noise_clean_smooth_pictures(check) -> None:
    _, result = check
    heavy = result.table[result.table["level"] != "light"]
    assert (heavy[NLM_COLUMN] > heavy[NOISY_COLUMN] + 1).all()
    assert (heavy[BM3D_COLUMN] > heavy[NOISY_COLUMN] + 1).all()


def test_summary_averages_per_level_in_the_checks_order_then_all(check, identity_model) -> None:
    root, _ = check
    result = run_unseen_check(root, networks={"same": identity_model}, classical=False)
    summary, table = result.summary, result.table
    assert list(table.columns) == ["file", "image", "level", "noise_std", NOISY_COLUMN, "same"]
    assert list(summary.index) == ["light", "medium", "heavy", ALL_LEVELS]
    assert list(summary["pairs"]) == [2, 2, 2, 6]
    for level in ("light", "heavy"):
        assert summary.loc[level, NOISY_COLUMN] == pytest.approx(table.loc[table["level"] == level, NOISY_COLUMN].mean())
    assert summary.loc[ALL_LEVELS, NOISY_COLUMN] == pytest.approx(table[NOISY_COLUMN].mean())
    assert summary.loc["light", NOISY_COLUMN] > summary.loc["medium", NOISY_COLUMN] > summary.loc["heavy", NOISY_COLUMN]
    with pytest.raises(UnseenCheckError, match="at least 1"):
        run_unseen_check(root, networks=(), max_images=0)


def test_table_round_trip_and_a_missing_file(check, tmp_path: Path) -> None:
    _, result = check
    path = save_table(result.table, tmp_path / "out" / "check.csv")
    back = load_table(path)
    pd.testing.assert_frame_equal(back, result.table, check_dtype=False)
    pd.testing.assert_frame_equal(summarize_by_level(back), result.summary, check_dtype=False)
    with pytest.raises(FileNotFoundError, match="07_pridnet.ipynb"):
        load_table(tmp_path / "none.csv")
    with pytest.raises(ValueError, match="missing"):
        summarize_by_level(pd.DataFrame({"level": ["light"], "x": [1.0]}))


def test_a_folder_that_is_not_a_check_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(UnseenCheckError, match=f"{tmp_path}: not an unseen-noise check"):
        run_unseen_check(tmp_path, networks=())
    (tmp_path / unseen.RECORD_FILE).write_text('{"format": "something else"}')
    with pytest.raises(UnseenCheckError, match="not an unseen-noise check record"):
        run_unseen_check(tmp_path, networks=())


def test_a_pair_missing_from_the_record_is_refused(tmp_path: Path) -> None:
    root = _write_check(tmp_path, images=("one",), height=20, width=24)
    record = json.loads((root / unseen.RECORD_FILE).read_text())
    record["pairs"] = record["pairs"][:-1]
    (root / unseen.RECORD_FILE).write_text(json.dumps(record))
    with pytest.raises(UnseenCheckError, match=r"one_heavy'\] are not listed"):
        run_unseen_check(root, networks=())


def test_autocorrelation_of_the_checks_kernel() -> None:
    record = {"noise": {"kernel": {"sigma_px": unseen.KERNEL_SIGMA_PX, "size": unseen.KERNEL_SIZE}}}
    autocorrelation = noise_autocorrelation(record)
    assert autocorrelation.shape == (2 * unseen.KERNEL_SIZE - 1,) * 2
    assert autocorrelation[4, 4] == pytest.approx(1.0) and autocorrelation.max() == pytest.approx(1.0)
    np.testing.assert_allclose(autocorrelation, autocorrelation.T, atol=1e-12)
    # a Gaussian of sigma s correlated with itself is a Gaussian of sigma s * sqrt(2)
    assert autocorrelation[4, 5] == pytest.approx(np.exp(-1 / (4 * unseen.KERNEL_SIGMA_PX**2)), rel=0.02)


def test_check_for_profile_builds_once_then_reuses(tmp_path: Path, monkeypatch, capsys) -> None:
    import casestudy.evaluation.unseen.check as module

    monkeypatch.setattr(module, "data_root", lambda: tmp_path)
    folder, size = check_for_profile(get_profile("smoke"))
    assert folder == tmp_path / f"unseen-check-{size.long_side}" and "Built the unseen-noise check" in capsys.readouterr().out
    stamp = (folder / unseen.RECORD_FILE).stat().st_mtime_ns
    assert check_for_profile(get_profile("smoke"))[0] == folder and capsys.readouterr().out == ""
    assert (folder / unseen.RECORD_FILE).stat().st_mtime_ns == stamp
    assert json.loads((folder / unseen.RECORD_FILE).read_text())["long_side"] == size.long_side


def test_the_check_command_prints_pairs_and_the_per_level_summary(check, capsys, monkeypatch) -> None:
    import casestudy.evaluation.unseen.check as module
    from casestudy.cli import main

    root, _ = check
    monkeypatch.setattr(module, "bm3d_true_psd", lambda noisy, sigma, autocorrelation: noisy)  # its cost, not its job
    assert main(["check", str(root), "--max-images", "1", "--networks", "pridnet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("zeta_") and "pridnet" in lines[0] and "rednet" not in lines[0]
    assert [line.split()[0] for line in lines[-4:]] == ["light", "medium", "heavy", ALL_LEVELS]
    assert any("pridnet" in line and BM3D_COLUMN in line for line in lines[-7:-4])


def test_the_check_command_refuses_a_folder_without_a_check_or_an_unknown_network(tmp_path: Path, capsys) -> None:
    from casestudy.cli import main

    assert main(["check", str(tmp_path)]) == 1
    assert str(tmp_path) in capsys.readouterr().err
    assert main(["check", str(tmp_path), "--networks", "nosuchnet"]) == 1
    assert "unknown network(s) ['nosuchnet']" in capsys.readouterr().err


def test_correlation_ablation_pairs_the_checks_noise_with_white_noise_of_the_same_strength(tmp_path: Path) -> None:
    """A 3x3 box blur averages white noise away far better than the check's correlated noise: the ablation shows it."""
    import keras

    root = _write_check(tmp_path / "check", height=64, width=64)
    image = keras.Input(shape=(None, None, 3))
    box = keras.Model(image, keras.layers.AveragePooling2D(3, strides=1, padding="same")(image), name="box")
    identity = keras.Model(image, keras.layers.Identity()(image), name="identity")
    summary = correlation_ablation(root, networks={"box": box, "same": identity})
    assert list(summary.index.get_level_values("level").unique()) == ["light", "medium", "heavy"]
    assert set(summary.index.get_level_values("noise")) == {"correlated", "white"}
    assert (summary["pairs"] == len(IMAGES)).all()
    np.testing.assert_allclose(summary["same"], summary[NOISY_COLUMN], atol=1e-6)
    noisy = summary[NOISY_COLUMN].unstack("noise")
    assert (noisy["white"] - noisy["correlated"]).abs().max() < 1.0  # the same strength
    gain = (summary["box"] - summary[NOISY_COLUMN]).unstack("noise")
    assert (gain.loc["heavy", "white"] > gain.loc["heavy", "correlated"] + 1.0)


def test_correlation_ablation_with_the_classical_filters_given_the_true_noise(tmp_path: Path) -> None:
    """NLM and BM3D score both versions; told the true noise, BM3D removes white noise far better than correlated."""
    import keras

    root = _write_check(tmp_path / "check", height=64, width=64)
    image = keras.Input(shape=(None, None, 3))
    identity = keras.Model(image, keras.layers.Identity()(image), name="identity")
    summary = correlation_ablation(root, networks={"same": identity}, max_images=1, classical=True)
    assert list(summary.columns) == [NOISY_COLUMN, NLM_COLUMN, BM3D_COLUMN, "same", "pairs"]
    assert (summary["pairs"] == 1).all()
    gain = summary[[NLM_COLUMN, BM3D_COLUMN]].sub(summary[NOISY_COLUMN], axis=0)
    assert (gain.xs("white", level="noise") > 3.0).all().all()  # smooth pictures: both clean white noise well
    bm3d = gain[BM3D_COLUMN].unstack("noise")
    assert (bm3d["white"] > bm3d["correlated"] + 1.0).all()
    with pytest.raises(ValueError, match="clash"):
        correlation_ablation(root, networks={BM3D_COLUMN: identity}, max_images=1)


def test_correlation_ablation_needs_the_noise_levels_in_the_record(tmp_path: Path) -> None:
    root = _write_check(tmp_path / "check")
    record = json.loads((root / unseen.RECORD_FILE).read_text())
    del record["noise"]["levels"]
    write_text(root / unseen.RECORD_FILE, json.dumps(record))
    with pytest.raises(UnseenCheckError, match="does not list its noise levels"):
        correlation_ablation(root, networks=())


def test_brightness_bias_shows_a_network_that_darkens(tmp_path: Path) -> None:
    """An identity keeps the noisy input's offset; a network that scales by 0.9 darkens bright areas most."""
    import keras

    root = _write_check(tmp_path / "check", height=32, width=32)
    image = keras.Input(shape=(None, None, 3))
    identity = keras.Model(image, keras.layers.Identity()(image), name="identity")
    darker = keras.Model(image, keras.layers.Rescaling(0.9)(image), name="darker")
    table = brightness_bias(root, networks={"same": identity, "darker": darker}, bins=(0.0, 0.5, 1.0))
    assert list(table.columns) == [NOISY_COLUMN, "same", "darker", "share"]
    assert list(table.index.get_level_values("level").unique()) == ["light", "medium", "heavy"]
    assert set(table.index.get_level_values("brightness")) == {"0-0.5", "0.5-1"}
    np.testing.assert_allclose(table.groupby("level")["share"].sum(), 1.0)
    np.testing.assert_allclose(table["same"], table[NOISY_COLUMN], atol=1e-6)
    assert (table["darker"] < table[NOISY_COLUMN]).all()
    shift = (table[NOISY_COLUMN] - table["darker"]).xs("heavy", level="level")
    assert shift.is_monotonic_increasing  # 10 % of a brighter area is more
    per_image = brightness_bias(root, networks={"darker": darker}, bins=(0.0, 0.5, 1.0), by_image=True)
    assert list(per_image.index.names) == ["image", "level", "brightness"]
    assert list(per_image.index.get_level_values("image").unique()) == list(IMAGES)  # the record's order
    np.testing.assert_allclose(per_image.groupby(["image", "level"])["share"].sum(), 1.0)
    pixels = per_image["share"].groupby(["level", "brightness"]).sum() / len(IMAGES)  # same-sized images
    pooled = (per_image["darker"] * per_image["share"]).groupby(["level", "brightness"]).sum() / len(IMAGES) / pixels
    np.testing.assert_allclose(pooled.reindex(table.index), table["darker"], rtol=1e-5)


def test_brightness_bias_refuses_bins_that_do_not_span_0_to_1(tmp_path: Path) -> None:
    root = _write_check(tmp_path / "check")
    with pytest.raises(ValueError, match="bins must increase from 0 to 1"):
        brightness_bias(root, networks=(), bins=(0.0, 0.6, 0.5, 1.0))
    with pytest.raises(ValueError, match="bins must increase from 0 to 1"):
        brightness_bias(root, networks=(), bins=(0.1, 1.0))
