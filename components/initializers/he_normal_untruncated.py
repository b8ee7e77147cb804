"""He's N(0, 2/fan_in), untruncated: `HeNormal`."""

from deeper.components.initializers.scaled_variance import FixedVarianceScaling
from deeper.components.registry import register


@register("initializers", "he_normal_untruncated", example={"seed": 3})
class HeNormal(FixedVarianceScaling):
    """Untruncated normal with variance 2 / fan_in, for ReLU units.

    W ~ N(0, 2 / fan_in)

    A ReLU zeroes half of its inputs, halving the variance; doubling the
    weights' variance keeps activations at the same scale through depth (He et
    al. 2015). Keras's `HeNormal` (name `"he_normal"`) has the same variance
    but draws from a normal truncated at 2 standard deviations; this one is
    the paper's untruncated normal, Keras's
    `VarianceScaling(scale=2, mode="fan_in", distribution="untruncated_normal")`.

    Args:
        seed: integer seed, or `None` for an unseeded draw. Defaults to `None`.

    Example:

    >>> import keras
    >>> layer = keras.layers.Dense(64, activation="relu",
    ...                            kernel_initializer=HeNormal(seed=0))

    Reference: He, Zhang, Ren & Sun, "Delving deep into rectifiers", ICCV 2015.
    """

    SCALE = 2.0
    MODE = "fan_in"
    DISTRIBUTION = "untruncated_normal"
