"""The real trial objective on tiny synthetic data: attributes, pruning, failures."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from harness import get_budget
from harness.data import load_data
from harness import Objective, ObjectiveContext, TrialConfigs, load_inference_model, predict_masks
from search_spaces import get_space

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")]
optuna.logging.set_verbosity(optuna.logging.ERROR)

SMOKE_UNET = {
    "model.family": "unet", "model.residual": False, "model.se_levels": 0, "model.bottleneck": "dilated",
    "model.attention_gates": False, "model.dropout": "none", "model.deep_supervision": False,
    "model.base_filters": 16, "model.depth": 3, "loss.alpha": 0.5, "loss.dice": "course", "loss.gamma": 2.0,
    "loss.exclude_background": False, "loss.class_weighting": "none",
    "aug.geometric": False, "aug.photometric": False, "data.oversample": False, "train.lr": 3e-3,
    "train.weight_decay": 1e-4, "train.batch_size": 16,
}


@pytest.fixture(scope="module")
def data():
    return load_data("synthetic:120")


def _study(pruner=None) -> optuna.Study:
    return optuna.create_study(direction="maximize", pruner=pruner or optuna.pruners.NopPruner(),
                               sampler=optuna.samplers.RandomSampler(seed=0))


def test_complete_trial_records_every_contract_attribute(data, tmp_path) -> None:
    study = _study()
    study.enqueue_trial(SMOKE_UNET)
    study.optimize(Objective(ObjectiveContext(get_space("smoke"), data, get_budget("tiny"), artifact_dir=str(tmp_path))), n_trials=1)
    trial = study.trials[0]
    assert trial.state == TrialState.COMPLETE, trial.user_attrs
    attrs = trial.user_attrs
    assert set(attrs["per_class_iou"]) == {"soil", "bedrock", "sand", "big_rock"}
    assert attrs["epochs_run"] == 3 == len(trial.intermediate_values)
    assert sorted(trial.intermediate_values) == [0, 1, 2]
    assert trial.value == pytest.approx(max(trial.intermediate_values.values()))
    assert trial.intermediate_values[attrs["best_epoch"]] == pytest.approx(trial.value)
    assert attrs["train_seconds"] > 0 and attrs["n_params"] > 1000 and ":" in attrs["worker"]
    cm = np.array(attrs["confusion_matrix"])
    assert cm.shape == (5, 5) and cm.sum() % (64 * 128) == 0 and 0 < cm.sum() // (64 * 128) <= 32  # val images
    store = optuna.artifacts.FileSystemArtifactStore(str(tmp_path))
    with store.open_reader(attrs["predictions_artifact_id"]) as f:
        preview = dict(np.load(f))
    assert preview["preds"].dtype == np.uint8 and preview["preds"].shape == preview["masks"].shape
    # the val split scored per photograph with the kept weights: its photographs add up to the
    # confusion matrix the streaming metric kept at the best epoch, and its interval holds the value
    from harness.analytics import stored_units
    from marsseg_models import mean_iou
    units = stored_units(attrs["val_score"])
    assert units.shape[1:] == (5, 5) and 1 <= len(units) <= 32 and (units.sum(axis=0) == cm).all()
    lo, hi = attrs["val_score"]["interval"]["miou"]
    assert mean_iou(units.sum(axis=0)) == pytest.approx(trial.value, abs=1e-5)
    assert lo <= trial.value <= hi and lo < hi
    # the weights artifact is the model that made the preview: reloaded as `predict` does, it agrees
    weights = tmp_path / "w.weights.h5"
    optuna.artifacts.download_artifact(artifact_store=store, artifact_id=attrs["weights_artifact_id"],
                                       file_path=str(weights))
    model = load_inference_model(TrialConfigs.from_dict(attrs["configs"]), str(weights), (64, 128))
    again = predict_masks([model], preview["images"])
    assert np.mean(again == preview["preds"]) > 0.999
    # tiny fixes base_filters and batch size at 8: never sampled, and stored as trained
    assert "model.base_filters" not in trial.params and "train.batch_size" not in trial.params
    assert attrs["configs"]["model"]["base_filters"] == 8 and attrs["configs"]["train"]["batch_size"] == 8
    assert attrs["configs"]["model"]["family"] == "unet" and attrs["configs"]["train"]["lr"] == 3e-3


def test_val_miou_rises_over_the_first_epochs(data) -> None:
    study = _study()
    study.enqueue_trial(SMOKE_UNET)
    study.optimize(Objective(ObjectiveContext(get_space("smoke"), data, get_budget("tiny"))), n_trials=1)
    values = study.trials[0].intermediate_values
    assert values[2] > values[0], values  # BatchNorm in inference mode must not hide learning


def test_a_trial_the_pruner_stops_is_recorded_pruned_with_its_epochs(data) -> None:
    study = _study(optuna.pruners.ThresholdPruner(lower=0.99))
    study.enqueue_trial(SMOKE_UNET)
    study.optimize(Objective(ObjectiveContext(get_space("smoke"), data, get_budget("tiny"))), n_trials=1)
    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED
    assert trial.user_attrs["epochs_run"] == 1 and list(trial.intermediate_values) == [0]
    assert "per_class_iou" in trial.user_attrs


@pytest.mark.filterwarnings("ignore:Fixed parameter loss.alpha")
def test_an_invalid_config_is_pruned_without_training(data) -> None:
    study = _study()
    study.enqueue_trial({**SMOKE_UNET, "loss.alpha": 1.5})  # outside [0, 1]: LossConfig rejects it
    study.optimize(Objective(ObjectiveContext(get_space("paper"), data, get_budget("tiny"))), n_trials=1)
    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED
    assert "alpha must be in [0, 1]" in trial.user_attrs["pruned_reason"] and trial.user_attrs["epochs_run"] == 0


def test_a_raising_trial_is_fail_with_its_reason_and_the_next_one_runs(data, monkeypatch) -> None:
    import marsseg_models

    real = marsseg_models.build_model
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("out of memory (simulated)")
        return real(*args, **kwargs)

    monkeypatch.setattr(marsseg_models, "build_model", flaky)
    study = _study()
    study.enqueue_trial(SMOKE_UNET)
    study.enqueue_trial(SMOKE_UNET)
    study.optimize(Objective(ObjectiveContext(get_space("smoke"), data, get_budget("tiny"))), n_trials=2, catch=(Exception,))
    assert [t.state for t in study.trials] == [TrialState.FAIL, TrialState.COMPLETE]
    assert study.trials[0].user_attrs["fail_reason"] == "RuntimeError: out of memory (simulated)"


def test_nan_loss_stops_training_and_is_flagged() -> None:
    from marsseg_models import MeanIoU

    from harness import EpochRecorder

    recorder = EpochRecorder("val_miou", MeanIoU)

    class _Model:
        stop_training = False
        metrics: list = []

    recorder.set_model(_Model())
    recorder.on_epoch_end(0, {"loss": 1.0, "val_miou": 0.2})
    recorder.on_epoch_end(1, {"loss": math.nan, "val_miou": 0.1})
    assert recorder.nan_epoch == 1 and recorder.model.stop_training and recorder.best_epoch == 0


def test_a_missing_pruning_metric_is_logged_loudly_once(caplog: pytest.LogCaptureFixture) -> None:
    from harness import LoudPruningCallback

    callback = LoudPruningCallback(optuna.trial.FixedTrial({}), "val_miou")
    with caplog.at_level("ERROR", logger="marsseg"):
        callback.on_epoch_end(0, {"loss": 1.0, "val_mask_miou": 0.3})
        callback.on_epoch_end(1, {"loss": 0.9, "val_mask_miou": 0.4})
    errors = [r for r in caplog.records if "can never be pruned" in r.getMessage()]
    assert len(errors) == 1 and "val_mask_miou" in errors[0].getMessage()


def test_the_final_epoch_is_reported_but_never_pruned() -> None:
    from harness import LoudPruningCallback

    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.ThresholdPruner(lower=0.99))
    trial = study.ask()
    callback = LoudPruningCallback(trial, "val_miou")
    callback.set_params({"epochs": 2})
    with pytest.raises(optuna.TrialPruned):
        callback.on_epoch_end(0, {"val_miou": 0.1})
    callback.on_epoch_end(1, {"val_miou": 0.2})  # last epoch: no exception
    assert study.trials[0].intermediate_values == {0: 0.1, 1: 0.2}


def test_a_stop_signal_ends_training_between_batches_as_an_interrupt(data, monkeypatch) -> None:
    import marsseg_models

    from harness import StopOnSignal
    from harness import StopFlag

    stop = StopFlag()
    callback = StopOnSignal(stop)
    callback.on_train_batch_end(0)  # not set: nothing happens
    stop.set()
    with pytest.raises(KeyboardInterrupt):
        callback.on_train_batch_end(1)

    def crash_in_tensorflow(*args, **kwargs):  # what a Ctrl-C inside a TF op turns into
        raise RuntimeError("pybind11::error_already_set: ... REPLACED BY KeyboardInterrupt")

    monkeypatch.setattr(marsseg_models, "build_model", crash_in_tensorflow)
    study = _study()
    study.enqueue_trial(SMOKE_UNET)
    with pytest.raises(KeyboardInterrupt):
        study.optimize(Objective(ObjectiveContext(get_space("smoke"), data, get_budget("tiny"), stop=stop)), n_trials=1,
                       catch=(Exception,))
    assert study.trials[0].state == TrialState.FAIL
    assert study.trials[0].user_attrs["fail_reason"].startswith("interrupted")


_NOTHING_PINNED = """
import gc, sys, tempfile
import keras, optuna
assert "optuna.artifacts" not in sys.modules  # the first trial must be the one that could be pinned
from harness import Objective, ObjectiveContext, get_budget
from harness.data import load_data
from search_spaces import get_space
optuna.logging.set_verbosity(optuna.logging.ERROR)
study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
study.enqueue_trial(PARAMS)
with tempfile.TemporaryDirectory() as tmp:
    study.optimize(Objective(ObjectiveContext(get_space("smoke"), load_data("synthetic:60"), get_budget("tiny"), artifact_dir=tmp)),
                   n_trials=1)
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, keras.Model)]
print(study.trials[0].state.name, len(alive))
"""


def test_a_finished_trial_leaves_no_model_alive_in_the_worker() -> None:
    """No frame of a trial survives it: optuna.artifacts, first imported inside a trial, used to keep
    its optional backends' ImportError tracebacks, pinning the first trial's model and graphs."""
    import subprocess
    import sys

    script = _NOTHING_PINNED.replace("PARAMS", repr(SMOKE_UNET))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["COMPLETE", "0"], out.stdout
