"""`marsseg report --benchmark B`: the section and its CSV, from hand-made runs with known answers."""

from __future__ import annotations

import csv
import datetime as dt

import optuna
import pytest
from optuna.trial import TrialState

from harness.common import attrs, open_storage
from studies.cli import main

T0 = dt.datetime(2026, 1, 1)
# run -> [(start s, end s, per-epoch values, state)]
RUNS = {
    "B/tpe+median/0": [(0, 10, [0.2, 0.3], "COMPLETE"), (10, 12, [0.1], "PRUNED")],  # 2, 3 epochs
    "B/tpe+median/1": [(0, 8, [0.4, 0.5], "COMPLETE")],
    "B/kt-random/0": [(0, 5, [0.6], "COMPLETE"), (5, 9, [0.2, 0.25], "COMPLETE")],
    "B/kt-random/1": [(0, 20, [0.05, 0.1, 0.15], "COMPLETE")],
    "other": [(0, 1, [0.9], "COMPLETE")],  # not a run of B: ignored
}
# run -> {trial number: held-out mIoU} as `marsseg evaluate` stores them; the table shows the one of the
# best trial by val mIoU (kt-random/0: trial 0 at val 0.6, not trial 1 whose held-out score is higher)
HELDOUT = {"B/tpe+median/1": {0: 0.42}, "B/kt-random/0": {0: 0.55, 1: 0.7}}


def _store(journal: str) -> None:
    storage = open_storage(journal)
    for name, trials in RUNS.items():
        study = optuna.create_study(study_name=name, storage=storage, direction="maximize")
        for number, (start, end, values, state) in enumerate(trials):
            study.add_trial(optuna.trial.FrozenTrial(
                number=number, state=TrialState[state], value=max(values) if state == "COMPLETE" else None,
                values=None, datetime_start=T0 + dt.timedelta(seconds=start),
                datetime_complete=T0 + dt.timedelta(seconds=end), params={}, distributions={},
                user_attrs={"epochs_run": len(values)}, system_attrs={},
                intermediate_values=dict(enumerate(values)), trial_id=number))
        for number, miou in HELDOUT.get(name, {}).items():
            study.set_user_attr(attrs.heldout_key(number), {"miou": miou})


def test_report_benchmark_writes_the_section_and_a_csv_with_the_hand_computed_figures(tmp_path, capsys) -> None:
    journal = str(tmp_path / "b.journal")
    _store(journal)
    out = tmp_path / "bench.html"
    assert main(["report", "--benchmark", "B", "--storage", journal, "-o", str(out)]) == 0
    page = out.read_text()
    assert 'id="benchmark"' in page and "kt-random" in page and "tpe+median" in page
    rows = list(csv.DictReader((tmp_path / "bench_benchmark.csv").open()))
    last = {r["method"]: r for r in rows if r["series"] == "best_vs_epochs" and float(r["x"]) == 3.0}
    # at 3 epochs: tpe+median seeds 0.3 and 0.5 -> 0.4; kt-random seeds 0.6 and 0.15 -> 0.375
    assert float(last["tpe+median"]["mean"]) == pytest.approx(0.4)
    assert float(last["kt-random"]["mean"]) == pytest.approx(0.375)
    ranks = {r["method"]: float(r["mean"]) for r in rows if r["series"] == "rank_vs_epochs" and float(r["x"]) == 3.0}
    assert ranks == {"tpe+median": pytest.approx(1.5), "kt-random": pytest.approx(1.5)}
    # regret: best 0.6, worst trial 0.1 (the pruned one's best epoch); tpe+median at 0.3 and 0.5
    regret = {r["method"]: float(r["mean"]) for r in rows if r["series"] == "regret_vs_epochs" and float(r["x"]) == 3.0}
    assert regret["tpe+median"] == pytest.approx((0.3 / 0.5 + 0.1 / 0.5) / 2)
    # target = lowest final best (0.15): tpe+median reached at 2 epochs both seeds, kt-random at 1 and 3
    targets = {r["method"]: float(r["mean"]) for r in rows if r["series"].startswith("epochs_to_target_0.1500")}
    assert targets == {"tpe+median": pytest.approx(2.0), "kt-random": pytest.approx(2.0)}
    heldout = {r["method"]: (float(r["mean"]), int(r["n_seeds"])) for r in rows if r["series"] == "heldout_of_best"}
    assert heldout == {"tpe+median": (pytest.approx(0.42), 1), "kt-random": (pytest.approx(0.55), 1)}
    assert "0.4200 (1/2)" in page and "0.5500 (1/2)" in page


def test_report_needs_a_study_or_a_benchmark(tmp_path, capsys) -> None:
    assert main(["report", "--storage", str(tmp_path / "x.journal")]) == 2
    assert "--study, --benchmark" in capsys.readouterr().err
