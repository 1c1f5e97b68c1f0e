"""Contract of every family: build, shapes, softmax, a finite training step, seeded weights, deep supervision."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

keras = pytest.importorskip("keras")
mm = pytest.importorskip("marsseg_models")

TINY = {"base_filters": 4}
OPTION_SPREAD = [
    {"residual": True, "se_levels": 2, "bottleneck": "pp", "dropout": "all", "dropout_rate": 0.2, "depth": 3},
    {"bottleneck": "dilated", "attention_gates": True, "dropout": "deep", "deep_supervision": True, "depth": 3},
    {"normalization": "group", "residual": True, "se_levels": 1, "bottleneck": "aspp", "depth": 5},
    {"normalization": "none", "dropout": "bottleneck", "depth": 2, "deep_supervision": True},
]
# Each family meets every option set once (rotated), and every TABLE1 row is a case.
CASES = [
    pytest.param(mm.ModelConfig(family=f, **TINY, **OPTION_SPREAD[(i + k) % len(OPTION_SPREAD)]), id=f"{f}-{(i + k) % 4}")
    for i, f in enumerate(mm.FAMILIES)
    for k in range(2)
] + [pytest.param(dataclasses.replace(e.config, **TINY), id=f"table1-{k}") for k, e in enumerate(mm.TABLE1)]


ALWAYS_TRAINED_HEADS = {"double_unet": ["stage1"]}  # Jha et al.: network 1 has its own loss


def _build(config: mm.ModelConfig) -> keras.Model:
    keras.utils.set_random_seed(0)
    return mm.build_model(config)


@pytest.fixture(scope="module")
def tiny_data() -> tuple[np.ndarray, np.ndarray]:
    """Six synthetic images and masks (four to train, two to validate)."""
    from harness.data import synthesize

    data = synthesize(6, 0, seed=0)
    return data.images[..., None].astype(np.float32) / 255.0, data.masks.astype(np.int32)


@pytest.mark.parametrize("config", CASES)
def test_family_contract(config: mm.ModelConfig, tiny_data: tuple[np.ndarray, np.ndarray]) -> None:
    """Builds, softmax (N, 64, 128, 5) outputs, seeded weights, and one epoch of training with finite loss."""
    model = _build(config)
    images, masks = tiny_data

    outputs = model(images[:2], training=False)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    always = ["mask", *ALWAYS_TRAINED_HEADS.get(config.family, [])]
    assert model.output_names[: len(always)] == always and len(outputs) == len(model.output_names)
    assert (len(outputs) > len(always)) == config.deep_supervision
    for out in outputs:
        out = np.asarray(out)
        assert out.shape == (2, 64, 128, 5)
        np.testing.assert_allclose(out.sum(axis=-1), 1.0, atol=1e-4)

    again = _build(config)
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)

    train = mm.compile_model(model, mm.LossConfig(), lr=1e-3, weight_decay=1e-4, jit_compile=False)
    train.run_eagerly = True  # tracing a graph for two steps costs far more than it saves
    history = train.fit(images[:4], masks[:4], batch_size=2, epochs=1, validation_data=(images[4:], masks[4:]), verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert 0.0 <= history.history[mm.VAL_MIOU][0] <= 1.0
    assert not np.allclose(model.get_weights()[0], again.get_weights()[0])  # the step changed the weights


@pytest.mark.parametrize("family", list(mm.FAMILIES))
def test_deep_supervision_adds_outputs_only_when_asked(family: str) -> None:
    plain = mm.build_model(mm.ModelConfig(family=family, depth=3, **TINY))
    deep = mm.build_model(mm.ModelConfig(family=family, depth=3, deep_supervision=True, **TINY))
    assert plain.output_names == ["mask", *ALWAYS_TRAINED_HEADS.get(family, [])]
    assert mm.n_outputs(deep) > mm.n_outputs(plain)
    assert deep.outputs[0].shape == plain.outputs[0].shape
    assert mm.inference_model(deep).output.shape == (None, 64, 128, 5)
    assert mm.inference_model(mm.training_model(deep)).output.shape == (None, 64, 128, 5)


@pytest.mark.parametrize("family", ["double_unet"])  # the wrapped, two-head case
def test_the_first_traced_step_creates_no_variables_and_trains_as_keras_would(
        family: str, tiny_data: tuple[np.ndarray, np.ndarray]) -> None:
    """`compile_model` builds AdamW's slots up front, so TensorFlow traces the step once; same weights after.

    Keras' TensorFlow backend creates the slots inside the first traced step (`build_optimizer=False`
    keeps that), which makes TensorFlow trace the step a second time.
    """
    import tensorflow as tf

    images, masks = tiny_data
    config = mm.ModelConfig(family=family, depth=2, **TINY)
    weights, created = {}, {}
    for build_optimizer in (True, False):
        train = mm.compile_model(_build(config), mm.LossConfig(), lr=1e-2, weight_decay=1e-4, jit_compile=False,
                                 build_optimizer=build_optimizer)
        names: list[str] = []

        def creator(next_creator, names=names, **kwargs):
            names.append(kwargs.get("name"))
            return next_creator(**kwargs)

        with tf.variable_creator_scope(creator):
            train.train_on_batch(images[:2], masks[:2])
        train.train_on_batch(images[2:4], masks[2:4])
        created[build_optimizer], weights[build_optimizer] = names, train.get_weights()
    assert created[True] == []
    n_trainable = len(train.trainable_variables)
    assert len(created[False]) == 2 * n_trainable  # Adam's momentum and velocity, made during the trace
    for a, b in zip(weights[True], weights[False], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
