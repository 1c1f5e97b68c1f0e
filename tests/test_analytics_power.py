"""Ablation power: smallest detectable effect, seeds needed, Holm (harness.analytics)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.analytics import ablation_power, holm, min_detectable_effect, seeds_needed, t_interval


def test_the_detectable_effect_matches_a_hand_computation() -> None:
    # n = 5 pairs, sd 0.03: t(0.975, 4) = 2.776445, t(0.8, 4) = 0.940965 (tables)
    assert min_detectable_effect(0.03, 5) == pytest.approx((2.776445 + 0.940965) * 0.03 / math.sqrt(5), rel=1e-5)
    # n = 2: t(0.975, 1) = 12.706205, t(0.8, 1) = 1.376382
    assert min_detectable_effect(0.01, 2) == pytest.approx((12.706205 + 1.376382) * 0.01 / math.sqrt(2), rel=1e-5)
    assert min_detectable_effect(0.01, 1) == math.inf


def test_seeds_needed_is_the_smallest_n_whose_detectable_effect_reaches_the_target() -> None:
    n = seeds_needed(0.03, 0.02)
    assert min_detectable_effect(0.03, n) <= 0.02 < min_detectable_effect(0.03, n - 1)
    assert n == 20  # (2.093 + 0.861) * 0.03 / sqrt(20) = 0.0198; n = 19: 0.0204
    assert seeds_needed(0.0, 0.02) == 2


def test_holm_adjusts_step_down_and_monotone() -> None:
    p = [0.01, 0.04, 0.03, 0.5, math.nan]
    # sorted 0.01, 0.03, 0.04, 0.5 (m = 4): 0.04, 0.09, max(0.09, 0.08) = 0.09, max(0.09, 0.5) = 0.5
    assert holm(p)[:4] == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert math.isnan(holm(p)[4])


def test_power_rows_use_holm_levels_and_a_paired_t() -> None:
    diffs = {"a": [0.05, 0.02, 0.03], "b": [0.01, -0.02, 0.0, 0.01], "c": [0.02]}
    rows = {r.name: r for r in ablation_power(diffs)}
    a = np.array(diffs["a"])
    assert rows["a"].sd == pytest.approx(a.std(ddof=1)) and rows["a"].n == 3
    assert rows["a"].level == pytest.approx(1 - 0.05 / 2)  # smallest p of two testable toggles
    assert rows["b"].level == pytest.approx(0.95)
    assert rows["a"].ci == pytest.approx(t_interval(a, 0.975))
    assert rows["a"].p_holm == pytest.approx(min(1.0, 2 * rows["a"].p))
    assert rows["c"].ci is None and rows["c"].seeds_needed is None and math.isnan(rows["c"].p_holm)
    assert rows["a"].mde == pytest.approx(min_detectable_effect(a.std(ddof=1), 3))


def test_ablate_prints_the_seeds_a_variant_needs_at_its_observed_spread() -> None:
    import optuna
    from optuna.trial import TrialState, create_trial

    from harness.common import attrs
    from studies._ablate import format_power

    study = optuna.create_study(direction="maximize", study_name="s/ablation")
    held = {("baseline", 1): 0.50, ("baseline", 2): 0.52, ("baseline", 3): 0.47,
            ("residual:on", 1): 0.55, ("residual:on", 2): 0.54, ("residual:on", 3): 0.50, ("se:2", 1): 0.49}
    for (label, seed), score in held.items():
        study.add_trial(create_trial(state=TrialState.COMPLETE, value=0.3,
                                     user_attrs={attrs.ABLATION_TOGGLE: label, attrs.ABLATION_SEED: seed}))
        study.set_user_attr(attrs.heldout_key(study.trials[-1].number), {"miou": score})
    text = format_power(study)
    sd = np.array([0.05, 0.02, 0.03]).std(ddof=1)
    assert f"paired sd {sd:.4f}: {seeds_needed(sd, 0.02)} seeds" in text
    assert "se:2" in text and "fewer than 2 seed pairs" in text
