"""`InverseDecay`: eta0 / (1 + k * epoch), Keras's `InverseTimeDecay` stated in epochs."""

import keras

from deeper.components.constraints import Boolean, Integer, Real, String
from deeper.components.registry import register


@register(
    "schedules", "inverse_decay",
    example={"initial_learning_rate": 0.1, "decay": 0.5, "steps_per_epoch": 4},
)
class InverseDecay(keras.optimizers.schedules.InverseTimeDecay):
    """Inverse-time decay of the learning rate, in epochs.

        eta(t) = eta_0 / (1 + k * t / steps_per_epoch)

    with `t` the optimizer step, so eta = eta_0 / (1 + k * epoch); with
    `staircase=True` the epoch is floored (the rate changes once per epoch).
    This is Keras's `InverseTimeDecay(eta_0, decay_steps=steps_per_epoch,
    decay_rate=k)`; only the arguments are stated in epochs, and it saves
    inside the optimizer of a saved model.

    Args:
        initial_learning_rate: eta_0 > 0.
        decay: k >= 0, per epoch. Defaults to 1 (the rate halves after one epoch).
        steps_per_epoch: optimizer steps per epoch, >= 1 (`ceil(n / batch_size)`).
        staircase: decay once per epoch instead of every step. Defaults to `False`.
        name: Defaults to `"InverseDecay"`.

    Example:

    >>> lr = InverseDecay(0.1, decay=1.0, steps_per_epoch=100)
    >>> round(float(lr(0)), 6), round(float(lr(100)), 6), round(float(lr(300)), 6)
    (0.1, 0.05, 0.025)

    Reference:
        Robbins & Monro 1951 (eta ~ 1/t satisfies sum eta = inf, sum eta^2 < inf);
        LeCun et al., "Efficient BackProp", 1998, section 4.7.
    """

    _parameter_constraints = {"initial_learning_rate": Real(low=0, low_open=True),
                              "decay": Real(low=0), "steps_per_epoch": Integer(low=1),
                              "staircase": Boolean(), "name": String()}

    def __init__(self, initial_learning_rate, decay=1.0, steps_per_epoch=1, staircase=False,
                 name="InverseDecay"):
        self.decay = decay
        self.steps_per_epoch = steps_per_epoch
        super().__init__(initial_learning_rate, decay_steps=self.steps_per_epoch,
                         decay_rate=self.decay, staircase=staircase,
                         name=name)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay": self.decay,
                "steps_per_epoch": self.steps_per_epoch, "staircase": self.staircase,
                "name": self.name}
