"""Successive halving on training cost instead of epochs (`--pruner cost-sha`).

Optuna's `SuccessiveHalvingPruner` places rungs at reported steps (here epochs), so a network
that costs 3x a U-Net per epoch pays 3x per decision, and is compared with U-Nets that trained
a third as much. This pruner keeps the epoch as the reported step (curves, reports and replays
stay per epoch) and reads each trial's cumulative cost after every epoch (`attrs.EPOCH_COST`,
forward GFLOP x images: machine-independent, so the same curves decide the same everywhere).

Rung k lies at cost `first_rung * eta**k`. At the epoch whose cost first crosses a rung, a
trial's best value so far is compared with every other trial's best value at the epoch where
it crossed the same rung; it goes on only while it ranks in the top `1/eta` of them (as Optuna's
SHA: with fewer than `eta` arrivals, only the best goes on). Median and percentile pruning compare
values at equal *steps*, so they stay per epoch: cost rungs are this pruner's alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import optuna

from harness.common import attrs


def best_at_cost(values: dict[int, float], costs: Sequence[float], cost: float) -> float | None:
    """A curve's best value up to the first epoch whose cumulative cost reaches `cost` (None: never reached)."""
    reached = next((epoch for epoch, c in enumerate(costs) if c >= cost), None)
    if reached is None:
        return None
    seen = [v for epoch, v in values.items() if epoch <= reached]
    return max(seen) if seen else None


class CostHalvingPruner(optuna.pruners.BasePruner):
    """Successive halving with rungs at `first_rung * eta**k` of cumulative training cost."""

    def __init__(self, first_rung: float, eta: int = 3) -> None:
        if first_rung <= 0 or eta < 2:
            raise ValueError(f"first_rung must be > 0 and eta >= 2, got {first_rung}, {eta}")
        self.first_rung, self.eta = float(first_rung), int(eta)

    def rungs_crossed(self, before: float, after: float) -> list[float]:
        """The rung costs in (before, after]."""
        rungs, rung = [], self.first_rung
        while rung <= after:
            if rung > before:
                rungs.append(rung)
            rung *= self.eta
        return rungs

    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        step = trial.last_step  # the epoch just reported; a continuation is never pruned
        costs = trial.user_attrs.get(attrs.EPOCH_COST) or []
        if step is None or attrs.CONTINUES in trial.user_attrs or len(costs) <= step:
            return False
        before = costs[step - 1] if step > 0 else 0.0
        others = [t for t in study.get_trials(deepcopy=False)
                  if t.number != trial.number and t.state in _COMPETING]
        for rung in self.rungs_crossed(before, costs[step]):
            mine = best_at_cost(trial.intermediate_values, costs, rung)
            competing = [v for v in (best_at_cost(t.intermediate_values, t.user_attrs.get(attrs.EPOCH_COST) or [], rung)
                                     for t in others) if v is not None]
            ranked = sorted([*competing, mine], reverse=True)
            promotable = max(len(ranked) // self.eta - 1, 0)
            if mine < ranked[promotable]:
                return True
        return False


_COMPETING = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.RUNNING)
