"""The README runs as written: every `marsseg ...` line of its bash blocks parses with the real
`marsseg` parser, the cheap ones (no training) run on synthetic data, its Python examples run
(slow), its install and test lines are the ones users and CI run, and its links resolve."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
CI_RUN = REPO / ".ci" / "run"
MAX_LINES = 250
INSTALL_LINE = 'python3 -m pip install -e ".[cpu]" && marsseg demo'
CHEAP = {"--version", "spaces", "data"}  # commands that train nothing: run for real


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S)


def bash_lines(text: str) -> list[str]:
    """The lines of the ```bash blocks, backslash continuations joined."""
    lines: list[str] = []
    for block in _blocks(text, "bash"):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip():
                lines.append(line.strip())
    return lines


def marsseg_commands(text: str) -> list[list[str]]:
    """Every `marsseg ...` command of the bash blocks as its argv (without "marsseg"),
    comments dropped, `a && marsseg b` split."""
    commands = []
    for line in bash_lines(text):
        words = shlex.split(line, comments=True)
        segment: list[str] = []
        for word in [*words, "&&"]:
            if word not in ("&&", "||", ";"):
                segment.append(word)
                continue
            if segment and segment[0] == "marsseg":
                commands.append(segment[1:])
            segment = []
    return commands


def _slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_slug(m) for m in re.findall(r"^#{1,6} (.+)$", path.read_text(), flags=re.M)}


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text()


def test_readme_is_a_guide_of_at_most_250_lines(readme: str) -> None:
    n = len(readme.splitlines())
    assert n <= MAX_LINES, f"README.md has {n} lines; the limit is {MAX_LINES}"


def test_install_line_is_in_the_readme_verbatim(readme: str) -> None:
    assert INSTALL_LINE in bash_lines(readme)


def test_readme_test_command_is_what_ci_runs(readme: str) -> None:
    tests = [line for line in bash_lines(readme) if "-m pytest" in line]
    assert len(tests) == 1, f"expected one test command in the README's bash blocks, found {tests}"
    ci = [line.strip() for line in CI_RUN.read_text().splitlines() if "-m pytest" in line]
    assert tests[0] in ci, f".ci/run runs {ci}, the README says {tests[0]!r}"


def test_extraction_joins_continuations_and_drops_comments() -> None:
    text = ("```bash\nmarsseg search --study s \\\n    --trials 2   # note\n"
            "pip install x && marsseg demo\n```\n```python\nmarsseg_not_a_command()\n```\n")
    assert marsseg_commands(text) == [["search", "--study", "s", "--trials", "2"], ["demo"]]


def test_every_readme_command_parses_with_the_real_parser(readme: str, capsys: pytest.CaptureFixture) -> None:
    from studies.cli import build_parser

    commands = marsseg_commands(readme)
    assert len(commands) >= 15, f"only {len(commands)} marsseg commands found: is the extraction broken?"
    bad = []
    for argv in commands:
        try:
            args = build_parser().parse_args(argv)  # parses only: no handler runs
        except SystemExit as exc:  # a bad flag or subcommand exits 2; --version/--help exit 0
            if exc.code:
                bad.append(f"marsseg {shlex.join(argv)}: {capsys.readouterr().err.strip()}")
            continue
        if getattr(args, "func", None) is None:
            bad.append(f"marsseg {shlex.join(argv)}: no subcommand")
    assert not bad, "README commands the parser rejects:\n" + "\n".join(bad)


def test_readme_commands_that_train_nothing_run_on_synthetic_data(
        readme: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from harness.data import save_dataset, synthesize
    from studies.cli import main

    monkeypatch.chdir(tmp_path)
    ran = []
    for argv in marsseg_commands(readme):
        if argv[0] not in CHEAP:
            continue
        if argv[:2] == ["data", "inspect"] and not argv[2].startswith("synthetic") and not Path(argv[2]).exists():
            save_dataset(argv[2], synthesize(60, 4, seed=0))  # a small stand-in for the user's file
        try:
            code = main(argv)
        except SystemExit as exc:  # `--version` prints and exits
            code = exc.code or 0
        assert code == 0, f"marsseg {shlex.join(argv)} exited {code}: {capsys.readouterr().err}"
        ran.append(argv[0])
    out = capsys.readouterr().out
    assert {"--version", "spaces", "data"} <= set(ran), f"ran only {ran}"
    assert "paper" in out and "table1" in out and "smoke" in out  # `marsseg spaces`


@pytest.mark.parametrize("doc", ["README.md", "BENCHMARKS.md", "docs/benchmarks-history.md"])
def test_links_of_the_guides_resolve(doc: str) -> None:
    """Every relative link (file, and heading anchor) of the README and the benchmark pages exists."""
    page = REPO / doc
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if "://" in target:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path) if path else page
        if not file.exists() or (anchor and anchor not in _anchors(file)):
            broken.append(target)
    assert not broken, f"{doc}: links with no file or heading: {broken}"


@pytest.mark.slow
@pytest.mark.parametrize("index", [0, 1])
def test_readme_python_examples_run(readme: str, tmp_path: Path, index: int) -> None:
    blocks = _blocks(readme, "python")
    assert len(blocks) == 2, f"expected the README's 2 Python examples, found {len(blocks)}"
    script = tmp_path / "example.py"
    script.write_text(blocks[index])
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stderr[-3000:]
    if index == 0:
        assert (tmp_path / "api.html").exists() and (tmp_path / "api.csv").exists()
        assert "held-out mIoU" in done.stdout
