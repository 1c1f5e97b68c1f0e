"""A `--timeout` search's time plan: the rule that decides whether exploring can pay.

The plan (studies/_plan.py) first trains an anchor, a known-good configuration (Table 1's U-Net
by default) on all cores under `marsseg train`'s recipe until the end. After its first epoch it knows
the machine's training rate. Exploring takes `EXPLORE_SHARE` of the time and must bring at
least `MIN_CANDIDATES` candidates (the anchor among them) to the first cost rung in the time it
has left to inform a choice; if it cannot, the
anchor trains to the end (on a slow machine or a short timeout, a search is a single
well-scheduled run). Otherwise the anchor trains on to the first rung and stops, the workers
screen candidates at that same cost until the planned point, and the best of them (one per
worker) continue from their kept weights and optimizer state to the end.
"""

from __future__ import annotations

import time
from typing import Any

from harness.common import attrs

EXPLORE_SHARE = 1 / 3  # of the time, spent exploring when exploring pays
# Candidates the exploration must bring to the first rung. On 2 CPU cores every exploring run
# measured, with 8 to 16 candidates, scored below the anchor trained alone (BENCHMARKS.md, "How
# good is a search at equal time?"): rankings at the first rung were noise, and the continuations
# trained less than the anchor would have. Higher reaches are unmeasured.
MIN_CANDIDATES = 24


def explore_pays(left_s: float, gflop_per_s: float, first_rung_gflop: float, spent_gflop: float = 0.0,
                 candidates: int = MIN_CANDIDATES) -> tuple[bool, str]:
    """(whether the `left_s` seconds of exploring left, at `gflop_per_s` of training, bring
    `candidates` to the first rung: the anchor, which has trained `spent_gflop`, and those the
    workers screen after it; the reason in words)."""
    finish_s = max(first_rung_gflop - spent_gflop, 0.0) / gflop_per_s  # the anchor on to the rung
    reach = 1 + max(left_s - finish_s, 0.0) * gflop_per_s / first_rung_gflop
    said = (f"{left_s:.0f} s of exploring left at {gflop_per_s:.1f} GFLOP/s of training bring {reach:.2f} "
            f"candidate(s), the anchor included, to the first rung ({first_rung_gflop:.0f} GFLOP)")
    if reach >= candidates:
        return True, f"{said}: explore"
    return False, f"{said}, fewer than {candidates}: the anchor trains to the end"


def plan_decision(check: dict[str, Any], gflop_per_s: float, spent_gflop: float = 0.0,
                  now: float | None = None) -> dict[str, Any]:
    """The anchor's decision (`attrs.PLAN_DECISION`) from its `attrs.PLAN_CHECK`, its measured
    rate and the cost it has trained, at `now` (default: the clock)."""
    left_s = check["explore_until"] - (time.time() if now is None else now)
    explore, reason = explore_pays(left_s, gflop_per_s, check["first_rung"], spent_gflop)
    return {"decision": attrs.EXPLORE if explore else attrs.EXPLOIT, "reason": reason,
            "gflop_per_s": round(gflop_per_s, 3)}


def format_plan(phases: dict[str, Any]) -> str:
    """How a plan's time went (`attrs.TIME_PLAN`), in one line."""
    parts = [f"anchor {phases.get('anchor_s', 0):.0f} s"]
    if "explore_s" in phases:
        parts.append(f"explore {phases['explore_s']:.0f} s")
    if "exploit_s" in phases:
        parts.append(f"continuation {phases['exploit_s']:.0f} s")
    said = f"{', '.join(parts)} of {phases.get('wall_s', 0):.0f} s wall clock"
    return f"{said}; {phases['reason']}" if phases.get("reason") else said
