"""`marsseg search` and `marsseg worker` (argparse only; work happens in handlers)."""

from __future__ import annotations

import argparse
import sys

def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to `marsseg`."""
    from studies._settings import PRUNERS, SAMPLERS
    from harness.common import DEFAULT_JOURNAL
    from marsseg_models import PRECISION_CHOICES, PRECISION_ENV

    precision_help = (f"training precision of this process's trials (default: ${PRECISION_ENV}, else auto: "
                      "float16 on GPU, bfloat16 on an AMX CPU, else float32)")

    search = subparsers.add_parser("search", help="create or resume a study and run workers on it",
                                   description="Create a study, or resume it (finished trials are kept).")
    search.add_argument("--study", required=True, help="study name")
    search.add_argument("--storage", default=DEFAULT_JOURNAL,
                        help=f"journal file path (default {DEFAULT_JOURNAL}), postgresql://... or redis://...")
    search.add_argument("--space", help="search space (new study default: paper; see `marsseg spaces`)")
    search.add_argument("--data", help="an .npz file or 'synthetic[:N_TRAIN[:SEED]]' (new study default: synthetic)")
    search.add_argument("--trials", type=int, help="total trials of the study, across all workers")
    search.add_argument("--timeout", type=float, help="start no new trial after this many seconds")
    search.add_argument("--workers", type=int, default=1, help="worker processes on this machine (cores are split)")
    search.add_argument("--sampler", choices=SAMPLERS, help="new study default: tpe")
    search.add_argument("--pruner", choices=PRUNERS, help="new study default: median")
    search.add_argument("--budget", help="tiny | small | full (new study default: small)")
    search.add_argument("--seed", type=int, help="study seed (new study default: 0)")
    search.add_argument("--artifacts", dest="artifact_dir", help="artifact store folder (default: beside the journal)")
    search.add_argument("--precision", choices=PRECISION_CHOICES, help=precision_help)
    search.set_defaults(func=_search)

    worker = subparsers.add_parser("worker", help="join an existing study from any machine")
    worker.add_argument("--study", required=True, help="study name")
    worker.add_argument("--storage", required=True, help="the study's storage URL (or shared journal file)")
    worker.add_argument("--data", help="local path of the study's data, if it differs here")
    worker.add_argument("--timeout", type=float, help="start no new trial after this many seconds")
    worker.add_argument("--threads", type=int, help="TensorFlow threads (default: all cores)")
    worker.add_argument("--precision", choices=PRECISION_CHOICES, help=precision_help)
    worker.set_defaults(func=_worker)


def _use_precision(args: argparse.Namespace) -> None:
    """`--precision` goes to this process and its worker processes through `$MARSSEG_PRECISION`."""
    import os

    from marsseg_models import PRECISION_ENV

    if args.precision is not None:
        os.environ[PRECISION_ENV] = args.precision


def _search(args: argparse.Namespace) -> int:
    from studies._search import SearchRequest, run_search

    _use_precision(args)
    return run_search(SearchRequest(
        study=args.study, storage=args.storage, space=args.space, data=args.data, sampler=args.sampler,
        pruner=args.pruner, budget=args.budget, seed=args.seed, trials=args.trials, timeout=args.timeout,
        workers=args.workers, artifact_dir=args.artifact_dir, verbose=args.verbose,
        objective=args.objective))


def _worker(args: argparse.Namespace) -> int:
    import time

    from studies._worker import WorkerSpec, run_worker

    _use_precision(args)
    deadline = time.time() + args.timeout if args.timeout else None
    ran = run_worker(WorkerSpec(args.storage, args.study, threads=args.threads, deadline=deadline,
                                data=args.data, verbose=args.verbose, objective=args.objective))
    print(f"worker ran {ran} trial(s)", file=sys.stderr)
    return 0
