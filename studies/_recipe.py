"""The single-model recipe of `marsseg train` and of a time plan's anchor and continuation."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from harness.common import MarssegError

UNTIL_TIMEOUT_EPOCHS = 10_000  # the epoch cap of a run that only `--timeout` (or early stopping) ends


@dataclass(frozen=True)
class TrainRecipe:
    """How `marsseg train` trains one configuration (issue 28's measured single-model recipe:
    a Table 1 U-Net so trained beat an hour of `--budget cpu` search on the real data)."""

    batch_size: int = 32
    patience: int = 20  # early stopping on val mIoU: generous (the U-Net's curve still climbs at epoch 35-50)
    lr_patience: int = 4  # ReduceLROnPlateau on val loss (the `plateau` schedule)
    lr_factor: float = 0.5

    def apply(self, configs: Any, epochs: int, schedule: str | None = None) -> Any:
        """`configs` (a `TrialConfigs`) trained this way for at most `epochs` epochs, each a full
        pass over the training split; `schedule` None keeps the configuration's."""
        train = dataclasses.replace(configs.train, batch_size=self.batch_size, steps_per_epoch=None, max_epochs=epochs,
                                    patience=self.patience, lr_patience=self.lr_patience, lr_factor=self.lr_factor,
                                    schedule=schedule or configs.train.schedule)
        return dataclasses.replace(configs, train=train)


RECIPE = TrainRecipe()


def budget_configs(params: dict[str, Any], budget: Any, settings: Any) -> Any:
    """The `TrialConfigs` of dotted `params` under `budget` (its fixed params win), with the study's
    seed and split groups; a user error for a configuration the configs reject."""
    from harness import configs_from_params

    try:
        return configs_from_params({**params, **budget.fixed_params}, budget, seed=settings.seed,
                                   split_groups=settings.split_groups)
    except (TypeError, ValueError) as exc:
        raise MarssegError(f"invalid configuration: {exc}") from None
