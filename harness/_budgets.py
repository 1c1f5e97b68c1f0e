"""Fidelity presets: the same search space runs in CI (`tiny`), on a 2-core CPU (`cpu`), on a GPU (`full`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from search_spaces import PARAM_SECTIONS, unknown_params

# Rank agreement with the final ranking on the recorded real-data studies becomes usable after
# 4-6 epochs of 800 images (BENCHMARKS.md): the first cost rung is 4,000 images of a U-Net.
FIRST_RUNG_IMAGES = 4000
UNET_GFLOP = 0.7545  # forward GFLOP per 64x128 image of the base-16 depth-4 U-Net (`marsseg_models.forward_gflop`)



def check_schedule(max_epochs: int, steps_per_epoch: int | None, patience: int, lr_patience: int) -> None:
    """Raise ValueError unless the epoch cap, steps per epoch and both patiences are usable."""
    if max_epochs < 1:
        raise ValueError(f"max_epochs must be >= 1, got {max_epochs!r}")
    if steps_per_epoch is not None and steps_per_epoch < 1:
        raise ValueError(f"steps_per_epoch must be >= 1 or None, got {steps_per_epoch!r}")
    if patience < 1 or lr_patience < 1:
        raise ValueError(f"patience and lr_patience must be >= 1, got {patience}, {lr_patience}")


@dataclass(frozen=True)
class Budget:
    """How much data, how many epochs and which fixed values one trial gets.

    max_train_images / max_val_images: stratified subsets of the train / val split (None: all).
    max_epochs: epoch cap (early stopping or the pruner may end sooner). steps_per_epoch:
    fixed number of batches per epoch (the train pipeline repeats), so an epoch (the
    pruner's unit of resource) has the same cost whatever the split size (None: one pass).
    patience / lr_patience: early stopping on val_miou, ReduceLROnPlateau on val_loss.
    warmup_epochs: epochs before a pruner may act (also Hyperband/SHA's min_resource).
    fixed: dotted params the budget sets (e.g. `model.base_filters`): the space is resolved
    against them before sampling, so they are not searched and train exactly as recorded.
    bn_momentum: BatchNormalization momentum of every model. pruner: the default pruner of
    a new study on this budget. n_preview: validation images saved with their predictions.
    first_rung_gflop: where `cost-sha` (and a time plan) place the first rung, in training cost
    (`marsseg_models.forward_gflop` x images): FIRST_RUNG_IMAGES images of the budget's U-Net,
    where the recorded real-data curves start to rank as they end (BENCHMARKS.md).
    """

    name: str
    max_train_images: int | None
    max_val_images: int | None
    max_epochs: int
    steps_per_epoch: int | None
    patience: int
    lr_patience: int
    warmup_epochs: int = 1
    fixed: tuple[tuple[str, Any], ...] = ()
    bn_momentum: float = 0.7
    pruner: str = "median"
    n_preview: int = 6
    first_rung_gflop: float = FIRST_RUNG_IMAGES * UNET_GFLOP

    def __post_init__(self) -> None:
        if self.max_train_images is not None and self.max_train_images < 8:
            raise ValueError(f"max_train_images must be >= 8 or None, got {self.max_train_images}")
        check_schedule(self.max_epochs, self.steps_per_epoch, self.patience, self.lr_patience)
        if not 0 <= self.warmup_epochs < max(2, self.max_epochs):
            raise ValueError(f"warmup_epochs must be in [0, max_epochs={self.max_epochs}), got {self.warmup_epochs}")
        if self.first_rung_gflop <= 0:
            raise ValueError(f"first_rung_gflop must be > 0, got {self.first_rung_gflop}")
        if self.max_val_images is not None and self.max_val_images < 4:
            raise ValueError(f"max_val_images must be >= 4 or None, got {self.max_val_images}")
        if not 0.0 < self.bn_momentum < 1.0:
            raise ValueError(f"bn_momentum must be in (0, 1), got {self.bn_momentum}")
        bad = unknown_params(k for k, _ in self.fixed)
        if bad:
            raise ValueError(f"fixed params must be dotted {'/'.join(p + '.' for p in PARAM_SECTIONS)} names, got {bad}")

    @property
    def fixed_params(self) -> Mapping[str, Any]:
        """The params this budget fixes, as a dict."""
        return dict(self.fixed)


BUDGETS: dict[str, Budget] = {
    "tiny": Budget("tiny", max_train_images=96, max_val_images=32, max_epochs=3, steps_per_epoch=10,
                   patience=2, lr_patience=1, warmup_epochs=1, n_preview=3, first_rung_gflop=80 * 0.1895,
                   fixed=(("model.base_filters", 8), ("train.batch_size", 8))),  # one epoch of its base-8 U-Net
    # Multi-fidelity search on 2 CPU cores (README, "Budgets"): full-resolution images, all of
    # them; a base-16 depth-4 network at batch 16; an epoch is 50 batches (800 images). With 2
    # workers on 2 cores a U-Net trains at ~31 images/s per worker on an AMX Xeon (~8.5 on a
    # Zen 3 without AVX-512), U-Net++ and the Double U-Nets at half that or less. SHA decides at
    # steps 1, 3, 9, 27 (after 2, 4, 10, 28 epochs); survivors run to 30 (24,000 images: ~14 min
    # a U-Net on the Xeon). Depth is fixed at the course's 4: a fifth level cost 2.5x per image.
    # `cost-sha` compares trials at equal training cost, from 4,000 U-Net images on.
    "cpu": Budget("cpu", max_train_images=None, max_val_images=None, max_epochs=30, steps_per_epoch=50,
                  patience=5, lr_patience=2, warmup_epochs=1, pruner="cost-sha",
                  fixed=(("model.base_filters", 16), ("model.depth", 4), ("train.batch_size", 16))),
    # Shorter runs at the `cpu` budget's resolution and width, for controlled ablations and quick
    # checks on 2 cores: 6 epochs of 50 batches (4,800 images), validation on a 256-image
    # stratified subset; ~3 min a U-Net trial per worker with 2 workers on the AMX Xeon.
    "cpu_short": Budget("cpu_short", max_train_images=None, max_val_images=256, max_epochs=6, steps_per_epoch=50,
                        patience=3, lr_patience=2, warmup_epochs=1, pruner="sha",
                        fixed=(("model.base_filters", 16), ("model.depth", 4), ("train.batch_size", 16))),
    "full": Budget("full", max_train_images=None, max_val_images=None, max_epochs=100,
                   steps_per_epoch=None, patience=12, lr_patience=5, warmup_epochs=5),
}


def get_budget(name: str) -> Budget:
    """The named budget; an unknown name raises ValueError listing the valid names."""
    try:
        return BUDGETS[name]
    except KeyError:
        raise ValueError(f"unknown budget {name!r}; valid budgets: {', '.join(BUDGETS)}") from None
