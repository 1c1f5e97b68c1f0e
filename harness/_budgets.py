"""Fidelity presets: the same search space runs in CI (`tiny`), on a CPU (`small`), on a GPU (`full`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """How much data, how many epochs and how wide a network one trial gets.

    max_train_images / max_val_images: stratified subsets of the train / val split (None: all).
    max_epochs: epoch cap (early stopping may end sooner). filter_scale multiplies
    `model.base_filters`. steps_per_epoch: fixed number of batches per epoch (the train
    pipeline repeats), so BatchNorm statistics and pruning see enough updates even on
    a small subset (None: one pass). patience / lr_patience: early stopping on val_miou,
    ReduceLROnPlateau on val_loss. warmup_epochs: epochs before a pruner may act.
    max_batch_size caps `train.batch_size` on small subsets. n_preview: validation
    images saved with their predictions as an artifact.
    """

    name: str
    max_train_images: int | None
    max_val_images: int | None
    max_epochs: int
    filter_scale: float
    steps_per_epoch: int | None
    patience: int
    lr_patience: int
    warmup_epochs: int = 1
    max_batch_size: int = 64
    n_preview: int = 6

    def __post_init__(self) -> None:
        if self.max_train_images is not None and self.max_train_images < 8:
            raise ValueError(f"max_train_images must be >= 8 or None, got {self.max_train_images}")
        if self.max_epochs < 1:
            raise ValueError(f"max_epochs must be >= 1, got {self.max_epochs}")
        if not 0.0 < self.filter_scale <= 4.0:
            raise ValueError(f"filter_scale must be in (0, 4], got {self.filter_scale}")
        if self.steps_per_epoch is not None and self.steps_per_epoch < 1:
            raise ValueError(f"steps_per_epoch must be >= 1 or None, got {self.steps_per_epoch}")
        if self.patience < 1 or self.lr_patience < 1:
            raise ValueError(f"patience and lr_patience must be >= 1, got {self.patience}, {self.lr_patience}")
        if not 0 <= self.warmup_epochs < max(2, self.max_epochs):
            raise ValueError(f"warmup_epochs must be in [0, max_epochs={self.max_epochs}), got {self.warmup_epochs}")
        if self.max_val_images is not None and self.max_val_images < 4:
            raise ValueError(f"max_val_images must be >= 4 or None, got {self.max_val_images}")

    def scaled_filters(self, base_filters: int) -> int:
        """`base_filters` times `filter_scale`, at least 4."""
        return max(4, int(round(base_filters * self.filter_scale)))


BUDGETS: dict[str, Budget] = {
    "tiny": Budget("tiny", max_train_images=96, max_val_images=32, max_epochs=3, filter_scale=0.5, steps_per_epoch=10,
                   patience=2, lr_patience=1, warmup_epochs=1, max_batch_size=8, n_preview=3),
    "small": Budget("small", max_train_images=1000, max_val_images=96, max_epochs=5, filter_scale=0.25,
                    steps_per_epoch=12, patience=2, lr_patience=1, warmup_epochs=1, max_batch_size=16),
    "full": Budget("full", max_train_images=None, max_val_images=None, max_epochs=100, filter_scale=1.0,
                   steps_per_epoch=None, patience=12, lr_patience=5, warmup_epochs=5),
}


def get_budget(name: str) -> Budget:
    """The named budget; an unknown name raises ValueError listing the valid names."""
    try:
        return BUDGETS[name]
    except KeyError:
        raise ValueError(f"unknown budget {name!r}; valid budgets: {', '.join(BUDGETS)}") from None
