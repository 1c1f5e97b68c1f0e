"""Zero-cost replay: replayed pruners decide as the live Optuna pruners do on the same curves."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest

from harness.common import MarssegError
from studies import Curve, make_pruner, recorded_curves, replay

optuna.logging.set_verbosity(optuna.logging.ERROR)
pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
PRUNERS = ("median", "percentile", "sha", "hyperband", "patient")
N_EPOCHS = 6


def _curves(n: int = 16) -> list[Curve]:
    """Saturating curves with different ceilings and speeds, some with a late bump, some stalling."""
    rng = np.random.default_rng(7)
    curves = []
    for i in range(n):
        ceiling, speed = rng.uniform(0.2, 0.7), rng.uniform(0.3, 1.5)
        values = [ceiling * (1 - math.exp(-speed * (e + 1))) + (0.08 if i % 5 == 0 and e > 3 else 0.0)
                  for e in range(N_EPOCHS)]
        if i % 4 == 3:  # stalls and declines after epoch 1 (what PatientPruner waits for)
            values = [values[min(e, 1)] - 0.01 * max(0, e - 1) for e in range(N_EPOCHS)]
        curves.append(Curve(i, tuple(values), (1.0 + i % 3,) * N_EPOCHS))
    return curves


def _live(curves: list[Curve], pruner: optuna.pruners.BasePruner) -> tuple[tuple[int, int | None], ...]:
    """A real `study.optimize` whose objective reports the curves in order (what a live run does)."""
    study = optuna.create_study(study_name="replayed", direction="maximize", pruner=pruner)

    def objective(trial: optuna.Trial) -> float:
        curve = curves[trial.number]
        for epoch, value in enumerate(curve.values):
            trial.report(value, epoch)
            if epoch + 1 < len(curve.values) and trial.should_prune():
                raise optuna.TrialPruned
        return curve.best

    study.optimize(objective, n_trials=len(curves))
    return tuple((curves[t.number].number, max(t.intermediate_values) if t.state.name == "PRUNED" else None)
                 for t in study.trials)


@pytest.mark.parametrize("name", PRUNERS)
def test_a_replayed_pruner_prunes_exactly_where_the_live_pruner_does(name) -> None:
    curves = _curves()
    live = _live(curves, make_pruner(name, 1, N_EPOCHS))
    replayed = replay(curves, make_pruner(name, 1, N_EPOCHS), pruner_name=name, study_name="replayed")
    assert replayed.pruned_at == live
    assert any(epoch is not None for _, epoch in live), f"{name} pruned nothing: the test would prove nothing"
    assert replayed.epochs == sum(N_EPOCHS if e is None else e + 1 for _, e in live)


def test_running_everything_costs_every_epoch_and_finds_the_best_curve() -> None:
    curves = _curves()
    full = replay(curves, make_pruner("none", 1, N_EPOCHS), pruner_name="none")
    assert full.epochs == N_EPOCHS * len(curves) and full.regret == 0.0
    assert full.best_found == max(max(c.values) for c in curves)
    assert full.seconds == pytest.approx(sum(sum(c.seconds) for c in curves))


def test_simulated_workers_share_the_clock() -> None:
    curves = [Curve(0, (0.1, 0.2, 0.3), (1.0,) * 3), Curve(1, (0.2, 0.4), (2.0,) * 2), Curve(2, (0.5,), (5.0,))]
    nop = optuna.pruners.NopPruner()
    # K=2: curves 0 and 1 start at 0 and end at 3 and 4; curve 2 starts on the first free worker at 3, ends at 8
    assert replay(curves, nop, workers=2).seconds == pytest.approx(8.0)
    assert replay(curves, nop, workers=1).seconds == pytest.approx(12.0)


def test_a_replayed_sampler_draws_only_recorded_configurations() -> None:
    curves = _curves(6)
    result = replay(curves, optuna.pruners.NopPruner(), sampler=optuna.samplers.RandomSampler(seed=1),
                    sampler_name="random", n_trials=10)
    assert len(result.pruned_at) == 10 and {n for n, _ in result.pruned_at} <= {c.number for c in curves}


def test_a_study_run_with_a_pruner_is_refused() -> None:
    study = optuna.create_study(direction="maximize")
    study.set_user_attr("pruner", "median")
    with pytest.raises(MarssegError, match="--pruner none"):
        recorded_curves(study)


def test_marsseg_replay_prints_every_pruner_against_the_full_run(tmp_path, capsys) -> None:
    from harness.common import open_storage
    from studies.cli import main

    journal = str(tmp_path / "r.journal")
    study = optuna.create_study(study_name="rec", storage=open_storage(journal), direction="maximize")
    for key, value in {"pruner": "none", "budget": "tiny", "space": "smoke"}.items():
        study.set_user_attr(key, value)
    for curve in _curves(8):
        study.add_trial(optuna.trial.create_trial(value=curve.best, intermediate_values=dict(enumerate(curve.values)),
                                                  user_attrs={"train_seconds": sum(curve.seconds)}))
    assert main(["replay", "--study", "rec", "--storage", journal, "--workers", "2",
                 "--samplers", "recorded,random"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines()[1:] if line.split() and line.split()[0] in (*PRUNERS, "none")]
    assert sorted({(r[0], r[1]) for r in rows}) == sorted((p, s) for p in (*PRUNERS, "none")
                                                          for s in ("recorded", "random"))
    full = next(r for r in rows if r[:2] == ["none", "recorded"])
    assert int(full[3]) == 8 * N_EPOCHS and full[4] == "100%"
    assert "draw only among these recorded configurations" in out
