"""The report's `--compare` section pairs each study's best scored trial with the report study's on the
same photographs, as `marsseg compare` does; it says why when the two cannot pair."""

from __future__ import annotations

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import create_trial

from harness.analytics import interval_record, paired_difference
from harness.common import attrs, open_storage
from reports import collect_report

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _scored_study(storage, name: str, units: np.ndarray, digest: str, values=(0.4, 0.3)) -> optuna.Study:
    study = optuna.create_study(study_name=name, storage=storage, direction="maximize")
    dist = {"x": FloatDistribution(0, 1)}
    for v in values:
        study.add_trial(create_trial(value=v, params={"x": v}, distributions=dist))
    # the best trial by val (trial 0) is scored on the held-out split: per-photograph matrices and the digest
    study.set_user_attr(attrs.heldout_key(0), {"miou": 0.0, **interval_record(units, None, digest)})
    return study


def test_compare_section_pairs_the_best_scored_trials_on_the_same_photographs(tmp_path) -> None:
    rng = np.random.default_rng(0)
    units_a = rng.integers(0, 300, (40, 5, 5))
    units_b = units_a + rng.integers(0, 60, (40, 5, 5)) * np.eye(5, dtype=np.int64)  # B a little better on the diagonal
    storage = open_storage(str(tmp_path / "s.journal"))
    a = _scored_study(storage, "a", units_a, "same")
    b = _scored_study(storage, "b", units_b, "same")
    c = _scored_study(storage, "c", units_b[:30], "other")  # scored on other images
    series = collect_report(a, compare=[b, c]).compare
    expected = paired_difference(units_b, units_a)  # independent: B - A on the same units, same default seed
    assert series[1].study_name == "b" and series[1].paired.diff == expected.diff
    assert series[1].paired.ci == expected.ci and series[1].paired.diff > 0
    assert series[2].paired is None and "differ" in series[2].paired_note
    assert series[0].paired is None  # the report's own study
