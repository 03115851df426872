"""The geometric self-ensemble: the eight transforms undo exactly, an equivariant step is left as it is, the
errors a step makes that depend on the photo's orientation are averaged out, and the map turns with the photo."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from casestudy.inference.ensemble import (
    TRANSFORMS,
    self_ensemble,
    transform,
    untransform,
)


def test_the_eight_transforms_are_distinct_and_each_is_undone() -> None:
    batch = np.random.default_rng(0).random((2, 5, 7, 3)).astype(np.float32)
    turned = [transform(batch, turns, mirrored) for turns, mirrored in TRANSFORMS]
    assert len(TRANSFORMS) == 8
    assert len({image.tobytes() for image in turned}) == 8  # eight different images
    for (turns, mirrored), image in zip(TRANSFORMS, turned):
        np.testing.assert_array_equal(untransform(image, turns, mirrored), batch)


def test_a_step_that_ignores_orientation_is_unchanged_and_a_ramp_is_averaged_flat() -> None:
    batch = np.random.default_rng(1).random((1, 6, 6, 3)).astype(np.float32)
    np.testing.assert_allclose(self_ensemble(lambda x: np.sqrt(x), batch), np.sqrt(batch), rtol=1e-6)
    ramp = np.arange(6, dtype=np.float32)[None, None, :, None]  # left to right, whatever is "left"

    def biased(x: np.ndarray) -> np.ndarray:
        return x + ramp

    # each of the eight passes adds the ramp along another direction; their mean is its mean everywhere
    np.testing.assert_allclose(self_ensemble(biased, batch), batch + ramp.mean(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"\(N, H, W, C\) batch"):
        self_ensemble(biased, batch[0])


def test_the_map_channels_turn_with_the_photo() -> None:
    rng = np.random.default_rng(2)
    told = np.concatenate([rng.random((1, 6, 9, 3)), rng.random((1, 6, 9, 1))], axis=-1).astype(np.float32)

    def scaled(x: np.ndarray) -> np.ndarray:  # five channels in would be a network told the noise; here four
        return x[..., :3] * x[..., 3:4]

    np.testing.assert_allclose(self_ensemble(scaled, told), scaled(told), rtol=1e-6)


def test_a_network_runs_as_an_ensemble_from_the_method_and_the_command_line(tmp_path: Path, capsys) -> None:
    from casestudy import io
    from casestudy.cli import main
    from casestudy.evaluation.methods import prepare_method
    from casestudy.inference.network import denoise_image
    from casestudy.models import build_model

    keras.utils.set_random_seed(3)
    weights = tmp_path / "rednet.keras"
    build_model("rednet", profile="smoke").save(weights)
    photo = np.clip(0.5 + 0.05 * np.random.default_rng(4).normal(size=(24, 32, 3)), 0, 1).astype(np.float32)
    method = prepare_method("rednet", weights=weights)
    model = method.model
    expected = np.mean([untransform(denoise_image(model, transform(photo[None], t, m)[0])[None], t, m)[0]
                        for t, m in TRANSFORMS], axis=0)  # fmt: skip
    np.testing.assert_allclose(method.with_ensemble()(photo), expected, atol=1e-5)
    assert np.abs(method.with_ensemble()(photo) - method(photo)).max() > 1e-4  # an untrained network is not equivariant
    # tile by tile (square tiles), each tile is ensembled: with one tile covering the photo it is the whole-photo run
    square = photo[:24, :24]
    np.testing.assert_allclose(method.with_ensemble().run(square, tile=24, overlap=0), method.with_ensemble()(square),
                               atol=1e-5)  # fmt: skip
    io.write_png(tmp_path / "photo.png", photo)
    assert main(["denoise", str(tmp_path / "photo.png"), str(tmp_path / "out.png"), "--method", "rednet",
                 "--weights", str(weights), "--ensemble"]) == 0  # fmt: skip
    assert "self-ensemble of 8" in capsys.readouterr().out
    assert main(["denoise", str(tmp_path / "photo.png"), str(tmp_path / "nlm.png"), "--method", "nlm",
                 "--params", str(tmp_path / "none.json"), "--ensemble"]) == 2  # fmt: skip
    assert "--ensemble is for the networks" in capsys.readouterr().err and not (tmp_path / "nlm.png").exists()
