"""The wheel holds every module of every package in the source tree (an install that is not
`-e` gets a whole marsseg), and the command says its version."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from studies.cli import main

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("search_spaces", "harness", "marsseg_models", "studies", "reports")


def source_modules() -> set[str]:
    """Every .py file of the five packages, as paths relative to the repository root."""
    return {p.relative_to(ROOT).as_posix() for top in PACKAGES for p in (ROOT / top).rglob("*.py")
            if "__pycache__" not in p.parts}


def test_every_package_has_an_init() -> None:
    """A folder of modules without `__init__.py` would be left out of the wheel by package discovery."""
    folders = {Path(m).parent.as_posix() for m in source_modules()}
    missing = sorted(f for f in folders if not (ROOT / f / "__init__.py").is_file())
    assert not missing, f"folders without __init__.py: {missing}"


def test_the_wheel_holds_every_module(tmp_path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("marsseg-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(source_modules() - names)
    assert not missing, f"modules missing from the wheel: {missing}"
    assert any(n.endswith("entry_points.txt") for n in names)


def test_version_prints_the_installed_version(capsys) -> None:
    from importlib.metadata import version

    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.strip() == f"marsseg {version('marsseg')}"
