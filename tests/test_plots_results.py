"""casestudy.plots.results: figures titled, labelled and drawing their data; a colour for every method."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from fakes import step_image  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from casestudy.filters import nlm_weights  # noqa: E402
from casestudy.plots.results import (  # noqa: E402
    before_after_figure,
    OTHER_COLOURS,
    comparison_grid,
    method_colour,
    nlm_weights_figure,
    psnr_by_iso_figure,
    quality_speed_figure,
    sweep_figure,
)
from casestudy.regions import demo_pixel  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def noisy_copy(image: np.ndarray, sigma: float = 0.05, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, image.shape)
    return np.clip(image + noise, 0, 1).astype(np.float32)


def _labelled(figure: Figure) -> None:
    assert isinstance(figure, Figure)
    assert figure.get_suptitle() or any(axes.get_title() for axes in figure.axes)


# --------------------------------------------------------------------------- figures


def test_nlm_weights_figure_marks_patch_and_window() -> None:
    clean = step_image()
    noisy = noisy_copy(clean)
    pixel = demo_pixel(clean, margin=9)
    weights = nlm_weights(noisy, pixel, h=0.05, sigma=0.05, patch_size=5, patch_distance=6)
    figure = nlm_weights_figure(noisy, pixel, weights, patch_size=5, title="weights")
    _labelled(figure)
    image_axes = [axes for axes in figure.axes if axes.images]
    assert len(image_axes) == 2
    left, right = image_axes
    for axes in (left, right):
        assert axes.get_title() and "pixels" in axes.get_xlabel() and "pixels" in axes.get_ylabel()
    sizes = sorted({(r.get_width(), r.get_height()) for r in left.patches if isinstance(r, Rectangle)})
    assert (5, 5) in sizes and (13, 13) in sizes  # the patches and the 13x13 search window
    np.testing.assert_allclose(right.images[0].get_array(), weights)
    assert any("weight" in axes.get_ylabel() for axes in figure.axes)  # the colour bar says what it shows


def test_nlm_weights_figure_similar_patches_do_not_overlap_the_reference() -> None:
    clean = step_image()
    noisy = noisy_copy(clean)
    pixel = demo_pixel(clean, margin=9)
    weights = nlm_weights(noisy, pixel, h=0.05, sigma=0.05, patch_size=5, patch_distance=6)
    figure = nlm_weights_figure(noisy, pixel, weights, patch_size=5, top=3)
    right = [axes for axes in figure.axes if axes.images][1]
    centres = [(line.get_xdata()[0], line.get_ydata()[0]) for line in right.lines]
    assert len(centres) == 3
    assert all(max(abs(x), abs(y)) >= 5 for x, y in centres)


def test_sweep_figure_one_panel_per_parameter() -> None:
    sweeps = {
        "h_factor": pd.DataFrame({"h_factor": [0.5, 1.0, 2.0], "psnr": [25.0, 28.0, 27.0]}),
        "patch_size": pd.DataFrame({"patch_size": [3, 5], "psnr": [27.5, 28.0]}),
    }
    figure = sweep_figure(sweeps, noisy_psnr=20.0, title="sweeps")
    _labelled(figure)
    assert len(figure.axes) == 2
    assert figure.axes[0].get_ylabel() == "PSNR (dB)"
    assert "ratio" in figure.axes[0].get_xlabel() and "pixels" in figure.axes[1].get_xlabel()
    assert "best: 1" in [text.get_text() for text in figure.axes[0].get_legend().get_texts()][0]
    with pytest.raises(ValueError, match="at least one"):
        sweep_figure({})


def test_comparison_grid_scores_every_panel_but_the_truth() -> None:
    clean = step_image(24, 32, 16)
    rows = {"ISO 100": {"noisy": noisy_copy(clean), "filtered": clean * 0.99, "ground truth": clean},
            "ISO 3200": {"noisy": noisy_copy(clean, 0.2), "ground truth": clean}}
    figure = comparison_grid(rows, title="crops")
    _labelled(figure)
    titles = [axes.get_title() for axes in figure.axes if axes.images]
    assert len(titles) == 5
    assert sum("dB" in title for title in titles) == 3
    assert all("dB" not in title for title in titles if title.startswith("ground truth"))
    assert "ISO 3200" in figure.axes[3].get_ylabel()
    assert not figure.axes[5].axison  # the empty third panel of the short row is hidden
    with pytest.raises(ValueError, match="at least one row"):
        comparison_grid({}, title="none")


def test_comparison_grid_without_reference_has_no_scores() -> None:
    image = step_image(16, 16, 8)
    figure = comparison_grid({"row": {"a": image, "b": image}}, title="t", reference=None)
    assert all("dB" not in axes.get_title() for axes in figure.axes)


def summary_table() -> pd.DataFrame:
    return pd.DataFrame(
        {"psnr": [25.0, 27.0, 29.0], "ssim": [0.5, 0.7, 0.8], "s_per_mp": [0.0, 0.03, 2.5], "images": [3, 3, 3]},
        index=pd.Index(["noisy", "gaussian", "nlm"], name="method"),
    )


def test_quality_speed_figure_draws_each_filter_and_the_noisy_line() -> None:
    figure = quality_speed_figure(summary_table())
    _labelled(figure)
    axes = figure.axes[0]
    assert axes.get_xscale() == "log"
    assert "megapixel" in axes.get_xlabel() and "dB" in axes.get_ylabel()
    points = np.concatenate([collection.get_offsets() for collection in axes.collections])
    assert sorted(points[:, 1].tolist()) == [27.0, 29.0]
    assert [text.get_text() for text in axes.texts] == ["Gaussian blur", "Non-Local Means"]


def test_psnr_by_iso_figure_one_line_per_method() -> None:
    rows = pd.DataFrame({
        "instance": ["a", "a", "b", "b"], "iso": [100.0, 100.0, 800.0, 800.0],
        "method": ["noisy", "nlm", "noisy", "nlm"], "psnr": [30.0, 33.0, 24.0, 28.0],
    })
    figure = psnr_by_iso_figure(rows)
    _labelled(figure)
    axes = figure.axes[0]
    assert len(axes.lines) == 2
    assert axes.lines[1].get_ydata().tolist() == [33.0, 28.0]
    assert "ISO" in axes.get_xlabel() and "dB" in axes.get_ylabel()


def test_psnr_by_iso_figure_without_iso_says_so() -> None:
    rows = pd.DataFrame({"instance": ["a"], "iso": [np.nan], "method": ["noisy"], "psnr": [30.0]})
    figure = psnr_by_iso_figure(rows)
    assert "no ISO" in figure.axes[0].texts[0].get_text()


def test_every_method_name_gets_a_deterministic_colour() -> None:
    assert method_colour("nlm") == "tab:orange" and method_colour("noisy") == "tab:gray"  # fixed ones kept
    networks = [method_colour(name) for name in ("rednet", "mwcnn", "pridnet")]
    assert all(colour in OTHER_COLOURS for colour in networks) and len(set(networks)) == 3
    assert networks == [method_colour(name) for name in ("rednet", "mwcnn", "pridnet")]
    summary = pd.DataFrame({"psnr": [25.0, 30.0], "s_per_mp": [0.0, 0.5], "ssim": [0.5, 0.8], "images": [2, 2]},
                           index=pd.Index(["noisy", "rednet"], name="method"))
    figure = quality_speed_figure(summary)
    assert tuple(figure.axes[0].collections[0].get_facecolor()[0][:3]) == matplotlib.colors.to_rgb(networks[0])



def test_save_figure_writes_atomically_and_closes(tmp_path) -> None:
    import matplotlib.pyplot as plt

    from casestudy.plots import new_figure, save_figure

    figure, axes = new_figure(2, 2)
    axes.plot([0, 1], [0, 1])
    path = save_figure(figure, tmp_path / "deep" / "line.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == ["line.png"]
    assert not plt.fignum_exists(figure.number)


def _quality_rows(gap: float, given_back: float) -> pd.DataFrame:
    """Quality-check rows of one network ``gap`` dB from BM3D (true) at every sigma, a clean photo back at ``given_back``."""
    rows = []
    for sigma in (5, 25):
        rows += [{"check": "white", "condition": f"sigma {sigma}", "image": "a", "method": "bm3d (true)", "psnr": 30.0},
                 {"check": "white", "condition": f"sigma {sigma}", "image": "a", "method": "mwcnn", "psnr": 30.0 + gap}]
    rows.append({"check": "clean", "condition": "clean in", "image": "a", "method": "mwcnn", "psnr": given_back})
    return pd.DataFrame(rows)


def test_before_after_figure_draws_the_gap_and_the_clean_photo() -> None:
    figure = before_after_figure(_quality_rows(-3.0, 36.0), _quality_rows(-1.0, 44.0), ["mwcnn"])
    sweep, clean = figure.axes
    dashed, solid = sweep.get_lines()[:2]
    assert dashed.get_linestyle() == "--" and list(dashed.get_ydata()) == [-3.0, -3.0]
    assert list(solid.get_xdata()) == [5.0, 25.0] and list(solid.get_ydata()) == [-1.0, -1.0]
    assert sorted(bar.get_height() for bar in clean.patches) == [36.0, 44.0]
    plt.close(figure)


def test_before_after_figure_needs_the_network_in_both_runs() -> None:
    with pytest.raises(ValueError, match="nafnet"):
        before_after_figure(_quality_rows(-3.0, 36.0), _quality_rows(-1.0, 44.0), ["mwcnn", "nafnet"])


def test_quality_speed_labels_of_close_points_do_not_share_a_place() -> None:
    summary = pd.DataFrame({"psnr": [20.0, 26.5, 26.4, 26.45, 24.7], "s_per_mp": [0.01, 1.3, 1.35, 1.7, 150.0]},
                           index=pd.Index(["noisy", "nafnet", "mwcnn", "rednet", "bm3d"], name="method"))
    figure = quality_speed_figure(summary)
    labels = {text.get_text(): text for text in figure.axes[0].texts}
    offsets = {name: labels[name].xyann for name in ("NAFNet", "MWCNN", "REDNet", "BM3D")}
    assert len({offsets[name] for name in ("NAFNet", "MWCNN", "REDNet")}) == 3  # a column, one place each
    assert offsets["BM3D"] == (6, 4)  # alone: up and right of its point, as before
    plt.close(figure)


def test_labels_of_a_chain_of_near_points_form_one_column_best_first() -> None:
    from casestudy.plots.results import _label_offsets

    # a is near b and b near c, but a is not near c: the three still share one column, so c's label is not
    # left beside b's point; d, far away, keeps its plain label.
    points = {"a": (0.78, 26.90), "b": (0.81, 26.55), "c": (0.96, 26.20), "d": (68.0, 24.7)}
    offsets = _label_offsets(points)
    assert offsets["d"] == (6, 4)
    assert offsets["a"][0] == offsets["b"][0] == offsets["c"][0] > 6
    assert offsets["a"][1] > offsets["b"][1] > offsets["c"][1]
