"""`LossConfig` and per-class weights: plain data and NumPy, no Keras.

`class_weighting`: "none" (all 1), "inverse_freq" (w_c = 1 / share_c, scaled so the most
frequent scored class has weight 1; big rock gets about 57x on the real data) or
"inverse_freq_capped" (the same, clipped at `weight_cap`). `exclude_background` gives class
0 weight 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CLASS_WEIGHTINGS: tuple[str, ...] = ("none", "inverse_freq", "inverse_freq_capped")


@dataclass(frozen=True)
class LossConfig:
    """Weights and options of the combined loss (report: alpha = beta = 0.5)."""

    alpha: float = 0.5
    beta: float = 0.5
    gamma: float = 2.0
    exclude_background: bool = False
    class_weighting: str = "none"
    weight_cap: float = 10.0

    def __post_init__(self) -> None:
        if self.alpha < 0 or self.beta < 0 or self.alpha + self.beta == 0:
            raise ValueError(f"alpha and beta must be >= 0 and not both 0, got alpha={self.alpha!r}, beta={self.beta!r}")
        if self.gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {self.gamma!r}")
        if self.class_weighting not in CLASS_WEIGHTINGS:
            raise ValueError(f"class_weighting must be one of {list(CLASS_WEIGHTINGS)}, got {self.class_weighting!r}")
        if not self.weight_cap >= 1:
            raise ValueError(f"weight_cap must be >= 1, got {self.weight_cap!r}")


def class_weights(config: LossConfig, class_pixel_share: Sequence[float] | None = None, n_classes: int = 5) -> np.ndarray:
    """Per-class weights (n_classes,) as described in the module docstring."""
    weights = np.ones(n_classes)
    if config.class_weighting != "none":
        if class_pixel_share is None or len(class_pixel_share) != n_classes:
            raise ValueError(
                f"class_weighting={config.class_weighting!r} needs class_pixel_share with {n_classes} values, "
                f"got {class_pixel_share!r}"
            )
        share = np.asarray(class_pixel_share, dtype=float)
        share = np.clip(share / share.sum(), 1e-6, None)
        scored = slice(1, None) if config.exclude_background else slice(None)
        weights = (1.0 / share) * share[scored].max()
        if config.class_weighting == "inverse_freq_capped":
            weights = np.minimum(weights, config.weight_cap)
    if config.exclude_background:
        weights[0] = 0.0
    return weights
