"""Step decay in epoch terms, built on Keras's `ExponentialDecay`."""

import keras

from deeper.components.constraints import Integer, Real, declare


@declare({"initial_learning_rate": Real(low=0, low_open=True), "drop": Real(low=1),
          "every_epochs": Integer(low=1), "steps_per_epoch": Integer(low=1)},
         example=lambda: {"initial_learning_rate": 0.1, "steps_per_epoch": 10})
def step_decay(initial_learning_rate, *, drop=10.0, every_epochs=10, steps_per_epoch):
    """Divide the learning rate by `drop` every `every_epochs` epochs.

    eta(t) = eta_0 / drop ** floor(t / (every_epochs * steps_per_epoch))

    with `t` the optimizer step. This is exactly Keras's
    `ExponentialDecay(eta_0, decay_steps=every_epochs * steps_per_epoch,
    decay_rate=1 / drop, staircase=True)`, which is what is returned: it
    serializes inside a saved optimizer like any Keras schedule.

    Args:
        initial_learning_rate: eta_0, > 0.
        drop: the divisor alpha applied at each boundary, >= 1. Defaults to 10.
        every_epochs: T, epochs between drops, >= 1. Defaults to 10.
        steps_per_epoch: optimizer steps per epoch, >= 1.

    Example:

    >>> lr = step_decay(0.1, drop=2, every_epochs=5, steps_per_epoch=100)
    >>> round(float(lr(499)), 6), round(float(lr(500)), 6)
    (0.1, 0.05)
    """
    return keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate,
        decay_steps=every_epochs * steps_per_epoch,
        decay_rate=1.0 / drop,
        staircase=True,
    )
