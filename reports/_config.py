"""Settings of one report: sampling limits, bootstrap size, seeds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportConfig:
    """How much of a large study the heavy sections draw, and how effects are estimated.

    Limits apply only to drawing (and to fANOVA's forest); every count, table and effect
    is computed from all trials.
    """

    max_curves: int = 400
    max_parcoords: int = 300  # Optuna's plot draws one trace per trial
    max_history_points: int = 3000
    fanova_max_trials: int = 1000
    fanova_trees: int = 16
    fanova_depth: int = 6
    n_bootstrap: int = 1000
    min_group: int = 3
    gallery_images: int = 4
    min_rung_trials: int = 8  # trials a fidelity (an epoch, or the end) needs for importances and effects
    max_rungs: int = 3  # fidelities shown, deepest first
    rung_max_trials: int = 2000  # PED-ANOVA at an epoch rung: a seeded sample of at most this many trials
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("max_curves", "max_parcoords", "max_history_points", "fanova_max_trials",
                     "fanova_trees", "fanova_depth", "n_bootstrap", "gallery_images", "max_rungs",
                     "rung_max_trials"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if not isinstance(self.min_rung_trials, int) or self.min_rung_trials < 3:
            raise ValueError(f"min_rung_trials must be an int >= 3, got {self.min_rung_trials!r}")
        if not isinstance(self.min_group, int) or self.min_group < 2:
            raise ValueError(f"min_group must be an int >= 2, got {self.min_group!r}")
