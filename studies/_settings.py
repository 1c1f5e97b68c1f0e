"""What a study is: space, sampler, pruner, budget, data, seed; stored as study user attributes."""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any

from harness.common import (GRACE_PERIOD_S, HEARTBEAT_INTERVAL_S, KERAS_TUNER_METHODS, SCENES, MarssegError, attrs,
                            check_split_groups, stored_split_groups)
from studies._registry import PRUNER_FACTORIES, SAMPLER_FACTORIES

SAMPLERS = tuple(SAMPLER_FACTORIES)
PRUNERS = tuple(PRUNER_FACTORIES)


@dataclass(frozen=True)
class StudySettings:
    """The study-level choices, kept in the study's user attributes (ARCHITECTURE.md).

    A KerasTuner run of `marsseg benchmark` records its method (`kt-bayes`, ...) as `sampler`
    and `none` as `pruner`: `marsseg evaluate`, `predict` and `report` read it as any study.
    """

    space: str
    sampler: str
    pruner: str
    budget: str
    data: str
    seed: int
    artifact_dir: str
    n_trials: int | None = None
    heldout_fraction: float = 0.1
    repeats: int = 1
    max_epochs: int = 0
    heartbeat_s: int = HEARTBEAT_INTERVAL_S  # a worker renews its trial's lease this often
    grace_s: int = GRACE_PERIOD_S  # a trial whose lease is older than this is failed and retried
    split_groups: str = SCENES  # what the held-out and validation splits keep together (SPLIT_GROUPS)

    def __post_init__(self) -> None:
        from harness import get_budget
        from search_spaces import get_space

        for name, value, valid in (("sampler", self.sampler, SAMPLERS + KERAS_TUNER_METHODS),
                                   ("pruner", self.pruner, PRUNERS)):
            if value not in valid:
                raise MarssegError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
        try:
            get_space(self.space)
            budget = get_budget(self.budget)
        except ValueError as exc:
            raise MarssegError(str(exc)) from None
        if self.n_trials is not None and self.n_trials < 1:
            raise MarssegError(f"--trials must be >= 1, got {self.n_trials}")
        if self.repeats < 1:
            raise MarssegError(f"--repeats must be >= 1, got {self.repeats}")
        if not 0.0 <= self.heldout_fraction < 0.5:
            raise MarssegError(f"--heldout must lie in [0, 0.5), got {self.heldout_fraction}")
        try:
            check_split_groups(self.split_groups)
        except ValueError as exc:
            raise MarssegError(str(exc)) from None
        if not 0 < self.heartbeat_s < self.grace_s:
            raise MarssegError(f"need 0 < --heartbeat < --grace, got {self.heartbeat_s} and {self.grace_s}")
        object.__setattr__(self, "max_epochs", budget.max_epochs)

    @property
    def keras_tuner(self) -> bool:
        """Whether KerasTuner ran this study (`marsseg benchmark`), not Optuna workers."""
        return self.sampler in KERAS_TUNER_METHODS

    def to_attrs(self) -> dict[str, Any]:
        """Study user attributes."""
        return asdict(self)

    @classmethod
    def from_attrs(cls, stored: dict[str, Any]) -> StudySettings:
        """Back from study user attributes (unknown keys ignored). A study keeps the splits it was
        made with: one made before held-out splits existed has none (fraction 0), one made before
        the two bands of a photograph were kept together splits by identical masks only."""
        names = {f.name for f in fields(cls)} - {"max_epochs"}
        optional = {f.name for f in fields(cls) if f.default is not MISSING}
        missing = sorted(names - set(stored) - optional)
        if missing:
            raise MarssegError(f"this study was not created by `marsseg search` (missing attributes {missing})")
        return cls(**{attrs.HELDOUT_FRACTION: 0.0, **{k: v for k, v in stored.items() if k in names},
                      attrs.SPLIT_GROUPS: stored_split_groups(stored)})
