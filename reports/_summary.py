"""Section 1, the summary: what was searched, the best configuration as trained, what it cost."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from harness.common import attrs
from search_spaces import PARAM_SECTIONS, param_section

from reports._collect import best_index
from reports._trials import BEST_VAL, WORKER_NAME, TrialTable

STUDY_ATTRS = (attrs.SPACE, attrs.SAMPLER, attrs.PRUNER, attrs.BUDGET, attrs.MAX_EPOCHS, attrs.DATA, attrs.SEED)
SECTIONS = ("model", "loss", "data", "train")  # of the `configs` attribute, in the order shown
_PREFIXES = {section: tuple(p for p, s in PARAM_SECTIONS.items() if s == section) for section in SECTIONS}
SEARCHED, BUDGET, FIXED = "searched", "fixed by the budget", "fixed by the space"


class ConfigRow(NamedTuple):
    """One trained value of the best configuration; `source`: SEARCHED, BUDGET or FIXED."""

    section: str
    name: str
    value: Any
    source: str


class TimeSpent(NamedTuple):
    """Seconds: fit time of every trial but the best (`exploring`), of the best (`winner`), and the
    finished trials' wall time minus their fit time (`overhead`); `wall`: first start to last end."""

    exploring: float
    winner: float
    overhead: float
    wall: float
    n_workers: int


class Summary(NamedTuple):
    """Section 1: what was searched and what it cost."""

    study_name: str
    storage: str
    attrs: dict[str, Any]
    counts: dict[str, int]
    train_seconds: float
    epochs_run: int
    epochs_saved_by_pruning: int | None
    epochs_saved_by_early_stopping: int | None
    best_value: float | None
    best_number: int | None
    best_params: dict[str, Any]
    fail_reasons: dict[str, int]
    best_state: str | None = None
    best_config: list[ConfigRow] = []
    time: TimeSpent | None = None
    plan: str = ""  # a `--timeout` search's time plan: how its time went (`harness.format_plan`)


def collect_summary(table: TrialTable, storage: str) -> Summary:
    """Counts per state, compute used, the epochs pruning saved and the best trial by the ranking rule."""
    f = table.frame
    counts = {s: int((f["state"] == s).sum()) for s in ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")}
    finished = f[f["state"].isin(["COMPLETE", "PRUNED"])]
    epochs = finished["epochs_run"].astype(float)
    max_epochs = table.user_attrs.get("max_epochs")
    saved_pruning = saved_early = None
    if isinstance(max_epochs, (int, float)) and max_epochs > 0:
        pruned = epochs[finished["state"] == "PRUNED"].dropna()
        complete = epochs[finished["state"] == "COMPLETE"].dropna()
        saved_pruning = int(np.clip(max_epochs - pruned, 0, None).sum())
        saved_early = int(np.clip(max_epochs - complete, 0, None).sum())
    idx = best_index(table)
    best = None if idx is None else table.trials[idx]
    reasons: dict[str, int] = {}
    for t in table.trials:
        if t.state.name == "FAIL":
            reason = str(t.user_attrs.get(attrs.FAIL_REASON, "no fail_reason recorded"))
            reasons[reason] = reasons.get(reason, 0) + 1
    return Summary(
        study_name=table.study_name,
        storage=storage,
        attrs={k: table.user_attrs[k] for k in STUDY_ATTRS if k in table.user_attrs},
        counts=counts,
        train_seconds=float(np.nansum(f["train_seconds"].astype(float))),
        epochs_run=int(np.nansum(epochs)),
        epochs_saved_by_pruning=saved_pruning,
        epochs_saved_by_early_stopping=saved_early,
        best_value=None if best is None else float(f[BEST_VAL].iloc[idx]),
        best_number=None if best is None else best.number,
        best_params={} if best is None else dict(best.params),
        fail_reasons=dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
        best_state=None if best is None else best.state.name.lower(),
        best_config=[] if best is None else best_config(best, table.user_attrs.get("budget")),
        time=time_spent(table, idx),
        plan=_plan_line(table.user_attrs.get(attrs.TIME_PLAN)),
    )


def _plan_line(plan: dict[str, Any] | None) -> str:
    from harness import format_plan

    return format_plan(plan) if isinstance(plan, dict) and "wall_s" in plan else ""


def best_config(trial: Any, budget: str | None) -> list[ConfigRow]:
    """What `trial` trained, section by section: its `configs` attribute (which wins over its
    params); a study from before configs were recorded shows its params."""
    from harness import BUDGETS

    fixed = dict(BUDGETS[budget].fixed) if budget in BUDGETS else {}
    configs = trial.user_attrs.get(attrs.CONFIGS)
    if not isinstance(configs, dict):
        return [ConfigRow(_section_of(name), name, value, SEARCHED) for name, value in trial.params.items()]
    rows = []
    for section in SECTIONS:
        for field, value in (configs.get(section) or {}).items():
            names = [f"{prefix}.{field}" for prefix in _PREFIXES[section]]
            source = (SEARCHED if any(n in trial.params for n in names)
                      else BUDGET if any(n in fixed for n in names) else FIXED)
            rows.append(ConfigRow(section, field, value, source))
    return rows


def _section_of(param: str) -> str:
    try:
        return param_section(param)[0]
    except ValueError:  # not a config param: a section of its own name
        return param.partition(".")[0]


def time_spent(table: TrialTable, best_row: int | None) -> TimeSpent | None:
    """Where the time went, from each trial's `train_seconds` (time in fit) and its wall time
    (start to end): None when no trial recorded either."""
    f = table.frame
    done = f[f["complete"].notna() & f["start"].notna()]
    if done.empty:
        return None
    fit = done["train_seconds"].to_numpy(dtype=float)
    wall = np.array([(c - s).total_seconds() for s, c in zip(done["start"], done["complete"])], dtype=float)
    winner = 0.0 if best_row is None else float(np.nan_to_num(f["train_seconds"].astype(float).iloc[best_row]))
    span = (max(done["complete"]) - min(done["start"])).total_seconds()
    return TimeSpent(float(np.nansum(fit)) - winner, winner, max(0.0, float(wall.sum() - np.nansum(fit))), span,
                     int(done[WORKER_NAME].nunique()))
