"""`marsseg search` and `marsseg worker` (argparse only; work happens in handlers)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to `marsseg`."""
    from harness.common import DEFAULT_JOURNAL, non_empty, non_negative_int, positive_float, positive_int
    from studies._settings import PRUNERS, SAMPLERS

    search = subparsers.add_parser("search", help="create or resume a study and run workers on it",
                                   description="Create a study, or resume it (finished trials are kept).")
    search.add_argument("--study", required=True, type=non_empty, help="study name")
    search.add_argument("--storage", default=DEFAULT_JOURNAL,
                        help=f"journal file path (default {DEFAULT_JOURNAL}), postgresql://... or redis://...")
    search.add_argument("--space", help="search space (new study default: paper; see `marsseg spaces`)")
    search.add_argument("--data", help="an .npz file or 'synthetic[:N_TRAIN[:SEED]]' (new study default: synthetic)")
    search.add_argument("--trials", type=positive_int,
                        help="finished trials the study should hold, across all workers (complete, pruned, or "
                             "failed by their configuration; trials lost to a crash are retried and do not count)")
    search.add_argument("--timeout", type=positive_float, help="start no new trial after this many seconds")
    search.add_argument("--workers", type=positive_int, default=1,
                        help="worker processes on this machine (cores are split; GPUs are shared round-robin)")
    search.add_argument("--sampler", choices=SAMPLERS, help="new study default: tpe")
    search.add_argument("--pruner", choices=PRUNERS, help="new study default: median")
    search.add_argument("--budget", help="tiny | small | full (new study default: small)")
    search.add_argument("--seed", type=non_negative_int, help="study seed (new study default: 0)")
    search.add_argument("--artifacts", dest="artifact_dir", help="artifact store folder (default: beside the journal)")
    search.add_argument("--heartbeat", type=positive_int,
                        help="seconds between a worker's liveness beats (stored in the study; default 30)")
    search.add_argument("--grace", type=positive_int,
                        help="seconds without a beat after which a trial is failed and retried (default 120)")
    search.add_argument("--create-only", action="store_true",
                        help="create or resume the study and enqueue presets, run no trial (then start workers)")
    search.set_defaults(func=_search)

    worker = subparsers.add_parser("worker", help="join an existing study from any machine")
    worker.add_argument("--study", required=True, type=non_empty, help="study name")
    worker.add_argument("--storage", required=True, help="the study's storage URL (or shared journal file)")
    worker.add_argument("--data", help="local path of the study's data, if it differs here")
    worker.add_argument("--artifacts", dest="artifact_dir", help="local artifact folder, if it differs here")
    worker.add_argument("--timeout", type=positive_float, help="start no new trial after this many seconds")
    worker.add_argument("--threads", type=positive_int, help="TensorFlow threads (default: all cores)")
    worker.add_argument("--patience", type=positive_float, default=600.0,
                        help="seconds to wait for an unreachable storage before exiting (default 600)")
    worker.set_defaults(func=_worker)


def _search(args: argparse.Namespace) -> int:
    from studies._search import SearchRequest, run_search

    return run_search(SearchRequest(
        study=args.study, storage=args.storage, space=args.space, data=args.data, sampler=args.sampler,
        pruner=args.pruner, budget=args.budget, seed=args.seed, trials=args.trials, timeout=args.timeout,
        workers=args.workers, artifact_dir=args.artifact_dir, verbose=args.verbose,
        objective=args.objective, heartbeat=args.heartbeat, grace=args.grace, create_only=args.create_only))


def _worker(args: argparse.Namespace) -> int:
    import time

    from studies._worker import WorkerSpec, run_worker

    deadline = time.time() + args.timeout if args.timeout else None
    ran = run_worker(WorkerSpec(args.storage, args.study, threads=args.threads, deadline=deadline,
                                data=args.data, artifact_dir=args.artifact_dir, verbose=args.verbose,
                                objective=args.objective, patience=args.patience))
    print(f"worker ran {ran} trial(s)", file=sys.stderr)
    return 0
