"""`SearchSpace`: an ordered tuple of dimensions that an Optuna trial walks through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from search_spaces._dimensions import Dimension, FloatRange, _Suggester


@dataclass(frozen=True)
class SearchSpace:
    """A named, declarative search space.

    Dimensions are suggested in order; a dimension whose conditions (on earlier
    dimensions) do not hold is skipped, so conditional parameters appear only inside
    their branch. `presets` are labelled full param sets (e.g. Table 1) to enqueue.
    `fixed` (set by `resolve`) are params a budget decides: never suggested, but returned
    by `suggest` (where their conditions hold) so conditions and configs see them.
    """

    name: str
    description: str
    dimensions: tuple[Dimension, ...]
    presets: tuple[tuple[str, Mapping[str, Any]], ...] = field(default=())
    fixed: tuple[tuple[str, Any], ...] = field(default=())

    def __post_init__(self) -> None:
        names = [d.name for d in self.dimensions]
        if len(set(names)) != len(names):
            raise ValueError(f"space {self.name!r} repeats a dimension name: {names}")
        seen: set[str] = set()
        for dim in self.dimensions:
            for cond in dim.when:
                if cond.param not in seen:
                    raise ValueError(f"space {self.name!r}: {dim.name!r} depends on {cond.param!r}, "
                                     f"which is not an earlier dimension (earlier: {sorted(seen)})")
            seen.add(dim.name)
        for label, params in self.presets:
            self.check(params, what=f"preset {label!r}")

    def resolve(self, fixed: Mapping[str, Any]) -> SearchSpace:
        """This space with `fixed` params decided (e.g. by a budget): they are never suggested.

        Names that are not dimensions of the space raise ValueError listing the dimensions;
        presets lose the fixed keys (the fixed values win).
        """
        names = [d.name for d in self.dimensions]
        unknown = sorted(set(fixed) - set(names))
        if unknown:
            raise ValueError(f"cannot fix {unknown}: space {self.name!r} has the dimensions {names}")
        merged = {**dict(self.fixed), **dict(fixed)}
        presets = tuple((label, {k: v for k, v in p.items() if k not in merged}) for label, p in self.presets)
        return replace(self, presets=presets, fixed=tuple(merged.items()))

    @property
    def searched(self) -> tuple[Dimension, ...]:
        """The dimensions a sampler sees (all but the fixed ones)."""
        fixed = dict(self.fixed)
        return tuple(d for d in self.dimensions if d.name not in fixed)

    def suggest(self, trial: _Suggester) -> dict[str, Any]:
        """Suggest every active searched dimension on `trial`; returns them with the active fixed params."""
        fixed = dict(self.fixed)
        params: dict[str, Any] = {}
        for dim in self.dimensions:
            if dim.active(params):
                params[dim.name] = fixed[dim.name] if dim.name in fixed else dim.suggest(trial)
        return params

    def distributions(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Optuna's distribution of each param of `params` (for `optuna.trial.create_trial`),
        read off `suggest` on a `FixedTrial`, so the space stays their one source."""
        import optuna

        trial = optuna.trial.FixedTrial(dict(params))
        self.suggest(trial)
        return dict(trial.distributions)

    def check(self, params: Mapping[str, Any], what: str = "params") -> None:
        """Raise ValueError unless `params` are exactly the active dimensions, each in range."""
        chosen: dict[str, Any] = {}
        fixed = dict(self.fixed)
        for dim in self.dimensions:
            if not dim.active(chosen):
                continue
            if dim.name in fixed:
                if params.get(dim.name, fixed[dim.name]) != fixed[dim.name]:
                    raise ValueError(f"{what}: {dim.name}={params[dim.name]!r}, but it is fixed at {fixed[dim.name]!r}")
                chosen[dim.name] = fixed[dim.name]
                continue
            if dim.name not in params:
                raise ValueError(f"{what} of space {self.name!r} lack the active parameter {dim.name!r}")
            if not dim.contains(params[dim.name]):
                raise ValueError(f"{what}: {dim.name}={params[dim.name]!r} is outside {dim.describe()}")
            chosen[dim.name] = params[dim.name]
        extra = sorted(set(params) - set(chosen))
        if extra:
            raise ValueError(f"{what} of space {self.name!r} hold inactive or unknown parameters {extra}")

    def describe(self) -> list[tuple[str, str, str]]:
        """One (name, range, condition) row per dimension."""
        return [(d.name, d.describe(), d.condition_text()) for d in self.dimensions]

    def is_finite(self) -> bool:
        """Whether every dimension has finitely many values (what BruteForceSampler needs)."""
        return all(not isinstance(d, FloatRange) or d.step is not None for d in self.searched)
