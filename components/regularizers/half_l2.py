"""The course's L2 penalty lambda/2 * ||w||^2: `HalfL2`."""

import keras

from deeper.components.constraints import Real
from deeper.components.registry import register


@register("regularizers", "half_l2", example={"lam": 0.002})
class HalfL2(keras.regularizers.L2):
    """L2 penalty in the course's notation: lam / 2 * sum(w^2).

    Its gradient is lam * w, so plain SGD on loss + penalty is the weight
    decay update w <- (1 - eta * lam) * w - eta * grad. Keras's own `L2(l2)`
    is l2 * sum(w^2) (no 1/2): `HalfL2(lam)` is exactly Keras's
    `L2(l2=lam / 2)`, which it subclasses; only the parameter differs.

    Args:
        lam: the course's lambda, >= 0. Defaults to 0.0001.

    Example:

    >>> keras.layers.Dense(64, kernel_regularizer=HalfL2(lam=1e-4))

    Reference: Krogh & Hertz, "A Simple Weight Decay Can Improve
    Generalization", NIPS 1991.
    """

    _parameter_constraints = {"lam": Real(low=0)}

    def __init__(self, lam=1e-4):
        self.lam = lam
        super().__init__(l2=self.lam / 2)

    def get_config(self):
        return {"lam": self.lam}
