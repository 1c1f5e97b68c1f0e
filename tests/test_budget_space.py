"""Budgets fix params instead of rescaling them: the space is resolved before sampling."""

from __future__ import annotations

import optuna
import pytest

from harness import BUDGETS, configs_from_params, get_budget
from search_spaces import SPACES, get_space

optuna.logging.set_verbosity(optuna.logging.ERROR)

# What each budget decides, written out here (the contract), not read from the budgets.
EXPECTED_FIXED = {"tiny": {"model.base_filters": 8, "train.batch_size": 8},
                  "cpu": {"model.base_filters": 16, "model.depth": 4, "train.batch_size": 16},
                  "cpu_short": {"model.base_filters": 16, "model.depth": 4, "train.batch_size": 16},
                  "full": {}}


def test_every_budget_is_covered() -> None:
    assert set(BUDGETS) == set(EXPECTED_FIXED)


@pytest.mark.parametrize("space_name", sorted(SPACES))
@pytest.mark.parametrize("budget_name", sorted(EXPECTED_FIXED))
def test_no_inert_dimension_is_sampled_under_a_budget(budget_name: str, space_name: str) -> None:
    budget, fixed = get_budget(budget_name), EXPECTED_FIXED[budget_name]
    space = get_space(space_name).resolve(budget.fixed_params)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(25):
        trial = study.ask()
        params = space.suggest(trial)
        study.tell(trial, 0.0)
        assert not set(trial.distributions) & set(fixed), trial.distributions.keys()  # never sampled
        assert set(trial.params) | set(fixed) == set(params)
        space.check(params)
        configs = configs_from_params(params, budget)
        assert configs.model.base_filters == fixed.get("model.base_filters", params["model.base_filters"])
        assert configs.train.batch_size == fixed.get("train.batch_size", params["train.batch_size"])
        assert configs.model.bn_momentum == budget.bn_momentum


def test_fixed_trial_replays_the_searched_params_of_a_resolved_space() -> None:
    space = get_space("paper").resolve({"model.base_filters": 16})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=2))
    trial = study.ask()
    params = space.suggest(trial)
    assert space.suggest(optuna.trial.FixedTrial(dict(trial.params))) == params


def test_presets_drop_fixed_params_and_a_conflicting_value_is_rejected() -> None:
    space = get_space("table1").resolve({"model.base_filters": 16})
    assert all("model.base_filters" not in p for _, p in space.presets)
    with pytest.raises(ValueError, match="fixed at 16"):
        space.check({**dict(space.presets[0][1]), "model.base_filters": 32})


def test_fixing_an_unknown_dimension_lists_the_dimensions() -> None:
    with pytest.raises(ValueError, match="model.family"):
        get_space("smoke").resolve({"model.width": 3})


def test_a_new_study_defaults_to_the_cpu_budget_its_pruner_and_a_held_out_split(tmp_path) -> None:
    from harness.common import open_storage
    from studies import SearchRequest, run_search
    from studies.testing import FakeObjective

    cpu = get_budget("cpu")
    assert cpu.max_train_images is None and cpu.max_val_images is None and cpu.steps_per_epoch
    journal = str(tmp_path / "j.journal")
    assert run_search(SearchRequest(study="s", storage=journal, space="smoke", data="synthetic:40", trials=1,
                                    objective=FakeObjective)) == 0
    stored = optuna.load_study(study_name="s", storage=open_storage(journal)).user_attrs
    assert (stored["budget"], stored["pruner"], stored["heldout_fraction"]) == ("cpu", "cost-sha", 0.1)
