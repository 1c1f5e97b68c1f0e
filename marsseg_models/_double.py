"""Double U-Nets: two U-Net bases chained (Jha et al. 2020, no pretrained encoder) or side by side.

Serial (`double_unet`), as in Jha et al. 2020 with a 5-class softmax instead of a sigmoid:
network 1 (encoder 1, decoder 1) ends in its own softmax head "stage1"; network 2 sees the
input multiplied by network 1's foreground map 1 - p(background) (layer "gated_input");
decoder 2 concatenates, at every level, the skips of encoder 1 and of encoder 2; the main
head "mask" is network 2's. "stage1" is always a training output with its own loss: it is
the first auxiliary head (`SegmentationLoss` gives the auxiliary heads `AUX_LOSS_WEIGHT`
together) and `inference_model` drops it.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from marsseg_models._blocks import conv_block, head
from marsseg_models._config import ModelConfig
from marsseg_models._unet import aux_heads, unet_base

LOCAL_DEPTH_REDUCTION = 2  # the local branch is this many levels shallower than the global one
STAGE1_OUTPUT = "stage1"
GATED_INPUT = "gated_input"


@keras.saving.register_keras_serializable(package="marsseg")
class ForegroundGate(layers.Layer):
    """`[image, probs]` -> image * (1 - probs[..., 0]): the input seen through a foreground map."""

    def call(self, inputs):
        image, probs = inputs
        return image * (1.0 - ops.cast(probs[..., :1], image.dtype))


def build_double_unet(inputs, config: ModelConfig, n_classes: int) -> list:
    """Serial: network 2 sees input * (1 - p_bg of network 1); decoder 2 gets both encoders' skips."""
    first = unet_base(inputs, config)
    stage1 = head(first.features, n_classes, STAGE1_OUTPUT)
    gated = ForegroundGate(name=GATED_INPUT)([inputs, stage1])
    second = unet_base(gated, config, extra_skips=first.skips)
    outputs = [head(second.features, n_classes, "mask"), stage1]
    if config.deep_supervision:
        outputs += aux_heads(second.aux_features, n_classes, "aux_")
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
