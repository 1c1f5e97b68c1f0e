"""Double U-Nets: two U-Net bases chained (Jha et al. 2020, no pretrained encoder) or side by side."""

from __future__ import annotations

from keras import layers

from marsseg_models._blocks import conv_block, head
from marsseg_models._config import ModelConfig
from marsseg_models._unet import aux_heads, unet_base

LOCAL_DEPTH_REDUCTION = 2  # the local branch is this many levels shallower than the global one


def build_double_unet(inputs, config: ModelConfig, n_classes: int) -> list:
    """Serial: the second U-Net sees the input concatenated with the first U-Net's softmax."""
    first = unet_base(inputs, config)
    stage1 = head(first.features, n_classes, "stage1")
    second = unet_base(layers.Concatenate()([inputs, stage1]), config)
    outputs = [head(second.features, n_classes, "mask")]
    if config.deep_supervision:
        outputs += [stage1] + aux_heads(second.aux_features, n_classes, "aux_")
    return outputs


def build_double_unet_parallel(inputs, config: ModelConfig, n_classes: int) -> list:
    """Parallel: a global U-Net and a shallower local U-Net on the same input, fused by a conv block."""
    glob = unet_base(inputs, config)
    local = unet_base(inputs, config.with_depth(max(1, config.depth - LOCAL_DEPTH_REDUCTION)))
    fused = conv_block(layers.Concatenate()([glob.features, local.features]), config.base_filters, config)
    outputs = [head(fused, n_classes, "mask")]
    if config.deep_supervision:
        outputs += [head(glob.features, n_classes, "aux_global"), head(local.features, n_classes, "aux_local")]
        outputs += aux_heads(glob.aux_features, n_classes, "aux_")
    return outputs
