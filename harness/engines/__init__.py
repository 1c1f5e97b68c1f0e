"""Search engines other than Optuna's own loop, each trial recorded as an Optuna trial.

`harness.engines` holds KerasTuner's tuners (`make_tuner`, `TUNERS`): a `SearchSpace` as a
KerasTuner HyperModel whose every trial trains through `harness.Objective` and lands in the
run's Optuna study, so `evaluate`, `predict`, `report` and `benchmark` read it like any study.
"""

from harness.engines._keras_tuner import TUNERS, KerasTunerObjective, SpaceHyperModel, make_tuner

__all__ = ["TUNERS", "KerasTunerObjective", "SpaceHyperModel", "make_tuner"]
