"""`Constant`: the same learning rate at every step, as a schedule."""

import keras

from deeper.components.constraints import Real
from deeper.components.registry import register


@register(
    "schedules", "constant",
    example={"learning_rate": 0.05},
)
class Constant(keras.optimizers.schedules.LearningRateSchedule):
    """A constant learning rate, eta(t) = eta_0, as a `LearningRateSchedule`.

    A plain float does the same inside an optimizer; this object lets a
    constant rate go wherever a schedule is expected (`plot_schedule`,
    comparisons of schedules, `ScaledSchedule`).

    Args:
        learning_rate: eta_0 > 0.

    Example:

    >>> float(Constant(0.05)(1000))
    0.05000000074505806
    """

    _parameter_constraints = {"learning_rate": Real(low=0, low_open=True)}

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def __call__(self, step):
        return keras.ops.convert_to_tensor(self.learning_rate, dtype="float32")

    def get_config(self):
        return {"learning_rate": self.learning_rate}
