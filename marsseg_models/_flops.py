"""A model's training cost per image, counted from its layers: machine-independent, so cost-based
rungs decide the same on any machine and in a replay of recorded curves (seconds would not)."""

from __future__ import annotations

from typing import Any

import keras


def forward_gflop(model: Any) -> float:
    """Forward GFLOP per image of `model`'s convolutions: 2 * output pixels * k_h * k_w * C_in *
    C_out / groups over every (transposed, depthwise) conv layer, nested models included. The
    convolutions are all but a few percent of these networks' arithmetic (bench_trial.py)."""
    total = 0.0
    for layer in _leaf_layers(model):
        if isinstance(layer, keras.layers.Conv2DTranspose):
            _, h, w, c_in = layer.input.shape
            kh, kw = layer.kernel_size
            total += 2.0 * h * w * kh * kw * c_in * layer.filters
        elif isinstance(layer, keras.layers.DepthwiseConv2D):
            _, h, w, c = layer.output.shape
            kh, kw = layer.kernel_size
            total += 2.0 * h * w * kh * kw * c
        elif isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw = layer.kernel_size
            total += 2.0 * h * w * kh * kw * layer.input.shape[-1] * c_out / layer.groups
    return total / 1e9


def _leaf_layers(model: Any) -> list[Any]:
    layers = []
    for layer in model.layers:
        layers.extend(_leaf_layers(layer) if hasattr(layer, "layers") else [layer])
    return layers
