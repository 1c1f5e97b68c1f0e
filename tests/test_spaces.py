"""Declarative search spaces: conditions, FixedTrial replay, presets, and the `spaces` command."""

from __future__ import annotations

import optuna
import pytest
from conftest import modules_loaded_by

from harness import BUDGETS, get_budget
from search_spaces import (
    SPACES,
    TABLE1_PRESETS,
    Categorical,
    Condition,
    FloatRange,
    SearchSpace,
    get_space,
)
from studies.cli import main

optuna.logging.set_verbosity(optuna.logging.ERROR)
pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")


def _random_params(space: SearchSpace, n: int, seed: int = 0) -> list[dict]:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    out = []
    for _ in range(n):
        trial = study.ask()
        out.append(space.suggest(trial))
        study.tell(trial, 0.0)
    return out


def test_conditional_params_never_appear_outside_their_branch() -> None:
    from harness import configs_from_params

    space = get_space("paper")
    for params in _random_params(space, 200):
        space.check(params)
        assert ("model.dropout_rate" in params) == (params["model.dropout"] != "none")
        assert "model.deep_supervision" in params  # every family has decoder heads to supervise
        assert ("loss.gamma" in params) == (params["loss.alpha"] < 1)  # focal weight 1 - alpha
        assert ("loss.dice" in params) == (params["loss.alpha"] > 0)
        assert "loss.beta" not in params
        configs = configs_from_params(params, BUDGETS["cpu"])  # every draw is a valid config
        assert configs.model.family == params["model.family"]
        assert configs.loss.alpha + configs.loss.beta == pytest.approx(1.0)
        assert configs.train.batch_size == params["train.batch_size"]  # trained as recorded
        assert configs.model.base_filters == params["model.base_filters"]


def test_every_named_space_covers_every_dotted_parameter_of_the_contract() -> None:
    contract = {"model.family", "model.residual", "model.se_levels", "model.bottleneck", "model.attention_gates",
                "model.dropout", "model.dropout_rate", "model.deep_supervision", "model.base_filters",
                "model.depth", "loss.alpha", "loss.dice", "loss.gamma", "loss.exclude_background",
                "loss.class_weighting", "aug.geometric",
                "aug.photometric", "data.oversample", "train.lr", "train.weight_decay", "train.batch_size", "train.schedule"}
    for space in SPACES.values():
        assert {d.name for d in space.dimensions} == contract, space.name


def test_fixed_trial_replays_any_params() -> None:
    space = get_space("paper")
    for params in _random_params(space, 20, seed=3):
        assert space.suggest(optuna.trial.FixedTrial(params)) == params


@pytest.mark.parametrize("space", list(SPACES))
def test_every_categorical_choice_builds_a_valid_config(space: str) -> None:
    """Each choice of each categorical, on top of a preset or a random draw, passes the configs' checks."""
    from harness import configs_from_params

    base = _random_params(get_space(space), 1, seed=1)[0]
    assert "loss.dice" in base  # the draw reaches the conditional loss dimensions
    for dim in get_space(space).dimensions:
        if isinstance(dim, Categorical) and dim.name in base:
            for choice in dim.choices:
                configs_from_params({**base, dim.name: choice}, get_budget("full"))


def test_paper_space_offers_every_valid_value_of_the_model_zoo() -> None:
    from marsseg_models import BOTTLENECKS, CLASS_WEIGHTINGS, DICE_VARIANTS, DROPOUT_PLACEMENTS, FAMILY_NAMES

    dims = {d.name: d for d in get_space("paper").dimensions}
    assert dims["model.family"].choices == FAMILY_NAMES
    assert dims["model.bottleneck"].choices == BOTTLENECKS
    assert dims["model.dropout"].choices == DROPOUT_PLACEMENTS
    assert dims["loss.dice"].choices == DICE_VARIANTS
    assert dims["loss.class_weighting"].choices == CLASS_WEIGHTINGS


def test_table1_presets_build_the_model_zoo_table1_networks_and_the_course_loss() -> None:
    from marsseg_models import COURSE_LOSS, TABLE1

    from harness import configs_from_params

    assert [label for label, _ in TABLE1_PRESETS] == [entry.name for entry in TABLE1]
    for (_, params), entry in zip(TABLE1_PRESETS, TABLE1):
        configs = configs_from_params(params, get_budget("full"))
        for name in (k.removeprefix("model.") for k in params if k.startswith("model.")):
            assert getattr(configs.model, name) == getattr(entry.config, name), name
        assert configs.loss == COURSE_LOSS
    course = dict(TABLE1_PRESETS[0][1])
    assert (course["loss.alpha"], course["loss.dice"], course["loss.gamma"]) == (0.5, "course", 2.0)  # report, section 3
    assert course["model.deep_supervision"] is False and course["loss.exclude_background"] is False


def test_bruteforce_over_table1_space_runs_exactly_the_enqueued_presets_first() -> None:
    space = get_space("table1")
    study = optuna.create_study(sampler=optuna.samplers.BruteForceSampler(seed=0))
    for label, params in space.presets:
        study.enqueue_trial(dict(params), user_attrs={"preset": label})
    study.optimize(lambda t: float(len(space.suggest(t))), n_trials=len(space.presets))
    assert [t.params for t in study.trials] == [dict(p) for _, p in space.presets]


def test_a_condition_on_a_later_dimension_is_rejected() -> None:
    with pytest.raises(ValueError, match="not an earlier dimension"):
        SearchSpace("bad", "", (FloatRange("x", low=0.0, high=1.0, when=(Condition("y", "in", (1,)),)),
                                Categorical("y", choices=(1, 2))))


def test_unknown_space_error_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="paper, table1, smoke"):
        get_space("nope")


def test_spaces_command_lists_and_shows_conditions_without_tensorflow(capsys: pytest.CaptureFixture) -> None:
    assert main(["spaces"]) == 0
    assert "paper" in capsys.readouterr().out
    assert main(["spaces", "show", "paper"]) == 0
    out = capsys.readouterr().out
    assert "model.dropout_rate" in out and "if model.dropout not in ['none']" in out
    assert main(["spaces", "show", "nope"]) == 2
    assert "valid spaces" in capsys.readouterr().err


def test_spaces_command_does_not_import_tensorflow() -> None:
    code = "from studies.cli import main; main(['spaces', 'show', 'table1'])"
    assert modules_loaded_by(code, ("tensorflow", "optuna")) == []


def test_every_dimension_fills_a_config_section() -> None:
    """Param prefixes have one home (search_spaces.PARAM_SECTIONS): every dimension of every space uses one,
    and the configs hold a field of that name in that section."""
    from harness import configs_from_params, get_budget
    from search_spaces import SPACES, TABLE1_PRESETS, param_section, unknown_params

    names = {d.name for space in SPACES.values() for d in space.dimensions}
    assert unknown_params(names) == []
    stored = configs_from_params(dict(TABLE1_PRESETS[0][1]), get_budget("tiny")).to_dict()
    for name in names:
        section, field = param_section(name)
        assert field in stored[section], name
    with pytest.raises(ValueError, match="unknown parameter"):
        param_section("optimizer.lr")
