"""KerasTuner's discovery of a search space, without building a model per conditional scope.

KerasTuner finds a space's conditional hyperparameters by building and compiling
the model once per conditional scope never yet active (`Tuner._activate_all_conditions`):
28 models, about 20 s on 2 cores, for the course's space before the first trial.
`CourseHyperModel.draw` declares the whole space on `hp` without a model, so the same
loop runs on it in milliseconds.
"""

from __future__ import annotations

import copy


def declare_space(oracle, declare):
    """KerasTuner's loop, with `declare(hp)` in place of `hypermodel.build(hp)`: every
    conditional scope is activated once, and the oracle's space updated each time."""
    never, once = [], []
    hp = oracle.get_space()
    while True:
        declare(hp)
        oracle.update_space(hp)
        for conditions in hp.active_scopes:
            if conditions not in once:
                once.append(copy.deepcopy(conditions))
            if conditions in never:
                never.remove(conditions)
        never += [copy.deepcopy(c) for c in hp.inactive_scopes if c not in once]
        if not never:
            return None
        hp = oracle.get_space()
        for condition in never[0]:
            hp.values[condition.name] = condition.values[0]
        hp.ensure_active_values()
