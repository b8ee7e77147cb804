"""Keras's L1 and L2 penalties by name, their arguments checked first.

Notation: Keras's `L2(l2)` adds l2 * sum(w^2) to the loss, whose gradient is
2 * l2 * w. The course writes the penalty lambda/2 * ||w||^2 (gradient
lambda * w, the weight decay w <- (1 - eta * lambda) w - eta * grad); that
is `half_l2` (`HalfL2(lam)`), equal to Keras's `L2(l2=lam / 2)`. L1 agrees:
Keras's `L1(l1)` is l1 * sum(|w|), the course's lambda * ||w||_1.
"""

import keras

from deeper.components import registry
from deeper.components.constraints import declare
from deeper.components.keras_constraints import KERAS


@declare(KERAS[keras.regularizers.L1])
def l1(l1=0.01):
    """Keras's `L1`: l1 * sum(|w|). `l1` >= 0; defaults to 0.01 (Keras's default)."""
    return keras.regularizers.L1(l1=l1)


@declare(KERAS[keras.regularizers.L2])
def l2(l2=0.01):
    """Keras's `L2`: l2 * sum(w^2) (no 1/2; see `HalfL2`). `l2` >= 0; defaults to 0.01."""
    return keras.regularizers.L2(l2=l2)


registry.add("regularizers", "l1", l1, example={"l1": 0.001})
registry.add("regularizers", "l2", l2, example={"l2": 0.001})
