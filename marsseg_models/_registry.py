"""`FAMILIES` registry and the `build_model` entry point."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

import keras

from marsseg_models._config import FAMILY_NAMES, ModelConfig, check_input_shape
from marsseg_models._double import build_double_unet, build_double_unet_parallel
from marsseg_models._unet import build_unet
from marsseg_models._unet_pp import build_unet_pp

Builder = Callable[[object, ModelConfig, int], list]

FAMILIES: MappingProxyType[str, Builder] = MappingProxyType(
    {
        "unet": build_unet,
        "unet_pp": build_unet_pp,
        "double_unet": build_double_unet,
        "double_unet_parallel": build_double_unet_parallel,
    }
)
assert tuple(FAMILIES) == FAMILY_NAMES


def build_model(config: ModelConfig, input_shape: tuple[int, int, int] = (64, 128, 1), n_classes: int = 5) -> keras.Model:
    """Build the network of `config`: softmax output (H, W, n_classes) named "mask".

    Auxiliary heads (all (H, W, n_classes) softmax maps) follow the main one: the serial
    Double U-Net's first-network head "stage1" always, and the decoders' heads with
    `config.deep_supervision`; `compile_model` trains them and `inference_model` strips them.
    """
    if not isinstance(config, ModelConfig):
        raise TypeError(f"config must be a ModelConfig, got {type(config).__name__}")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    check_input_shape(config, tuple(input_shape))
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    outputs = FAMILIES[config.family](inputs, config, n_classes)
    return keras.Model(inputs, outputs if len(outputs) > 1 else outputs[0], name=config.family)
