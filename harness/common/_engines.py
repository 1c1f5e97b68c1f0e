"""Names of the KerasTuner methods; a KerasTuner run's study records its method as its `sampler`."""

KERAS_TUNER_METHODS = ("kt-random", "kt-bayes", "kt-hyperband")  # harness.TUNERS has a factory for each
