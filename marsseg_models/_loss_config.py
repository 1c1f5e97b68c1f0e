"""`LossConfig` and per-class weights: plain data and NumPy, no Keras.

The loss is `alpha * Dice + beta * focal` with `beta = 1 - alpha` (the course: alpha = beta =
0.5): beta is stored beside alpha so readers of a config see both, but it is not free.
`dice` picks the Dice term (see `marsseg_models._losses`): "course" (the report's formula),
"sudre" (per-batch 1 / (sum y_c)^2 class weights, Sudre et al. 2017) or "mean" (mean of
per-class soft Dice).

`class_weighting`: "none" (all 1), "inverse_freq" (w_c = 1 / share_c, scaled so the most
frequent scored class has weight 1; big rock gets about 57x on the real data) or
"inverse_freq_capped" (the same, clipped at `weight_cap`). `exclude_background` gives class
0 weight 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import math

import numpy as np

CLASS_WEIGHTINGS: tuple[str, ...] = ("none", "inverse_freq", "inverse_freq_capped")
DICE_VARIANTS: tuple[str, ...] = ("course", "sudre", "mean")


@dataclass(frozen=True)
class LossConfig:
    """Weights and options of the combined loss (report: alpha = beta = 0.5, course Dice).

    alpha: weight of the Dice term, in [0, 1]. beta: weight of the focal term, always
    1 - alpha (left out, it is set from alpha; given, it must agree). dice: one of
    DICE_VARIANTS. exclude_background: class 0 left out of both terms.
    """

    alpha: float = 0.5
    beta: float | None = None
    gamma: float = 2.0
    dice: str = "course"
    exclude_background: bool = False
    class_weighting: str = "none"
    weight_cap: float = 10.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {self.alpha!r}")
        if self.beta is None:
            object.__setattr__(self, "beta", round(1.0 - self.alpha, 12))
        elif not math.isclose(self.alpha + self.beta, 1.0, abs_tol=1e-9):
            raise ValueError(f"beta must be 1 - alpha = {1.0 - self.alpha:g}, got beta={self.beta!r}")
        if self.dice not in DICE_VARIANTS:
            raise ValueError(f"dice must be one of {list(DICE_VARIANTS)}, got {self.dice!r}")
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
