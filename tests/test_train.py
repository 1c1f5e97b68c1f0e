"""`marsseg train`: one configuration with the single-model recipe, recorded as a trial that
`predict` and `evaluate` use; its deadline, its Ctrl-C (keep the best epoch) and bad requests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pytest
from conftest import one_line_error

from harness.data import save_dataset, synthesize
from studies.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
optuna.logging.set_verbosity(optuna.logging.ERROR)

H, W = 64, 128


def _trials(journal: str, study: str) -> list:
    from harness.common import open_storage

    return optuna.load_study(study_name=study, storage=open_storage(journal)).trials


def _weights_file(artifact_dir: str | Path, artifact_id: str, dest: Path) -> Path:
    """A copy of the artifact under the `.weights.h5` name Keras needs."""
    path = dest / f"{artifact_id}.weights.h5"
    path.write_bytes((Path(artifact_dir) / artifact_id).read_bytes())
    return path


def _softmax_of(configs: dict, weights: Path, images: np.ndarray) -> np.ndarray:
    """The stored configs' model with `weights`, built with marsseg_models directly."""
    import keras
    from marsseg_models import ModelConfig, build_model, inference_model

    keras.backend.clear_session()
    model = inference_model(build_model(ModelConfig(**configs["model"]), input_shape=(H, W, 1), n_classes=5))
    model.load_weights(weights)
    return model.predict(images[..., None].astype(np.float32) / 255.0, verbose=0)


@pytest.mark.slow
def test_train_records_a_trial_that_predict_uses(tmp_path: Path, capsys) -> None:
    journal = str(tmp_path / "j.journal")
    base = ["--storage", journal, "--budget", "tiny", "--data", "synthetic:60"]
    assert main(["train", "--study", "t", "--preset", "U-Net", "--epochs", "2", *base]) == 0
    err = capsys.readouterr().err
    assert "epoch 2: val_miou" in err and "held-out mIoU of trial 0" in err
    (trial,) = _trials(journal, "t")
    ua = trial.user_attrs
    assert trial.state.name == "COMPLETE" and ua["preset"] == "U-Net"
    # the recipe: batch 32, a full pass per epoch, the asked epochs; the budget's fixed width; Table 1's optimiser
    assert (ua["configs"]["train"]["batch_size"], ua["configs"]["train"]["steps_per_epoch"]) == (32, None)
    assert ua["configs"]["train"]["max_epochs"] == 2 and ua["configs"]["train"]["lr"] == 1e-3
    assert ua["configs"]["train"]["lr_patience"] == 4 and ua["configs"]["model"]["base_filters"] == 8
    assert sorted(trial.intermediate_values) == [0, 1] and ua["epochs_run"] == 2
    assert trial.value == max(trial.intermediate_values.values())
    from harness.common import open_storage

    study_attrs = optuna.load_study(study_name="t", storage=open_storage(journal)).user_attrs
    assert study_attrs["budget"] == "tiny" and "heldout_score.0" in study_attrs

    small = synthesize(n_train=4, n_test=6, seed=9)
    test_file = save_dataset(tmp_path / "small.npz", small)
    out = tmp_path / "s.csv"
    assert main(["predict", "--study", "t", "--storage", journal, "--data", str(test_file), "--masks",
                 str(tmp_path / "m.npz"), "-o", str(out), "--class-bias", "none"]) == 0
    assert "masks from trial 0 (tta none)" in capsys.readouterr().err
    weights = _weights_file(study_attrs["artifact_dir"], ua["weights_artifact_id"], tmp_path)
    probs = _softmax_of(ua["configs"], weights, small.test_images)
    with np.load(tmp_path / "m.npz") as npz:
        got = npz["masks"]
    top2 = np.sort(probs, axis=-1)[..., -2:]
    differ = got != probs.argmax(-1)
    assert not (differ & (top2[..., 1] - top2[..., 0] > 1e-4)).any()

    # the same configuration again, from the stored trial, into another study; a deadline already
    # passed ends training with the first epoch
    assert main(["train", "--study", "t2", "--from-trial", "t:0", "--epochs", "3", "--timeout", "0.001", *base]) == 0
    (again,) = _trials(journal, "t2")
    assert again.state.name == "COMPLETE" and again.user_attrs["configs"]["model"] == ua["configs"]["model"]
    assert again.user_attrs["configs"]["train"]["max_epochs"] == 3 and again.user_attrs["epochs_run"] == 1


def test_timed_training_ends_with_the_epoch_that_crosses_the_deadline() -> None:
    import keras

    from harness import StopAtDeadline

    times = iter([1.0, 2.0, 3.0, 4.0, 5.0])
    stopper = StopAtDeadline(deadline=3.0, clock=lambda: next(times))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=10, verbose=0, callbacks=[stopper])
    assert len(history.epoch) == 3 and stopper.stopped_at == 2


def _tiny_plan_configs():
    from harness import TrainConfig, TrialConfigs
    from harness.data import DataConfig
    from marsseg_models import LossConfig, ModelConfig

    return TrialConfigs(model=ModelConfig(family="unet", base_filters=4, depth=2), loss=LossConfig(),
                        data=DataConfig(geometric=False, max_train_images=16, max_val_images=8, seed=0),
                        train=TrainConfig(lr=3e-3, batch_size=4, max_epochs=6, steps_per_epoch=3, seed=0))


@pytest.mark.parametrize("keep", [True, False])
def test_ctrl_c_keeps_the_best_epoch_of_a_planned_trial(tmp_path: Path, keep: bool) -> None:
    from harness import BUDGETS, Objective, ObjectiveContext, StopFlag, TrialPlan, load_inference_model, probs_miou
    from harness.data import prepare_data
    from search_spaces import get_space

    data = synthesize(n_train=30, n_test=0, seed=4)
    stop = StopFlag()  # not installed: the test sets it as a signal handler would
    objective = Objective(ObjectiveContext(get_space("smoke"), data, BUDGETS["tiny"], artifact_dir=str(tmp_path), stop=stop))
    configs = _tiny_plan_configs()
    plan = TrialPlan(configs, keep_on_interrupt=keep, on_epoch=lambda epoch, logs: stop.set() if epoch == 1 else None)
    study = optuna.create_study(direction="maximize")
    trial = study.ask()
    if not keep:
        with pytest.raises(KeyboardInterrupt):
            objective(trial, plan)
        assert "weights_artifact_id" not in study.trials[0].user_attrs
        return
    value = objective(trial, plan)  # interrupted in the first batch of epoch 3
    study.tell(trial, value)
    done = study.trials[0]
    assert done.user_attrs["epochs_run"] == 2 and value == max(done.intermediate_values.values())
    # the stored weights are the best epoch's, not those after the interrupted batch
    weights = _weights_file(tmp_path, done.user_attrs["weights_artifact_id"], tmp_path)
    model = load_inference_model(configs, str(weights), data.image_shape)
    info = prepare_data(data, configs.data).info
    probs = model.predict(info.val_images[..., None].astype(np.float32) / 255.0, verbose=0)
    assert probs_miou(probs, info.val_masks) == pytest.approx(value, abs=1e-4)


def test_bad_train_requests_end_in_one_line(tmp_path: Path, capsys) -> None:
    from harness.common import open_storage
    from studies import StudySettings, create_or_resume

    journal = str(tmp_path / "j.journal")
    base = ["train", "--storage", journal, "--budget", "tiny", "--data", "synthetic:20"]
    err = one_line_error(capsys, [*base, "--study", "a", "--preset", "U-Net", "--timeout", "60", "--schedule",
                                   "cosine"])
    assert "schedule 'cosine' needs its length" in err and "--epochs" in err
    err = one_line_error(capsys, [*base, "--study", "a", "--preset", "U-Net", "--epochs", "2", "--schedule", "timed"])
    assert "runs to the --timeout" in err
    assert "--epochs E, --timeout S" in one_line_error(capsys, [*base, "--study", "a", "--preset", "U-Net"])
    with pytest.raises(SystemExit) as exited:  # argparse: one source only
        main([*base, "--study", "a", "--preset", "U-Net", "--params", "{}", "--epochs", "1"])
    assert exited.value.code == 2 and "not allowed with" in capsys.readouterr().err
    assert "valid rows" in one_line_error(capsys, [*base, "--study", "a", "--preset", "V-Net", "--epochs", "1"])
    assert "unknown parameters" in one_line_error(capsys, [*base, "--study", "a", "--params", '{"x": 1}',
                                                            "--epochs", "1"])
    assert "STUDY:N" in one_line_error(capsys, [*base, "--study", "a", "--from-trial", "a", "--epochs", "1"])
    settings = StudySettings(space="smoke", sampler="random", pruner="none", budget="tiny", data="synthetic:20",
                             seed=0, artifact_dir=str(tmp_path / "art"))
    queued, _ = create_or_resume(open_storage(journal), "q", settings)
    queued.enqueue_trial({"model.family": "unet"})
    err = one_line_error(capsys, [*base, "--study", "q", "--preset", "U-Net", "--epochs", "1"])
    assert "queued trials [0]" in err
    assert [t.state.name for t in _trials(journal, "q")] == ["WAITING"]  # nothing taken from the queue
    assert optuna.get_all_study_names(open_storage(journal)) == ["q"]  # the refused requests made no study
