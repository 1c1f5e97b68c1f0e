"""U-Net++ (Zhou et al. 2018): nested, dense skip pathways between encoder and decoder."""

from __future__ import annotations

from keras import layers

from marsseg_models._blocks import bottleneck, conv_block, head, level_options, up
from marsseg_models._config import ModelConfig, bottleneck_size
from marsseg_models._unet import encoder, merge_skip


def build_unet_pp(inputs, config: ModelConfig, n_classes: int) -> list:
    """Node X[i][j] merges X[i][0..j-1] with the upsampled X[i+1][j-1]; heads on X[0][1..depth]."""
    x, skips = encoder(inputs, config)
    nodes = {(i, 0): skips[i] for i in range(config.depth)}
    nodes[(config.depth, 0)] = bottleneck(x, config.base_filters * 2**config.depth, config, bottleneck_size(inputs, config.depth))
    for j in range(1, config.depth + 1):
        for i in range(config.depth - j + 1):
            filters = config.base_filters * 2**i
            same_level = [nodes[(i, k)] for k in range(j)]
            skip = same_level[0] if j == 1 else layers.Concatenate()(same_level)
            merged = merge_skip(skip, up(nodes[(i + 1, j - 1)], filters), config)
            nodes[(i, j)] = conv_block(merged, filters, config, **level_options(config, i, decoder=True))
    outputs = [head(nodes[(0, config.depth)], n_classes, "mask")]
    if config.deep_supervision:
        outputs += [head(nodes[(0, j)], n_classes, f"aux_{j}") for j in range(1, config.depth)]
    return outputs
