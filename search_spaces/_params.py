"""Trial param names: `prefix.field`, one prefix per config section (ARCHITECTURE.md, "Trials").

The one list of prefixes: the configs (`harness.configs_from_params`), the budgets' fixed
params and the report all map a param to the config it fills through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# param prefix -> the section of the `configs` attribute (TrialConfigs) that holds its field;
# augmentation switches live in the data config.
PARAM_SECTIONS: Mapping[str, str] = {"model": "model", "loss": "loss", "aug": "data", "data": "data", "train": "train"}
FAMILY_PARAM = "model.family"  # the network family: every space searches it, per-family views group by it


def unknown_params(names: Iterable[str]) -> list[str]:
    """The names (sorted) that are not `prefix.field` with a prefix of PARAM_SECTIONS."""
    return sorted(n for n in names if n.partition(".")[0] not in PARAM_SECTIONS or not n.partition(".")[2])


def param_section(name: str) -> tuple[str, str]:
    """(configs section, field) of a param name; ValueError for a name outside the prefixes."""
    if unknown_params([name]):
        raise ValueError(f"unknown parameter {name!r}; names start with one of {[p + '.' for p in PARAM_SECTIONS]}")
    prefix, _, field = name.partition(".")
    return PARAM_SECTIONS[prefix], field


def params_with_prefix(params: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """{field: value} of the params named `prefix.field`."""
    return {k.partition(".")[2]: v for k, v in params.items() if k.partition(".")[0] == prefix}
