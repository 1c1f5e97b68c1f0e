"""Registries of the Optuna samplers and pruners: name -> factory, one entry per strategy.

`make_sampler(name, seed, space)` and `make_pruner(name, warmup_epochs, max_epochs, first_rung)` look a
name up; an unknown name raises `MarssegError` listing the valid ones (no silent fallback).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from harness.common import MarssegError

ETA = 3  # the reduction factor of the successive-halving pruners (sha, hyperband, cost-sha)


def _tpe(seed: int, space: Any) -> Any:
    import optuna

    # multivariate + group model the conditional branches jointly; constant_liar keeps
    # parallel workers from sampling the same point.
    return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True, constant_liar=True,
                                      n_startup_trials=8)


def _random(seed: int, space: Any) -> Any:
    import optuna

    return optuna.samplers.RandomSampler(seed=seed)


def _gp(seed: int, space: Any) -> Any:
    import optuna

    if importlib.util.find_spec("torch") is None:
        raise MarssegError("the gp sampler needs PyTorch: pip install 'marsseg[gp]'")
    return optuna.samplers.GPSampler(seed=seed)


def _bruteforce(seed: int, space: Any) -> Any:
    import optuna

    if not space.is_finite():
        raise MarssegError(f"the bruteforce sampler needs a finite space; {space.name!r} has continuous "
                           "dimensions (try --space table1, or --sampler tpe)")
    return optuna.samplers.BruteForceSampler(seed=seed)


SAMPLER_FACTORIES: dict[str, Callable[[int, Any], Any]] = {
    "tpe": _tpe, "random": _random, "gp": _gp, "bruteforce": _bruteforce,
}


def _median(warmup: int, max_epochs: int, first_rung: float) -> Any:
    import optuna

    return optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=warmup)


def _percentile(warmup: int, max_epochs: int, first_rung: float) -> Any:
    import optuna

    return optuna.pruners.PercentilePruner(25.0, n_startup_trials=4, n_warmup_steps=warmup)


def _patient(warmup: int, max_epochs: int, first_rung: float) -> Any:
    import optuna

    return optuna.pruners.PatientPruner(_median(warmup, max_epochs, first_rung), patience=2)


def _hyperband(warmup: int, max_epochs: int, first_rung: float) -> Any:
    import optuna

    return optuna.pruners.HyperbandPruner(min_resource=max(1, warmup), max_resource=max_epochs, reduction_factor=ETA)


def _sha(warmup: int, max_epochs: int, first_rung: float) -> Any:
    import optuna

    # Optuna's SHA cannot pause a trial, so it promotes each rung's first arrival unopposed; a
    # slow first trial can hold a worker (BENCHMARKS.md, "60-minute `cpu` study"). bootstrap_count
    # (stop the first arrivals instead) was tried and is worse: it also stops the first trial to
    # reach the last rung, which in a short study is the best one.
    return optuna.pruners.SuccessiveHalvingPruner(min_resource=max(1, warmup), reduction_factor=ETA)


def _cost_sha(warmup: int, max_epochs: int, first_rung: float) -> Any:
    from studies._pruners import CostHalvingPruner

    return CostHalvingPruner(first_rung, ETA)


def _none(warmup: int, max_epochs: int, first_rung: float) -> Any:
    import optuna

    return optuna.pruners.NopPruner()


PRUNER_FACTORIES: dict[str, Callable[[int, int, float], Any]] = {
    "median": _median, "percentile": _percentile, "hyperband": _hyperband, "sha": _sha, "patient": _patient,
    "cost-sha": _cost_sha, "none": _none,
}


def _lookup(kind: str, name: str, registry: dict[str, Any]) -> Any:
    try:
        return registry[name]
    except KeyError:
        raise MarssegError(f"unknown {kind} {name!r}; valid: {', '.join(registry)}") from None


def make_sampler(name: str, seed: int, space: Any) -> Any:
    """The Optuna sampler `name`, seeded (each worker passes its own seed)."""
    return _lookup("sampler", name, SAMPLER_FACTORIES)(seed, space)


def make_pruner(name: str, warmup_epochs: int, max_epochs: int, first_rung: float = 1.0) -> Any:
    """The Optuna pruner `name`; no pruner acts before `warmup_epochs` epochs; `cost-sha`'s first
    rung lies at `first_rung` GFLOP of training (`harness.Budget.first_rung_gflop`)."""
    return _lookup("pruner", name, PRUNER_FACTORIES)(warmup_epochs, max_epochs, first_rung)
