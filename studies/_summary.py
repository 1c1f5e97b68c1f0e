"""The comparison table of a study's trials, as plain rows and as text: val mIoU and the held-out
mIoU where the trial was scored, each with its 95% bootstrap interval over photographs (val: a
complete trial's `attrs.VAL_SCORE`)."""

from __future__ import annotations

from typing import Any

from harness.common import attrs
from search_spaces import FAMILY_PARAM
from studies._accounting import is_lost

_COLUMNS = (("#", 4), ("state", 8), ("val_miou", 25), ("family", 20), ("res", 5), ("se", 2),
            ("bottleneck", 10), ("epochs", 6), ("seconds", 7), ("params", 9), ("held-out [95% CI]", 25))


def summary_rows(study: Any) -> list[dict[str, Any]]:
    """One row per ended trial, best first (by `harness.best_val`: a complete trial's value, a pruned
    one's best reported epoch, whose weights it kept; then the rest; `lost`: a FAIL the
    infrastructure caused, retried)."""
    from harness import best_val
    from harness.analytics import stored_ci

    heldout = attrs.heldout_scores(study.user_attrs)
    rows = []
    for t in study.get_trials(deepcopy=False):
        if t.state.name in ("RUNNING", "WAITING") or attrs.is_surplus(t):
            continue
        a = t.user_attrs
        model = (a.get(attrs.CONFIGS) or {}).get("model", {})  # what trained (budget-fixed values included) wins
        p = {**t.params, **{f"model.{k}": v for k, v in model.items()}}
        rows.append({"#": t.number, "state": "lost" if is_lost(t) else t.state.name.lower(), "val_miou": best_val(t),
                     "val_ci": stored_ci(a.get(attrs.VAL_SCORE)),
                     "family": p.get(FAMILY_PARAM, "-"), "res": p.get("model.residual", "-"),
                     "se": p.get("model.se_levels", "-"), "bottleneck": p.get("model.bottleneck", "-"),
                     "epochs": a.get(attrs.EPOCHS_RUN, "-"), "seconds": a.get(attrs.TRAIN_SECONDS, "-"),
                     "params": a.get(attrs.N_PARAMS, "-"), "held-out [95% CI]": _heldout_cell(heldout.get(t.number))})
    return sorted(rows, key=lambda r: (r["val_miou"] is None, -(r["val_miou"] or 0.0), r["#"]))


def _heldout_cell(score: dict[str, Any] | None) -> str:
    """"0.4280 [0.4012, 0.4551]": held-out mIoU and its 95% interval over photographs; "-" when not scored."""
    from harness.analytics import format_value_ci, stored_ci

    if score is None:
        return "-"
    return format_value_ci(score["miou"], stored_ci(score))


def format_table(rows: list[dict[str, Any]]) -> str:
    """Fixed-width text table of `summary_rows` (val mIoU with its interval where there is one)."""
    from harness.analytics import format_value_ci

    def cell(name: str, row: dict[str, Any]) -> str:
        value = row[name]
        if name == "val_miou":
            return format_value_ci(value, row.get("val_ci"))
        if isinstance(value, float):
            return f"{value:.1f}"
        return "-" if value is None else str(value)

    header = {"val_miou": "val_miou [95% CI]"}
    lines = ["  ".join(f"{header.get(name, name):>{w}s}" for name, w in _COLUMNS)]
    for row in rows:
        lines.append("  ".join(f"{cell(name, row):>{w}s}" for name, w in _COLUMNS))
    return "\n".join(lines)
