"""Hyperparameter search with KerasTuner: `tune` (the recipe), `space`
(`CourseHyperModel`, the course's search space), `oracles` (crash-safe
KerasTuner oracles) and `report` (trials.csv, plots, metrics.json)."""

from deeper.recipes.tuning.tune import (  # noqa: F401
    MAX_CONSECUTIVE_FAILURES,
    TUNERS,
    TuneResult,
    abort_probability,
    make_tuner,
    tune,
)
