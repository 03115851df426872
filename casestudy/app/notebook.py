"""The app's before/after inside JupyterLab: a method menu and crop sliders (ipywidgets) over the same logic.

:func:`before_after_widget` shows the same zoomed crop of the noisy photo and of
its denoised version, with a dropdown for the method and sliders for the crop,
for readers who stay in the notebook. It calls :mod:`casestudy.app.logic` (the
web app's functions) and draws with :func:`before_after_figure`; each method runs
at most once per widget. Introduced in ``09_deployment.ipynb``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.figure import Figure

from casestudy.app.logic import Window, crop_window, method_labels, zoom
from casestudy.plots import image_grid


def before_after_figure(noisy: np.ndarray, denoised: np.ndarray, window: Window, label: str) -> Figure:
    """The crop ``window`` of ``noisy`` and ``denoised`` side by side, enlarged by pixel repetition."""
    where = f"rows {window.top}-{window.bottom}, columns {window.left}-{window.right}"
    return image_grid(
        [zoom(noisy, window), zoom(denoised, window)],
        ["noisy", f"denoised ({label})"],
        suptitle=f"The same {window.bottom - window.top}-pixel crop before and after {label} ({where})",
        ncols=2,
        panel_size=3.6,
    )


def before_after_widget(
    noisy: np.ndarray, denoise: Callable[[str], np.ndarray], methods: Sequence[str], size: int = 64
):
    """A widget: method dropdown, crop size and centre sliders, and the before/after crops below them.

    Args:
        noisy: the ``(H, W, 3)`` photo in [0, 1].
        denoise: ``denoise(method) -> (H, W, 3)`` result (e.g. :func:`casestudy.app.logic.run_method`
            with a loaded method); called once per method, then remembered.
        methods: the method names offered, the first selected.
        size: the crop's starting side in pixels.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    results: dict[str, np.ndarray] = {}
    height, width = noisy.shape[:2]
    shorter = min(height, width)
    method = widgets.Dropdown(options=[(method_labels().get(m, m), m) for m in methods], description="method")
    side = widgets.IntSlider(min=min(8, shorter), max=shorter, value=min(size, shorter), description="crop (px)")
    across = widgets.FloatSlider(min=0.0, max=1.0, step=0.01, value=0.5, description="across")
    down = widgets.FloatSlider(min=0.0, max=1.0, step=0.01, value=0.5, description="down")

    def draw(method: str, side: int, across: float, down: float) -> None:
        if method not in results:
            results[method] = denoise(method)
        window = crop_window(height, width, down, across, side)
        figure = before_after_figure(noisy, results[method], window, method_labels().get(method, method))
        display(figure)
        plt.close(figure)

    output = widgets.interactive_output(draw, {"method": method, "side": side, "across": across, "down": down})
    return widgets.VBox([widgets.HBox([method, side]), widgets.HBox([across, down]), output])
