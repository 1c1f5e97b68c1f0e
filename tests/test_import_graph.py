"""The import graph is one-way: layers of ARCHITECTURE.md, and no cycle between modules."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, modules_loaded_by
from import_graph import LAYERS, cycles, import_graph, layer_violations, package_cycles

PACKAGES = ("harness", "marsseg_models", "search_spaces", "studies", "reports")


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(REPO, PACKAGES)


def test_every_import_goes_down_the_layers(graph) -> None:
    assert layer_violations(graph) == []


def test_no_module_import_cycle(graph) -> None:
    assert cycles(graph) == []


def test_no_package_import_cycle(graph) -> None:
    """Counting `harness.common` and `harness.data` as part of `harness`: no package below it imports it."""
    assert package_cycles(graph) == []


def test_a_package_cycle_through_a_sub_package_is_found(tmp_path: Path) -> None:
    _write(tmp_path, {
        "top/__init__.py": "", "top/common/__init__.py": "", "top/_x.py": "from low import f\n",
        "low/__init__.py": "from top.common import g\n",
    })
    graph = import_graph(tmp_path, ("top", "low"))
    assert cycles(graph) == [] and package_cycles(graph) == [["low", "top"]]


def test_importing_through_the_own_package_init_is_a_cycle(tmp_path: Path) -> None:
    _write(tmp_path, {"pkg/__init__.py": "from pkg._a import f\n", "pkg/_a.py": "def f():\n    pass\n",
                      "pkg/_b.py": "from pkg import _a\n", "pkg/_c.py": "from pkg._a import f\n"})
    graph = import_graph(tmp_path, ("pkg",))
    assert "pkg" in graph["pkg._b"] and "pkg" not in graph["pkg._c"]


def test_the_graph_sees_every_package_and_function_level_imports(graph) -> None:
    assert {m.split(".")[0] for m in graph} == set(PACKAGES)
    # `studies._search.run_search` imports the data layer inside the function
    assert "harness.data" in graph["studies._search"]


def test_lower_layers_import_without_the_trial_harness() -> None:
    loaded = modules_loaded_by("import harness.common, harness.data, search_spaces, marsseg_models",
                               ("harness._objective", "harness._configs", "studies", "reports", "optuna",
                                "tensorflow"))
    assert loaded == []


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_cycle_hidden_in_a_function_is_found(tmp_path: Path) -> None:
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/_a.py": "from pkg._b import f\n",
        "pkg/_b.py": "def f():\n    from pkg import _a\n    return _a\n",
    })
    assert cycles(import_graph(tmp_path, ("pkg",))) == [["pkg._a", "pkg._b"]]


def test_an_upward_or_sideways_import_is_a_violation(tmp_path: Path) -> None:
    _write(tmp_path, {
        "low/__init__.py": "", "low/_x.py": "def f():\n    import high\n",
        "high/__init__.py": "from low import _x\n", "side/__init__.py": "from . import _y\n",
        "side/_y.py": "from high import *\n",
    })
    layers = {"low": 0, "high": 1, "side": 1}
    bad = layer_violations(import_graph(tmp_path, ("low", "high", "side")), layers)
    assert [b.split(" ")[0] for b in bad] == ["low._x", "side._y"]


def test_every_layer_unit_exists() -> None:
    for unit in LAYERS:
        path = REPO / unit.replace(".", "/")
        assert path.is_dir() or path.with_suffix(".py").is_file(), unit
