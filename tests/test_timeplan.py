"""Issue 28's time plan: cost-based rungs, the `timed` schedule, continuation trials and the plan
that decides whether exploring pays (fake objectives for the orchestration, tiny models for
what trains)."""

from __future__ import annotations

import functools
import math
import time
from pathlib import Path

import numpy as np
import optuna
import pytest

from harness.common import attrs

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
optuna.logging.set_verbosity(optuna.logging.ERROR)


# --- cost-based rungs -------------------------------------------------------------------------

def _finished(study: optuna.Study, values: list[float], costs: list[float]) -> None:
    dist = {}
    study.add_trial(optuna.trial.create_trial(
        value=max(values), params={}, distributions=dist, intermediate_values=dict(enumerate(values)),
        user_attrs={attrs.EPOCH_COST: costs}))


def _running(study: optuna.Study, values: list[float], costs: list[float]) -> optuna.trial.FrozenTrial:
    trial = study.ask()
    for epoch, value in enumerate(values):
        trial.report(value, epoch)
    trial.set_user_attr(attrs.EPOCH_COST, costs)
    return next(t for t in study.get_trials(deepcopy=False) if t.number == trial.number)


def test_a_slow_trial_is_judged_against_the_others_at_equal_cost() -> None:
    from studies._pruners import CostHalvingPruner

    pruner = CostHalvingPruner(first_rung=2.0, eta=3)
    study = optuna.create_study(direction="maximize", pruner=pruner)
    # two fast trials (cost 1 per epoch) reach 0.5 and 0.4 at cost 2 (their epoch 1); 0.1 at epoch 0
    _finished(study, [0.1, 0.5, 0.6], [1.0, 2.0, 3.0])
    _finished(study, [0.1, 0.4, 0.45], [1.0, 2.0, 3.0])
    # a slow trial (cost 2 per epoch) crosses the rung at its epoch 0 with 0.45: third of three
    # at equal cost (only the best of three goes on), though first at equal epochs
    slow = _running(study, [0.45], [2.0])
    assert pruner.prune(study, slow)
    assert not optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3).prune(study, slow)
    # the same slow trial at 0.55 is the best at equal cost: it goes on
    better = _running(study, [0.55], [2.0])
    assert not pruner.prune(study, better)


def test_cost_rungs_act_only_at_the_epoch_that_crosses_them() -> None:
    from studies._pruners import CostHalvingPruner, best_at_cost

    pruner = CostHalvingPruner(first_rung=2.0, eta=3)
    assert pruner.rungs_crossed(0.0, 1.9) == [] and pruner.rungs_crossed(1.9, 2.0) == [2.0]
    assert pruner.rungs_crossed(1.0, 20.0) == [2.0, 6.0, 18.0] and pruner.rungs_crossed(2.0, 5.9) == []
    assert best_at_cost({0: 0.3, 1: 0.2, 2: 0.9}, [1.0, 2.0, 3.0], 2.0) == 0.3  # best so far where it crossed
    assert best_at_cost({0: 0.3}, [1.0], 2.0) is None
    study = optuna.create_study(direction="maximize", pruner=pruner)
    _finished(study, [0.9, 0.9, 0.9], [1.0, 2.0, 3.0])
    _finished(study, [0.8, 0.8, 0.8], [1.0, 2.0, 3.0])
    low = _running(study, [0.1, 0.1], [1.0, 2.0])  # crosses the rung at epoch 1: pruned there
    assert pruner.prune(study, low)
    past = _running(study, [0.1, 0.1, 0.1], [1.0, 2.0, 3.0])  # epoch 2 crosses no rung: not judged again
    assert not pruner.prune(study, past)
    first = optuna.create_study(direction="maximize", pruner=pruner)
    assert not pruner.prune(first, _running(first, [0.01], [2.0]))  # the first arrival goes on (as SHA)


def test_the_cost_pruner_never_prunes_a_continuation() -> None:
    from studies._pruners import CostHalvingPruner

    pruner = CostHalvingPruner(first_rung=2.0, eta=3)
    study = optuna.create_study(direction="maximize", pruner=pruner)
    _finished(study, [0.9, 0.9], [1.0, 2.0])
    _finished(study, [0.8, 0.8], [1.0, 2.0])
    trial = _running(study, [0.1, 0.1], [1.0, 2.0])
    assert pruner.prune(study, trial)
    study._storage.set_trial_user_attr(trial._trial_id, attrs.CONTINUES, {"trial": 0})
    assert not pruner.prune(study, next(t for t in study.get_trials() if t.number == trial.number))


# --- what the cost counts ----------------------------------------------------------------------

def test_forward_gflop_counts_every_convolution() -> None:
    import keras
    from marsseg_models import forward_gflop

    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)  # 2 * 8*8 * 3*3 * 1*4 = 4608
    x = keras.layers.Conv2DTranspose(2, 2, strides=2)(x)  # 2 * 8*8 (input) * 2*2 * 4*2 = 4096
    x = keras.layers.DepthwiseConv2D(3, padding="same")(x)  # 2 * 16*16 * 3*3 * 2 = 9216
    inner = keras.Model(inputs, x)
    outer = keras.Model(inputs, keras.layers.Dense(1)(inner(inputs)))  # nested models count too
    assert forward_gflop(outer) * 1e9 == pytest.approx(4608 + 4096 + 9216)


def test_the_first_rung_is_four_thousand_images_of_the_budgets_unet() -> None:
    from harness import BUDGETS, FIRST_RUNG_IMAGES, configs_from_params
    from marsseg_models import build_model, forward_gflop
    from search_spaces import table1_presets

    (_, params), = table1_presets(["U-Net"])
    budget = BUDGETS["cpu"]
    configs = configs_from_params({**params, **budget.fixed_params}, budget)
    unet = forward_gflop(build_model(configs.model, input_shape=(64, 128, 1), n_classes=5))
    assert budget.first_rung_gflop == pytest.approx(FIRST_RUNG_IMAGES * unet, rel=1e-3)
    assert BUDGETS["cpu"].pruner == "cost-sha"


# --- the timed schedule ------------------------------------------------------------------------

def timed_formula(fraction: float, lr: float) -> float:
    """Linear warm-up over the first 2% of the time, lr until 80%, then cosine to 1% of lr at the deadline."""
    fraction = min(max(fraction, 0.0), 1.0)
    if fraction < 0.02:
        return lr * fraction / 0.02
    if fraction <= 0.8:
        return lr
    t = (fraction - 0.8) / 0.2
    return lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * t)))


def test_the_timed_schedule_holds_then_anneals_to_the_deadline() -> None:
    import keras

    from harness import TimedSchedule

    now = [100.0]
    seen: list[float] = []

    class Tick(keras.callbacks.Callback):  # each batch takes 1 s; the LR is read as the batch starts
        def on_train_batch_begin(self, batch, logs=None) -> None:
            seen.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))
            now[0] += 1.0

    timed = TimedSchedule(2e-3, deadline=200.0, clock=lambda: now[0])
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1.0), loss="mse")
    model.fit(np.zeros((8, 2)), np.zeros((8, 1)), batch_size=2, epochs=28, verbose=0, callbacks=[timed, Tick()])
    expected = [timed_formula(step / 100.0, 2e-3) for step in range(112)]  # 4 batches an epoch, past the deadline too
    np.testing.assert_allclose(seen, expected, rtol=1e-5, atol=1e-12)
    assert seen[1] == pytest.approx(1e-3) and seen[2] == seen[80] == pytest.approx(2e-3)  # warm-up, then held
    assert seen[90] == pytest.approx(1.01e-3) and seen[-1] == pytest.approx(2e-5)  # half-way down, then the floor


# --- continuation trials -----------------------------------------------------------------------

def _tiny(max_epochs: int, lr: float = 3e-3):
    from harness import TrainConfig, TrialConfigs
    from harness.data import DataConfig
    from marsseg_models import LossConfig, ModelConfig

    return TrialConfigs(model=ModelConfig(family="unet", base_filters=4, depth=2), loss=LossConfig(),
                        data=DataConfig(geometric=False, max_train_images=16, max_val_images=8, seed=0),
                        train=TrainConfig(lr=lr, batch_size=4, max_epochs=max_epochs, steps_per_epoch=3,
                                          patience=10, seed=0))


def _kernels(artifact_dir: Path, artifact_id: str, configs, tmp: Path) -> list[np.ndarray]:
    from harness import load_inference_model

    path = tmp / f"{artifact_id}.weights.h5"
    path.write_bytes((artifact_dir / artifact_id).read_bytes())
    model = load_inference_model(configs, str(path), (64, 128))
    return [w for w in model.get_weights() if w.ndim == 4]  # conv kernels (BatchNorm's statistics move)


def _iterations(artifact_dir: Path, artifact_id: str) -> int:
    with np.load(artifact_dir / artifact_id) as state:
        return int(state["arr_0"])  # Keras 3: the optimizer's first variable is its step count


@pytest.mark.slow
def test_a_continuation_resumes_its_source_weights_optimizer_step_and_curve(tmp_path: Path) -> None:
    from harness import BUDGETS, Objective, ObjectiveContext, StudyPolicy
    from harness.data import synthesize
    from search_spaces import get_space

    data = synthesize(n_train=30, n_test=0, seed=4)
    objective = Objective(ObjectiveContext(get_space("smoke"), data, BUDGETS["tiny"], artifact_dir=str(tmp_path),
                                           policy=StudyPolicy(continuable=True)))
    study = optuna.create_study(direction="maximize")
    study.enqueue_trial({}, user_attrs={attrs.PLANNED_CONFIGS: _tiny(2).to_dict()})
    source = study.ask()
    study.tell(source, objective(source))
    src = study.trials[0]
    assert _iterations(tmp_path, src.user_attrs[attrs.OPTIMIZER_ARTIFACT]) == 2 * 3
    # a near-zero LR: the continuation's kernels stay its source's (a fresh start would not)
    study.enqueue_trial({}, user_attrs={attrs.PLANNED_CONFIGS: _tiny(2, lr=1e-9).to_dict(), attrs.CONTINUES: {
        "trial": 0, "weights": src.user_attrs[attrs.WEIGHTS_ARTIFACT],
        "optimizer": src.user_attrs[attrs.OPTIMIZER_ARTIFACT], "epochs": 2, "cost": src.user_attrs[attrs.EPOCH_COST][-1]}})
    cont = study.ask()
    study.tell(cont, objective(cont))
    done = study.trials[1]
    assert sorted(done.intermediate_values) == [2, 3]  # its curve continues the source's epochs
    assert done.user_attrs[attrs.EPOCH_COST][0] > src.user_attrs[attrs.EPOCH_COST][-1]
    assert _iterations(tmp_path, done.user_attrs[attrs.OPTIMIZER_ARTIFACT]) == 2 * 3 + 2 * 3  # the step went on
    before = _kernels(tmp_path, src.user_attrs[attrs.WEIGHTS_ARTIFACT], _tiny(2), tmp_path)
    after = _kernels(tmp_path, done.user_attrs[attrs.WEIGHTS_ARTIFACT], _tiny(2), tmp_path)
    assert all(np.allclose(a, b, atol=1e-5) for a, b in zip(before, after))
    assert done.value == pytest.approx(max(done.intermediate_values.values()))


@pytest.mark.slow
def test_exploring_trials_stop_at_the_cost_cap_and_keep_what_a_continuation_needs(tmp_path: Path) -> None:
    from harness import BUDGETS, Objective, ObjectiveContext, StudyPolicy
    from harness.data import synthesize
    from search_spaces import get_space

    data = synthesize(n_train=30, n_test=0, seed=4)
    objective = Objective(ObjectiveContext(get_space("smoke"), data, BUDGETS["tiny"], artifact_dir=str(tmp_path),
                                           policy=StudyPolicy(continuable=True, explore_cost=1e-6)))
    study = optuna.create_study(direction="maximize")
    study.enqueue_trial({}, user_attrs={attrs.PLANNED_CONFIGS: _tiny(3).to_dict()})  # an exploring trial
    study.enqueue_trial({}, user_attrs={attrs.PLANNED_CONFIGS: _tiny(2).to_dict(),  # a trial with its own end
                                        attrs.PLAN_END: time.time() + 3600})
    for _ in range(2):
        trial = study.ask()
        study.tell(trial, objective(trial))
    explored, own = study.trials
    assert explored.state.name == "COMPLETE" and explored.user_attrs[attrs.EPOCHS_RUN] == 1  # stopped at the cap
    assert {attrs.WEIGHTS_ARTIFACT, attrs.OPTIMIZER_ARTIFACT} <= set(explored.user_attrs)
    assert own.user_attrs[attrs.EPOCHS_RUN] == 2  # the cap is the exploration's only


@pytest.mark.slow
def test_a_trial_the_plan_trains_to_its_own_end_is_never_pruned(tmp_path: Path) -> None:
    from harness import BUDGETS, Objective, ObjectiveContext, StudyPolicy
    from harness.data import synthesize
    from search_spaces import get_space

    class Always(optuna.pruners.BasePruner):
        def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
            return True

    data = synthesize(n_train=30, n_test=0, seed=4)
    objective = Objective(ObjectiveContext(get_space("smoke"), data, BUDGETS["tiny"], artifact_dir=str(tmp_path),
                                           policy=StudyPolicy(continuable=True)))
    study = optuna.create_study(direction="maximize", pruner=Always())
    study.enqueue_trial({}, user_attrs={attrs.PLANNED_CONFIGS: _tiny(2).to_dict()})
    study.enqueue_trial({}, user_attrs={attrs.PLANNED_CONFIGS: _tiny(2).to_dict(), attrs.PLAN_END: time.time() + 3600,
                                        attrs.PLAN_PHASE: attrs.ENSEMBLE})
    for _ in range(2):
        trial = study.ask()
        try:
            study.tell(trial, objective(trial))
        except optuna.TrialPruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    plain, member = study.trials
    assert plain.state.name == "PRUNED" and sorted(plain.intermediate_values) == [0]
    assert member.state.name == "COMPLETE" and sorted(member.intermediate_values) == [0, 1]


class _Model:
    stop_training = False


def _batches(cost, callback, epochs: int, batches: int, clock: list[float] | None = None,
             first_s: float = 0.0) -> list[tuple[int, int]]:
    """Feed `epochs` x `batches` batches of `cost.batch_size` images (1 s an epoch on `clock`,
    shared out over its batches; the very first batch `first_s` more, as tracing the graph costs)
    through `cost` then `callback` (or a list of callbacks, in order), as Keras would; the
    (epoch, batch) at which training stops."""
    callbacks = callback if isinstance(callback, list) else [callback]
    model = _Model()
    for c in callbacks:
        c.set_model(model)
        c.on_train_begin()
    for epoch in range(epochs):
        for batch in range(batches):
            if clock is not None:
                clock[0] += 1.0 / batches + (first_s if epoch == batch == 0 else 0.0)
            cost.on_train_batch_end(batch)
            for c in callbacks:
                c.on_train_batch_end(batch)
            if model.stop_training:
                return [(epoch, batch)]
        cost.on_epoch_end(epoch)
        for c in callbacks:
            c.on_epoch_end(epoch)
        if model.stop_training:
            return [(epoch, batches - 1)]
    return []


def test_an_exploring_trial_stops_at_the_batch_that_reaches_the_first_rung() -> None:
    from harness._callbacks import CostRecorder, StopAtCost

    cost = CostRecorder(optuna.create_study().ask(), batch_size=4)
    cost.gflop_per_image = 2.0  # 8 GFLOP a batch, 2 batches an epoch
    assert _batches(cost, StopAtCost(cost, cap=30.0), epochs=4, batches=2) == [(1, 1)]  # 8, 16, 24 < 30 <= 32
    cost.on_epoch_end(1)  # Keras validates the stopped epoch and ends it: its cost is the rung's
    assert cost.costs == [16.0, 32.0]


def test_the_anchor_decides_after_one_epoch_and_when_exploring_trains_on_to_the_first_rung() -> None:
    from harness import MIN_CANDIDATES
    from harness._callbacks import CostRecorder, PlanCheck

    def run(explore_until: float) -> tuple[list[tuple[int, int]], dict]:
        trial = optuna.create_study().ask()
        cost = CostRecorder(trial, batch_size=5)
        cost.gflop_per_image = 1.0  # 10 GFLOP an epoch of 2 batches, 1 s: 10 GFLOP/s
        clock = [0.0]
        check = PlanCheck(trial, cost, {"start": 0.0, "end": 3 * explore_until, "explore_until": explore_until,
                                        "first_rung": 25.0}, clock=lambda: clock[0])
        return _batches(cost, check, epochs=5, batches=2, clock=clock), trial.user_attrs[attrs.PLAN_DECISION]

    # after 1 s (10 GFLOP) the anchor needs 1.5 s more to the rung; then the workers screen
    # (T - 2.5 s) x 10 GFLOP/s / 25 more: with the anchor, MIN_CANDIDATES from T = 2.5 + (MIN - 1) / 0.4
    threshold = 2.5 + (MIN_CANDIDATES - 1) / 0.4
    stopped, decision = run(explore_until=threshold)
    assert decision["decision"] == attrs.EXPLORE and decision["gflop_per_s"] == pytest.approx(10.0)
    assert f"{MIN_CANDIDATES:.2f} candidate(s)" in decision["reason"]
    assert stopped == [(2, 0)]  # 10, 20 < 25 <= 25: screened at the first rung, mid-epoch
    stopped, decision = run(explore_until=threshold - 0.1)  # 0.04 short: the anchor trains on
    assert decision["decision"] != attrs.EXPLORE and stopped == []  # (the time holds an ensemble of 3)


def test_an_ensemble_plan_holds_as_many_runs_to_the_plateau_as_the_time_does() -> None:
    from harness import MAX_MEMBERS, MEMBER_PASSES, ensemble_members

    assert (MEMBER_PASSES, MAX_MEMBERS) == (20, 3)
    assert ensemble_members(1800.0, 40.0) == 2  # 1800 // 800
    assert ensemble_members(1799.0, 45.0) == 1  # 1799 // 900
    assert ensemble_members(2700.0, 45.0) == 3
    assert ensemble_members(3600.0, 40.0) == 3  # 4 runs fit: at most 3
    assert ensemble_members(3600.0, 0.0) == 1  # no pass measured
    assert ensemble_members(300.0, 5.0, passes=10, most=8) == 6


def test_the_anchor_of_an_ensemble_plan_ends_at_its_share_of_the_time() -> None:
    from harness._callbacks import CostRecorder, PlanCheck, StopAtDeadline

    def run(end: float) -> tuple[list[tuple[int, int]], optuna.trial.Trial]:
        trial = optuna.create_study().ask()
        cost = CostRecorder(trial, batch_size=5)
        cost.gflop_per_image = 1.0  # 10 GFLOP an epoch of 2 batches, 1 s: a pass is 1 s
        clock = [0.0]
        deadline = StopAtDeadline(end, clock=lambda: clock[0], within_epoch=True)
        check = PlanCheck(trial, cost, {"start": 0.0, "end": end, "explore_until": end / 3, "first_rung": 1e9},
                          clock=lambda: clock[0], deadline=deadline)
        return _batches(cost, [deadline, check], epochs=100, batches=2, clock=clock), trial

    stopped, trial = run(end=40.0)  # two runs of 20 passes of 1 s
    decision = trial.user_attrs[attrs.PLAN_DECISION]
    assert (decision["decision"], decision["members"], decision["end"]) == (attrs.ENSEMBLE, 2, 20.0)
    assert trial.user_attrs[attrs.PLAN_END] == 20.0
    assert stopped == [(19, 1)]  # the epoch that ends at 20 s
    stopped, trial = run(end=39.9)  # one run only: the anchor trains to the end
    assert trial.user_attrs[attrs.PLAN_DECISION]["decision"] == attrs.EXPLOIT
    assert attrs.PLAN_END not in trial.user_attrs and stopped == [(39, 1)]


def test_the_anchor_leaves_the_first_batchs_one_off_cost_out_of_its_pass_time() -> None:
    from harness._callbacks import CostRecorder, PlanCheck

    def decision(batches: int, first_s: float) -> dict:
        trial = optuna.create_study().ask()
        cost = CostRecorder(trial, batch_size=5)
        cost.gflop_per_image = 1.0
        clock = [0.0]
        check = PlanCheck(trial, cost, {"start": 0.0, "end": 40.0, "explore_until": 40.0 / 3, "first_rung": 1e9},
                          clock=lambda: clock[0])
        _batches(cost, check, epochs=1, batches=batches, clock=clock, first_s=first_s)
        return trial.user_attrs[attrs.PLAN_DECISION]

    # a 1 s pass whose first batch costs 0.5 s more: the first epoch takes 1.5 s, but 40 s hold
    # two runs of 20 passes, as at 1 s a pass without that cost
    costly = decision(batches=4, first_s=0.5)
    assert (costly["members"], decision(batches=4, first_s=0.0)["members"]) == (2, 2)
    assert "at 1 s a pass" in costly["reason"]
    # one batch an epoch: nothing to tell the one-off cost apart; the first epoch counts whole
    assert decision(batches=1, first_s=0.5)["decision"] == attrs.EXPLOIT


def test_a_plan_screens_the_table1_rows_its_space_holds_after_the_start_rows() -> None:
    from search_spaces import TABLE1_PRESETS, get_space
    from studies._plan import plan_rows

    names = [name for name, _ in TABLE1_PRESETS]
    assert plan_rows((), get_space("paper")) == tuple(names)
    assert plan_rows((names[3], names[0]), get_space("paper")) == (names[3], names[0], *names[1:3], *names[4:])
    assert plan_rows((), get_space("smoke")) == ()  # no row fits the smoke space


# --- the plan ----------------------------------------------------------------------------------

def _plan_search(tmp_path: Path, timeout: float, gflop_per_s: float, seconds: float = 0.0, workers: int = 1,
                 space: str = "smoke", pass_s: float = 0.0):
    from studies import SearchRequest, run_search
    from studies.testing import FakePlanObjective

    journal = str(tmp_path / "plan.journal")
    objective = functools.partial(FakePlanObjective, gflop_per_s=gflop_per_s, seconds=seconds, pass_s=pass_s)
    start = time.time()
    code = run_search(SearchRequest(study="p", storage=journal, space=space, budget="tiny", timeout=timeout,
                                    objective=objective, evaluate_top=0, recycle=0, workers=workers))
    from harness.common import open_storage

    return code, start, optuna.load_study(study_name="p", storage=open_storage(journal))


def test_with_too_little_time_the_plan_trains_the_anchor_to_the_end(tmp_path: Path) -> None:
    code, start, study = _plan_search(tmp_path, timeout=30.0, gflop_per_s=1.0,  # 10 s x 1 GFLOP/s << 8 rungs
                                      space="paper")  # whose Table 1 rows, queued to explore, are closed
    assert code == 0
    assert not study.get_trials(states=(optuna.trial.TrialState.WAITING,))
    (anchor,) = [t for t in study.trials if t.user_attrs.get(attrs.FAIL_KIND) != attrs.SURPLUS]  # nothing else ran
    ua = anchor.user_attrs
    assert ua[attrs.PLAN_PHASE] == attrs.ANCHOR and ua[attrs.PRESET] == "U-Net"
    assert ua[attrs.PLAN_DECISION]["decision"] == attrs.EXPLOIT
    assert ua[attrs.PLAN_END] == pytest.approx(start + 30.0, abs=5.0)
    train = ua[attrs.CONFIGS]["train"]
    assert (train["schedule"], train["batch_size"], train["steps_per_epoch"]) == ("plateau", 32, None)
    plan = study.user_attrs[attrs.TIME_PLAN]
    assert plan["decision"] == attrs.EXPLOIT and "explore_s" not in plan


def test_an_ensemble_plan_trains_further_seeds_of_the_anchors_row_sharing_out_the_time(tmp_path: Path) -> None:
    timeout = 30.0
    code, start, study = _plan_search(tmp_path, timeout=timeout, gflop_per_s=1.0, pass_s=0.5,  # 30 // 10: 3 runs
                                      space="paper")  # whose Table 1 rows, queued to explore, never run
    assert code == 0
    plan = study.user_attrs[attrs.TIME_PLAN]
    assert plan["decision"] == attrs.ENSEMBLE and "explore_s" not in plan
    trials = [t for t in study.trials if t.user_attrs.get(attrs.FAIL_KIND) != attrs.SURPLUS]
    assert [t.user_attrs[attrs.PLAN_PHASE] for t in trials] == [attrs.ANCHOR, attrs.ENSEMBLE, attrs.ENSEMBLE]
    assert [t.user_attrs[attrs.PRESET] for t in trials] == ["U-Net"] * 3
    assert [t.user_attrs[attrs.REPEAT] for t in trials] == [0, 1, 2]
    assert [t.user_attrs[attrs.CONFIGS]["train"]["seed"] for t in trials] == [t.number for t in trials]  # seed 0 +
    assert all(t.state.name == "COMPLETE" for t in trials)
    assert plan["members"] == [t.number for t in trials[1:]] and len(plan["members_s"]) == 2
    # each member is given an equal share of what is left when it starts; the last ends with the plan
    ends = [t.user_attrs[attrs.PLAN_END] for t in trials[1:]]
    assert ends[-1] == plan["end"] == pytest.approx(start + timeout, abs=5.0)
    end = plan["end"]  # member 2 ends half-way from when the plan enqueued it (after the anchor, before it ran)
    assert (trials[0].datetime_complete.timestamp() + end) / 2 <= ends[0] <= (trials[1].datetime_start.timestamp()
                                                                             + end) / 2
    from harness import format_plan

    assert "2 more member(s)" in format_plan(plan)


def test_the_plan_explores_until_its_planned_point_then_continues_the_best_side_by_side(tmp_path: Path) -> None:
    from search_spaces import get_space
    from studies._plan import plan_rows

    timeout = 30.0  # 10 s of exploring, whatever the spawned anchor's start-up took
    code, start, study = _plan_search(tmp_path, timeout=timeout, gflop_per_s=1e6, seconds=0.2, workers=2,
                                      space="paper")
    assert code == 0
    plan = study.user_attrs[attrs.TIME_PLAN]
    assert plan["decision"] == attrs.EXPLORE and plan["explore_until"] == pytest.approx(plan["start"] + timeout / 3)
    trials = study.trials
    phases = [t.user_attrs.get(attrs.PLAN_PHASE) for t in trials]
    assert phases[0] == attrs.ANCHOR and phases[-2:] == [attrs.EXPLOIT, attrs.EXPLOIT]
    explored = [t for t in trials[1:-2] if t.state.name == "COMPLETE"]
    assert len(explored) >= 2
    # Table 1's other rows are screened first, in order, then the sampler's proposals
    rows = [name for name in plan_rows((), get_space("paper")) if name != "U-Net"]
    assert [t.user_attrs.get(attrs.PRESET) for t in trials[1:1 + len(rows)]] == rows
    assert all(attrs.PRESET not in t.user_attrs for t in trials[1 + len(rows):-2])
    # no exploring trial started after the planned point
    assert all(t.datetime_start.timestamp() <= plan["explore_until"] + 0.5 for t in explored)
    # one continuation per worker, of the two best trials at the first rung, each to the end
    conts = trials[-2:]
    best = sorted(explored, key=lambda t: t.value, reverse=True)[:2]
    assert [c.user_attrs[attrs.CONTINUES]["trial"] for c in conts] == [t.number for t in best]
    assert [c.user_attrs[attrs.CONTINUES]["weights"] for c in conts] == [t.user_attrs[attrs.WEIGHTS_ARTIFACT]
                                                                         for t in best]
    assert plan["continuation"] == [c.number for c in conts]
    assert len({c.user_attrs[attrs.WORKER] for c in conts}) == 2  # side by side, in two processes
    for cont in conts:
        assert cont.state.name == "COMPLETE"
        assert cont.user_attrs[attrs.PLAN_END] == pytest.approx(plan["end"])
        assert cont.user_attrs[attrs.CONFIGS]["train"]["batch_size"] == 32  # the recipe
    assert {"anchor_s", "explore_s", "exploit_s", "wall_s"} <= set(plan)


def test_continuations_are_chosen_at_equal_cost_among_trials_that_reached_the_first_rung() -> None:
    from studies._plan import continuation_sources

    study = optuna.create_study(direction="maximize")

    def add(values: list[float], costs: list[float], weights: bool = True, **extra: object) -> None:
        kept = {attrs.CONFIGS: {}, **({attrs.WEIGHTS_ARTIFACT: "w"} if weights else {})}
        study.add_trial(optuna.trial.create_trial(
            value=max(values), params={}, distributions={}, intermediate_values=dict(enumerate(values)),
            user_attrs={attrs.EPOCH_COST: costs, **kept, **extra}))

    add([0.20, 0.30], [50.0, 100.0])            # 0: 0.30 at the rung
    add([0.25], [100.0])                        # 1: 0.25
    add([0.40], [60.0])                         # 2: stopped short of the rung (0.40, but cheaper): never
    add([0.10, 0.28, 0.50], [90.0, 180.0, 270.0])  # 3: 0.28 at the rung; its later 0.50 cost more
    add([0.60], [100.0], **{attrs.CONTINUES: {"trial": 0}})  # 4: a continuation: never a source
    add([0.29], [100.0], weights=False)         # 5: kept no weights
    assert [(t.number, v) for t, v in continuation_sources(study, 100.0, 3)] == [(0, 0.30), (3, 0.28), (1, 0.25)]
    assert [t.number for t, _ in continuation_sources(study, 100.0, 1)] == [0]
    assert continuation_sources(study, 1000.0, 2) == []


def test_the_report_says_how_a_plans_time_went() -> None:
    from harness import format_plan
    from reports import collect_summary, read_trials
    from reports._sections import _time_html

    phases = {"start": 0.0, "end": 1800.0, "explore_until": 600.0, "anchor_s": 130.0, "explore_s": 470.0,
              "exploit_s": 1195.0, "wall_s": 1801.0, "decision": attrs.EXPLORE, "reason": "it pays"}
    assert format_plan(phases) == ("anchor 130 s, explore 470 s, continuation 1195 s of 1801 s wall clock; "
                                   "it pays")
    study = optuna.create_study(direction="maximize")
    study.set_user_attr(attrs.TIME_PLAN, phases)
    study.add_trial(optuna.trial.create_trial(value=0.4, params={}, distributions={},
                                              intermediate_values={0: 0.4}, user_attrs={attrs.TRAIN_SECONDS: 10.0}))
    summary = collect_summary(read_trials(study), "mem")
    assert summary.plan == format_plan(phases)
    assert "time plan" in _time_html(summary.time, summary.plan) and "continuation 1195 s" in _time_html(
        summary.time, summary.plan)
    study.set_user_attr(attrs.TIME_PLAN, {"start": 0.0, "end": 1.0, "explore_until": 0.3})  # still running
    assert collect_summary(read_trials(study), "mem").plan == ""
