"""Dimensions of a declarative search space, and the conditions that switch them on."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

_OPS = ("in", "not in", ">", "<")


class _Suggester(Protocol):
    """The part of `optuna.trial.Trial` (or `FixedTrial`) a space uses."""

    def suggest_categorical(self, name: str, choices: Any) -> Any: ...

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int: ...

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float: ...


@dataclass(frozen=True)
class Condition:
    """`param op value`: e.g. `Condition("model.dropout", "not in", ("none",))`."""

    param: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"condition op must be one of {_OPS}, got {self.op!r}")
        if self.op in ("in", "not in") and not isinstance(self.value, tuple):
            raise ValueError(f"condition {self.param!r} {self.op} needs a tuple, got {self.value!r}")

    def holds(self, params: dict[str, Any]) -> bool:
        """Whether the condition holds; a parameter that is absent never satisfies it."""
        if self.param not in params:
            return False
        got = params[self.param]
        if self.op == "in":
            return got in self.value
        if self.op == "not in":
            return got not in self.value
        if self.op == ">":
            return got > self.value
        return got < self.value

    def __str__(self) -> str:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return f"{self.param} {self.op} {value}"


@dataclass(frozen=True)
class _Dimension:
    name: str
    when: tuple[Condition, ...] = field(default=(), kw_only=True)

    def active(self, params: dict[str, Any]) -> bool:
        """Whether every condition of this dimension holds for the params chosen so far."""
        return all(c.holds(params) for c in self.when)

    def condition_text(self) -> str:
        """The conditions as one line, or `always`."""
        return " and ".join(str(c) for c in self.when) or "always"


@dataclass(frozen=True)
class Categorical(_Dimension):
    """One of a fixed tuple of choices (bool, int, float, str or None)."""

    choices: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if not self.choices:
            raise ValueError(f"categorical {self.name!r} needs at least one choice, got {self.choices!r}")

    def suggest(self, trial: _Suggester) -> Any:
        return trial.suggest_categorical(self.name, list(self.choices))

    def describe(self) -> str:
        return "{" + ", ".join(repr(c) for c in self.choices) + "}"

    def contains(self, value: Any) -> bool:
        return value in self.choices


@dataclass(frozen=True)
class IntRange(_Dimension):
    """An integer in [low, high] with a step, optionally log-scaled."""

    low: int = 0
    high: int = 0
    step: int = 1
    log: bool = False

    def __post_init__(self) -> None:
        if self.low > self.high or self.step < 1:
            raise ValueError(f"int range {self.name!r} needs low <= high and step >= 1, got "
                             f"low={self.low}, high={self.high}, step={self.step}")

    def suggest(self, trial: _Suggester) -> int:
        return trial.suggest_int(self.name, self.low, self.high, step=self.step, log=self.log)

    def describe(self) -> str:
        return f"int [{self.low}, {self.high}] step {self.step}" + (" log" if self.log else "")

    def contains(self, value: Any) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high and (value - self.low) % self.step == 0


@dataclass(frozen=True)
class FloatRange(_Dimension):
    """A float in [low, high], optionally log-scaled or stepped."""

    low: float = 0.0
    high: float = 0.0
    log: bool = False
    step: float | None = None

    def __post_init__(self) -> None:
        if not self.low <= self.high or (self.log and self.low <= 0):
            raise ValueError(f"float range {self.name!r} needs low <= high (and low > 0 when log), "
                             f"got low={self.low}, high={self.high}, log={self.log}")

    def suggest(self, trial: _Suggester) -> float:
        return trial.suggest_float(self.name, self.low, self.high, step=self.step, log=self.log)

    def describe(self) -> str:
        extra = " log" if self.log else (f" step {self.step}" if self.step else "")
        return f"float [{self.low:g}, {self.high:g}]{extra}"

    def contains(self, value: Any) -> bool:
        return isinstance(value, (int, float)) and not math.isnan(value) and self.low <= value <= self.high


Dimension = Categorical | IntRange | FloatRange
