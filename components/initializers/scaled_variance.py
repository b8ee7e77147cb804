"""Shared base of the course's initializers: a fixed `keras.initializers.VarianceScaling`."""

import keras

from deeper.components.validation import check_seed


class FixedVarianceScaling(keras.initializers.VarianceScaling):
    """`VarianceScaling` with `scale`, `mode` and `distribution` fixed by a subclass.

    Subclasses set the class attributes `SCALE`, `MODE` and `DISTRIBUTION`; the
    only constructor argument is `seed`, and `get_config` returns exactly it.
    Sampling is Keras's own.
    """

    SCALE = 1.0
    MODE = "fan_in"
    DISTRIBUTION = "untruncated_normal"

    def __init__(self, seed=None):
        check_seed("seed", seed, allow_none=True)
        super().__init__(scale=self.SCALE, mode=self.MODE, distribution=self.DISTRIBUTION,
                         seed=seed)

    def get_config(self):
        return {"seed": super().get_config()["seed"]}
