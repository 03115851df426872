"""The package's layout: no import cycles, and imports go down the floors of the house, never up.

Every ``import`` of a ``casestudy`` module counts, at the top of a file or inside a function
(a lazy import is still a dependency: it only hides a cycle until the function runs).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "casestudy"

#: Floors, bottom to top; a module may import from its own floor or below. Keys are module prefixes.
FLOORS = {
    "casestudy.config": 0, "casestudy.io": 0, "casestudy.metrics": 0, "casestudy.registry": 0,
    "casestudy.device": 0, "casestudy.notebooks": 0, "casestudy.regions": 0,
    "casestudy.camera": 1,
    "casestudy.data": 2,
    "casestudy.noise": 3,
    "casestudy.filters": 4, "casestudy.models": 4,
    "casestudy.training": 5, "casestudy.training.train": 5, "casestudy.evaluation": 5, "casestudy.inference": 5,
    "casestudy.app": 6, "casestudy.plots": 6, "casestudy.explain": 6,
    "casestudy.cli": 7, "casestudy.demo": 7, "casestudy": 7,
}  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The casestudy modules ``path`` imports anywhere in it (``from pkg import submodule`` counts the submodule)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("casestudy")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("casestudy") and not node.level:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
    return {name for name in found if name in known}


def graph() -> dict[str, set[str]]:
    known = set(modules())
    return {name: imports_of(path, known) - {name} for name, path in modules().items()}


def floor(name: str) -> int:
    prefix = max((key for key in FLOORS if name == key or name.startswith(key + ".")), key=len)
    return FLOORS[prefix]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return out


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_every_module_has_a_floor() -> None:
    for name in modules():
        assert floor(name) >= 0, name


def test_no_module_imports_in_a_circle() -> None:
    assert cycles(graph()) == []


def test_imports_go_down_the_floors_or_stay() -> None:
    upward = sorted(
        f"{name} (floor {floor(name)}) imports {other} (floor {floor(other)})"
        for name, targets in graph().items()
        for other in targets
        if floor(other) > floor(name) and not other == "casestudy"
    )
    assert upward == []
