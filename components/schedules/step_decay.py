"""Step decay in epoch terms, built on Keras's `ExponentialDecay`."""

import keras

from deeper.components.validation import check_number


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
    initial_learning_rate = check_number(
        "initial_learning_rate", initial_learning_rate, low=0, low_open=True
    )
    drop = check_number("drop", drop, low=1)
    every_epochs = check_number("every_epochs", every_epochs, low=1, integer=True)
    steps_per_epoch = check_number("steps_per_epoch", steps_per_epoch, low=1, integer=True)
    return keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate,
        decay_steps=every_epochs * steps_per_epoch,
        decay_rate=1.0 / drop,
        staircase=True,
    )
