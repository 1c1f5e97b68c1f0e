"""A `--timeout` search's time plan: the rule that decides whether exploring can pay.

The plan (studies/_plan.py) first trains an anchor, a known-good configuration (Table 1's U-Net
by default) on all cores under `marsseg train`'s recipe until the end. After its first epoch it knows
the machine's training rate. Exploring takes `EXPLORE_SHARE` of the time and must train at
least `MIN_CANDIDATES` candidates to the first cost rung to inform a choice; if it cannot, the
anchor trains to the end (on a slow machine or a short timeout, a search is a single
well-scheduled run). Otherwise the anchor trains on to the first rung and stops, the workers
screen candidates at that same cost until the planned point, and the best of them (one per
worker) continue from their kept weights and optimizer state to the end.
"""

from __future__ import annotations

from typing import Any

from harness.common import attrs

EXPLORE_SHARE = 1 / 3  # of the time, spent exploring when exploring pays
MIN_CANDIDATES = 8  # candidates the exploration must bring to the first rung


def explore_pays(explore_s: float, gflop_per_s: float, first_rung_gflop: float,
                 candidates: int = MIN_CANDIDATES) -> tuple[bool, str]:
    """(whether exploring `explore_s` seconds at `gflop_per_s` of training brings `candidates`
    to the first rung, the reason in words)."""
    reach = explore_s * gflop_per_s / first_rung_gflop
    said = (f"exploring {explore_s:.0f} s at {gflop_per_s:.1f} GFLOP/s of training brings {reach:.2f} "
            f"candidate(s) to the first rung ({first_rung_gflop:.0f} GFLOP)")
    if reach >= candidates:
        return True, f"{said}: explore"
    return False, f"{said}, fewer than {candidates}: the anchor trains to the end"


def plan_decision(check: dict[str, Any], gflop_per_s: float) -> dict[str, Any]:
    """The anchor's decision (`attrs.PLAN_DECISION`) from its `attrs.PLAN_CHECK` and its measured rate."""
    explore, reason = explore_pays(check["explore_s"], gflop_per_s, check["first_rung"])
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
