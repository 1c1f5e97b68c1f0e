"""`marsseg spaces` and `marsseg spaces show NAME` (no TensorFlow, no Optuna)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `marsseg spaces [show NAME]`."""
    parser = subparsers.add_parser("spaces", help="list the search spaces, or show one")
    sub = parser.add_subparsers(dest="spaces_command", metavar="ACTION")
    show = sub.add_parser("show", help="print a space's dimensions and their conditions")
    show.add_argument("name", help="space name (see `marsseg spaces`)")
    show.set_defaults(func=_show)
    parser.set_defaults(func=_list)


def _list(args: argparse.Namespace) -> int:
    from search_spaces._named import SPACES

    for space in SPACES.values():
        extra = f", {len(space.presets)} presets" if space.presets else ""
        print(f"{space.name:8s} {len(space.dimensions):2d} dimensions{extra}: {space.description}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from marsseg_models import MarssegError
    from search_spaces._named import get_space

    try:
        space = get_space(args.name)
    except ValueError as exc:
        raise MarssegError(str(exc)) from None
    rows = space.describe()
    width = max(len(r[0]) for r in rows)
    rwidth = max(len(r[1]) for r in rows)
    print(f"space {space.name}: {space.description}")
    for name, rng, cond in rows:
        suffix = "" if cond == "always" else f"   if {cond}"
        print(f"  {name:{width}s}  {rng:{rwidth}s}{suffix}".rstrip())
    for label, params in space.presets:
        arch = ", ".join(f"{k.split('.', 1)[1]}={v}" for k, v in params.items() if k.startswith("model.")
                         and k not in ("model.dropout", "model.dropout_rate", "model.base_filters", "model.depth"))
        print(f"  preset {label!r}: {arch}")
    return 0
