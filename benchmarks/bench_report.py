"""Benchmark: time to write the HTML report of a 10,000-trial study built with create_trial.

    python benchmarks/bench_report.py [--trials 10000] [--epochs 20] [--journal] [--prune-fraction 0.3]

Prints the total first (first call in the process: lazy imports such as scikit-learn for
fANOVA included, as in `marsseg report`) with its CPU time, which other jobs on a shared
machine disturb less than wall time, then each section's collection time. With
--journal the study is stored in a journal file and the timed call is `write_report`
(journal load included).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=20, help="max epochs (intermediate values per trial)")
    parser.add_argument("--journal", action="store_true", help="store the study in a journal file")
    parser.add_argument("--prune-fraction", type=float, default=0.3,
                        help="share of pruned trials (0.9: a pruning study, importances at several rungs)")
    args = parser.parse_args()

    import optuna

    from reports import (ReportConfig, collect_report, read_trials, render_report, write_report,
                         write_study_report)
    from reports import _ablation, _collect, _importance, _predictions, _rungs, _summary
    from reports.testing import make_fake_study

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        storage = None
        if args.journal:
            from harness.common import open_storage

            storage = open_storage(f"{tmp}/bench.journal")
        t0 = time.perf_counter()
        study = make_fake_study(args.trials, study_name="bench", storage=storage, max_epochs=args.epochs,
                                artifact_dir=Path(tmp) / "art", n_workers=8, prune_fraction=args.prune_fraction)
        print(f"build {args.trials} trials: {time.perf_counter() - t0:.2f} s (not part of the report time)")

        out = Path(tmp) / "report.html"
        t0, cpu0 = time.perf_counter(), time.process_time()
        if args.journal:
            write_report("bench", f"{tmp}/bench.journal", out)
            what = "write_report (journal load + collect + render + tables)"
        else:
            write_study_report(study, out)
            what = "write_study_report (collect + render + tables)"
        total, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        print(f"TOTAL {what}: {total:.2f} s (CPU time of this process {cpu:.2f} s), "
              f"page {out.stat().st_size / 1e6:.1f} MB")

        print("breakdown (second run, imports warm):")
        cfg = ReportConfig()
        table = _timed("read trials", read_trials, study)
        _timed("summary", _summary.collect_summary, table, "")
        _timed("comparison", _collect.collect_comparison, table)
        rungs = _timed("rungs", _rungs.collect_rungs, table, cfg).rungs
        _timed(f"importance (PED-ANOVA + fANOVA) at {len(rungs)} rung(s)", _importance.collect_importances, table,
               rungs, cfg, study)
        _timed(f"ablation effects at {len(rungs)} rung(s)", _ablation.collect_rung_effects, table, rungs, cfg)
        _timed("history", _collect.collect_history, table, cfg)
        _timed("curves", _collect.collect_curves, table, cfg)
        _timed("rank agreement by epoch", _importance.collect_epoch_agreement, table, cfg)
        _timed("parallel coordinates", _collect.collect_parallel, table, cfg)
        _timed("timeline", _collect.collect_timeline, table)
        _timed("predictions", _predictions.collect_predictions, table, None, cfg.gallery_images)
        data = collect_report(study, config=cfg)
        _timed("render page (figures + HTML)", render_report, data)


def _timed(label: str, fn, *args):  # noqa: ANN001, ANN202
    t0 = time.perf_counter()
    result = fn(*args)
    print(f"  {label}: {time.perf_counter() - t0:.2f} s")
    return result


if __name__ == "__main__":
    main()
