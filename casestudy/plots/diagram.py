"""Architecture diagrams drawn from data: boxes for layers, arrows for the data flow and the skip connections.

A network notebook describes its architecture as a list of :class:`Block` (a
labelled box at a grid position) and :class:`Link` (an arrow between two blocks,
straight for the main path, arched for a skip connection), and
:func:`block_diagram` draws it. The diagram is then built from the same numbers
as the model (widths, depths), so it cannot drift from the code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from casestudy.plots import new_figure


@dataclasses.dataclass(frozen=True)
class Block:
    """One box: ``name`` identifies it for links, ``label`` is printed in it; ``x``, ``y`` its centre (grid units)."""

    name: str
    label: str
    x: float
    y: float
    width: float = 0.7
    height: float = 0.5
    colour: str = "#dce9f5"


@dataclasses.dataclass(frozen=True)
class Link:
    """An arrow from block ``source`` to block ``target``; ``skip=True`` draws it dashed and arched (``bend``), with ``label``."""

    source: str
    target: str
    skip: bool = False
    label: str = ""
    bend: float = -0.35


def _anchors(source: Block, target: Block, skip: bool) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where an arrow leaves ``source`` and enters ``target``: box edges, the top edges for a skip connection."""
    if skip:
        return (source.x, source.y + source.height / 2), (target.x, target.y + target.height / 2)
    dx, dy = target.x - source.x, target.y - source.y
    if abs(dx) >= abs(dy):
        sign = 1 if dx >= 0 else -1
        return (source.x + sign * source.width / 2, source.y), (target.x - sign * target.width / 2, target.y)
    sign = 1 if dy >= 0 else -1
    return (source.x, source.y + sign * source.height / 2), (target.x, target.y - sign * target.height / 2)


def block_diagram(blocks: Sequence[Block], links: Sequence[Link], title: str,
                  size: tuple[float, float] | None = None) -> Figure:
    """Draw ``blocks`` joined by ``links``; raises ``ValueError`` for a link to an unknown or duplicated block."""
    by_name = {block.name: block for block in blocks}
    if len(by_name) != len(blocks):
        raise ValueError("block names must be unique")
    unknown = sorted({end for link in links for end in (link.source, link.target)} - set(by_name))
    if unknown:
        raise ValueError(f"links refer to unknown block(s) {unknown}")
    xs = [b.x for b in blocks] or [0.0]
    ys = [b.y for b in blocks] or [0.0]
    arch = max([abs(link.bend) * abs(by_name[link.target].x - by_name[link.source].x) / 2
                for link in links if link.skip] or [0.0])
    span_x, span_y = max(xs) - min(xs) + 1.2, max(ys) - min(ys) + 1.2 + arch
    figure, axes = new_figure(*(size or (min(14.0, 1.15 * span_x + 1), 1.2 * span_y + 0.6)))
    for block in blocks:
        axes.add_patch(FancyBboxPatch((block.x - block.width / 2, block.y - block.height / 2), block.width,
                                      block.height, boxstyle="round,pad=0.02,rounding_size=0.08",
                                      facecolor=block.colour, edgecolor="0.3", linewidth=1.0))
        axes.text(block.x, block.y, block.label, ha="center", va="center", fontsize=8, wrap=True)
    for link in links:
        source, target = by_name[link.source], by_name[link.target]
        style = {"linestyle": "--", "color": "tab:orange", "connectionstyle": f"arc3,rad={link.bend}"} if link.skip \
            else {"linestyle": "-", "color": "0.25", "connectionstyle": "arc3,rad=0"}
        start, end = _anchors(source, target, link.skip)
        arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, shrinkA=1, shrinkB=1,
                                linewidth=1.2, **style)
        axes.add_patch(arrow)
        if link.label:
            rise = abs(link.bend) * abs(end[0] - start[0]) / 2 if link.skip else 0.05
            axes.text((start[0] + end[0]) / 2, max(start[1], end[1]) + rise, link.label, ha="center", va="bottom",
                      fontsize=7, color=style["color"])
    axes.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    axes.set_ylim(min(ys) - 0.6, max(ys) + 0.6 + arch)
    axes.set_aspect("equal")
    axes.axis("off")
    axes.set_title(title)
    return figure
