"""`marsseg search` and `marsseg worker` (argparse only; work happens in handlers)."""

from __future__ import annotations

import argparse
import sys

def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to `marsseg`."""
    from studies._replay import RECORDED, REPLAY_PRUNERS
    from studies._settings import PRUNERS, SAMPLERS
    from harness.common import DEFAULT_JOURNAL

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
    search.set_defaults(func=_search)

    worker = subparsers.add_parser("worker", help="join an existing study from any machine")
    worker.add_argument("--study", required=True, help="study name")
    worker.add_argument("--storage", required=True, help="the study's storage URL (or shared journal file)")
    worker.add_argument("--data", help="local path of the study's data, if it differs here")
    worker.add_argument("--timeout", type=float, help="start no new trial after this many seconds")
    worker.add_argument("--threads", type=int, help="TensorFlow threads (default: all cores)")
    worker.set_defaults(func=_worker)

    bench = subparsers.add_parser(
        "benchmark", help="compare search methods x seeds at an equal budget of training epochs",
        description="Run every method x seed until it has trained --epochs epochs (all trials, pruned ones "
                    "included); each run is the study NAME/METHOD/SEED, so a killed benchmark resumes. "
                    "Methods: SAMPLER+PRUNER (e.g. tpe+median, random+none, gp+sha) or kt-random, kt-bayes, "
                    "kt-hyperband (KerasTuner, recorded as Optuna studies). `marsseg report --benchmark NAME` "
                    "draws the results.")
    bench.add_argument("--name", required=True, help="benchmark name (the prefix of its studies)")
    bench.add_argument("--storage", default=DEFAULT_JOURNAL, help=f"storage (default {DEFAULT_JOURNAL})")
    bench.add_argument("--space", default="smoke", help="search space (default smoke)")
    bench.add_argument("--data", default="synthetic", help="an .npz file or synthetic[:N_TRAIN[:SEED]]")
    bench.add_argument("--budget", default="tiny", help="trial budget: tiny | small | full (default tiny)")
    bench.add_argument("--methods", default="tpe+median,random+none,kt-random",
                       help="comma-separated methods (default tpe+median,random+none,kt-random)")
    bench.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per method (default 3)")
    bench.add_argument("--epochs", type=int, required=True, help="training epochs per run, over all its trials")
    bench.add_argument("--workers", type=int, default=1, help="worker processes per Optuna run (default 1)")
    bench.set_defaults(func=_benchmark)

    replay = subparsers.add_parser(
        "replay", help="replay pruners on a no-pruning study's recorded curves, in seconds",
        description="Use a study run with --pruner none as a tabular benchmark: feed its recorded learning "
                    "curves into each pruner with K simulated workers; report epochs, simulated time and the "
                    "regret of the best configuration found against running everything to the end.")
    replay.add_argument("--study", required=True, help="a study whose trials ran without pruning")
    replay.add_argument("--storage", default=DEFAULT_JOURNAL, help=f"storage (default {DEFAULT_JOURNAL})")
    replay.add_argument("--pruners", default=",".join(REPLAY_PRUNERS),
                        help=f"comma-separated (default {','.join(REPLAY_PRUNERS)}; valid: {', '.join(PRUNERS)})")
    replay.add_argument("--samplers", default=RECORDED,
                        help=f"comma-separated: {RECORDED} (the recorded order) or sampler names, which draw "
                             f"only among the recorded configurations (default {RECORDED})")
    replay.add_argument("--workers", type=int, default=1, help="simulated workers (default 1)")
    replay.add_argument("--seed", type=int, default=0, help="sampler seed (default 0)")
    replay.set_defaults(func=_replay)


def _search(args: argparse.Namespace) -> int:
    from studies._search import SearchRequest, run_search

    return run_search(SearchRequest(
        study=args.study, storage=args.storage, space=args.space, data=args.data, sampler=args.sampler,
        pruner=args.pruner, budget=args.budget, seed=args.seed, trials=args.trials, timeout=args.timeout,
        workers=args.workers, artifact_dir=args.artifact_dir, verbose=args.verbose,
        objective=args.objective))


def _worker(args: argparse.Namespace) -> int:
    import time

    from studies._worker import WorkerSpec, run_worker

    deadline = time.time() + args.timeout if args.timeout else None
    ran = run_worker(WorkerSpec(args.storage, args.study, threads=args.threads, deadline=deadline,
                                data=args.data, verbose=args.verbose, objective=args.objective))
    print(f"worker ran {ran} trial(s)", file=sys.stderr)
    return 0


def _replay(args: argparse.Namespace) -> int:
    import time

    from harness import quiet_optuna
    from studies._replay import format_replays, run_replay

    quiet_optuna(args.verbose)
    start = time.perf_counter()
    results, n_curves = run_replay(args.study, args.storage, pruners=_names(args.pruners),
                                   samplers=_names(args.samplers), workers=args.workers, seed=args.seed)
    print(format_replays(results, n_curves))
    print(f"replayed in {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _benchmark(args: argparse.Namespace) -> int:
    from harness import load_benchmark
    from studies._benchmark import Benchmark, format_result, run_benchmark
    from studies._search import resolve_data

    bench = Benchmark(name=args.name, space=args.space, data=resolve_data(args.data), budget=args.budget, epochs=args.epochs,
                      methods=tuple(_names(args.methods)), seeds=tuple(range(args.seeds)), storage=args.storage,
                      workers=args.workers)
    code = run_benchmark(bench, objective=args.objective)
    if code == 0:
        print(format_result(load_benchmark(bench.name, bench.storage)))
    return code
