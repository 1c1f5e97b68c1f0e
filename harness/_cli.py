"""Subcommands of this package for the `marsseg` command (argparse only; heavy imports stay in handlers)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to `marsseg`."""
