"""Shared base of the course's initializers: a fixed `keras.initializers.VarianceScaling`."""

import keras

from deeper.components.constraints import Seed, enforce


class FixedVarianceScaling(keras.initializers.VarianceScaling):
    """`VarianceScaling` with `scale`, `mode` and `distribution` fixed by a subclass.

    Subclasses set the class attributes `SCALE`, `MODE` and `DISTRIBUTION`; the
    only constructor argument is `seed`, and `get_config` returns exactly it.
    Sampling is Keras's own.
    """

    SCALE = 1.0
    MODE = "fan_in"
    DISTRIBUTION = "untruncated_normal"

    _parameter_constraints = {"seed": Seed(allow_none=True)}

    def __init__(self, seed=None):
        super().__init__(scale=self.SCALE, mode=self.MODE, distribution=self.DISTRIBUTION,
                         seed=seed)

    def get_config(self):
        return {"seed": super().get_config()["seed"]}


enforce(FixedVarianceScaling)  # subclasses inherit the checked __init__
