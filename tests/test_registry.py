"""Samplers and pruners are registries: every name builds its strategy, unknown names list the valid ones."""

from __future__ import annotations

import optuna
import pytest

from harness.common import MarssegError
from search_spaces import get_space
from studies import PRUNERS, SAMPLERS, make_pruner, make_sampler

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
EXPECTED_PRUNERS = {"median": "MedianPruner", "percentile": "PercentilePruner", "hyperband": "HyperbandPruner",
                    "sha": "SuccessiveHalvingPruner", "patient": "PatientPruner", "cost-sha": "CostHalvingPruner",
                    "none": "NopPruner"}


MAX_EPOCHS = 9


def first_pruned_step(name: str, warmup: int) -> int | None:
    """The step at which a trial far below six earlier ones is first pruned (None: never)."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(direction="maximize", pruner=make_pruner(name, warmup, MAX_EPOCHS),
                                sampler=optuna.samplers.RandomSampler(0))
    for i in range(6):
        good = study.ask()
        good.suggest_float("x", 0, 1)
        for step in range(MAX_EPOCHS):
            good.report(0.5 + 0.01 * step + 0.001 * i, step)
            if good.should_prune():
                break
        study.tell(good, 0.9)
    bad = study.ask()
    bad.suggest_float("x", 0, 1)
    for step in range(MAX_EPOCHS):
        bad.report(0.1 - 0.01 * step, step)
        if bad.should_prune():
            return step
    return None


def test_every_name_has_a_strategy() -> None:
    assert set(PRUNERS) == set(EXPECTED_PRUNERS)
    for name, cls in EXPECTED_PRUNERS.items():
        assert type(make_pruner(name, 1, 3)).__name__ == cls


@pytest.mark.parametrize("name", ["median", "percentile", "sha"])
@pytest.mark.parametrize("warmup", [1, 2, 3])
def test_a_pruner_acts_exactly_from_the_budgets_warmup_epoch(name: str, warmup: int) -> None:
    assert first_pruned_step(name, warmup) == warmup


def test_hyperband_starts_at_the_warmup_and_patient_waits_out_its_patience() -> None:
    hyperband = {w: first_pruned_step("hyperband", w) for w in (2, 3, 4)}  # the bracket decides the rung
    assert all(step is None or step >= w for w, step in hyperband.items())  # min_resource = the warm-up
    assert any(step == w for w, step in hyperband.items())
    assert first_pruned_step("patient", 1) == 3  # two epochs without improvement, then the median rule
    assert first_pruned_step("patient", 5) == 5
    assert first_pruned_step("none", 1) is None


def _draws(sampler_name: str, seed: int, space: str = "smoke") -> list[dict]:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=make_sampler(sampler_name, seed, get_space(space)))
    draws = []
    for _ in range(3):
        trial = study.ask()
        draws.append({"x": trial.suggest_float("x", 0, 1), "c": trial.suggest_categorical("c", ["a", "b", "c"])})
        study.tell(trial, draws[-1]["x"])
    return draws


@pytest.mark.parametrize("name", ["tpe", "random"])
def test_a_sampler_is_seeded_by_the_seed_it_is_given(name: str) -> None:
    assert _draws(name, 0) == _draws(name, 0)
    assert _draws(name, 0) != _draws(name, 1)


def test_samplers_are_built_by_name() -> None:
    assert isinstance(make_sampler("tpe", 0, get_space("smoke")), optuna.samplers.TPESampler)
    assert isinstance(make_sampler("random", 0, get_space("smoke")), optuna.samplers.RandomSampler)
    assert isinstance(make_sampler("bruteforce", 0, get_space("table1")), optuna.samplers.BruteForceSampler)
    assert "bruteforce" in SAMPLERS


@pytest.mark.parametrize(("kind", "make"), [("sampler", lambda: make_sampler("cmaes-typo", 0, None)),
                                            ("pruner", lambda: make_pruner("medain", 1, 3))])
def test_an_unknown_name_fails_listing_the_valid_ones(kind, make) -> None:
    with pytest.raises(MarssegError, match=f"unknown {kind} .*valid: .*(tpe|median)"):
        make()


def test_every_budget_defaults_to_a_registered_pruner() -> None:
    from harness import BUDGETS

    assert {b.pruner for b in BUDGETS.values()} <= set(PRUNERS)
