"""The held-out split: grouped, stratified, seeded, and never seen by the search."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from harness.common import open_storage
from harness.data import DataConfig, MarsData, heldout_indices, load_data, make_datasets, split_heldout
from studies import StudySettings, WorkerSpec, create_or_resume, run_worker
from studies.testing import FakeObjective

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
optuna.logging.set_verbosity(optuna.logging.ERROR)


@pytest.fixture(scope="module")
def data() -> MarsData:
    return load_data("synthetic:300:5")  # with injected "alien" outliers sharing one mask


def _groups(masks: np.ndarray) -> list[np.ndarray]:
    """Indices of each group of byte-identical masks (computed here, independently)."""
    by_bytes: dict[bytes, list[int]] = {}
    for i, m in enumerate(masks):
        by_bytes.setdefault(m.tobytes(), []).append(i)
    return [np.array(v) for v in by_bytes.values()]


def test_heldout_is_about_a_tenth_keeps_mask_groups_whole_and_leaves_outliers_out(data: MarsData) -> None:
    held = set(heldout_indices(data.masks, 0.1, seed=3).tolist())
    groups = _groups(data.masks)
    for group in groups:
        inside = {int(i) in held for i in group}
        assert len(inside) == 1, group  # never split
    aliens = max((g for g in groups if data.masks[g[0]].any()), key=len)
    assert len(aliens) >= 10 and not held & set(aliens.tolist())
    candidates = data.n_train - len(aliens)
    assert abs(len(held) - 0.1 * candidates) <= 0.02 * candidates
    rock = (data.masks == 4).reshape(data.n_train, -1).any(axis=1)
    rest = np.setdiff1d(np.arange(data.n_train), list(held) + aliens.tolist())
    assert abs(rock[list(held)].mean() - rock[rest].mean()) < 0.1  # stratified by big rock
    assert heldout_indices(data.masks, 0.1, seed=3).tolist() == sorted(held)  # seeded
    assert heldout_indices(data.masks, 0.1, seed=4).tolist() != sorted(held)
    assert len(heldout_indices(data.masks, 0.0, seed=3)) == 0


def test_heldout_images_never_reach_the_objective_or_its_pipelines(data: MarsData, tmp_path) -> None:
    images = np.minimum(data.images, 254)  # tag: only held-out images hold the value 255
    held = heldout_indices(data.masks, 0.2, seed=4, images=images)
    images[held, 20:40, 40:80] = 255  # inside the bands: their seams, which pair them, stay as they were
    tagged = MarsData(images, data.masks, data.test_images)
    journal = str(tmp_path / "j.journal")
    settings = StudySettings(space="smoke", sampler="random", pruner="none", budget="tiny", data="synthetic:300:5",
                             seed=4, artifact_dir=str(tmp_path / "a"), n_trials=1, heldout_fraction=0.2)
    create_or_resume(open_storage(journal), "s", settings)
    seen = []

    def factory(context):
        seen.append(context.data)
        return FakeObjective(context)

    assert run_worker(WorkerSpec(journal, "s", objective=factory, recycle=0), data=tagged) == 1  # in this process
    given = seen[0]
    assert len(held) > 0 and given.n_train == data.n_train - len(held)
    assert not (given.images == 255).any()
    for config in (DataConfig(seed=4), DataConfig(geometric=True, photometric=False, oversample=True, seed=4)):
        train, val, _ = make_datasets(given, config, batch_size=16)
        for ds in (train, val):
            assert max(float(x.numpy().max()) for x, _ in ds) < 1.0  # 255 / 255 never appears


def test_split_heldout_returns_the_complement(data: MarsData) -> None:
    split = split_heldout(data, 0.1, seed=0)
    assert split.search.n_train + split.heldout.n_train == data.n_train
    np.testing.assert_array_equal(split.heldout.masks, data.masks[split.indices])


@pytest.mark.slow
def test_heldout_score_rebuilds_the_trained_model_exactly(tmp_path) -> None:
    """Scored on the validation images, the rebuilt model must give the confusion matrix
    that Keras' streaming metric recorded during training (an independent computation)."""
    from harness import Objective, ObjectiveContext, TrialConfigs, get_budget, score_heldout
    from harness.data import prepare_data
    from search_spaces import get_space

    small = load_data("synthetic:120")
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.NopPruner())
    study.enqueue_trial({"model.family": "unet", "model.residual": True, "model.se_levels": 1,
                         "model.dropout": "none", "loss.alpha": 0.5, "train.lr": 3e-3})
    study.optimize(Objective(ObjectiveContext(get_space("smoke"), small, get_budget("tiny"), artifact_dir=str(tmp_path))), n_trials=1)
    trial = study.trials[0]
    assert trial.state.name == "COMPLETE", trial.user_attrs
    configs = TrialConfigs.from_dict(trial.user_attrs["configs"])
    info = prepare_data(small, configs.data).info
    val = MarsData(info.val_images, info.val_masks, small.test_images)
    store = optuna.artifacts.FileSystemArtifactStore(str(tmp_path))
    weights = tmp_path / "w.weights.h5"
    optuna.artifacts.download_artifact(artifact_store=store, artifact_id=trial.user_attrs["weights_artifact_id"],
                                       file_path=str(weights))
    score = score_heldout(configs, str(weights), val)
    recorded = np.array(trial.user_attrs["confusion_matrix"])
    assert np.abs(np.array(score["confusion_matrix"]) - recorded).sum() <= 0.001 * recorded.sum()
    assert score["miou"] == pytest.approx(trial.value, abs=2e-3)


class _PruneAtStep(optuna.pruners.BasePruner):
    """Prunes every trial once it has reported `step` (an independent stand-in for SHA)."""

    def __init__(self, step: int) -> None:
        self.step = step

    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        return trial.last_step is not None and trial.last_step >= self.step


def test_a_pruned_trial_keeps_its_best_epoch_weights_and_is_scored_among_the_top(tmp_path) -> None:
    """Pruning raises out of `fit` before EarlyStopping restores the best epoch: the harness must
    restore and store those weights while the trial ranks among the study's 5 best, and `marsseg
    evaluate` must rank the pruned trial by its best reported val mIoU. After the last epoch is logged and before the pruner acts, a callback zeroes
    the weights, so only restored best-epoch weights reproduce the best reported val mIoU."""
    import keras

    from harness import Objective, ObjectiveContext, TrialConfigs, get_budget, score_heldout
    from harness.data import prepare_data
    from studies._study import study_policy
    from search_spaces import get_space
    from studies._evaluate import pick_trials

    class ZeroWeightsAtEnd(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if epoch == 1:
                self.model.set_weights([np.zeros_like(w) for w in self.model.get_weights()])

    class Sabotaged(Objective):
        def _train(self, trial, configs, **fit):
            return super()._train(trial, configs, callbacks=[ZeroWeightsAtEnd()], **fit)

    small = load_data("synthetic:120")
    study = optuna.create_study(direction="maximize", pruner=_PruneAtStep(1))
    study.enqueue_trial({"model.family": "unet", "model.residual": False, "model.se_levels": 0,
                         "model.dropout": "none", "loss.alpha": 0.5, "train.lr": 3e-3})
    context = ObjectiveContext(get_space("smoke"), small, get_budget("tiny"), artifact_dir=str(tmp_path),
                               policy=study_policy(study))  # as a worker hands it: the study's top 5 keep weights
    study.optimize(Sabotaged(context), n_trials=1)
    trial = study.trials[0]
    assert trial.state.name == "PRUNED" and len(trial.intermediate_values) == 2, trial.user_attrs
    best = max(trial.intermediate_values.values())
    assert best > 0.1
    configs = TrialConfigs.from_dict(trial.user_attrs["configs"])
    info = prepare_data(small, configs.data).info
    val = MarsData(info.val_images, info.val_masks, small.test_images)
    weights = tmp_path / "w.weights.h5"
    optuna.artifacts.download_artifact(artifact_store=optuna.artifacts.FileSystemArtifactStore(str(tmp_path)),
                                       artifact_id=trial.user_attrs["weights_artifact_id"], file_path=str(weights))
    assert score_heldout(configs, str(weights), val)["miou"] == pytest.approx(best, abs=2e-3)
    assert [t.number for t in pick_trials(study, 5)] == [0]
    # Once the study has 5 better trials, a pruned trial's weights are not worth keeping.
    dist = {"x": optuna.distributions.FloatDistribution(0, 1)}
    for _ in range(5):
        study.add_trial(optuna.trial.create_trial(value=0.99, params={"x": 0.5}, distributions=dist))
    study.enqueue_trial(study.trials[0].params)
    context = ObjectiveContext(get_space("smoke"), small, get_budget("tiny"), artifact_dir=str(tmp_path),
                               policy=study_policy(study))  # as a worker hands it: the study's top 5 keep weights
    study.optimize(Sabotaged(context), n_trials=1)
    assert study.trials[-1].state.name == "PRUNED" and "weights_artifact_id" not in study.trials[-1].user_attrs


def test_trials_rank_by_their_best_val_miou_whether_complete_or_pruned() -> None:
    from optuna.distributions import FloatDistribution
    from optuna.trial import TrialState, create_trial

    from harness import ranked_trials

    dist = {"x": FloatDistribution(0, 1)}
    made = [create_trial(state=TrialState.COMPLETE, value=0.40, params={"x": 0.1}, distributions=dist),
            create_trial(state=TrialState.PRUNED, params={"x": 0.2}, distributions=dist,
                         intermediate_values={0: 0.30, 1: 0.45, 2: 0.20}),
            create_trial(state=TrialState.PRUNED, params={"x": 0.3}, distributions=dist),  # pruned before a report
            create_trial(state=TrialState.FAIL, params={"x": 0.4}, distributions=dist),
            create_trial(state=TrialState.COMPLETE, value=0.45, params={"x": 0.5}, distributions=dist)]
    for number, trial in enumerate(made):
        trial.number = number
    assert [t.number for t in ranked_trials(made)] == [1, 4, 0]  # 0.45 (pruned, best epoch) ties 0.45: lower number


def test_the_search_summary_shows_a_pruned_trial_at_its_best_epoch() -> None:
    from optuna.distributions import FloatDistribution
    from optuna.trial import TrialState, create_trial

    from studies._summary import summary_rows

    study = optuna.create_study(direction="maximize")
    dist = {"x": FloatDistribution(0, 1)}
    study.add_trial(create_trial(state=TrialState.COMPLETE, value=0.40, params={"x": 0.1}, distributions=dist))
    study.add_trial(create_trial(state=TrialState.PRUNED, params={"x": 0.2}, distributions=dist,
                                 intermediate_values={0: 0.30, 1: 0.45, 2: 0.20}))
    rows = summary_rows(study)
    assert [(r["#"], r["state"]) for r in rows] == [(1, "pruned"), (0, "complete")]
    assert rows[0]["val_miou"] == pytest.approx(0.45)  # Optuna's value of a pruned trial is its last report, 0.20


def test_a_new_study_keeps_scenes_together_and_an_older_one_keeps_its_split(tmp_path) -> None:
    from studies import SearchRequest, run_search

    journal = str(tmp_path / "k.journal")
    assert run_search(SearchRequest(study="new", storage=journal, space="smoke", data="synthetic:40", budget="tiny",
                                    sampler="random", trials=1, create_only=True)) == 0
    stored = optuna.load_study(study_name="new", storage=open_storage(journal)).user_attrs
    assert stored["split_groups"] == "scenes"
    older = {k: v for k, v in stored.items() if k != "split_groups"}  # as a study made before this setting
    assert StudySettings.from_attrs(older).split_groups == "masks"
    storage = open_storage(journal)
    old = optuna.create_study(study_name="old", storage=storage)
    for key, value in older.items():
        old.set_user_attr(key, value)
    assert run_search(SearchRequest(study="old", storage=journal, trials=1, create_only=True)) == 0
    resumed = optuna.load_study(study_name="old", storage=open_storage(journal)).user_attrs
    assert resumed.get("split_groups", "masks") == "masks"  # resuming wrote no "scenes" over it
    assert StudySettings.from_attrs(resumed).split_groups == "masks"
