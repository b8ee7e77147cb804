"""`NaturalExpDecay`: eta0 * exp(-k * epoch), Keras's `ExponentialDecay` stated in epochs."""

import math

import keras

from deeper.components.constraints import Boolean, Integer, Real, String
from deeper.components.registry import register


@register(
    "schedules", "natural_exp_decay",
    example={"initial_learning_rate": 0.1, "decay": 0.5, "steps_per_epoch": 4},
)
class NaturalExpDecay(keras.optimizers.schedules.ExponentialDecay):
    """Exponential decay of the learning rate, in epochs.

        eta(t) = eta_0 * exp(-k * t / steps_per_epoch)

    with `t` the optimizer step, so eta = eta_0 exp(-k * epoch); with
    `staircase=True` the epoch is floored. This is Keras's
    `ExponentialDecay(eta_0, decay_steps=steps_per_epoch, decay_rate=exp(-k))`,
    with the arguments stated in epochs (the name and the `k` convention are
    those of TensorFlow 1's `natural_exp_decay`); it saves inside the
    optimizer of a saved model.

    Args:
        initial_learning_rate: eta_0 > 0.
        decay: k >= 0, per epoch. Defaults to 0.1 (the rate shrinks by
            exp(-0.1) ~ 0.905 per epoch).
        steps_per_epoch: optimizer steps per epoch, >= 1.
        staircase: decay once per epoch instead of every step. Defaults to `False`.
        name: Defaults to `"NaturalExpDecay"`.

    Example:

    >>> lr = NaturalExpDecay(0.1, decay=math.log(2), steps_per_epoch=50)
    >>> round(float(lr(0)), 6), round(float(lr(50)), 6), round(float(lr(100)), 6)
    (0.1, 0.05, 0.025)
    """

    _parameter_constraints = {"initial_learning_rate": Real(low=0, low_open=True),
                              "decay": Real(low=0), "steps_per_epoch": Integer(low=1),
                              "staircase": Boolean(), "name": String()}

    def __init__(self, initial_learning_rate, decay=0.1, steps_per_epoch=1, staircase=False,
                 name="NaturalExpDecay"):
        self.decay = decay
        self.steps_per_epoch = steps_per_epoch
        super().__init__(initial_learning_rate, decay_steps=self.steps_per_epoch,
                         decay_rate=math.exp(-self.decay),
                         staircase=staircase, name=name)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay": self.decay,
                "steps_per_epoch": self.steps_per_epoch, "staircase": self.staircase,
                "name": self.name}
