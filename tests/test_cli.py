"""The `marsseg` command itself: help is fast (no TensorFlow) and lists every subcommand."""

from __future__ import annotations

import pytest
from conftest import modules_loaded_by

from studies.cli import main


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    listed = {line.split()[0] for line in out.splitlines() if line.startswith("    ") and line.split()}
    expected = {"search", "worker", "benchmark", "replay", "demo", "spaces", "data", "report", "dashboard",
                "predict", "score", "evaluate", "ablate"}
    assert expected <= listed  # each a command line of its own in the help, not a substring of another
    assert expected <= set(_subcommands())


def _subcommands() -> list[str]:
    import argparse

    from studies.cli import build_parser

    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return list(sub.choices)


def test_no_subcommand_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: marsseg" in capsys.readouterr().out


def test_help_and_parser_never_import_tensorflow_or_optuna() -> None:
    code = "from studies.cli import build_parser\nbuild_parser().format_help()"
    assert modules_loaded_by(code, ("tensorflow", "keras", "optuna", "plotly")) == []



def _needs_tensorflow(args) -> int:
    raise ModuleNotFoundError("No module named 'tensorflow'", name="tensorflow")  # as without the extra


def test_a_missing_tensorflow_is_one_line_naming_the_extra(capsys, monkeypatch) -> None:
    from studies import cli

    real = cli.build_parser

    def parser_whose_search_needs_tensorflow():
        parser = real()
        parser._subparsers._group_actions[0].choices["search"].set_defaults(func=_needs_tensorflow)
        return parser

    monkeypatch.setattr(cli, "build_parser", parser_whose_search_needs_tensorflow)
    assert cli.main(["search", "--study", "x"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "marsseg: error: TensorFlow is not installed here: pip install 'marsseg[cpu]' (or 'marsseg[gpu]' on a GPU machine)"]
