"""One space, two engines: the KerasTuner adapter gives the params the Optuna path gives."""

from __future__ import annotations

import warnings

import optuna
import pytest

from search_spaces import SPACES, declare_keras_tuner

kt = pytest.importorskip("keras_tuner")
optuna.logging.set_verbosity(optuna.logging.ERROR)

N_DRAWS = 25


def _space_hp(space):
    hp = kt.HyperParameters()
    declare_keras_tuner(space, hp)
    return hp


def _active_names(space, params):
    """Which dimensions are active for `params`, walked independently of both adapters."""
    names, seen = set(), {}
    for dim in space.dimensions:
        if all(seen.get(c.param, object()) in _holding(c) for c in dim.when):
            names.add(dim.name)
            seen[dim.name] = params[dim.name]
    return names


def _holding(condition):
    class _In:  # membership test by the condition's text semantics, not Condition.holds
        def __contains__(self, value):
            if condition.op == "in":
                return value in condition.value
            if condition.op == "not in":
                return value not in condition.value
            return value > condition.value if condition.op == ">" else value < condition.value
    return _In()


@pytest.mark.parametrize("name", sorted(SPACES))
def test_optuna_params_read_back_through_keras_tuner_unchanged(name) -> None:
    space = SPACES[name]
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    for _ in range(N_DRAWS):
        trial = study.ask()
        params = space.suggest(trial)
        hp = kt.HyperParameters()
        hp.values.update(params)
        assert declare_keras_tuner(space, hp) == params
        assert {k for k in hp.values if hp.is_active(k)} == set(params)


@pytest.mark.parametrize("name", sorted(SPACES))
def test_keras_tuner_trials_hold_exactly_the_active_params_and_replay_in_optuna(name, tmp_path) -> None:
    space = SPACES[name]
    oracle = kt.oracles.RandomSearchOracle(objective=kt.Objective("val_miou", "max"), max_trials=N_DRAWS,
                                           seed=5, hyperparameters=_space_hp(space))
    oracle._set_project_dir(str(tmp_path), name)
    oracle.verbose = 0
    seen_inactive_branch = False
    for i in range(N_DRAWS):
        trial = oracle.create_trial(f"tuner{i}")
        values = dict(trial.hyperparameters.values)
        assert set(values) == _active_names(space, values)  # no inactive dimension, every active one
        seen_inactive_branch |= len(values) < len(space.dimensions)
        space.check(values)
        fixed = optuna.trial.FixedTrial(values)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a value outside its Optuna distribution warns: fail
            assert space.suggest(fixed) == values
        optuna.trial.create_trial(params=values, distributions=space.distributions(values), value=0.5)
        assert declare_keras_tuner(space, trial.hyperparameters.copy()) == values
        oracle.update_trial(trial.trial_id, {"val_miou": 0.5})
        oracle.end_trial(trial)
    if name in ("paper", "smoke"):  # spaces whose draws switch branches off
        assert seen_inactive_branch


def test_a_choice_keras_tuner_cannot_hold_fails_with_the_dimension_name() -> None:
    from search_spaces import Categorical, SearchSpace

    space = SearchSpace("odd", "", (Categorical("model.x", choices=("a", None)),))
    with pytest.raises(ValueError, match="model.x"):
        declare_keras_tuner(space, kt.HyperParameters())


@pytest.mark.parametrize("budget", ["tiny", "cpu", "full"])
@pytest.mark.parametrize("name", sorted(SPACES))
def test_a_budget_resolved_space_declares_only_its_searched_dimensions(name, budget) -> None:
    from harness import get_budget

    space = SPACES[name].resolve(get_budget(budget).fixed_params)
    fixed = dict(space.fixed)
    hp = _space_hp(space)
    assert not set(fixed) & {p.name for p in hp.space}  # a fixed dimension is never searched
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=4))
    for _ in range(N_DRAWS):
        trial = study.ask()
        params = space.suggest(trial)  # the Optuna path: fixed values included, not suggested
        assert set(trial.params) == set(params) - set(fixed)
        hp = _space_hp(space)
        hp.values.update(trial.params)
        assert declare_keras_tuner(space, hp) == params
