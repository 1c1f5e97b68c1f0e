"""`marsseg report` and `marsseg dashboard` (argparse only; heavy imports stay in handlers)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to `marsseg`."""
    from harness.common import DEFAULT_JOURNAL

    storage_help = f"journal file path (default {DEFAULT_JOURNAL}), postgresql://... or redis://..."
    report = subparsers.add_parser(
        "report", help="write a study's self-contained HTML ablation report",
        description="One HTML file (plotly.js inside, opens offline) plus the comparison table as "
                    "<stem>_table.csv/.md/.tex beside it.")
    report.add_argument("--study", help="study name (needed unless --benchmark is given)")
    report.add_argument("--storage", default=DEFAULT_JOURNAL, help=storage_help)
    report.add_argument("-o", "--output", default="report.html", help="HTML path (default report.html)")
    report.add_argument("--compare", nargs="+", default=[], metavar="STUDY",
                        help="other studies in the same storage to compare (best so far vs epochs)")
    report.add_argument("--artifacts", dest="artifact_dir",
                        help="artifact store folder (default: the study's artifact_dir attribute)")
    report.add_argument("--benchmark", metavar="B",
                        help="add benchmark B (studies B/METHOD/SEED) as a section, and <stem>_benchmark.csv")
    report.set_defaults(func=_report)

    dash = subparsers.add_parser("dashboard", help="serve optuna-dashboard on a storage for live viewing")
    dash.add_argument("--storage", default=DEFAULT_JOURNAL, help=storage_help)
    dash.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    dash.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    dash.add_argument("--artifacts", dest="artifact_dir", help="artifact store folder to browse artifacts")
    dash.set_defaults(func=_dashboard)


def _report(args: argparse.Namespace) -> int:
    from pathlib import Path

    import optuna

    from harness.common import MarssegError, ensure_writable_dir
    from reports._benchmark import write_benchmark_report
    from reports._report import write_report

    ensure_writable_dir(Path(args.output).resolve().parent, "output folder")
    if not args.verbose:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    if args.study is None and args.benchmark is None:
        raise MarssegError("give --study, --benchmark, or both")
    if args.study is None:
        path = write_benchmark_report(args.benchmark, args.storage, args.output)
    else:
        path = write_report(args.study, args.storage, args.output, compare=args.compare,
                            artifact_dir=args.artifact_dir, benchmark=args.benchmark)
    print(f"report written to {path}", file=sys.stderr)
    return 0


def _dashboard(args: argparse.Namespace) -> int:
    import optuna_dashboard

    from harness.common import open_existing_storage
    from harness.common import redact_url

    storage = open_existing_storage(args.storage)
    store = None
    if args.artifact_dir:
        from harness.common import artifact_store

        store = artifact_store(args.artifact_dir)
    print(f"optuna-dashboard on http://{args.host}:{args.port} for {redact_url(args.storage)} "
          "(Ctrl-C to stop)", file=sys.stderr)
    optuna_dashboard.run_server(storage, host=args.host, port=args.port, artifact_store=store)
    return 0
