"""casestudy.inference.tiling: tiles cover the photo, weights sum to one, tiled == whole image, no seams, bounded batches."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from casestudy.models import build_model  # noqa: E402
from casestudy.inference.network import denoise_image  # noqa: E402
from casestudy.inference.tiling import (  # noqa: E402
    axis_weights,
    blend_ramp,
    denoise_tiled,
    denoise_tiled_model,
    plan_tiles,
    tile_geometry,
    tile_starts,
)

#: One 8-bit level: a difference below it does not survive writing the photo as 8 bits.
ONE_LEVEL = 1 / 255


def _noisy(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A seeded random image in [0.2, 0.8] (every pixel different: any misplaced tile shows)."""
    return (0.2 + 0.6 * np.random.default_rng(seed).random((height, width, 3))).astype(np.float32)


def _seeded_model(name: str) -> keras.Model:
    keras.utils.set_random_seed(2021)
    return build_model(name, profile="smoke")


@pytest.mark.parametrize("length", [1, 63, 64, 65, 127, 128, 129, 300, 1001])
@pytest.mark.parametrize(("tile", "overlap"), [(64, 0), (64, 16), (128, 64), (512, 64)])
def test_tiles_cover_the_axis_aligned_and_overlapping_by_exactly_the_overlap(length, tile, overlap) -> None:
    starts = tile_starts(length, tile, overlap)
    stops = [min(start + tile, length) for start in starts]
    assert starts[0] == 0 and stops[-1] == length
    assert all(start % (tile - overlap) == 0 for start in starts)
    for (start, stop), following in zip(zip(starts, stops), starts[1:]):
        assert stop - following == overlap  # every neighbour shares exactly `overlap` pixels
    assert len(starts) == 1 or stops[-1] - starts[-1] > overlap  # the last tile is never a sliver
    if length <= tile:
        assert starts == [0]


@pytest.mark.parametrize("overlap", [0, 1, 8, 13, 64])
def test_the_ramp_and_its_mirror_sum_to_one(overlap) -> None:
    ramp = blend_ramp(overlap)
    assert ramp.shape == (overlap,)
    np.testing.assert_allclose(ramp + ramp[::-1], 1.0, atol=1e-6)
    if overlap >= 4:  # the outer quarters belong wholly to one tile
        assert ramp[: overlap // 4].max() == 0 and ramp[overlap - overlap // 4 :].min() == 1


@pytest.mark.parametrize(("height", "width"), [(1, 1), (37, 200), (301, 129)])
def test_blend_weights_sum_to_one_over_the_photo(height, width) -> None:
    total = np.zeros((height, width))
    for t in plan_tiles(height, width, 64, 32):
        total[t.top : t.bottom, t.left : t.right] += np.outer(
            axis_weights(t.top, t.bottom, height, 32), axis_weights(t.left, t.right, width, 32)
        )
    np.testing.assert_allclose(total, 1.0, atol=1e-6)


def test_identity_through_tiles_gives_the_image_back_in_bounded_batches() -> None:
    image = _noisy(203, 157)
    shapes = []

    def identity(batch: np.ndarray) -> np.ndarray:
        shapes.append(batch.shape)
        return batch.copy()

    out = denoise_tiled(identity, image, tile_size=64, overlap=16, batch_size=3)
    np.testing.assert_allclose(out, image, atol=1e-6)
    assert max(shape[0] for shape in shapes) <= 3  # never more than one batch of tiles in flight
    assert sum(shape[0] for shape in shapes) == len(plan_tiles(203, 157, 64, 16))


def test_a_small_photo_is_one_tile_of_its_own_size() -> None:
    shapes = []

    def record(batch: np.ndarray) -> np.ndarray:
        shapes.append(batch.shape)
        return batch

    denoise_tiled(record, _noisy(50, 61), tile_size=64, overlap=16)
    assert shapes == [(1, 50, 61, 3)]


def test_tile_and_overlap_are_rounded_up_to_the_multiple_and_checked() -> None:
    assert tile_geometry(500, 40, multiple=64) == (512, 64)
    with pytest.raises(ValueError, match="at least twice the overlap"):
        tile_geometry(128, 100, multiple=1)
    with pytest.raises(ValueError):
        tile_geometry(0, 0)


def test_rednet_through_tiles_equals_the_whole_image_everywhere() -> None:
    # REDNet's receptive field is 10 pixels (ten 3x3 layers); a quarter of a 48-pixel overlap is 12,
    # so every pixel that counts saw exactly what it sees in the whole image.
    model = _seeded_model("rednet")
    image = _noisy(150, 173)
    whole = denoise_image(model, image)
    tiled = denoise_tiled_model(model, image, tile_size=96, overlap=48)
    np.testing.assert_allclose(tiled, whole, atol=1e-5)


@pytest.mark.parametrize("name", ["mwcnn", "pridnet"])
def test_wide_view_networks_through_tiles_stay_close_to_the_whole_image(name) -> None:
    # MWCNN sees 47 pixels away (three wavelet levels) and PRIDNet's channel attention averages the
    # whole tile: both see beyond the 16-pixel margin of a 64 overlap, so tiles differ slightly from
    # the whole image, in proportion to how much the network changes the photo. Measured with this
    # seed: mean difference 0.1 % (MWCNN) and 2 % (PRIDNet) of the mean correction, at most 0.8 and
    # 1.3 8-bit levels. Misplaced or unblended tiles would be off by the whole correction.
    model = _seeded_model(name)
    image = _noisy(200, 232)
    whole = denoise_image(model, image)
    tiled = denoise_tiled_model(model, image, tile_size=128, overlap=64)
    difference = np.abs(tiled - whole)
    assert difference.mean() < 0.05 * np.abs(whole - image).mean()
    assert difference.max() < 2 * ONE_LEVEL


def test_a_flat_photo_comes_out_flat_through_tiles() -> None:
    # A flat input gives a flat output away from the photo's own borders (REDNet reaches 10 pixels);
    # a seam would be a step at a tile edge.
    model = _seeded_model("rednet")
    tiled = denoise_tiled_model(model, np.full((300, 330, 3), 0.5, np.float32), tile_size=128, overlap=64)
    assert np.ptp(tiled[16:-16, 16:-16], axis=(0, 1)).max() < 1e-5


@pytest.mark.parametrize("name", ["mwcnn", "pridnet"])
def test_a_flat_photo_through_tiles_matches_the_whole_image(name) -> None:
    # Untrained, these two do not keep a flat photo flat even whole (MWCNN's inverse wavelets print
    # a periodic pattern, PRIDNet's pyramid reaches hundreds of pixels), so a seam is measured
    # against the whole-image output: measured at most 0.8 and 1.3 8-bit levels with this seed.
    model = _seeded_model(name)
    flat = np.full((300, 330, 3), 0.5, np.float32)
    tiled = denoise_tiled_model(model, flat, tile_size=128, overlap=64)
    assert np.abs(tiled - denoise_image(model, flat)).max() < 2 * ONE_LEVEL
