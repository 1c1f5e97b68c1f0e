"""Small building blocks shared by every family: conv blocks, SE, attention gate, bottlenecks, heads."""

from __future__ import annotations

import math

from keras import layers

from marsseg_models._config import DEEP_DROPOUT_LEVELS, ModelConfig


def normalize(x, config: ModelConfig):
    """The configured normalization (batch with config.bn_momentum, group, or none)."""
    if config.normalization == "batch":
        return layers.BatchNormalization(momentum=config.bn_momentum)(x)
    if config.normalization == "group":
        return layers.GroupNormalization(groups=math.gcd(8, x.shape[-1]))(x)
    return x


def conv3x3(filters: int, config: ModelConfig, dilation: int = 1) -> layers.Conv2D:
    """3x3 "same" convolution, with a bias only when there is no normalization after it."""
    return layers.Conv2D(filters, 3, padding="same", dilation_rate=dilation, use_bias=config.normalization == "none")


def conv_norm_act(x, filters: int, config: ModelConfig, dilation: int = 1):
    """3x3 convolution, normalization, ReLU."""
    return layers.Activation("relu")(normalize(conv3x3(filters, config, dilation)(x), config))


def se_block(x, ratio: int = 8):
    """Squeeze-and-Excite: re-weight channels from their global average."""
    channels = x.shape[-1]
    s = layers.GlobalAveragePooling2D(keepdims=True)(x)
    s = layers.Dense(max(1, channels // ratio), activation="relu")(s)
    s = layers.Dense(channels, activation="sigmoid")(s)
    return layers.Multiply()([x, s])


def conv_block(x, filters: int, config: ModelConfig, *, se: bool = False, dropout: bool = False, dilation: int = 1):
    """Two conv-norm-ReLU layers, residual when configured, then optional SE and dropout."""
    shortcut = x
    y = conv_norm_act(x, filters, config, dilation)
    if config.residual:
        y = normalize(conv3x3(filters, config, dilation)(y), config)
        if shortcut.shape[-1] != filters:
            shortcut = normalize(layers.Conv2D(filters, 1, use_bias=False)(shortcut), config)
        y = layers.Activation("relu")(layers.Add()([y, shortcut]))
    else:
        y = conv_norm_act(y, filters, config, dilation)
    return se_dropout(y, config, se=se, dropout=dropout)


def se_dropout(x, config: ModelConfig, *, se: bool, dropout: bool):
    """Optional Squeeze-and-Excite, then dropout at config.dropout_rate (none at rate 0)."""
    if se:
        x = se_block(x)
    if dropout and config.dropout_rate > 0:
        x = layers.Dropout(config.dropout_rate)(x)
    return x


def attention_gate(skip, gate):
    """Additive attention gate (Oktay et al.): scale `skip` by a map computed with `gate` (same size)."""
    inter = max(1, skip.shape[-1] // 2)
    theta = layers.Conv2D(inter, 1)(skip)
    phi = layers.Conv2D(inter, 1)(gate)
    psi = layers.Activation("relu")(layers.Add()([theta, phi]))
    psi = layers.Conv2D(1, 1, activation="sigmoid")(psi)
    return layers.Multiply()([skip, psi])


def up(x, filters: int):
    """Double the spatial size with a learned 2x2 transposed convolution."""
    return layers.Conv2DTranspose(filters, 2, strides=2, padding="same")(x)


def aspp_rates(bottleneck_hw: tuple[int, int]) -> tuple[int, ...]:
    """Atrous rates whose 3x3 taps stay mostly inside a bottleneck of this size (1, 2 at 4x8)."""
    limit = max(1, min(bottleneck_hw) // 2)
    return tuple(r for r in (1, 2, 4, 6, 12, 18) if r <= limit)[:3]


def pyramid_bins(bottleneck_hw: tuple[int, int]) -> tuple[int, ...]:
    """Pyramid pooling grid sizes that divide the bottleneck exactly (1, 2, 4 at 4x8)."""
    h, w = bottleneck_hw
    return tuple(b for b in (1, 2, 4, 8) if h % b == 0 and w % b == 0)


def aspp(x, filters: int, config: ModelConfig, bottleneck_hw: tuple[int, int]):
    """Atrous Spatial Pyramid Pooling (Chen et al. 2017): 1x1, atrous 3x3 branches, image pooling."""
    branches = [layers.Activation("relu")(normalize(layers.Conv2D(filters, 1, use_bias=False)(x), config))]
    branches += [conv_norm_act(x, filters, config, dilation=r) for r in aspp_rates(bottleneck_hw)]
    pooled = layers.GlobalAveragePooling2D(keepdims=True)(x)
    pooled = layers.Conv2D(filters, 1, activation="relu")(pooled)
    branches.append(layers.UpSampling2D(size=bottleneck_hw)(pooled))
    y = layers.Concatenate()(branches)
    return layers.Activation("relu")(normalize(layers.Conv2D(filters, 1, use_bias=False)(y), config))


def pyramid_pooling(x, filters: int, config: ModelConfig, bottleneck_hw: tuple[int, int]):
    """Pyramid pooling (PSPNet): average-pool to b x b grids, 1x1 conv, upsample, concatenate."""
    h, w = bottleneck_hw
    branches = [x]
    for b in pyramid_bins(bottleneck_hw):
        size = (h // b, w // b)
        p = layers.AveragePooling2D(pool_size=size)(x)
        p = layers.Conv2D(max(1, filters // 4), 1, activation="relu")(p)
        branches.append(layers.UpSampling2D(size=size)(p))
    return conv_norm_act(layers.Concatenate()(branches), filters, config)


def bottleneck(x, filters: int, config: ModelConfig, bottleneck_hw: tuple[int, int]):
    """The configured bottleneck; SE when se_levels > 0, dropout unless placement is none."""
    se = config.se_levels > 0
    drop = config.dropout != "none"
    if config.bottleneck in ("plain", "dilated"):
        return conv_block(x, filters, config, se=se, dropout=drop, dilation=2 if config.bottleneck == "dilated" else 1)
    y = conv_block(x, filters, config)
    pool = aspp if config.bottleneck == "aspp" else pyramid_pooling
    return se_dropout(pool(y, filters, config, bottleneck_hw), config, se=se, dropout=drop)


def head(x, n_classes: int, name: str, upsample: int = 1):
    """1x1 convolution to class scores, bilinear upsampling when needed, softmax named `name`."""
    y = layers.Conv2D(n_classes, 1)(x)
    if upsample > 1:
        y = layers.UpSampling2D(size=upsample, interpolation="bilinear")(y)
    return layers.Activation("softmax", name=name, dtype="float32")(y)


def level_options(config: ModelConfig, level: int, *, decoder: bool) -> dict[str, bool]:
    """SE and dropout flags of a block at `level` (0 = full resolution, depth-1 = deepest)."""
    rank = config.depth - level  # 1 for the level just above the bottleneck
    deep = config.dropout == "deep" and not decoder and rank <= DEEP_DROPOUT_LEVELS
    return {"se": rank <= config.se_levels, "dropout": config.dropout == "all" or deep}

