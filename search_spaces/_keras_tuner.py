"""A `SearchSpace` on KerasTuner's `HyperParameters`: the one place that calls `hp.*`.

`declare_keras_tuner(space, hp)` mirrors `space.suggest(trial)`: it declares every dimension
in order, each conditional one under nested `hp.conditional_scope`s whose parent values are
the parent's values for which the space's own `Condition.holds` (one source for what a
condition means), and returns the active params. Mapping: one-choice `Categorical` ->
`hp.Fixed`, `Categorical` -> `hp.Choice`, `IntRange` -> `hp.Int`, stepped `FloatRange` ->
ordered `hp.Choice` over the grid Optuna uses (KerasTuner's own float step grid can miss
the upper bound), continuous `FloatRange` -> `hp.Float`. `hp` is duck-typed: nothing here
imports KerasTuner.
"""

from __future__ import annotations

import contextlib
from typing import Any

from search_spaces._dimensions import Categorical, Dimension, FloatRange, IntRange
from search_spaces._space import SearchSpace

_KT_TYPES = (bool, int, float, str)


def float_grid(dim: FloatRange) -> list[float]:
    """The values of a stepped float range: low, low + step, ... up to high (12 decimals)."""
    if dim.step is None:
        raise ValueError(f"{dim.name!r} is continuous; it has no grid")
    n = int(round((dim.high - dim.low) / dim.step))
    return [round(dim.low + i * dim.step, 12) for i in range(n + 1)]


def dimension_values(dim: Dimension) -> list[Any]:
    """Every value of a finite dimension; ValueError for a continuous one."""
    if isinstance(dim, Categorical):
        return list(dim.choices)
    if isinstance(dim, IntRange):
        return list(range(dim.low, dim.high + 1, dim.step))
    return float_grid(dim)


def _declare(hp: Any, dim: Dimension) -> Any:
    if isinstance(dim, Categorical):
        bad = [c for c in dim.choices if not isinstance(c, _KT_TYPES)]
        if bad or len({type(c) for c in dim.choices}) > 1:
            raise ValueError(f"KerasTuner needs choices of one type among bool, int, float, str; "
                             f"{dim.name!r} has {list(dim.choices)}")
        if len(dim.choices) == 1:
            return hp.Fixed(dim.name, dim.choices[0])
        return hp.Choice(dim.name, list(dim.choices))
    if isinstance(dim, IntRange):
        if dim.log:
            return hp.Int(dim.name, dim.low, dim.high, sampling="log")
        return hp.Int(dim.name, dim.low, dim.high, step=dim.step)
    if dim.step is not None:
        return hp.Choice(dim.name, float_grid(dim), ordered=True)
    return hp.Float(dim.name, dim.low, dim.high, sampling="log" if dim.log else "linear")


def _parent_values(space: SearchSpace, condition: Any) -> list[Any]:
    parent = next(d for d in space.dimensions if d.name == condition.param)
    try:
        values = dimension_values(parent)
    except ValueError:
        raise ValueError(f"KerasTuner conditions need a finite parent; {parent.name!r} is continuous") from None
    chosen = [v for v in values if condition.holds({parent.name: v})]
    if not chosen:
        raise ValueError(f"condition {condition} holds for no value of {parent.name!r}")
    return chosen


def declare_keras_tuner(space: SearchSpace, hp: Any) -> dict[str, Any]:
    """Declare `space` on KerasTuner's `hp`; return the active params (as `space.suggest` would).

    Dimensions the space fixes (a budget's, `SearchSpace.resolve`) are never declared; a
    condition on a fixed parent is decided here, so KerasTuner scopes only searched parents.
    """
    fixed = dict(space.fixed)
    params: dict[str, Any] = {}
    for dim in space.dimensions:
        if dim.name in fixed:
            if dim.active(params):
                params[dim.name] = fixed[dim.name]
            continue
        if not all(c.holds({c.param: fixed[c.param]}) for c in dim.when if c.param in fixed):
            continue  # inactive whatever is searched
        with contextlib.ExitStack() as scopes:
            for condition in dim.when:
                if condition.param not in fixed:
                    scopes.enter_context(hp.conditional_scope(condition.param, _parent_values(space, condition)))
            value = _declare(hp, dim)
        if dim.active(params):
            if value is None:
                raise RuntimeError(f"KerasTuner holds {dim.name!r} inactive where space {space.name!r} "
                                   "holds it active")
            params[dim.name] = value.item() if hasattr(value, "item") else value
        elif value is not None:
            raise RuntimeError(f"KerasTuner holds {dim.name!r} active where space {space.name!r} holds it inactive")
    return params
