"""`ScaledSchedule`: a schedule times a constant factor."""

import keras

from deeper.components.constraints import Real
from deeper.components.keras_constraints import Component
from deeper.components.registry import register

_EXAMPLE = {"module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
            "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
                       "staircase": False, "name": "ExponentialDecay"},
            "registered_name": None}


@register(
    "schedules", "scaled_schedule",
    example={"schedule": _EXAMPLE, "factor": 0.5},
)
class ScaledSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """eta(t) = factor * schedule(t): one schedule, rescaled (per-weight learning rates).

    Args:
        schedule: a `LearningRateSchedule` or its serialized config.
        factor: the multiplier, > 0.

    Example:

    >>> base = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    >>> round(float(ScaledSchedule(base, 0.5)(10)), 6)
    0.025
    """

    _parameter_constraints = {"schedule": Component("schedules"),
                              "factor": Real(low=0, low_open=True)}

    def __init__(self, schedule, factor):
        if isinstance(schedule, dict):
            schedule = keras.saving.deserialize_keras_object(schedule)
        if not isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
            raise TypeError("`schedule` must be a keras.optimizers.schedules."
                            f"LearningRateSchedule or its config. Received: schedule={schedule!r}")
        self.schedule = schedule
        self.factor = factor

    def __call__(self, step):
        return keras.ops.multiply(self.schedule(step), self.factor)

    def get_config(self):
        return {"schedule": keras.saving.serialize_keras_object(self.schedule),
                "factor": self.factor}
