"""Figures: each returns a Figure with a title, labelled axes, and the data actually drawn."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import casestudy.plots.data as plots  # noqa: E402
from casestudy.noise import stats as noise_stats  # noqa: E402
from casestudy.plots import image_grid  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def captures() -> pd.DataFrame:
    """A small synthetic catalogue: 3 phones, several ISOs and exposures, 2 resolutions per phone at most."""
    rows = []
    specs = [("GP", 100, 1 / 100, "N", 3044, 4048), ("GP", 800, 1 / 400, "L", 3044, 4048),
             ("GP", 800, 1 / 400, "N", 3044, 4048), ("IP", 100, 1 / 60, "N", 3024, 4032),
             ("IP", 1600, 1 / 30, "L", 3024, 4032), ("S6", 3200, 1 / 800, "H", 2988, 5312),
             ("S6", 100, 1 / 100, "N", 2988, 5312)]
    for index, (phone, iso, shutter, brightness, height, width) in enumerate(specs):
        rows.append({"instance": f"{index:04d}", "phone": phone, "iso": iso, "shutter_s": shutter,
                     "brightness": brightness, "height": height, "width": width,
                     "noisy_psnr": 40 - 3 * np.log2(iso / 100) - index * 0.1, "split": "train" if index < 5 else "test"})
    return pd.DataFrame(rows)


def _check_labels(figure: Figure, axes=None, title: bool = True) -> None:
    assert isinstance(figure, Figure)
    axes = axes if axes is not None else figure.axes[0]
    assert axes.get_xlabel() and axes.get_ylabel()
    if title:
        assert axes.get_title() or figure.get_suptitle()


def _bars(axes) -> list[Rectangle]:
    """The visible, non-empty bars of an axes (seaborn may add zero-height placeholders)."""
    return [p for p in axes.patches if isinstance(p, Rectangle) and p.get_height() > 0 and p.get_visible()]


def _lines(axes) -> list:
    """Lines that hold data (seaborn adds empty ones as legend handles)."""
    return [line for line in axes.lines if len(line.get_xdata())]


def _points(axes) -> int:
    return sum(len(c.get_offsets()) for c in axes.collections if isinstance(c, PathCollection))


def test_count_bars_draws_one_bar_per_category_with_its_count(captures: pd.DataFrame) -> None:
    figure = plots.count_bars(captures, "phone", title="Captures per phone", xlabel="phone")
    axes = figure.axes[0]
    _check_labels(figure)
    assert axes.get_title() == "Captures per phone" and axes.get_ylabel() == "number of captures"
    bars = _bars(axes)
    assert len(bars) == 3
    assert sorted(b.get_height() for b in bars) == sorted(captures["phone"].value_counts().tolist())
    assert [t.get_text() for t in axes.get_xticklabels()] == ["GP", "IP", "S6"]
    assert {t.get_text() for t in axes.texts} == {"3", "2"}  # bar labels


def test_count_bars_with_hue_draws_one_bar_per_existing_combination(captures: pd.DataFrame) -> None:
    figure = plots.count_bars(captures, "phone", hue="brightness", hue_order=["L", "N", "H"],
                              title="Brightness per phone", xlabel="phone")
    axes = figure.axes[0]
    combos = captures.groupby(["phone", "brightness"]).size()
    assert len(_bars(axes)) == len(combos)
    assert sum(b.get_height() for b in _bars(axes)) == len(captures)
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["L", "N", "H"]


def test_count_heatmap_counts_every_capture(captures: pd.DataFrame) -> None:
    figure = plots.count_heatmap(captures, "phone", "iso", title="ISO per phone", xlabel="ISO", ylabel="phone")
    axes = figure.axes[0]
    _check_labels(figure, axes)
    mesh = axes.collections[0]
    values = np.ma.masked_invalid(mesh.get_array())
    assert values.size == 3 * 4  # 3 phones x 4 ISO levels
    assert values.sum() == len(captures)
    assert [t.get_text() for t in axes.get_xticklabels()] == ["100", "800", "1600", "3200"]
    assert len(figure.axes) == 2 and figure.axes[1].get_ylabel() == "number of captures"  # colour bar


def test_exposure_swarm_has_one_dot_per_capture_and_fraction_ticks(captures: pd.DataFrame) -> None:
    figure = plots.exposure_swarm(captures, "phone", title="Exposure per phone", xlabel="phone")
    axes = figure.axes[0]
    _check_labels(figure)
    assert _points(axes) == len(captures)
    figure.canvas.draw()
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert "1/100" in labels and all(label.startswith("1/") or label == "1" for label in labels)
    assert "log" in axes.get_ylabel()


def test_resolution_bars_draw_one_bar_per_distinct_size(captures: pd.DataFrame) -> None:
    extra = captures.iloc[[0]].assign(height=100, width=200)  # a second size for GP
    figure = plots.resolution_bars(pd.concat([captures, extra]), title="Resolution per phone")
    axes = figure.axes[0]
    _check_labels(figure)
    bars = _bars(axes)
    assert len(bars) == 4
    np.testing.assert_allclose(sorted(b.get_height() for b in bars), [0.02, 3024 * 4032 / 1e6, 3044 * 4048 / 1e6, 2988 * 5312 / 1e6])
    labels = [t.get_text() for t in axes.get_xticklabels()]
    assert labels == ["GP\n200x100", "GP\n4048x3044", "IP", "S6"]
    assert any("4048x3044" in t.get_text() and "3 captures" in t.get_text() for t in axes.texts)


def test_scatter_by_with_log_x_trend_and_identity(captures: pd.DataFrame) -> None:
    figure = plots.scatter_by(captures, "iso", "noisy_psnr", hue="phone", logx=True, trend="ISO",
                              title="Noisy PSNR vs ISO", xlabel="ISO", ylabel="PSNR (dB)")
    axes = figure.axes[0]
    _check_labels(figure)
    assert axes.get_xscale() == "log"
    assert _points(axes) == len(captures)
    assert len(_lines(axes)) == 1 and len(_lines(axes)[0].get_xdata()) == captures["iso"].nunique()
    figure = plots.scatter_by(captures, "iso", "iso", identity=True, title="t", xlabel="x", ylabel="y")
    assert len(_lines(figure.axes[0])) == 1


def test_box_by_draws_a_box_per_group_and_every_point(captures: pd.DataFrame) -> None:
    figure = plots.box_by(captures, "brightness", "noisy_psnr", order=["L", "N", "H"], title="PSNR by brightness",
                          xlabel="brightness", ylabel="PSNR (dB)")
    axes = figure.axes[0]
    _check_labels(figure)
    assert _points(axes) == len(captures)
    assert [t.get_text() for t in axes.get_xticklabels()] == ["L", "N", "H"]


@pytest.fixture
def channels() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    gt = rng.uniform(0.2, 0.6, (5, 3))
    rows = [{"instance": i, "channel": c, "gt_mean": gt[i, k], "noisy_mean": gt[i, k] + 0.01,
             "gt_std": 0.1 + 0.01 * k, "noisy_std": 0.12 + 0.01 * k}
            for i in range(5) for k, c in enumerate("RGB")]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("stat", ["mean", "std"])
def test_channel_scatter_puts_gt_on_x_and_noisy_on_y(channels: pd.DataFrame, stat: str) -> None:
    figure = plots.channel_scatter(channels, stat)
    axes = figure.axes[0]
    _check_labels(figure)
    assert axes.get_xlabel().startswith("GT (clean)") and axes.get_ylabel().startswith("noisy")
    offsets = np.concatenate([c.get_offsets() for c in axes.collections if isinstance(c, PathCollection)])
    assert len(offsets) == 15
    # the x coordinates are the GT values, the y coordinates the noisy ones
    np.testing.assert_allclose(np.sort(offsets[:, 0]), np.sort(channels[f"gt_{stat}"]))
    np.testing.assert_allclose(np.sort(offsets[:, 1]), np.sort(channels[f"noisy_{stat}"]))
    identity = _lines(axes)[0]
    np.testing.assert_allclose(identity.get_xdata(), identity.get_ydata())
    with pytest.raises(ValueError, match="stat"):
        plots.channel_scatter(channels, "median")


def _survey_tables():
    rng = np.random.default_rng(1)
    clean = rng.uniform(0, 1, (40, 40, 3))
    noisy = np.clip(clean + rng.normal(0, 0.05, clean.shape), 0, 1)
    levels = pd.concat([noise_stats.noise_level_function([clean], [noisy], bins=8, min_count=5).assign(iso_band=band)
                        for band in ("ISO ≤ 100", "ISO > 3200")], ignore_index=True)
    acf = noise_stats.autocorrelation_table(noise_stats.autocorrelation(noisy - clean, 3))
    acf = pd.concat([acf.assign(iso_band=b, white_band=0.01) for b in ("ISO ≤ 100", "ISO > 3200")], ignore_index=True)
    return clean, noisy, levels, acf


def test_intensity_histograms_draw_gt_and_noisy_per_channel() -> None:
    clean, noisy, _, _ = _survey_tables()
    edges = noise_stats.bin_edges(16)
    centres = (edges[1:] + edges[:-1]) / 2
    table = pd.concat([pd.DataFrame({"channel": c, "intensity": centres,
                                     "count_gt": np.histogram(clean[..., k], edges)[0],
                                     "count_noisy": np.histogram(noisy[..., k], edges)[0]})
                       for k, c in enumerate("RGB")])
    figure = plots.intensity_histograms(table)
    assert len(figure.axes) == 3 and figure.get_suptitle()
    for axes, channel in zip(figure.axes, "RGB"):
        _check_labels(figure, axes)
        assert axes.get_title() == f"{channel} channel"
        steps = axes.patches
        assert len(steps) == 2
        assert [t.get_text() for t in axes.get_legend().get_texts()] == ["GT (clean)", "noisy"]
        np.testing.assert_allclose(steps[0].get_data()[0].sum(), 1.0)


def test_noise_level_plot_draws_one_line_per_iso_band() -> None:
    _, _, levels, _ = _survey_tables()
    figure = plots.noise_level_plot(levels)
    axes = figure.axes[0]
    _check_labels(figure)
    assert len(axes.lines) == 2 and axes.get_yscale() == "log"
    assert len(axes.lines[0].get_xdata()) == (levels["iso_band"] == "ISO ≤ 100").sum()
    assert "variance" in axes.get_ylabel() and "intensity" in axes.get_xlabel()


def test_autocorrelation_lines_and_heatmap() -> None:
    _, noisy, _, acf = _survey_tables()
    figure = plots.autocorrelation_lines(acf)
    assert len(figure.axes) == 2 and figure.get_suptitle()
    for axes in figure.axes:
        _check_labels(figure, axes)
        assert len(axes.lines) == 2 + 1 + 1  # two bands, white noise reference, zero line
        assert len(axes.lines[0].get_xdata()) == 4  # shifts 0..3
    heat = plots.autocorrelation_heatmap(noise_stats.autocorrelation(noisy, 2))
    _check_labels(heat)
    assert len(heat.axes[0].texts) == 25


def test_image_grid_titles_each_panel_and_labels_the_colour_bar() -> None:
    rng = np.random.default_rng(2)
    images = [rng.uniform(-0.1, 0.1, (8, 8, 3)) for _ in range(3)]
    figure = image_grid(images, ["a", "b", "c"], suptitle="Residuals", ncols=2, cmap="RdBu_r",
                        vmin=-0.1, vmax=0.1, colorbar_label="noisy − GT")
    image_axes = [a for a in figure.axes if a.images]
    assert [a.get_title() for a in image_axes] == ["a", "b", "c"]
    assert figure.get_suptitle() == "Residuals"
    assert any(a.get_ylabel() == "noisy − GT" for a in figure.axes)
    with pytest.raises(ValueError, match="titles"):
        image_grid(images, ["a"], suptitle="x")


def test_zoom_pair_outlines_the_box_and_shows_the_crops() -> None:
    rng = np.random.default_rng(3)
    clean = rng.uniform(0, 1, (30, 40, 3))
    figure = plots.zoom_pair(clean, clean, (5, 10, 8), title="Zoom")
    assert figure.get_suptitle() == "Zoom" and len(figure.axes) == 4
    assert figure.axes[2].images[0].get_array().shape == (8, 8, 3)
    assert all(a.get_title() for a in figure.axes)
    assert sum(isinstance(p, Rectangle) for a in figure.axes[:2] for p in a.patches) == 2
    with pytest.raises(ValueError, match="does not fit"):
        plots.zoom_pair(clean, clean, (25, 0, 8), title="x")


def test_pipeline_figure_shows_stages_in_order_and_marks_stretched_ones() -> None:
    stages = {"clean sRGB": np.full((6, 6, 3), 0.5), "raw mosaic": np.full((6, 6), 0.01),
              "packed raw": np.full((3, 3, 4), 0.02), "noisy sRGB": np.full((6, 6, 3), 0.4)}
    figure = plots.pipeline_figure(stages, title="Simulator", stretch=["raw mosaic"])
    titles = [a.get_title() for a in figure.axes if a.images]
    assert titles == ["1. clean sRGB", "2. raw mosaic (brightened)", "3. packed raw", "4. noisy sRGB"]
    brightened = [a for a in figure.axes if a.images][1].images[0].get_array()
    assert float(np.max(brightened)) == pytest.approx(1.0)


def test_scatter_by_dodge_shifts_groups_apart_but_keeps_every_point(captures: pd.DataFrame) -> None:
    figure = plots.scatter_by(captures, "iso", "noisy_psnr", hue="phone", logx=True, dodge=0.05,
                              title="t", xlabel="ISO", ylabel="PSNR (dB)")
    offsets = figure.axes[0].collections[0].get_offsets()
    assert len(offsets) == len(captures)
    ratio = np.asarray(offsets[:, 0]) / captures["iso"].to_numpy()
    np.testing.assert_allclose(sorted(set(np.round(ratio, 6))), [10**-0.05, 1.0, 10**0.05], rtol=1e-6)


def test_category_order_follows_an_ordered_categorical() -> None:
    bands = noise_stats.iso_bands([3200, 100, 800, 100])
    assert plots.category_order(pd.Series(bands)) == ["ISO ≤ 100", "ISO 401–800", "ISO 1601–3200"]
    assert plots.category_order(pd.Series([3, 1, None, 2])) == [1, 2, 3]
