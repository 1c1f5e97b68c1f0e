"""Contract of every family: build, shapes, softmax, a finite training step, seeded weights, deep supervision."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

keras = pytest.importorskip("keras")
mm = pytest.importorskip("marsseg_models")

TINY = {"base_filters": 4}
OPTION_SPREAD = [
    {},
    {"residual": True, "se_levels": 2, "bottleneck": "aspp"},
    {"bottleneck": "pp", "attention_gates": True, "dropout": "all", "dropout_rate": 0.2},
    {"bottleneck": "dilated", "dropout": "deep", "deep_supervision": True, "depth": 3},
    {"normalization": "group", "residual": True, "se_levels": 1, "depth": 5},
    {"normalization": "none", "dropout": "bottleneck", "depth": 2},
]
CASES = [
    pytest.param(mm.ModelConfig(family=f, **TINY, **opts), id=f"{f}-{i}")
    for f in mm.FAMILIES
    for i, opts in enumerate(OPTION_SPREAD)
] + [pytest.param(dataclasses.replace(e.config, **TINY), id=f"table1-{k}") for k, e in enumerate(mm.TABLE1)]


def _build(config: mm.ModelConfig) -> keras.Model:
    keras.utils.set_random_seed(0)
    return mm.build_model(config)


@pytest.mark.parametrize("config", CASES)
def test_family_contract(config: mm.ModelConfig) -> None:
    model = _build(config)
    images = np.random.default_rng(0).random((2, 64, 128, 1), dtype=np.float32)
    masks = np.random.default_rng(1).integers(0, 5, (2, 64, 128)).astype(np.int32)

    outputs = model(images, training=False)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    assert len(outputs) > 1 if config.deep_supervision else len(outputs) == 1
    for out in outputs:
        out = np.asarray(out)
        assert out.shape == (2, 64, 128, 5)
        np.testing.assert_allclose(out.sum(axis=-1), 1.0, atol=1e-4)

    again = _build(config)
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)

    train = mm.compile_model(model, mm.LossConfig(), lr=1e-3, weight_decay=1e-4, jit_compile=False)
    loss = train.train_on_batch(images, masks, return_dict=True)["loss"]
    assert np.isfinite(loss)


@pytest.mark.parametrize("family", list(mm.FAMILIES))
def test_deep_supervision_adds_outputs_only_when_asked(family: str) -> None:
    plain = mm.build_model(mm.ModelConfig(family=family, depth=3, **TINY))
    deep = mm.build_model(mm.ModelConfig(family=family, depth=3, deep_supervision=True, **TINY))
    assert mm.n_outputs(plain) == 1
    assert mm.n_outputs(deep) > 1
    assert deep.outputs[0].shape == plain.outputs[0].shape
    assert mm.inference_model(deep).output.shape == (None, 64, 128, 5)
    assert mm.inference_model(mm.training_model(deep)).output.shape == (None, 64, 128, 5)


@pytest.mark.slow
@pytest.mark.parametrize("entry", mm.TABLE1, ids=[e.name for e in mm.TABLE1])
def test_table1_config_trains_one_epoch_on_synthetic_data(entry: mm.Table1Entry) -> None:
    from harness import synthesize

    data = synthesize(8, 0, seed=0)
    images = data.images[..., None].astype(np.float32) / 255.0
    masks = data.masks.astype(np.int32)
    model = mm.build_model(dataclasses.replace(entry.config, base_filters=4))
    train = mm.compile_model(model, mm.LossConfig(), lr=1e-3, weight_decay=1e-4, jit_compile=False)
    history = train.fit(images[:6], masks[:6], batch_size=2, epochs=1, validation_data=(images[6:], masks[6:]), verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert 0.0 <= history.history[mm.VAL_MIOU][0] <= 1.0
