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


def test_auto_precision_is_float16_on_a_gpu_bfloat16_on_an_amx_cpu_and_float32_on_other_cpus() -> None:
    assert auto_precision(gpu=True) == auto_precision(gpu=True, amx_bf16=True) == "float16"
    assert auto_precision(gpu=False, amx_bf16=True) == "bfloat16"
    assert auto_precision(gpu=False) == "float32"


SAPPHIRE_RAPIDS = "fpu vme sse2 avx2 fma avx512f avx512_bf16 amx_bf16 amx_tile amx_int8"
ZEN4 = "fpu vme sse2 avx2 fma avx512f avx512_bf16"
ZEN3 = "fpu vme sse2 avx2 fma"


@pytest.mark.parametrize("flags, amx, emulated", [(SAPPHIRE_RAPIDS, True, False), (ZEN4, False, False),
                                                  (ZEN3, False, True)])
def test_cpu_flags_are_read_from_cpuinfo(tmp_path, flags, amx, emulated) -> None:
    from marsseg_models import bfloat16_emulated, cpu_flags

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("".join(f"processor\t: {n}\nmodel name\t: X\nflags\t\t: {flags}\n\n" for n in range(2)))
    read = cpu_flags(cpuinfo)
    assert read == frozenset(flags.split())
    assert ("amx_bf16" in read, bfloat16_emulated(read)) == (amx, emulated)
    assert cpu_flags(tmp_path / "absent") == frozenset()


def test_asking_for_bfloat16_on_a_cpu_that_emulates_it_warns(monkeypatch, caplog) -> None:
    import argparse

    import marsseg_models
    from studies._cli import _use_precision

    monkeypatch.delenv(PRECISION_ENV, raising=False)
    for flags, warned in ((ZEN3, True), (ZEN4, False), (SAPPHIRE_RAPIDS, False)):
        monkeypatch.setattr(marsseg_models, "cpu_flags", lambda flags=flags: frozenset(flags.split()))
        caplog.clear()
        _use_precision(argparse.Namespace(precision="bfloat16"))
        assert ("emulated" in caplog.text) is warned
        caplog.clear()
        _use_precision(argparse.Namespace(precision="float32"))
        assert "emulated" not in caplog.text


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
def test_a_tiny_trial_completes_on_each_precision_path_and_records_it(precision, restore_policy, tmp_path) -> None:
    import optuna

    if precision == "float16" and not _has_gpu():
        pytest.skip("float16 is the GPU path (auto picks it only where a GPU is visible)")
    from optuna.trial import TrialState

    from harness import Objective, ObjectiveContext, get_budget
    from harness.data import load_data
    from search_spaces import get_space

    keras.mixed_precision.set_global_policy("float32")
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.NopPruner(),
                                sampler=optuna.samplers.RandomSampler(seed=0))
    data = load_data("synthetic:120")
    objective = Objective(ObjectiveContext(get_space("smoke"), data, get_budget("tiny"), precision=precision,
                          artifact_dir=str(tmp_path / "artifacts")))
    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state == TrialState.COMPLETE, trial.user_attrs
    assert trial.user_attrs["precision"] == precision
    assert 0.0 <= trial.value <= 1.0 and len(trial.intermediate_values) == 3
    assert keras.mixed_precision.global_policy().name == "float32"  # nothing leaks to the next trial

    # What `marsseg predict` does with the artifacts: float32 weights, rebuilt in float32, and
    # the preview saved by the trial's own (mixed-precision) model agrees with their labels.
    from harness import TrialConfigs, load_inference_model
    from harness.common.attrs import CONFIGS, PREDICTIONS_ARTIFACT, WEIGHTS_ARTIFACT
    from studies._weights import fetch_weights

    store_dir, preview_file = str(tmp_path / "artifacts"), tmp_path / "preview.npz"
    weights = fetch_weights(store_dir, trial.user_attrs[WEIGHTS_ARTIFACT], "trial 0", tmp_path)
    optuna.artifacts.download_artifact(artifact_store=optuna.artifacts.FileSystemArtifactStore(store_dir),
                                       artifact_id=trial.user_attrs[PREDICTIONS_ARTIFACT], file_path=str(preview_file))
    model = load_inference_model(TrialConfigs.from_dict(trial.user_attrs[CONFIGS]), str(weights), data.image_shape)
    preview = np.load(preview_file)
    probs = model.predict(preview["images"][..., None].astype("float32") / 255.0, verbose=0)
    assert probs.dtype == np.float32 and np.isfinite(probs).all()
    agreement = float((probs.argmax(-1) == preview["preds"]).mean())
    assert agreement >= (0.999 if precision == "float32" else 0.95), agreement


def test_an_unknown_precision_flag_is_a_usage_error_listing_the_choices(capsys) -> None:
    from studies.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["worker", "--study", "s", "--storage", "x.journal", "--precision", "fp8"])
    assert exit_info.value.code == 2
    assert "auto, float32, bfloat16, float16" in capsys.readouterr().err.replace("'", "")
