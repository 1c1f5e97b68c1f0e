"""Samplers and pruners are registries: every name builds its strategy, unknown names list the valid ones."""

from __future__ import annotations

import optuna
import pytest

from harness.common import MarssegError
from search_spaces import get_space
from studies import PRUNERS, SAMPLERS, make_pruner, make_sampler

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
EXPECTED_PRUNERS = {"median": "MedianPruner", "percentile": "PercentilePruner", "hyperband": "HyperbandPruner",
                    "sha": "SuccessiveHalvingPruner", "patient": "PatientPruner", "none": "NopPruner"}


def test_every_pruner_name_builds_its_own_pruner() -> None:
    assert set(PRUNERS) == set(EXPECTED_PRUNERS)
    for name, cls in EXPECTED_PRUNERS.items():
        assert type(make_pruner(name, 1, 3)).__name__ == cls


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
