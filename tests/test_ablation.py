"""Controlled ablations: (variants + 1) x seeds cells, resumable, paired on held-out mIoU."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from harness.common import attrs, open_storage
from marsseg_models import BOTTLENECKS
from studies import SearchRequest, run_search
from harness.data import heldout_indices, load_data
from studies.testing import FakeObjective

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
optuna.logging.set_verbosity(optuna.logging.ERROR)


def _load(journal: str, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=open_storage(journal))


def _leaves(configs: dict) -> dict[str, object]:
    return {f"{section}.{k}": v for section, fields in configs.items() for k, v in fields.items()}


class _Factory:
    """Makes FakeObjectives that raise at the given trial numbers (a crashed cell)."""

    def __init__(self, raise_at: tuple[int, ...] = ()) -> None:
        self.raise_at = raise_at

    def __call__(self, context) -> FakeObjective:
        return FakeObjective(context, raise_at=self.raise_at)


def test_ablation_runs_exactly_variants_plus_one_times_seeds_and_resumes_only_missing_cells(tmp_path: Path) -> None:
    from studies import AblationRequest, run_ablation

    journal = str(tmp_path / "j.journal")
    assert run_search(SearchRequest(study="s", storage=journal, space="smoke", data="synthetic:40", budget="tiny",
                                    trials=4, sampler="random", objective=FakeObjective)) == 0
    parent = _load(journal, "s")
    best = max(parent.trials, key=lambda t: (t.value, -t.number))
    base = best.user_attrs["configs"]
    request = AblationRequest(study="s", storage=journal, seeds=2, toggles=("residual", "bottleneck"),
                              objective=_Factory(raise_at=(3,)))
    assert run_ablation(request) == 0
    # expected cells, written out from the baseline: residual flipped, one per other bottleneck
    variants = {"baseline": {}, f"residual:{'off' if base['model']['residual'] else 'on'}":
                {"model.residual": not base["model"]["residual"]}}
    variants.update({f"bottleneck:{b}": {"model.bottleneck": b} for b in BOTTLENECKS
                     if b != base["model"]["bottleneck"]})
    seeds = [10_000, 10_001]
    study = _load(journal, "s/ablation")
    trials = study.trials
    assert len(trials) == len(variants) * len(seeds) == (1 + 1 + len(BOTTLENECKS) - 1) * 2
    assert trials[3].state == TrialState.FAIL
    cells = {(t.user_attrs[attrs.ABLATION_TOGGLE], t.user_attrs[attrs.ABLATION_SEED]) for t in trials}
    assert cells == {(v, s) for v in variants for s in seeds}
    for t in trials:  # each cell differs from the baseline in its toggle and its seed only
        changed = {k: v for k, v in _leaves(t.user_attrs[attrs.PLANNED_CONFIGS]).items() if _leaves(base)[k] != v}
        assert changed == {**variants[t.user_attrs[attrs.ABLATION_TOGGLE]],
                           "train.seed": t.user_attrs[attrs.ABLATION_SEED]}
    assert study.user_attrs[attrs.ABLATION_OF] == "s" and study.user_attrs["ablation_baseline_trial"] == best.number
    # resume: only the failed cell runs again
    assert run_ablation(AblationRequest(study="s", storage=journal, seeds=2, toggles=("residual", "bottleneck"),
                                        objective=_Factory())) == 0
    again = _load(journal, "s/ablation").trials
    assert len(again) == len(trials) + 1 and again[-1].state == TrialState.COMPLETE
    assert (again[-1].user_attrs[attrs.ABLATION_TOGGLE], again[-1].user_attrs[attrs.ABLATION_SEED]) == \
        (trials[3].user_attrs[attrs.ABLATION_TOGGLE], trials[3].user_attrs[attrs.ABLATION_SEED])


def test_ablate_budget_retrains_the_best_configs_on_another_schedule_and_resumes_at_it(tmp_path: Path,
                                                                                       capsys) -> None:
    from studies.cli import main

    journal = str(tmp_path / "j.journal")
    assert run_search(SearchRequest(study="s", storage=journal, space="smoke", data="synthetic:40", budget="tiny",
                                    trials=3, sampler="random", objective=FakeObjective)) == 0
    base = max(_load(journal, "s").trials, key=lambda t: (t.value, -t.number)).user_attrs["configs"]
    assert main(["ablate", "--study", "s", "--storage", journal, "--seeds", "1", "--toggles", "residual",
                 "--budget", "cpu_short"], objective=_Factory()) == 0
    study = _load(journal, "s/ablation")
    assert study.user_attrs["budget"] == "cpu_short" and len(study.trials) == 2
    # cpu_short's schedule, written out here; everything the search chose (tiny's width and batch too) kept
    schedule = {"train.max_epochs": 6, "train.steps_per_epoch": 50, "train.patience": 3, "train.lr_patience": 2,
                "data.max_train_images": None, "data.max_val_images": 256, "model.bn_momentum": 0.7}
    for t in study.trials:
        leaves = _leaves(t.user_attrs[attrs.PLANNED_CONFIGS])
        assert {k: leaves[k] for k in schedule} == schedule
        changed = {k for k, v in leaves.items() if _leaves(base)[k] != v and k not in schedule}
        assert changed <= {"train.seed", "model.residual"}
        assert leaves["model.base_filters"] == 8 and leaves["train.batch_size"] == 8
    # resuming without --budget keeps the ablation's budget; another budget is a one-line error
    assert main(["ablate", "--study", "s", "--storage", journal, "--seeds", "2", "--toggles", "residual"],
                objective=_Factory()) == 0
    again = _load(journal, "s/ablation").trials
    assert len(again) == 4 and again[-1].user_attrs[attrs.PLANNED_CONFIGS]["train"]["max_epochs"] == 6
    capsys.readouterr()
    assert main(["ablate", "--study", "s", "--storage", journal, "--budget", "tiny"], objective=_Factory()) == 2
    err = capsys.readouterr().err
    assert "budget='cpu_short'" in err and len(err.strip().splitlines()) == 1


def test_unknown_toggle_is_a_user_error_listing_the_toggles(tmp_path: Path) -> None:
    from harness.common import MarssegError
    from studies import AblationRequest, run_ablation

    journal = str(tmp_path / "j.journal")
    assert run_search(SearchRequest(study="s", storage=journal, space="smoke", data="synthetic:40", budget="tiny",
                                    trials=1, sampler="random", objective=FakeObjective)) == 0
    with pytest.raises(MarssegError, match="valid toggles: residual, se, bottleneck"):
        run_ablation(AblationRequest(study="s", storage=journal, toggles=("wings",), objective=FakeObjective))


def _cell(value: float, label: str, seed: int) -> optuna.trial.FrozenTrial:
    return optuna.trial.create_trial(state=TrialState.COMPLETE, value=value,
                                     user_attrs={attrs.ABLATION_TOGGLE: label, attrs.ABLATION_SEED: seed})


def test_controlled_effects_pair_seeds_and_match_a_hand_computed_t_interval() -> None:
    from reports import collect_controlled

    study = optuna.create_study(direction="maximize", study_name="s/ablation")
    held = {("baseline", 1): 0.50, ("baseline", 2): 0.52, ("baseline", 3): 0.47,
            ("residual:on", 1): 0.55, ("residual:on", 2): 0.54, ("residual:on", 3): 0.50, ("residual:on", 4): 0.9,
            ("se:2", 1): 0.49}
    for (label, seed), score in held.items():
        study.add_trial(_cell(0.3, label, seed))
        study.set_user_attr(attrs.heldout_key(study.trials[-1].number), {"miou": score})
    effects = {e.variant: e for e in collect_controlled(study).effects}
    diffs = np.array([0.05, 0.02, 0.03])  # seed 4 has no baseline: left out
    half = 4.302652729911275 * diffs.std(ddof=1) / math.sqrt(3)  # t(0.975, 2 dof)
    res = effects["residual:on"]
    assert res.n == 3 and res.diff == pytest.approx(diffs.mean())
    assert res.ci == pytest.approx((diffs.mean() - half, diffs.mean() + half))
    assert effects["se:2"].n == 1 and effects["se:2"].ci is None
    assert effects["se:2"].diff == pytest.approx(-0.01)


@pytest.mark.slow
def test_ablation_on_the_tiny_budget_trains_scores_held_out_and_fills_the_report(tmp_path: Path) -> None:
    """Real trials: 1 toggle x 2 seeds = 4 cells from a (fake) search's best configs, then the report."""
    from reports import collect_controlled, find_ablation, write_report
    from studies import AblationRequest, run_ablation

    journal = str(tmp_path / "j.journal")
    assert run_search(SearchRequest(study="s", storage=journal, space="smoke", data="synthetic:120", budget="tiny",
                                    trials=2, sampler="random", pruner="none", heldout_fraction=0.2,
                                    objective=FakeObjective)) == 0
    assert run_ablation(AblationRequest(study="s", storage=journal, seeds=2, toggles=("residual",))) == 0
    ablation = _load(journal, "s/ablation")
    assert len(ablation.trials) == 4 and all(t.state == TrialState.COMPLETE for t in ablation.trials)
    scores = attrs.heldout_scores(ablation.user_attrs)
    assert set(scores) == {0, 1, 2, 3} and all(0.0 <= s["miou"] <= 1.0 for s in scores.values())
    held = heldout_indices(load_data("synthetic:120").masks, 0.2, seed=0)  # the parent's split (seed 0)
    assert {s["n_images"] for s in scores.values()} == {len(held)}
    effects = collect_controlled(find_ablation("s", open_storage(journal))).effects
    assert len(effects) == 1 and effects[0].n == 2 and effects[0].ci is not None
    by_seed = {(t.user_attrs[attrs.ABLATION_TOGGLE], t.user_attrs[attrs.ABLATION_SEED]): scores[t.number]["miou"]
               for t in ablation.trials}
    expected = np.mean([by_seed[(effects[0].variant, s)] - by_seed[("baseline", s)] for s in (10_000, 10_001)])
    assert effects[0].diff == pytest.approx(expected)
    html = write_report("s", journal, tmp_path / "r.html").read_text()
    assert "Controlled ablations" in html and effects[0].variant in html
    assert "observational: confounded by the sampler" in html


def test_a_worker_joins_the_ablation_study_and_runs_only_its_cells(tmp_path: Path) -> None:
    from studies import AblationRequest, prepare_ablation
    from studies.cli import main

    journal = str(tmp_path / "j.journal")
    assert run_search(SearchRequest(study="s", storage=journal, space="smoke", data="synthetic:40", budget="tiny",
                                    trials=2, sampler="random", objective=FakeObjective)) == 0
    _, total = prepare_ablation(AblationRequest(study="s", storage=journal, seeds=2, toggles=("residual",)))
    assert total == 4
    assert main(["worker", "--study", "s/ablation", "--storage", journal], objective=FakeObjective) == 0
    trials = _load(journal, "s/ablation").trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 4
    assert all(t.params == {} for t in trials)  # nothing sampled: each cell trained its planned configs


def test_table1_repeats_run_each_row_k_times_with_distinct_seeds(tmp_path: Path) -> None:
    from collections import Counter

    from search_spaces import TABLE1_PRESETS

    journal = str(tmp_path / "j.journal")
    assert run_search(SearchRequest(study="t", storage=journal, space="table1", data="synthetic:40", budget="tiny",
                                    sampler="bruteforce", repeats=2, objective=FakeObjective)) == 0
    trials = _load(journal, "t").trials
    assert Counter(t.user_attrs["preset"] for t in trials) == {label: 2 for label, _ in TABLE1_PRESETS}
    assert len({t.user_attrs["configs"]["train"]["seed"] for t in trials}) == 2 * len(TABLE1_PRESETS)


def test_evaluate_and_ablate_commands_end_in_one_line_errors_for_unknown_studies(tmp_path: Path, capsys) -> None:
    from studies.cli import main

    journal = str(tmp_path / "j.journal")
    assert run_search(SearchRequest(study="s", storage=journal, space="smoke", data="synthetic:40", budget="tiny",
                                    trials=1, sampler="random", objective=FakeObjective)) == 0
    capsys.readouterr()
    assert main(["evaluate", "--study", "s", "--storage", journal]) == 0  # nothing saved weights: nothing scored
    assert "scored 0 trial(s)" in capsys.readouterr().err
    for command in ("evaluate", "ablate"):
        assert main([command, "--study", "nope", "--storage", journal]) == 2
        err = capsys.readouterr().err
        assert err.startswith("marsseg: error: no study named 'nope'") and len(err.strip().splitlines()) == 1


def test_a_trial_beyond_the_ablation_queue_is_pruned_without_sampling() -> None:
    from harness import Objective, ObjectiveContext, get_budget
    from search_spaces import get_space
    from studies._study import study_policy

    study = optuna.create_study(direction="maximize")
    study.set_user_attr(attrs.ABLATION_OF, "s")
    policy = study_policy(study)  # what a worker reads from an ablation study: only planned cells run
    assert policy.planned_only
    study.optimize(Objective(ObjectiveContext(get_space("smoke"), load_data("synthetic:40"), get_budget("tiny"),
                                              policy=policy)), n_trials=1)
    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED and trial.params == {}
    assert "no planned cell" in trial.user_attrs[attrs.PRUNED_REASON]
