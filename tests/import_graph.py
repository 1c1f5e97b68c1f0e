"""The import graph of the marsseg packages, read from source with `ast` (test helper).

Every `import` counts, also those inside functions (a lazy import is still a dependency:
that is how cycles hide). Used by `test_import_graph.py` on the real tree and on small
fabricated trees that must fail.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

# Layers, lowest first (ARCHITECTURE.md). A module belongs to the longest matching prefix;
# a module may import its own unit or units of a strictly lower rank, nothing else.
LAYERS: Mapping[str, int] = {
    "marsseg_models": 0,
    "harness.common": 1,
    "harness.analytics": 2,  # statistics of scores (NumPy/SciPy): under the data layer, which scores submissions
    "search_spaces": 3,
    "harness.data": 3,
    "harness": 4,
    "studies": 5,
    "reports": 5,
    "studies.cli": 6,
}


def module_files(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """{dotted module name: file} for every .py file of `packages` under `root`."""
    out = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The first-party modules that `module` imports anywhere in its source."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path.name == "__init__.py", node)
            if module.startswith(target + "."):  # `from own_package import x` runs the package's __init__
                found.add(target)
            for alias in node.names:  # `from pkg import submodule` depends on the submodule
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return {name for name in found if name in known or any(k.startswith(name + ".") for k in known)} - {module}


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    files = module_files(root, packages)
    known = set(files)
    return {m: {t for t in imports_of(m, p, known) if t in known} for m, p in files.items()}


def unit_of(module: str, layers: Mapping[str, int] = LAYERS) -> str:
    """The layer unit (longest prefix in `layers`) a module belongs to."""
    best = ""
    for unit in layers:
        if (module == unit or module.startswith(unit + ".")) and len(unit) > len(best):
            best = unit
    if not best:
        raise KeyError(f"module {module} belongs to no layer of {sorted(layers)}")
    return best


def layer_violations(graph: Mapping[str, set[str]], layers: Mapping[str, int] = LAYERS) -> list[str]:
    """Imports that go sideways or upwards between units."""
    bad = []
    for source, targets in sorted(graph.items()):
        a = unit_of(source, layers)
        for target in sorted(targets):
            b = unit_of(target, layers)
            if a != b and layers[b] >= layers[a]:
                bad.append(f"{source} ({a}, layer {layers[a]}) imports {target} ({b}, layer {layers[b]})")
    return bad


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Cycles between top-level packages (a sub-package counts as part of its top-level one)."""
    top: dict[str, set[str]] = {}
    for source, targets in graph.items():
        a = source.split(".")[0]
        top.setdefault(a, set()).update(t.split(".")[0] for t in targets if t.split(".")[0] != a)
    return cycles(top)
