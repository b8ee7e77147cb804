"""The 4x Glorot rule for sigmoid units: `SigmoidGlorotUniform`."""

from deeper.components.initializers.scaled_variance import FixedVarianceScaling
from deeper.components.registry import register


@register("initializers", "sigmoid_glorot_uniform", example={"seed": 3})
class SigmoidGlorotUniform(FixedVarianceScaling):
    """Glorot uniform scaled by 4, for logistic-sigmoid units.

    W ~ U(-4 * sqrt(6 / (fan_in + fan_out)), +4 * sqrt(6 / (fan_in + fan_out)))

    The logistic sigmoid's slope at 0 is 1/4 of tanh's, so matching the
    variance of the back-propagated gradient needs weights 4 times larger
    (Glorot & Bengio 2010). This is exactly Keras's
    `VarianceScaling(scale=16, mode="fan_avg", distribution="uniform")`,
    whose limit is sqrt(3 * 16 / ((fan_in + fan_out) / 2)); for tanh units use
    Keras's own `"glorot_uniform"`.

    Args:
        seed: integer seed, or `None` for an unseeded draw. Defaults to `None`.

    Example:

    >>> import keras
    >>> layer = keras.layers.Dense(64, activation="sigmoid",
    ...                            kernel_initializer=SigmoidGlorotUniform(seed=0))

    Reference: Glorot & Bengio, "Understanding the difficulty of training deep
    feedforward neural networks", AISTATS 2010.
    """

    SCALE = 16.0
    MODE = "fan_avg"
    DISTRIBUTION = "uniform"
