"""Shared fixtures: seeding, real-data path, and the PostgreSQL / Redis services."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# The suite trains in float32 on every machine, so that its figures do not depend on the CPU
# (`auto` is bfloat16 on AMX CPUs); tests/test_runtime.py covers every precision path.
os.environ.setdefault("MARSSEG_PRECISION", "float32")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REPO = Path(__file__).resolve().parents[1]
REAL_DATA = Path(os.environ.get("MARSSEG_REAL_DATA", REPO.parent / "shared" / "data" / "ai4mars_hw.npz"))
POSTGRES_URL = os.environ.get("MARSSEG_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("MARSSEG_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Seed NumPy always, and Keras/TensorFlow when a test has imported them."""
    np.random.seed(0)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(0)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _service_or_skip(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    if IN_CI:
        pytest.fail(f"{name} at {host}:{port} is unreachable, and CI=true requires it", pytrace=False)
    pytest.skip(f"{name} at {host}:{port} is unreachable (service tests run only where it is up)")


@pytest.fixture
def postgres_url() -> str:
    """URL of the test PostgreSQL database; skips locally where it is down, fails in CI."""
    _service_or_skip("PostgreSQL", "127.0.0.1", 5432)
    return POSTGRES_URL


@pytest.fixture
def redis_url() -> str:
    """URL of the test Redis; skips locally where it is down, fails in CI."""
    _service_or_skip("Redis", "127.0.0.1", 6379)
    return REDIS_URL


@pytest.fixture(scope="session")
def real_data_path() -> Path:
    """The real AI4Mars file in the course format; skips cleanly where it is absent."""
    if not REAL_DATA.is_file():
        pytest.skip(f"real data not found at {REAL_DATA}")
    return REAL_DATA


def modules_loaded_by(code: str, modules: tuple[str, ...] = ("tensorflow", "keras")) -> list[str]:
    """Which of `modules` a fresh interpreter has imported after running `code`."""
    import json
    import subprocess

    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {list(modules)!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run `marsseg argv` and check it failed as a user error does: exit 2, one line, no traceback."""
    from studies.cli import main

    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err.startswith("marsseg: error: ") and "\n" not in err and "Traceback" not in err, err
    return err
