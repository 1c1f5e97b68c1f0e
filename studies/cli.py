"""The `marsseg` command: the composition root that collects every package's subcommands.

Each package registers its own subcommands in its `_cli.py` (argparse only, no heavy
imports at module level), so `marsseg --help` stays fast and never imports TensorFlow.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from harness import MarssegError
from harness import _cli as harness_cli
from reports import _cli as reports_cli
from search_spaces import _cli as spaces_cli
from studies import _cli as studies_cli

_REGISTRARS = (studies_cli, spaces_cli, harness_cli, reports_cli)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every package's subcommands."""
    parser = argparse.ArgumentParser(
        prog="marsseg",
        description="Hyperparameter search and AutoML benchmarks for Mars terrain segmentation.",
    )
    parser.add_argument("--verbose", action="store_true", help="show TensorFlow and Optuna logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _REGISTRARS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `marsseg` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except MarssegError as exc:
        print(f"marsseg: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("marsseg: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
