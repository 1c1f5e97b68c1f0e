"""`marsseg benchmark`: methods x seeds at an equal epoch budget, each run a tagged study."""

from __future__ import annotations

import optuna
import pytest

from harness import epochs_consumed, get_budget, load_benchmark, study_name
from harness.common import MarssegError, open_storage
from search_spaces import get_space
from studies import Benchmark, run_benchmark
from studies.testing import FakeCurveObjective

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
EPOCHS = 7


def _tiny_model(configs, image_shape):
    """A cheap stand-in for `harness._training.build` (the fake objective never trains it)."""
    import keras

    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])


def _keras_tuner_statuses(study) -> list[str]:
    """What KerasTuner itself recorded for each of its trials (its project folder)."""
    import json
    from pathlib import Path

    folder = Path(study.user_attrs["artifact_dir"]) / "keras_tuner"
    return [json.loads(p.read_text())["status"] for p in sorted(folder.glob("*/trial_*/trial.json"))]


def _bench(tmp_path, methods=("tpe+median", "kt-random"), **kw) -> Benchmark:
    return Benchmark(name="b1", space="smoke", data="synthetic:40", budget="tiny", epochs=EPOCHS, methods=methods,
                     seeds=(0, 1), storage=str(tmp_path / "b.journal"), **kw)


def test_two_methods_by_two_seeds_spend_their_epoch_budget_and_no_more_than_one_trial_over(tmp_path) -> None:
    bench = _bench(tmp_path)
    assert run_benchmark(bench, objective=FakeCurveObjective, kt_build=_tiny_model) == 0
    storage, budget = open_storage(bench.storage), get_budget("tiny")
    space, max_epochs = get_space("smoke").resolve(budget.fixed_params), budget.max_epochs  # fixed dims: no params
    for method in bench.methods:
        for seed in bench.seeds:
            study = optuna.load_study(study_name=study_name("b1", method, seed), storage=storage)
            trials = study.get_trials(deepcopy=False)
            used = epochs_consumed(trials)
            assert EPOCHS <= used <= EPOCHS - 1 + max_epochs, (method, seed, used)
            assert study.user_attrs["benchmark"] == "b1" and study.user_attrs["method"] == method
            assert study.user_attrs["seed"] == seed
            for t in trials:
                space.check(t.params)  # KerasTuner trials hold exactly the active params, like Optuna's
                assert t.user_attrs["epochs_run"] == len(t.intermediate_values) > 0
            if method == "kt-random":
                assert all(t.state.name == "COMPLETE" and t.user_attrs["kt_trial_id"] for t in trials)
                assert _keras_tuner_statuses(study) == ["COMPLETED"] * len(trials)
    result = load_benchmark("b1", bench.storage)
    assert [b.method for b in result.by_epochs] == ["kt-random", "tpe+median"]
    assert all(b.n_seeds == 2 for b in result.by_epochs)


def test_a_finished_benchmark_resumes_without_running_anything(tmp_path) -> None:
    bench = _bench(tmp_path, methods=("random+none", "kt-random"))
    storage = open_storage(bench.storage)

    def counts() -> list[int]:
        return [len(optuna.load_study(study_name=study_name("b1", m, s), storage=storage).trials)
                for m in bench.methods for s in bench.seeds]

    assert run_benchmark(bench, objective=FakeCurveObjective, kt_build=_tiny_model) == 0
    before = counts()
    assert run_benchmark(bench, objective=FakeCurveObjective, kt_build=_tiny_model) == 0
    assert counts() == before and min(before) >= 3  # 7 epochs of 3-epoch trials: at least 3 trials per run


def test_a_keras_tuner_run_of_a_deleted_study_starts_over_instead_of_resuming_its_old_folder(tmp_path) -> None:
    from pathlib import Path

    bench = _bench(tmp_path, methods=("kt-random",))
    assert run_benchmark(bench, objective=FakeCurveObjective, kt_build=_tiny_model) == 0
    Path(bench.storage).unlink()  # the study goes; its artifact folder, KerasTuner's included, stays
    assert run_benchmark(bench, objective=FakeCurveObjective, kt_build=_tiny_model) == 0
    for seed in bench.seeds:
        study = optuna.load_study(study_name=f"b1/kt-random/{seed}", storage=open_storage(bench.storage))
        assert len(_keras_tuner_statuses(study)) == len(study.trials) >= 3


def test_marsseg_benchmark_prints_the_final_checkpoint_of_every_method(tmp_path, capsys) -> None:
    from studies.cli import main

    journal = str(tmp_path / "c.journal")
    assert main(["benchmark", "--name", "c", "--storage", journal, "--data", "synthetic:40", "--epochs", "6",
                 "--seeds", "2", "--methods", "random+none,tpe+sha"], objective=FakeCurveObjective) == 0
    lines = capsys.readouterr().out.splitlines()
    table = lines[lines.index(next(line for line in lines if line.split()[:2] == ["method", "seeds"])):]
    assert sorted(line.split()[0] for line in table[1:3]) == ["random+none", "tpe+sha"]
    assert all(line.split()[1] == "2" for line in table[1:3])


def test_an_unknown_method_fails_before_running_listing_the_valid_ones(tmp_path) -> None:
    with pytest.raises(MarssegError, match=r"unknown method.*kt-hyperband.*tpe\+median"):
        run_benchmark(_bench(tmp_path, methods=("tpe+median", "kt-grid")), objective=FakeCurveObjective)
    assert not (tmp_path / "b.journal").exists() or not optuna.study.get_all_study_names(
        open_storage(str(tmp_path / "b.journal")))


@pytest.mark.slow
def test_a_real_keras_tuner_trial_is_recorded_and_trains_as_the_optuna_objective_does(tmp_path) -> None:
    """One real `tiny` KerasTuner Hyperband trial (1 epoch), then the Optuna objective on the same params."""
    import dataclasses

    from harness import Objective, ObjectiveContext
    from harness.common import attrs
    from harness.data import load_data, split_heldout

    bench = Benchmark(name="real", space="smoke", data="synthetic:120", budget="tiny", epochs=1,
                      methods=("kt-hyperband",), seeds=(0,), storage=str(tmp_path / "r.journal"))
    assert run_benchmark(bench) == 0
    study = optuna.load_study(study_name="real/kt-hyperband/0", storage=open_storage(bench.storage))
    [trial] = study.trials
    assert trial.state.name == "COMPLETE" and list(trial.intermediate_values) == [0]
    assert trial.value == pytest.approx(trial.intermediate_values[0])
    for key in ("per_class_iou", "confusion_matrix", "n_params", "train_seconds", "worker", "weights_artifact_id"):
        assert key in trial.user_attrs, key
    assert trial.user_attrs["kt_schedule"]["tuner/epochs"] == 1
    assert _keras_tuner_statuses(study) == ["COMPLETED"]
    get_space("smoke").resolve(get_budget("tiny").fixed_params).check(trial.params)  # the budget's dims: fixed
    # the Optuna objective, same params, trial number and seed, one epoch: the same first epoch
    one_epoch = dataclasses.replace(get_budget("tiny"), max_epochs=1, warmup_epochs=0)
    reference = optuna.create_study(direction="maximize", pruner=optuna.pruners.NopPruner())
    reference.enqueue_trial(trial.params)
    # the data a `marsseg search` worker hands its objective: the held-out images taken out
    search = split_heldout(load_data("synthetic:120"), study.user_attrs["heldout_fraction"], 0).search
    reference.optimize(Objective(ObjectiveContext(get_space("smoke"), search, one_epoch, seed=0)), n_trials=1)
    assert reference.trials[0].intermediate_values[0] == pytest.approx(trial.intermediate_values[0], abs=1e-4)
    # and, as `marsseg search` does at its end, the run scored its best trial on the held-out split
    assert study.user_attrs["heldout_fraction"] == 0.1
    first = attrs.heldout_scores(study.user_attrs)[0]["miou"]
    assert 0.0 <= first <= 1.0
    # `marsseg evaluate` reads a KerasTuner run as any study (scoring again: the same score);
    # an Optuna worker refuses it
    from studies.cli import main

    assert main(["evaluate", "--study", "real/kt-hyperband/0", "--storage", bench.storage, "--force"]) == 0
    assert attrs.heldout_scores(study.user_attrs)[0]["miou"] == pytest.approx(first, abs=1e-6)
    assert main(["worker", "--study", "real/kt-hyperband/0", "--storage", bench.storage]) == 2


@pytest.mark.slow
def test_the_last_trial_of_a_run_stops_where_the_epoch_budget_ends(tmp_path) -> None:
    """Real `tiny` trials (3 epochs, no pruner) in runs of 2 epochs: each engine's only trial
    stops after its second epoch instead of training to its own end."""
    from harness.common import attrs

    bench = Benchmark(name="cap", space="smoke", data="synthetic:120", budget="tiny", epochs=2,
                      methods=("random+none", "kt-random"), seeds=(0,), storage=str(tmp_path / "c.journal"))
    assert get_budget("tiny").max_epochs == 3 > bench.epochs
    assert run_benchmark(bench) == 0
    for method in bench.methods:
        study = optuna.load_study(study_name=f"cap/{method}/0", storage=open_storage(bench.storage))
        [trial] = study.trials
        assert trial.state.name == "COMPLETE", method
        assert sorted(trial.intermediate_values) == [0, 1], method
        assert trial.user_attrs[attrs.EPOCHS_RUN] == 2 and trial.user_attrs[attrs.BUDGET_STOPPED] is True
        assert trial.value == pytest.approx(max(trial.intermediate_values.values()))
