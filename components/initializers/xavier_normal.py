"""Xavier's N(0, 1/fan_in), untruncated: `XavierNormal`."""

from deeper.components.initializers.scaled_variance import FixedVarianceScaling
from deeper.components.registry import register


@register("initializers", "xavier_normal", example={"seed": 3})
class XavierNormal(FixedVarianceScaling):
    """Untruncated normal with variance 1 / fan_in.

    W ~ N(0, 1 / fan_in)

    The course's "Xavier" initialization keeps the variance of a linear unit's
    output equal to its inputs'. Keras's `LecunNormal` has the same variance
    but draws from a normal truncated at 2 standard deviations (rescaled so the
    variance is still 1 / fan_in): its tails differ. This class is Keras's
    `VarianceScaling(scale=1, mode="fan_in", distribution="untruncated_normal")`.
    (Keras's `GlorotNormal` is a third variant: variance 2 / (fan_in + fan_out).)

    Args:
        seed: integer seed, or `None` for an unseeded draw. Defaults to `None`.

    Example:

    >>> import keras
    >>> layer = keras.layers.Dense(64, kernel_initializer=XavierNormal(seed=0))

    Reference: LeCun, Bottou, Orr & Mueller, "Efficient BackProp", 1998;
    Glorot & Bengio, AISTATS 2010.
    """

    SCALE = 1.0
    MODE = "fan_in"
    DISTRIBUTION = "untruncated_normal"
