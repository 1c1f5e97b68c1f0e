"""Data layer and trial harness of marsseg."""

from harness._errors import MarssegError

# --- data layer (loader, outliers, split, oversampling, augmentation, synthetic data) ---

# --- trial harness (configs from params, budgets, objective, callbacks) ---

__all__ = ["MarssegError"]
