"""deploy/: the Kubernetes Jobs and the Slurm array script parse, and every `marsseg` command
line they run (or document) is a valid invocation of today's parser."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from conftest import REPO
from studies.cli import build_parser

DEPLOY = REPO / "deploy"
SAMPLE_ENV = {"MARSSEG_STORAGE": "postgresql://marsseg:pw@db:5432/marsseg", "MARSSEG_STUDY": "paper-full",
              "MARSSEG_DATA": "/data/ai4mars_hw.npz", "MARSSEG_ARTIFACTS": "/artifacts/paper-full",
              "HOME": "/home/user", "STUDY": "paper-full", "DATA": "/data/ai4mars_hw.npz",
              "ARTIFACTS": "/artifacts/paper-full", "SLURM_CPUS_PER_TASK": "8"}


def _expand(text: str) -> str:
    """Shell (`${VAR:-default}`, `$VAR`) and Kubernetes (`$(VAR)`) variables -> sample values."""
    text = re.sub(r"\$\{(\w+)(?::-[^}]*)?\}", lambda m: SAMPLE_ENV[m.group(1)], text)
    text = re.sub(r"\$\((\w+)\)", lambda m: SAMPLE_ENV[m.group(1)], text)
    return re.sub(r"\$(\w+)", lambda m: SAMPLE_ENV[m.group(1)], text)


def _assert_valid_marsseg(argv: list[str]) -> str:
    assert argv[0] == "marsseg", argv
    args = build_parser().parse_args(argv[1:])  # a bad flag exits 2 with a one-line error
    assert callable(getattr(args, "func", None)), argv
    return argv[1]


def _jobs() -> dict[str, dict]:
    jobs = {}
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            assert doc["kind"] == "Job" and doc["apiVersion"] == "batch/v1", path
            jobs[doc["metadata"]["name"]] = doc
    return jobs


def test_kubernetes_recipe_creates_the_study_then_runs_parallel_workers_from_a_secret() -> None:
    jobs = _jobs()
    assert set(jobs) == {"marsseg-create-study", "marsseg-workers"}
    commands = {}
    for name, job in jobs.items():
        (container,) = job["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
        assert env["MARSSEG_STORAGE"]["name"] == "marsseg-storage"  # the URL (and its password) is a Secret
        argv = [*container["command"], *container["args"]]
        assert "$(MARSSEG_STORAGE)" in argv
        commands[name] = (_assert_valid_marsseg([_expand(a) for a in argv]), argv)
    assert commands["marsseg-create-study"][0] == "search" and "--create-only" in commands["marsseg-create-study"][1]
    assert commands["marsseg-workers"][0] == "worker"
    assert jobs["marsseg-workers"]["spec"]["parallelism"] > 1


def _shell_commands(script: str) -> list[list[str]]:
    """The `marsseg ...` command lines of a shell script, run or shown in its comments."""
    lines, joined = [], ""
    for raw in script.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            line = line.lstrip("#").strip()
        joined += line[:-1] + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            lines.append(joined)
            joined = ""
    found = []
    for line in lines:
        match = re.search(r"(?:^|srun\s+)(marsseg\s+[a-z]+\s+--.*)$", line)
        if match:
            found.append(shlex.split(_expand(match.group(1))))
    return found


def test_slurm_array_script_parses_and_runs_valid_worker_commands() -> None:
    script = DEPLOY / "slurm" / "marsseg-workers.sbatch"
    if shutil.which("bash"):
        subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    assert re.search(r"^#SBATCH --array=\d+-\d+", text, re.M)
    commands = _shell_commands(text)
    subcommands = [_assert_valid_marsseg(argv) for argv in commands]
    assert subcommands == ["search", "worker"]  # the documented study creation, then the task's worker


@pytest.mark.parametrize("bad", [["marsseg", "worker", "--study", "", "--storage", "x"],
                                 ["marsseg", "worker", "--study", "s", "--storage", "x", "--threads", "0"]])
def test_the_checker_rejects_an_invalid_command(bad: list[str]) -> None:
    with pytest.raises(SystemExit):
        _assert_valid_marsseg(bad)
