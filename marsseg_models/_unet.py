"""U-Net (Ronneberger et al. 2015): a head-less base network and the full model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from keras import layers

from marsseg_models._blocks import attention_gate, bottleneck, conv_block, head, level_options, up
from marsseg_models._config import ModelConfig, bottleneck_size


class BaseOutput(NamedTuple):
    """Last decoder features, (features, upsample factor) of coarser decoder levels (deepest
    first), and the encoder's skip tensors (fine to coarse)."""

    features: object
    aux_features: list
    skips: list


def encoder(x, config: ModelConfig):
    """Conv blocks with 2x2 max-pooling; returns (bottleneck input, skips from fine to coarse)."""
    skips = []
    for level in range(config.depth):
        x = conv_block(x, config.base_filters * 2**level, config, **level_options(config, level, decoder=False))
        skips.append(x)
        x = layers.MaxPooling2D(2)(x)
    return x, skips


def merge_skip(skip, upsampled, config: ModelConfig, *more_skips):
    """Concatenate the upsampled decoder tensor with one or more skips (each attention-gated when configured)."""
    skips = [skip, *more_skips]
    if config.attention_gates:
        skips = [attention_gate(s, upsampled) for s in skips]
    return layers.Concatenate()([upsampled, *skips])


def unet_base(x, config: ModelConfig, extra_skips: Sequence = ()) -> BaseOutput:
    """Encoder, bottleneck and decoder without a head.

    `extra_skips` (fine to coarse, one per level, e.g. another encoder's `BaseOutput.skips`)
    are concatenated into each decoder level beside this network's own skip.
    """
    if extra_skips and len(extra_skips) != config.depth:
        raise ValueError(f"extra_skips needs one tensor per level ({config.depth}), got {len(extra_skips)}")
    bottleneck_hw = bottleneck_size(x, config.depth)
    x, skips = encoder(x, config)
    x = bottleneck(x, config.base_filters * 2**config.depth, config, bottleneck_hw)
    aux = []
    for level in reversed(range(config.depth)):
        filters = config.base_filters * 2**level
        more = (extra_skips[level],) if extra_skips else ()
        x = merge_skip(skips[level], up(x, filters), config, *more)
        x = conv_block(x, filters, config, **level_options(config, level, decoder=True))
        if level > 0:
            aux.append((x, 2**level))
    return BaseOutput(x, aux, skips)


def aux_heads(aux: list, n_classes: int, prefix: str) -> list:
    """Softmax heads on coarse decoder features, upsampled to the input size."""
    return [head(f, n_classes, f"{prefix}{i + 1}", upsample=s) for i, (f, s) in enumerate(aux)]


def build_unet(inputs, config: ModelConfig, n_classes: int) -> list:
    """Outputs of a U-Net: the main mask, then the auxiliary heads when deep supervision is on."""
    base = unet_base(inputs, config)
    outputs = [head(base.features, n_classes, "mask")]
    if config.deep_supervision:
        outputs += aux_heads(base.aux_features, n_classes, "aux_")
    return outputs


__all__ = ["BaseOutput", "aux_heads", "build_unet", "unet_base"]
