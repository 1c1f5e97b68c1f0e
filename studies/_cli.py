"""`marsseg search|worker|evaluate|ablate|predict|train|benchmark|replay|compare` (argparse only; work happens in handlers)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to `marsseg`."""
    from marsseg_models import PRECISION_ENV

    precision_help = (f"training precision of this process's trials (default: ${PRECISION_ENV}, else auto: "
                      "float16 on a GPU, bfloat16 on a CPU with AMX-BF16, else float32)")
    _register_search(subparsers, precision_help)
    _register_worker(subparsers, precision_help)
    _register_evaluate_ablate(subparsers)
    _register_predict(subparsers)
    _register_train(subparsers, precision_help)
    _register_benchmark(subparsers)
    _register_replay(subparsers)
    _register_compare(subparsers)


def _register_search(subparsers: argparse._SubParsersAction, precision_help: str) -> None:
    """`marsseg search`."""
    from harness.common import non_negative_int, positive_float, positive_int
    from marsseg_models import PRECISION_CHOICES
    from studies._settings import PRUNERS, SAMPLERS

    search = subparsers.add_parser("search", help="create or resume a study and run workers on it",
                                   description="Create a study, or resume it (finished trials are kept).")
    _study_arguments(search)
    search.add_argument("--space", help="search space (new study default: paper; see `marsseg spaces`)")
    search.add_argument("--data", help="an .npz file or 'synthetic[:N_TRAIN[:SEED]]' (new study default: synthetic)")
    search.add_argument("--trials", type=positive_int,
                        help="finished trials the study should hold, across all workers (complete, pruned, or "
                             "failed by their configuration; trials lost to a crash are retried and do not count)")
    search.add_argument("--timeout", type=positive_float,
                        help="seconds the search may take; a new study spends them by its time plan (train the "
                             "anchor row; explore only where that pays here; continue the best to the end)")
    search.add_argument("--no-plan", dest="plan", action="store_false",
                        help="with --timeout: explore the whole time, starting no new trial after it "
                             "(trials in flight finish)")
    search.add_argument("--workers", type=positive_int, default=1,
                        help="worker processes on this machine (cores are split; GPUs are shared round-robin)")
    search.add_argument("--sampler", choices=SAMPLERS, help="new study default: tpe")
    search.add_argument("--pruner", choices=PRUNERS, help="new study default: the budget's (cpu: cost-sha)")
    search.add_argument("--budget", help="tiny | cpu | cpu_short | full (new study default: cpu)")
    search.add_argument("--heldout", dest="heldout_fraction", type=float,
                        help="share of labelled images held out from the search (new study default: 0.1)")
    search.add_argument("--repeats", type=positive_int, help="run each preset (Table 1 row) this many times (default 1)")
    search.add_argument("--start-with", nargs="+", default=(), metavar="ROW",
                        help="Table 1 rows (e.g. 'U-Net') to enqueue as the first trials: known-good "
                             "starting points for the sampler and the pruner's first rungs (the first one is "
                             "a time plan's anchor; default U-Net)")
    search.add_argument("--seed", type=non_negative_int, help="study seed (new study default: 0)")
    search.add_argument("--artifacts", dest="artifact_dir", help="artifact store folder (default: beside the journal)")
    search.add_argument("--heartbeat", type=positive_int,
                        help="seconds between a worker's liveness beats (stored in the study; default 30)")
    search.add_argument("--grace", type=positive_int,
                        help="seconds without a beat after which a trial is failed and retried (default 120)")
    search.add_argument("--create-only", action="store_true",
                        help="create or resume the study and enqueue presets, run no trial (then start workers)")
    search.add_argument("--precision", choices=PRECISION_CHOICES, help=precision_help)
    _recycle_argument(search)
    search.set_defaults(func=_search)


def _register_worker(subparsers: argparse._SubParsersAction, precision_help: str) -> None:
    """`marsseg worker`."""
    from harness.common import positive_float, positive_int
    from marsseg_models import PRECISION_CHOICES

    worker = subparsers.add_parser("worker", help="join an existing study from any machine")
    _study_arguments(worker, storage_required=True)
    worker.add_argument("--data", help="local path of the study's data, if it differs here")
    worker.add_argument("--artifacts", dest="artifact_dir", help="local artifact folder, if it differs here")
    worker.add_argument("--timeout", type=positive_float, help="start no new trial after this many seconds")
    worker.add_argument("--threads", type=positive_int, help="TensorFlow threads (default: all cores)")
    worker.add_argument("--patience", type=positive_float, default=600.0,
                        help="seconds to wait for an unreachable storage before exiting (default 600)")
    worker.add_argument("--precision", choices=PRECISION_CHOICES, help=precision_help)
    _recycle_argument(worker)
    worker.set_defaults(func=_worker)


def _register_benchmark(subparsers: argparse._SubParsersAction) -> None:
    """`marsseg benchmark`."""
    from harness.common import DEFAULT_JOURNAL, positive_int

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
    bench.add_argument("--budget", default="tiny", help="trial budget: tiny | cpu | cpu_short | full (default tiny)")
    bench.add_argument("--methods", default="tpe+median,random+none,kt-random",
                       help="comma-separated methods (default tpe+median,random+none,kt-random)")
    bench.add_argument("--seeds", type=positive_int, default=3, help="seeds 0..N-1 per method (default 3)")
    bench.add_argument("--epochs", type=positive_int, required=True, help="training epochs per run, over all its trials")
    bench.add_argument("--workers", type=positive_int, default=1, help="worker processes per Optuna run (default 1)")
    bench.set_defaults(func=_benchmark)


def _register_replay(subparsers: argparse._SubParsersAction) -> None:
    """`marsseg replay`."""
    from harness.common import non_negative_int, positive_int
    from studies._replay import RECORDED, REPLAY_PRUNERS
    from studies._settings import PRUNERS

    replay = subparsers.add_parser(
        "replay", help="replay pruners on a no-pruning study's recorded curves, in seconds",
        description="Use a study run with --pruner none as a tabular benchmark: feed its recorded learning "
                    "curves into each pruner with K simulated workers; report epochs, simulated time and the "
                    "regret of the best configuration found against running everything to the end.")
    _study_arguments(replay, "a study whose trials ran without pruning")
    replay.add_argument("--pruners", default=",".join(REPLAY_PRUNERS),
                        help=f"comma-separated (default {','.join(REPLAY_PRUNERS)}; valid: {', '.join(PRUNERS)})")
    replay.add_argument("--samplers", default=RECORDED,
                        help=f"comma-separated: {RECORDED} (the recorded order) or sampler names, which draw "
                             f"only among the recorded configurations (default {RECORDED})")
    replay.add_argument("--workers", type=positive_int, default=1, help="simulated workers (default 1)")
    replay.add_argument("--seed", type=non_negative_int, default=0, help="sampler seed (default 0)")
    replay.set_defaults(func=_replay)


def _register_compare(subparsers: argparse._SubParsersAction) -> None:
    """`marsseg compare`."""
    from harness.common import DEFAULT_JOURNAL, positive_int

    compare = subparsers.add_parser(
        "compare", help="paired held-out mIoU difference of two studies, trials or submissions, with its interval",
        description="A and B: a study (its best trial by val mIoU among those scored on the held-out split), a "
                    "trial STUDY:N, or a submission .csv/.npz (with --labels). The difference A - B is bootstrapped "
                    "over the same photographs for both; two studies whose held-out images differ are refused.")
    compare.add_argument("a", metavar="A", help="STUDY, STUDY:N or a submission .csv/.npz")
    compare.add_argument("b", metavar="B", help="STUDY, STUDY:N or a submission .csv/.npz")
    compare.add_argument("--storage", default=DEFAULT_JOURNAL, help=f"the studies' storage (default {DEFAULT_JOURNAL})")
    compare.add_argument("--labels", metavar="LABELS.npz", help="true masks of the submissions (array 'masks')")
    compare.add_argument("--resamples", type=positive_int, default=2000, help="bootstrap resamples (default 2000)")
    compare.set_defaults(func=_compare)


def _compare(args: argparse.Namespace) -> int:
    from studies._compare import compare, format_comparison

    print(format_comparison(args.a, args.b, compare(args.a, args.b, args.storage, labels=args.labels,
                                                    n_boot=args.resamples)))
    return 0


def _study_arguments(parser: argparse.ArgumentParser, study_help: str = "study name", *,
                     storage_required: bool = False) -> None:
    """`--study` (never empty) and `--storage` (the default journal file unless required)."""
    from harness.common import DEFAULT_JOURNAL, non_empty

    parser.add_argument("--study", required=True, type=non_empty, help=study_help)
    if storage_required:
        parser.add_argument("--storage", required=True, help="the study's storage URL (or shared journal file)")
    else:
        parser.add_argument("--storage", default=DEFAULT_JOURNAL,
                            help=f"journal file path (default {DEFAULT_JOURNAL}), postgresql://... or redis://...")


def _recycle_argument(parser: argparse.ArgumentParser) -> None:
    from harness.common import non_negative_int
    from studies._worker import DEFAULT_RECYCLE

    parser.add_argument("--recycle", type=non_negative_int, default=DEFAULT_RECYCLE, metavar="N",
                        help="a fresh worker process every N trials: returns the memory TensorFlow keeps "
                             f"after each trial (0: one process; default {DEFAULT_RECYCLE})")


def _use_precision(args: argparse.Namespace) -> str | None:
    """`--precision` (None: `$MARSSEG_PRECISION`, else auto, decided where the trial trains), with a
    warning where bfloat16 is asked for on a CPU that can only emulate it."""
    import logging
    import os

    from marsseg_models import PRECISION_ENV, bfloat16_emulated, cpu_flags

    if (args.precision or os.environ.get(PRECISION_ENV)) == "bfloat16" and bfloat16_emulated(cpu_flags()):
        logging.getLogger("marsseg").warning(
            "bfloat16 on this CPU (no AVX512_BF16, no AMX-BF16) is emulated: trials may run several times "
            "slower than float32 (unless a GPU trains them)")
    return args.precision


def _search(args: argparse.Namespace) -> int:
    from studies._search import SearchRequest, run_search

    precision = _use_precision(args)
    return run_search(SearchRequest(
        study=args.study, storage=args.storage, space=args.space, data=args.data, sampler=args.sampler,
        pruner=args.pruner, budget=args.budget, seed=args.seed, trials=args.trials, timeout=args.timeout,
        workers=args.workers, artifact_dir=args.artifact_dir, verbose=args.verbose,
        objective=args.objective, heldout_fraction=args.heldout_fraction, repeats=args.repeats,
        heartbeat=args.heartbeat, grace=args.grace, create_only=args.create_only,
        start_with=tuple(args.start_with), recycle=args.recycle, precision=precision, plan=args.plan))


def _worker(args: argparse.Namespace) -> int:
    import time

    from studies._worker import WorkerSpec, run_worker

    precision = _use_precision(args)
    deadline = time.time() + args.timeout if args.timeout else None
    ran = run_worker(WorkerSpec(args.storage, args.study, threads=args.threads, deadline=deadline,
                                data=args.data, artifact_dir=args.artifact_dir, verbose=args.verbose,
                                objective=args.objective, patience=args.patience, recycle=args.recycle,
                                precision=precision))
    print(f"worker ran {ran} trial(s)", file=sys.stderr)
    return 0


def _register_evaluate_ablate(subparsers: argparse._SubParsersAction) -> None:
    """`marsseg evaluate` and `marsseg ablate`."""
    from harness.common import attrs, non_negative_int, positive_int

    evaluate = subparsers.add_parser("evaluate", help="score a study's top trials on its held-out split",
                                     description="Rebuild each trial's model from its stored configs and best "
                                                 "weights and score it on the held-out images (stored on the study).")
    _study_arguments(evaluate)
    evaluate.add_argument("--top", type=positive_int, default=attrs.TOP_TRIALS,
                          help=f"the best N trials by val mIoU (default {attrs.TOP_TRIALS})")
    evaluate.add_argument("--trials", type=non_negative_int, nargs="+", default=[], metavar="N", help="these trial numbers instead")
    evaluate.add_argument("--data", help="local path of the study's data, if it differs here")
    evaluate.add_argument("--force", action="store_true", help="score again trials that have a score")
    evaluate.set_defaults(func=_evaluate)

    ablate = subparsers.add_parser("ablate", help="controlled ablations of a study's best configuration",
                                   description="Baseline and each toggle flipped, with the same seeds, at the "
                                               "study's budget (or --budget) without pruning, as the study <study>/ablation "
                                               "(resumable; `marsseg worker --study <study>/ablation` joins it).")
    _study_arguments(ablate, "the searched study")
    ablate.add_argument("--seeds", type=int, default=3, help="seeds per cell (default 3)")
    ablate.add_argument("--toggles", nargs="+", metavar="TOGGLE", help="toggles to flip (default: all)")
    ablate.add_argument("--workers", type=positive_int, default=1, help="worker processes on this machine")
    ablate.add_argument("--timeout", type=float, help="start no new trial after this many seconds")
    ablate.add_argument("--data", help="local path of the study's data for held-out scoring, if it differs here")
    ablate.add_argument("--budget", help="train the cells at this budget's epochs and data (e.g. cpu_short; "
                                         "default: the searched study's); the searched values stay")
    ablate.set_defaults(func=_ablate)


def _evaluate(args: argparse.Namespace) -> int:
    from studies._evaluate import evaluate_study
    from harness.common import load_existing_study
    from studies._study import load_settings

    study = load_existing_study(args.study, args.storage)
    scores = evaluate_study(study, load_settings(study), top=args.top, numbers=args.trials, data_path=args.data,
                            force=args.force)
    print(f"scored {len(scores)} trial(s) on the held-out split", file=sys.stderr)
    return 0


def _ablate(args: argparse.Namespace) -> int:
    from studies._ablate import AblationRequest, run_ablation

    return run_ablation(AblationRequest(
        study=args.study, storage=args.storage, seeds=args.seeds,
        toggles=tuple(args.toggles) if args.toggles else None, workers=args.workers, timeout=args.timeout,
        data=args.data, budget=args.budget, verbose=args.verbose, objective=args.objective))


def _register_predict(subparsers: argparse._SubParsersAction) -> None:
    """`marsseg predict`."""
    from harness import TTA
    from harness.common import positive_int
    from studies._predict import CLASS_BIAS

    predict = subparsers.add_parser(
        "predict", help="the best trial(s) of a study on the test images: the submission CSV",
        description="Rebuild the best trials (by val mIoU) from their stored configs and weights, average their "
                    "softmax over the test images and write the competition CSV (id, then the 64x128 mask "
                    "row-major), optionally the masks as .npz and PNG overlays.")
    _study_arguments(predict)
    predict.add_argument("--data", help="an .npz whose test_set to predict (default: the study's data)")
    predict.add_argument("--top-k", type=int, default=1, help="average the softmax of the K best trials (default 1)")
    predict.add_argument("--tta", default="none", choices=tuple(TTA),
                         help="test-time augmentation: none (default) or flip (mean with the left-right mirror)")
    predict.add_argument("--refit", action="store_true",
                         help="first retrain the best configuration on its train + validation images for its best "
                              "epoch count (stored on the study), and predict with that")
    predict.add_argument("--foreground-only", action="store_true",
                         help="arg-max over classes 1-4 only: never predict background")
    predict.add_argument("--class-bias", default="val", choices=CLASS_BIAS,
                         help="val (default): per-class offsets of the arg-max fitted on the validation split the "
                              "trials used, where they raise its mIoU; none: the plain arg-max")
    predict.add_argument("-o", "--output", required=True, metavar="SUBMISSION.csv", help="the CSV to write")
    predict.add_argument("--masks", metavar="MASKS.npz", help="also write the masks as uint8 (M, 64, 128)")
    predict.add_argument("--png", metavar="DIR", help="also write a few overlays (image | prediction) here")
    predict.add_argument("--batch-size", type=positive_int, default=64, help="test images per batch (default 64)")
    predict.add_argument("--artifacts", dest="artifact_dir", help="the study's artifact folder, if it moved")
    predict.set_defaults(func=_predict)


def _predict(args: argparse.Namespace) -> int:
    from studies._predict import PredictRequest, run_predict

    return run_predict(PredictRequest(
        study=args.study, storage=args.storage, output=args.output, data=args.data, top_k=args.top_k, tta=args.tta,
        refit=args.refit, foreground_only=args.foreground_only, class_bias=args.class_bias, masks=args.masks,
        png=args.png, batch_size=args.batch_size, artifact_dir=args.artifact_dir))
def _replay(args: argparse.Namespace) -> int:
    import time

    from harness import quiet_optuna
    from studies._replay import curve_agreement, family_agreement, format_agreement_note, format_replays, run_replay

    quiet_optuna(args.verbose)
    start = time.perf_counter()
    results, curves = run_replay(args.study, args.storage, pruners=_names(args.pruners),
                                 samplers=_names(args.samplers), workers=args.workers, seed=args.seed)
    print(format_replays(results, len(curves)))
    print(format_agreement_note(curve_agreement(curves, seed=args.seed),
                                by_family=family_agreement(curves, seed=args.seed)))
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


def _register_train(subparsers: argparse._SubParsersAction, precision_help: str) -> None:
    """`marsseg train`."""
    from harness.common import non_negative_int, positive_float, positive_int
    from marsseg_models import PRECISION_CHOICES
    from search_spaces import SCHEDULES

    train = subparsers.add_parser(
        "train", help="train one configuration with the single-model recipe, as a trial of a study",
        description="Train a Table 1 row, dotted params or a stored trial's configs with the single-model recipe "
                    "(batch 32, a full pass over the training split per epoch, generous early stopping), recorded "
                    "as a trial of the study (created as `marsseg search` would) and scored on its held-out split; "
                    "`evaluate`, `predict` and `report` use it like any trial. Ctrl-C keeps the best epoch.")
    _study_arguments(train)
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", metavar="ROW", help="a Table 1 row, e.g. 'U-Net'")
    source.add_argument("--params", metavar="JSON", help="dotted params as a JSON object (or a .json file)")
    source.add_argument("--from-trial", metavar="STUDY:N", help="the stored configs of trial N of STUDY")
    train.add_argument("--epochs", type=positive_int, help="train at most this many epochs")
    train.add_argument("--timeout", type=positive_float,
                       help="end training with the epoch that crosses this many seconds")
    train.add_argument("--schedule", choices=SCHEDULES,
                       help="learning-rate schedule (default: the configuration's; cosine and onecycle need "
                            "--epochs; timed (hold the LR, anneal in the last fifth of the time) needs --timeout)")
    train.add_argument("--data", help="an .npz file or 'synthetic[:N_TRAIN[:SEED]]' (new study default: synthetic)")
    train.add_argument("--budget", help="data subsets and fixed params: tiny | cpu | cpu_short | full "
                                        "(new study default: cpu)")
    train.add_argument("--seed", type=non_negative_int, help="study seed (new study default: 0)")
    train.add_argument("--artifacts", dest="artifact_dir", help="artifact store folder (default: beside the journal)")
    train.add_argument("--precision", choices=PRECISION_CHOICES, help=precision_help)
    train.set_defaults(func=_train)


def _train(args: argparse.Namespace) -> int:
    from studies._train import TrainRequest, run_train

    precision = _use_precision(args)
    return run_train(TrainRequest(
        study=args.study, storage=args.storage, preset=args.preset, params=args.params, from_trial=args.from_trial,
        epochs=args.epochs, timeout=args.timeout, data=args.data, budget=args.budget, seed=args.seed,
        schedule=args.schedule, artifact_dir=args.artifact_dir, verbose=args.verbose, precision=precision))
