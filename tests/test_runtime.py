"""Mixed precision: chosen only where a GPU is visible, and the models train under it."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")


@pytest.fixture
def restore_policy():
    before = keras.mixed_precision.global_policy().name
    yield
    keras.mixed_precision.set_global_policy(before)


def test_mixed_precision_stays_off_without_a_gpu(restore_policy, monkeypatch) -> None:
    import tensorflow as tf

    from harness import use_mixed_precision_if_gpu

    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [])
    assert use_mixed_precision_if_gpu() is False
    assert keras.mixed_precision.global_policy().name == "float32"


def test_mixed_precision_is_chosen_where_a_gpu_is_visible(restore_policy, monkeypatch) -> None:
    import tensorflow as tf

    from harness import use_mixed_precision_if_gpu

    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: ["GPU:0"] if kind == "GPU" else [])
    assert use_mixed_precision_if_gpu() is True
    assert keras.mixed_precision.global_policy().name == "mixed_float16"


def test_a_deep_supervision_model_trains_with_finite_loss_under_mixed_float16(restore_policy) -> None:
    from marsseg_models import LossConfig, ModelConfig, build_model, compile_model

    keras.mixed_precision.set_global_policy("mixed_float16")
    config = ModelConfig(family="unet_pp", depth=2, base_filters=4, deep_supervision=True)
    model = compile_model(build_model(config, input_shape=(16, 32, 1)), LossConfig(), lr=1e-3, weight_decay=1e-4)
    rng = np.random.default_rng(0)
    x = rng.random((4, 16, 32, 1), dtype=np.float32)
    y = rng.integers(0, 5, size=(4, 16, 32)).astype(np.int32)
    assert model.output.dtype == "float32"
    logs = model.train_on_batch(x, y, return_dict=True)
    assert np.isfinite(logs["loss"])
