"""The one place where a trial's flat dotted params become the frozen configs of each package."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from marsseg_models import LossConfig, ModelConfig  # plain dataclasses: no TensorFlow
from search_spaces import PARAM_SECTIONS, SCHEDULES, params_with_prefix, unknown_params

from harness._budgets import Budget, check_schedule
from harness.data._pipeline import DataConfig
from harness.common._splits import SCENES, stored_split_groups


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser and schedule of one trial: AdamW, early stopping, and the learning-rate
    `schedule` (`search_spaces.SCHEDULES`: `plateau` is ReduceLROnPlateau with `lr_patience`
    and `lr_factor`; `cosine` and `onecycle` run over `max_epochs` epochs; `timed` holds `lr` over
    the wall-clock time to the trial's deadline and anneals in its last fifth; see `harness._schedules`)."""

    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 16
    max_epochs: int = 10
    steps_per_epoch: int | None = None
    patience: int = 3
    lr_patience: int = 2
    lr_factor: float = 0.5
    seed: int = 0
    schedule: str = "plateau"

    def __post_init__(self) -> None:
        if not 0.0 < self.lr < 1.0:
            raise ValueError(f"lr must be in (0, 1), got {self.lr!r}")
        if not 0.0 <= self.weight_decay < 1.0:
            raise ValueError(f"weight_decay must be in [0, 1), got {self.weight_decay!r}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {self.batch_size!r}")
        check_schedule(self.max_epochs, self.steps_per_epoch, self.patience, self.lr_patience)
        if not 0.0 < self.lr_factor < 1.0:
            raise ValueError(f"lr_factor must be in (0, 1), got {self.lr_factor!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; valid schedules: {', '.join(SCHEDULES)}")


@dataclass(frozen=True)
class TrialConfigs:
    """Everything one trial builds: model, loss, data pipeline and training schedule."""

    model: ModelConfig
    loss: LossConfig
    data: DataConfig
    train: TrainConfig

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """`dataclasses.asdict` of every config: what the trial trained (the `configs` attribute)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: Mapping[str, Mapping[str, Any]]) -> TrialConfigs:
        """Back from `to_dict` (validated again by each config)."""
        data = {**stored["data"], "split_groups": stored_split_groups(stored["data"])}
        return cls(model=ModelConfig(**stored["model"]), loss=LossConfig(**stored["loss"]),
                   data=DataConfig(**data), train=TrainConfig(**stored["train"]))


def configs_from_params(params: Mapping[str, Any], budget: Budget, seed: int = 0,
                        trial_seed: int | None = None, split_groups: str = SCENES) -> TrialConfigs:
    """Build the frozen configs of one trial; an invalid combination raises ValueError.

    Parameters missing from `params` (inactive branches) take the configs' defaults;
    `budget` sets data subsets, epochs, patience and BatchNorm momentum (its fixed params
    reach `params` through the space it resolved, so each value trains as recorded). `seed` fixes the data split (the same for every trial of a study);
    `trial_seed` (default `seed`) seeds the weights and the optimisation; `split_groups`: what
    the train/validation split keeps together (`harness.data.SPLIT_GROUPS`).
    """
    unknown = unknown_params(params)
    if unknown:
        raise ValueError(f"unknown parameters {unknown}; names start with one of {[p + '.' for p in PARAM_SECTIONS]}")
    model = params_with_prefix(params, "model")
    if model.get("dropout", "none") == "none":
        model.pop("dropout_rate", None)
    if "dropout_rate" in model:
        model["dropout_rate"] = round(float(model["dropout_rate"]), 6)
    loss = params_with_prefix(params, "loss")
    aug, data = params_with_prefix(params, "aug"), params_with_prefix(params, "data")
    train = params_with_prefix(params, "train")
    batch = int(train.pop("batch_size", 16))
    scheduled = _budget_fields(budget)
    return TrialConfigs(
        model=ModelConfig(**model, **scheduled["model"]),
        loss=LossConfig(**loss),
        data=DataConfig(**aug, **data, **scheduled["data"], seed=seed, split_groups=split_groups),
        train=TrainConfig(**train, **scheduled["train"], batch_size=batch,
                          seed=seed if trial_seed is None else trial_seed),
    )


def _budget_fields(budget: Budget) -> dict[str, dict[str, Any]]:
    """The config fields a budget sets, per section (the one list of them)."""
    return {
        "model": {"bn_momentum": budget.bn_momentum},
        "data": {"max_train_images": budget.max_train_images, "max_val_images": budget.max_val_images},
        "train": {"max_epochs": budget.max_epochs, "steps_per_epoch": budget.steps_per_epoch,
                  "patience": budget.patience, "lr_patience": budget.lr_patience},
    }


def with_budget(configs: TrialConfigs, budget: Budget) -> TrialConfigs:
    """The same trial at another budget: data subsets, epochs, patience and BatchNorm momentum
    replaced, every searched value (and the budget-fixed values it trained with) kept."""
    return replace(configs, **{section: replace(getattr(configs, section), **fields)
                               for section, fields in _budget_fields(budget).items()})
