"""`ModelConfig`: one frozen description of a segmentation network, validated on creation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

FAMILY_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {"unet": "U-Net", "unet_pp": "U-Net++", "double_unet": "Double U-Net", "double_unet_parallel": "Double parallel U-Net"}
)
"""Family name -> the course report's name for it (the report's labels)."""
FAMILY_NAMES: tuple[str, ...] = tuple(FAMILY_LABELS)
BOTTLENECKS: tuple[str, ...] = ("plain", "dilated", "aspp", "pp")
DROPOUT_PLACEMENTS: tuple[str, ...] = ("none", "bottleneck", "deep", "all")
NORMALIZATIONS: tuple[str, ...] = ("batch", "group", "none")
MAX_DEPTH = 6
DEEP_DROPOUT_LEVELS = 2  # "deep" dropout: the deepest two encoder blocks and the bottleneck


def _check_choice(name: str, value: object, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ValueError(f"{name} must be one of {list(valid)}, got {value!r}")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of one network; every option applies to every family.

    family: one of FAMILY_NAMES. depth: number of down-sampling steps (1..6; the input
    height and width must be divisible by 2**depth and leave a bottleneck of at least 2x2).
    base_filters: filters of the first level, doubled per level. residual: residual conv
    blocks. se_levels: Squeeze-and-Excite in the N deepest encoder and decoder levels (and
    the bottleneck when N > 0). bottleneck: plain | dilated (dilation 2) | aspp | pp
    (rates and bins derived from the bottleneck size). attention_gates: gate each skip
    connection. dropout: none | bottleneck | deep (deepest two encoder blocks + bottleneck,
    as in the course report) | all, at dropout_rate. deep_supervision: auxiliary softmax
    outputs at the decoders (training only).
    normalization: batch | group | none. bn_momentum: BatchNormalization momentum; the
    default 0.7 (Keras: 0.99) lets the moving statistics follow the weights within a few
    dozen steps, so inference-mode predictions do not collapse to one class early on.
    """

    family: str = "unet"
    depth: int = 4
    base_filters: int = 16
    residual: bool = False
    se_levels: int = 0
    bottleneck: str = "plain"
    attention_gates: bool = False
    dropout: str = "none"
    dropout_rate: float = 0.5
    deep_supervision: bool = False
    normalization: str = "batch"
    bn_momentum: float = 0.7

    def __post_init__(self) -> None:
        _check_choice("family", self.family, FAMILY_NAMES)
        _check_choice("bottleneck", self.bottleneck, BOTTLENECKS)
        _check_choice("dropout", self.dropout, DROPOUT_PLACEMENTS)
        _check_choice("normalization", self.normalization, NORMALIZATIONS)
        if not isinstance(self.depth, int) or not 1 <= self.depth <= MAX_DEPTH:
            raise ValueError(f"depth must be an integer in [1, {MAX_DEPTH}], got {self.depth!r}")
        if not isinstance(self.base_filters, int) or self.base_filters < 1:
            raise ValueError(f"base_filters must be a positive integer, got {self.base_filters!r}")
        if not isinstance(self.se_levels, int) or not 0 <= self.se_levels <= self.depth:
            raise ValueError(f"se_levels must be an integer in [0, depth={self.depth}], got {self.se_levels!r}")
        if not 0.0 <= self.dropout_rate < 1.0:
            raise ValueError(f"dropout_rate must be in [0, 1), got {self.dropout_rate!r}")
        if not 0.0 < self.bn_momentum < 1.0:
            raise ValueError(f"bn_momentum must be in (0, 1), got {self.bn_momentum!r}")

    def with_depth(self, depth: int) -> ModelConfig:
        """The same config at another depth, SE levels clipped to it (used by the local branch)."""
        return replace(self, depth=depth, se_levels=min(self.se_levels, depth))


def check_input_shape(config: ModelConfig, input_shape: tuple[int, int, int]) -> None:
    """Validate depth against the input size (the bottleneck must be at least 2x2)."""
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}")
    height, width, _ = input_shape
    step = 2**config.depth
    if height % step or width % step or min(height, width) // step < 2:
        raise ValueError(
            f"depth={config.depth} does not fit input {height}x{width}: height and width must be "
            f"divisible by 2**depth={step} and leave a bottleneck of at least 2x2"
        )


def bottleneck_size(x, depth: int) -> tuple[int, int]:
    """(height, width) of the bottleneck of a network of `depth` fed the tensor `x`."""
    return x.shape[1] // 2**depth, x.shape[2] // 2**depth
