"""Architecture diagrams: every block drawn once with its label, every link an arrow, bad links refused."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from casestudy.plots.diagram import Block, Link, block_diagram  # noqa: E402

BLOCKS = [Block("in", "input", 0, 0), Block("conv", "conv 3x3", 1, 0), Block("out", "output", 2, 0)]


def test_blocks_and_links_are_drawn() -> None:
    figure = block_diagram(BLOCKS, [Link("in", "conv"), Link("conv", "out"), Link("in", "out", skip=True, label="+")],
                           title="toy")
    axes = figure.axes[0]
    assert sum(isinstance(p, FancyBboxPatch) for p in axes.patches) == 3
    arrows = [p for p in axes.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 3
    assert [p.get_linestyle() for p in arrows].count("--") == 1
    assert {t.get_text() for t in axes.texts} >= {"input", "conv 3x3", "output", "+"}
    assert axes.get_title() == "toy"


def test_unknown_block_is_named() -> None:
    with pytest.raises(ValueError, match="decoder"):
        block_diagram(BLOCKS, [Link("in", "decoder")], title="bad")


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        block_diagram([*BLOCKS, Block("in", "again", 3, 0)], [], title="bad")
