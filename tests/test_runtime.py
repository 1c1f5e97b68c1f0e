"""Training precision: resolved per device kind and CPU features, scoped per trial, and every
supported path trains a `tiny` trial."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from marsseg_models import (  # noqa: E402
    PRECISION_ENV,
    PRECISIONS,
    auto_precision,
    precision_policy,
    resolve_precision,
)


@pytest.fixture
def restore_policy():
    before = keras.mixed_precision.global_policy().name
    yield
    keras.mixed_precision.set_global_policy(before)


def test_auto_precision_is_float16_on_a_gpu_and_float32_on_any_cpu() -> None:
    # bfloat16 stays opt-in on CPUs: its whole-trial gain was not reliable (BENCHMARKS.md)
    assert (auto_precision(True), auto_precision(False)) == ("float16", "float32")


def test_unknown_precision_fails_listing_the_valid_ones(monkeypatch) -> None:
    with pytest.raises(ValueError, match="auto, float32, bfloat16, float16"):
        resolve_precision("fp8")
    monkeypatch.setenv(PRECISION_ENV, "half")
    with pytest.raises(ValueError, match="'half'"):
        resolve_precision()


def test_precision_comes_from_the_argument_then_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(PRECISION_ENV, "float16")
    assert resolve_precision() == "float16"
    assert resolve_precision("bfloat16") == "bfloat16"
    monkeypatch.delenv(PRECISION_ENV)
    assert resolve_precision() in PRECISIONS


def test_precision_policy_is_restored_after_the_block_even_on_error(restore_policy) -> None:
    keras.mixed_precision.set_global_policy("float32")
    with pytest.raises(RuntimeError):
        with precision_policy("bfloat16") as policy:
            assert policy == "mixed_bfloat16" == keras.mixed_precision.global_policy().name
            raise RuntimeError
    assert keras.mixed_precision.global_policy().name == "float32"


def test_a_deep_supervision_model_trains_with_finite_loss_under_mixed_float16(restore_policy) -> None:
    from marsseg_models import LossConfig, ModelConfig, build_model, compile_model

    config = ModelConfig(family="unet_pp", depth=2, base_filters=4, deep_supervision=True)
    with precision_policy("float16"):
        model = compile_model(build_model(config, input_shape=(16, 32, 1)), LossConfig(), lr=1e-3, weight_decay=1e-4)
    rng = np.random.default_rng(0)
    x = rng.random((4, 16, 32, 1), dtype=np.float32)
    y = rng.integers(0, 5, size=(4, 16, 32)).astype(np.int32)
    assert model.output.dtype == "float32"
    logs = model.train_on_batch(x, y, return_dict=True)
    assert np.isfinite(logs["loss"])


def _has_gpu() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


@pytest.mark.slow
@pytest.mark.parametrize("precision", list(PRECISIONS))
def test_a_tiny_trial_completes_on_each_precision_path_and_records_it(precision, restore_policy) -> None:
    import optuna

    if precision == "float16" and not _has_gpu():
        pytest.skip("float16 is the GPU path (auto picks it only where a GPU is visible)")
    from optuna.trial import TrialState

    from harness import Objective, get_budget
    from harness.data import load_data
    from search_spaces import get_space

    keras.mixed_precision.set_global_policy("float32")
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.NopPruner(),
                                sampler=optuna.samplers.RandomSampler(seed=0))
    objective = Objective(get_space("smoke"), load_data("synthetic:120"), get_budget("tiny"), precision=precision)
    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state == TrialState.COMPLETE, trial.user_attrs
    assert trial.user_attrs["precision"] == precision
    assert 0.0 <= trial.value <= 1.0 and len(trial.intermediate_values) == 3
    assert keras.mixed_precision.global_policy().name == "float32"  # nothing leaks to the next trial


def test_an_unknown_precision_flag_is_a_usage_error_listing_the_choices(capsys) -> None:
    from studies.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["worker", "--study", "s", "--storage", "x.journal", "--precision", "fp8"])
    assert exit_info.value.code == 2
    assert "auto, float32, bfloat16, float16" in capsys.readouterr().err.replace("'", "")
