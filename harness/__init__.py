"""The trial harness: trial params -> frozen configs -> data, model, loss -> one Keras fit
with early stopping and pruning, and the budgets and runtime settings it runs under.

Sub-packages: `harness.common` (user errors, attribute names, storage URLs: every package
may import it) and `harness.data` (the data layer). Names here load on first use (PEP 562),
so importing `harness.common` or `harness.data` never pulls in the trial harness.
"""

from __future__ import annotations

from harness.common import lazy_exports

_LAZY = {
    "BUDGETS": "harness._budgets",
    "Budget": "harness._budgets",
    "get_budget": "harness._budgets",
    "EpochRecorder": "harness._callbacks",
    "LoudPruningCallback": "harness._callbacks",
    "StopOnSignal": "harness._callbacks",
    "find_metric": "harness._callbacks",
    "TrainConfig": "harness._configs",
    "TrialConfigs": "harness._configs",
    "configs_from_params": "harness._configs",
    "Objective": "harness._objective",
    "TrialFailed": "harness._objective",
    "StopFlag": "harness._runtime",
    "available_cores": "harness._runtime",
    "configure_tensorflow": "harness._runtime",
    "prepare_tensorflow_env": "harness._runtime",
    "quiet_optuna": "harness._runtime",
    "seed_everything": "harness._runtime",
    "worker_id": "harness._runtime",
}


__getattr__ = lazy_exports(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = sorted(_LAZY)
