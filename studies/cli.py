"""The `marsseg` command: the composition root, the one module that sees every package.

Each package registers its own subcommands in its `_cli.py` (argparse only, no heavy
imports at module level), so `marsseg --help` stays fast and never imports TensorFlow.
`marsseg demo` lives here because it composes two packages: a study, then its report.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from harness.common import DEFAULT_JOURNAL, MarssegError, non_empty, positive_int
from harness.data import _cli as data_cli
from reports import _cli as reports_cli
from search_spaces import _cli as spaces_cli
from studies import _cli as studies_cli

_REGISTRARS = (studies_cli, spaces_cli, data_cli, reports_cli)
DEMO_TRIALS = 8
DEMO_SEED = 1  # a seed whose first TPE draws cover both families of the smoke space


def _register_demo(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser("demo", help="synthetic data, smoke space, tiny budget: a study and its report")
    demo.add_argument("--storage", default=DEFAULT_JOURNAL, help=f"journal file (default {DEFAULT_JOURNAL})")
    demo.add_argument("--study", default="demo", type=non_empty, help="study name (default demo)")
    demo.add_argument("--trials", type=positive_int, default=DEMO_TRIALS, help=f"trials (default {DEMO_TRIALS})")
    demo.add_argument("--workers", type=positive_int, default=1, help="worker processes (default 1)")
    demo.add_argument("--output", default="report.html", help="HTML report path (default report.html)")
    demo.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    from reports import write_report
    from studies import SearchRequest, run_search

    code = run_search(SearchRequest(
        study=args.study, storage=args.storage, space="smoke", data="synthetic", sampler="tpe", pruner="median",
        budget="tiny", seed=DEMO_SEED, trials=args.trials, workers=args.workers, verbose=args.verbose,
        objective=args.objective))
    if code:
        return code
    path = write_report(args.study, args.storage, args.output)
    print(f"report written to {path}", file=sys.stderr)
    return 0


def _version() -> str:
    """The installed distribution's version (a source tree that was never installed says so)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("marsseg")
    except PackageNotFoundError:
        return "(not installed)"


class _OneLineParser(argparse.ArgumentParser):
    """A bad flag is one line, `marsseg: error: ...`, exit code 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.partition(" ")[2]
        self.exit(2, f"marsseg: error: {command + ': ' if command else ''}{message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every package's subcommands."""
    parser = _OneLineParser(
        prog="marsseg",
        description="Hyperparameter search and AutoML benchmarks for Mars terrain segmentation.",
    )
    parser.add_argument("--verbose", action="store_true", help="show TensorFlow and Optuna logs")
    parser.add_argument("--version", action="version", version=f"marsseg {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _REGISTRARS:
        module.register(sub)
    _register_demo(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, objective: Callable[..., Any] | None = None) -> int:
    """Entry point of the `marsseg` console script; returns the exit code.

    objective: the trial objective factory for `search`, `worker` and `demo` (None: the
    real `harness.Objective`); an embedding or a test passes its own here.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    args.objective = objective
    try:
        return int(args.func(args) or 0)
    except MarssegError as exc:
        print(f"marsseg: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder the command cannot read or write (a full disk, a permission)
        where = f": {exc.filename}" if exc.filename else ""
        print(f"marsseg: error: {exc.strerror or type(exc).__name__}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("marsseg: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:  # TensorFlow is an extra (README): say how to get it
        if exc.name not in ("tensorflow", "keras"):
            raise
        print("marsseg: error: TensorFlow is not installed here: pip install 'marsseg[cpu]' "
              "(or 'marsseg[gpu]' on a GPU machine)", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
