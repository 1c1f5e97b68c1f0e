"""The serial Double U-Net is Jha et al. 2020's: foreground gating, skips from both encoders, a trained first head."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
mm = pytest.importorskip("marsseg_models")

DEPTH = 2
CONFIG = mm.ModelConfig(family="double_unet", depth=DEPTH, base_filters=4)


@pytest.fixture(scope="module")
def model() -> keras.Model:
    keras.utils.set_random_seed(0)
    return mm.build_model(CONFIG)


def _producers(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    """The layers whose outputs `layer` takes as inputs (every layer here is called once)."""
    inputs = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
    return [t._keras_history.operation for t in inputs]


def _ancestors(layer: keras.layers.Layer) -> set[str]:
    seen: set[str] = set()
    stack = [layer]
    while stack:
        for parent in _producers(stack.pop()):
            if parent.name not in seen and not isinstance(parent, keras.layers.InputLayer):
                seen.add(parent.name)
                stack.append(parent)
    return seen


def _encoder_skips(model: keras.Model, network: set[str]) -> set[str]:
    """Encoder block outputs (the inputs of max-pooling layers) among the layers named in `network`."""
    pools = [layer for layer in model.layers if isinstance(layer, keras.layers.MaxPooling2D) and layer.name in network]
    return {_producers(pool)[0].name for pool in pools}


def test_network_two_sees_the_input_times_the_foreground_map_of_network_one(model: keras.Model) -> None:
    probe = keras.Model(model.input, [model.get_layer("stage1").output, model.get_layer("gated_input").output])
    images = np.random.default_rng(0).uniform(size=(2, 64, 128, 1)).astype(np.float32)
    stage1, gated = (np.asarray(t) for t in probe(images, training=False))
    np.testing.assert_allclose(gated, images * (1.0 - stage1[..., :1]), rtol=1e-6, atol=1e-6)
    assert np.ptp(stage1[..., 0]) > 0  # a non-constant map, so the check is not a scaling by one number
    consumers_of_gate = [layer for layer in model.layers if model.get_layer("gated_input") in _producers(layer)]
    assert [type(layer) for layer in consumers_of_gate] == [keras.layers.Conv2D]  # encoder 2's first convolution
    consumers_of_image = {layer.name for layer in model.layers[1:] if model.get_layer("image") in _producers(layer)}
    assert "gated_input" in consumers_of_image and len(consumers_of_image) == 2  # network 1's first conv and the gate


def test_decoder_two_concatenates_skips_of_both_encoders_at_every_level(model: keras.Model) -> None:
    network1 = _ancestors(model.get_layer("stage1"))
    network2 = _ancestors(model.get_layer("mask")) - network1 - {"stage1"}
    skips1, skips2 = _encoder_skips(model, network1), _encoder_skips(model, network2)
    assert len(skips1) == len(skips2) == DEPTH
    decoder2 = [layer for layer in model.layers if isinstance(layer, keras.layers.Concatenate) and layer.name in network2]
    assert len(decoder2) == DEPTH
    used1 = set()
    for concat in decoder2:
        names = {p.name for p in _producers(concat)}
        assert len(names & skips1) == 1 and len(names & skips2) == 1, names
        used1 |= names & skips1
        shapes = {tuple(model.get_layer(n).output.shape[1:3]) for n in names}
        assert len(shapes) == 1  # the two skips and the upsampled tensor share one resolution
    assert used1 == skips1
    decoder1 = [layer for layer in model.layers if isinstance(layer, keras.layers.Concatenate) and layer.name in network1]
    assert all(not {p.name for p in _producers(c)} & skips2 for c in decoder1)


def test_first_head_is_trained_but_left_out_of_the_inference_model(model: keras.Model) -> None:
    assert mm.n_outputs(model) == 2
    deep = mm.build_model(mm.ModelConfig(family="double_unet", depth=DEPTH, base_filters=4, deep_supervision=True))
    assert mm.n_outputs(deep) == 2 + DEPTH - 1  # stage1 stays when the decoder heads are added
    infer = mm.inference_model(model)
    assert len(infer.outputs) == 1 and infer.outputs[0].shape == (None, 64, 128, 5)

    images = np.random.default_rng(1).uniform(size=(2, 64, 128, 1)).astype(np.float32)
    masks = np.random.default_rng(2).integers(0, 5, (2, 64, 128)).astype(np.int32)
    train = mm.training_model(model)
    stage1 = np.asarray(keras.Model(model.input, model.get_layer("stage1").output)(images, training=False))
    np.testing.assert_allclose(np.asarray(train(images, training=False))[..., 5:], stage1, atol=1e-6)

    head1 = _producers(model.get_layer("stage1"))[0]  # the 1x1 convolution of network 1's head
    loss = mm.build_loss(mm.LossConfig())
    with tf.GradientTape() as tape:
        out = train(images, training=True)
        aux_part = loss(masks, out) - loss(masks, out[..., :5])
    grads = tape.gradient(aux_part, head1.trainable_weights)
    assert float(aux_part) > 0
    assert all(np.isfinite(g.numpy()).all() for g in grads) and np.abs(grads[0].numpy()).sum() > 0
