"""What a study is: space, sampler, pruner, budget, data, seed; stored as study user attributes."""

from __future__ import annotations

import importlib.util
from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any

from harness.common import GRACE_PERIOD_S, HEARTBEAT_INTERVAL_S, MarssegError

SAMPLERS = ("tpe", "random", "gp", "bruteforce")
PRUNERS = ("median", "hyperband", "sha", "patient", "none")


@dataclass(frozen=True)
class StudySettings:
    """The study-level choices, kept in the study's user attributes (ARCHITECTURE.md)."""

    space: str
    sampler: str
    pruner: str
    budget: str
    data: str
    seed: int
    artifact_dir: str
    n_trials: int | None = None
    max_epochs: int = 0
    heartbeat_s: int = HEARTBEAT_INTERVAL_S  # a worker renews its trial's lease this often
    grace_s: int = GRACE_PERIOD_S  # a trial whose lease is older than this is failed and retried

    def __post_init__(self) -> None:
        from harness import get_budget
        from search_spaces import get_space

        for name, value, valid in (("sampler", self.sampler, SAMPLERS), ("pruner", self.pruner, PRUNERS)):
            if value not in valid:
                raise MarssegError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
        try:
            get_space(self.space)
            budget = get_budget(self.budget)
        except ValueError as exc:
            raise MarssegError(str(exc)) from None
        if self.n_trials is not None and self.n_trials < 1:
            raise MarssegError(f"--trials must be >= 1, got {self.n_trials}")
        if not 0 < self.heartbeat_s < self.grace_s:
            raise MarssegError(f"need 0 < --heartbeat < --grace, got {self.heartbeat_s} and {self.grace_s}")
        object.__setattr__(self, "max_epochs", budget.max_epochs)

    def to_attrs(self) -> dict[str, Any]:
        """Study user attributes."""
        return asdict(self)

    @classmethod
    def from_attrs(cls, attrs: dict[str, Any]) -> StudySettings:
        """Back from study user attributes (unknown keys ignored)."""
        names = {f.name for f in fields(cls)} - {"max_epochs"}
        optional = {f.name for f in fields(cls) if f.default is not MISSING}
        missing = sorted(names - set(attrs) - optional)
        if missing:
            raise MarssegError(f"this study was not created by `marsseg search` (missing attributes {missing})")
        return cls(**{k: v for k, v in attrs.items() if k in names})


def make_sampler(name: str, seed: int, space: Any) -> Any:
    """The Optuna sampler `name`, seeded (each worker passes its own seed)."""
    import optuna

    if name == "tpe":
        # multivariate + group model the conditional branches jointly; constant_liar keeps
        # parallel workers from sampling the same point.
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True, constant_liar=True,
                                          n_startup_trials=8)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "gp":
        if importlib.util.find_spec("torch") is None:
            raise MarssegError("the gp sampler needs PyTorch: pip install 'marsseg[gp]'")
        return optuna.samplers.GPSampler(seed=seed)
    if not space.is_finite():
        raise MarssegError(f"the bruteforce sampler needs a finite space; {space.name!r} has continuous "
                           "dimensions (try --space table1, or --sampler tpe)")
    return optuna.samplers.BruteForceSampler(seed=seed)


def make_pruner(name: str, warmup_epochs: int, max_epochs: int) -> Any:
    """The Optuna pruner `name`; no pruner acts before `warmup_epochs` epochs."""
    import optuna

    median = optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=warmup_epochs)
    if name == "median":
        return median
    if name == "patient":
        return optuna.pruners.PatientPruner(median, patience=2)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=max(1, warmup_epochs), max_resource=max_epochs,
                                              reduction_factor=3)
    if name == "sha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=max(1, warmup_epochs), reduction_factor=3)
    return optuna.pruners.NopPruner()
