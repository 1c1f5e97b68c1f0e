"""A `--timeout` search's time plan: the rule that decides whether exploring can pay.

The plan (studies/_plan.py) first trains an anchor, a known-good configuration (Table 1's U-Net
by default) on all cores under `marsseg train`'s recipe until the end. After its first epoch it knows
the machine's training rate. Exploring takes `EXPLORE_SHARE` of the time and must bring at
least `MIN_CANDIDATES` candidates (the anchor among them) to the first cost rung in the time it
has left to inform a choice; if it cannot, the
anchor trains to the end (on a slow machine or a short timeout, a search is a single
well-scheduled run, or an ensemble of such runs). Otherwise the anchor trains on to the first
rung and stops, the workers screen candidates at that same cost until the planned point, and the
best of them (one per worker) continue from their kept weights and optimizer state to the end.

Where exploring cannot pay but the time holds `MEMBER_PASSES` passes over the training split at
least twice, the time is shared out into `ensemble_members` equal runs of the anchor's row, each
with its own seed (the anchor the first), which `marsseg predict --top-k` ensembles on val: past
its plateau a run's extra passes buy little, a second model's predictions more.
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
# Passes over the training split a member of an ensemble plan needs: where the Table 1 U-Net's val
# mIoU stops climbing under the recipe (best epoch 21 of 29 at 30 minutes on a Zen 4, BENCHMARKS.md).
MEMBER_PASSES = 20
MAX_MEMBERS = 3  # `marsseg predict --top-k 3`, as the README submits


def ensemble_members(total_s: float, pass_s: float, passes: int = MEMBER_PASSES, most: int = MAX_MEMBERS) -> int:
    """How many runs of `passes` passes, at `pass_s` seconds a pass, `total_s` seconds hold (at
    least 1, at most `most`)."""
    return max(1, min(most, int(total_s // (passes * pass_s)))) if pass_s > 0 else 1


def explore_pays(left_s: float, gflop_per_s: float, first_rung_gflop: float, spent_gflop: float = 0.0,
                 candidates: int = MIN_CANDIDATES, otherwise: str = "the anchor trains to the end") -> tuple[bool, str]:
    """(whether the `left_s` seconds of exploring left, at `gflop_per_s` of training, bring
    `candidates` to the first rung: the anchor, which has trained `spent_gflop`, and those the
    workers screen after it; the reason in words, ending with `otherwise` where it does not)."""
    finish_s = max(first_rung_gflop - spent_gflop, 0.0) / gflop_per_s  # the anchor on to the rung
    reach = 1 + max(left_s - finish_s, 0.0) * gflop_per_s / first_rung_gflop
    said = (f"{left_s:.0f} s of exploring left at {gflop_per_s:.1f} GFLOP/s of training bring {reach:.2f} "
            f"candidate(s), the anchor included, to the first rung ({first_rung_gflop:.0f} GFLOP)")
    if reach >= candidates:
        return True, f"{said}: explore"
    return False, f"{said}, fewer than {candidates}: {otherwise}"


def plan_decision(check: dict[str, Any], gflop_per_s: float, spent_gflop: float = 0.0,
                  now: float | None = None, pass_s: float = 0.0) -> dict[str, Any]:
    """The anchor's decision (`attrs.PLAN_DECISION`) from its `attrs.PLAN_CHECK`, its measured
    rate, the cost it has trained and the seconds its first pass took, at `now` (default: the
    clock): EXPLORE, else ENSEMBLE (with "members" and the anchor's new "end") where the plan's
    time holds two members or more, else EXPLOIT."""
    left_s = check["explore_until"] - (time.time() if now is None else now)
    total_s = check["end"] - check["start"]
    members = ensemble_members(total_s, pass_s)
    ensemble = (f"{total_s:.0f} s at {pass_s:.0f} s a pass hold {members} runs of {MEMBER_PASSES} passes or more: "
                f"an ensemble of {members} seeds of the anchor's row, one after the other")
    explore, reason = explore_pays(left_s, gflop_per_s, check["first_rung"], spent_gflop,
                                   **({"otherwise": ensemble} if members > 1 else {}))
    decided = {"decision": attrs.EXPLORE if explore else attrs.EXPLOIT, "reason": reason,
               "gflop_per_s": round(gflop_per_s, 3)}
    if not explore and members > 1:
        decided.update(decision=attrs.ENSEMBLE, members=members, end=check["start"] + total_s / members)
    return decided


def format_plan(phases: dict[str, Any]) -> str:
    """How a plan's time went (`attrs.TIME_PLAN`), in one line."""
    parts = [f"anchor {phases.get('anchor_s', 0):.0f} s"]
    if "explore_s" in phases:
        parts.append(f"explore {phases['explore_s']:.0f} s")
    if "members_s" in phases:
        parts.append(f"{len(phases['members_s'])} more member(s) {sum(phases['members_s']):.0f} s")
    if "exploit_s" in phases:
        parts.append(f"continuation {phases['exploit_s']:.0f} s")
    said = f"{', '.join(parts)} of {phases.get('wall_s', 0):.0f} s wall clock"
    return f"{said}; {phases['reason']}" if phases.get("reason") else said
