"""The learning-rate policy of the recipes, by name, in epochs."""

from __future__ import annotations

import math

import keras

from deeper.components import schedules
from deeper.recipes.options import declared


def decay_schedule(name, learning_rate, *, steps_per_epoch, epochs, lr_drop=10.0,
                   lr_drop_every=None, decay_rate=0.1, decay_factor=0.95, warmup_epochs=0):
    """The learning-rate schedule `name` (one of `declared.SCHEDULES`), stated in epochs.

    * `"constant"`: eta0 (also `"step"` with `lr_drop=1`);
    * `"step"`: eta0 / lr_drop ** floor(epoch / lr_drop_every), `lr_drop_every`
      defaulting to ceil(epochs / 2) (`schedules.step_decay`);
    * `"inverse"`: eta0 / (1 + decay_rate * epoch) (`schedules.InverseDecay`);
    * `"exponential"`: eta0 * decay_factor ** epoch = eta0 * exp(-k * epoch) with
      k = -log(decay_factor) (`schedules.NaturalExpDecay`);
    * `"cosine"`: Keras's `CosineDecay` from eta0 to 0 over the epochs after a
      linear warm-up of `warmup_epochs` from 0 to eta0;

    with `epoch = step / steps_per_epoch` (fractional: smooth decay within an epoch).
    """
    if name == "constant" or (name == "step" and lr_drop == 1):
        return learning_rate
    if name == "step":
        return schedules.step_decay(learning_rate, drop=lr_drop,
                                    every_epochs=lr_drop_every or -(-epochs // 2),
                                    steps_per_epoch=steps_per_epoch)
    if name == "inverse":
        return schedules.get("inverse_decay", initial_learning_rate=learning_rate,
                             decay=decay_rate, steps_per_epoch=steps_per_epoch)
    if name == "exponential":
        return schedules.get("natural_exp_decay", initial_learning_rate=learning_rate,
                             decay=-math.log(decay_factor), steps_per_epoch=steps_per_epoch)
    if name == "cosine":
        warmup = min(warmup_epochs, epochs - 1) * steps_per_epoch
        decay_steps = max(1, epochs * steps_per_epoch - warmup)
        if not warmup:
            return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
        return keras.optimizers.schedules.CosineDecay(
            0.0, decay_steps, warmup_target=learning_rate, warmup_steps=warmup)
    raise ValueError(f"`schedule` must be one of {declared.SCHEDULES}. Received: schedule={name!r}")
