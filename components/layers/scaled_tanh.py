"""LeCun's scaled hyperbolic tangent: the `scaled_tanh` function and `ScaledTanh` layer."""

import keras

from deeper.components.layers.precise_tanh import precise_tanh
from deeper.components.registry import register

AMPLITUDE = 1.7159
SLOPE = 2.0 / 3.0


@keras.saving.register_keras_serializable(package="deeper")
def scaled_tanh(x):
    """LeCun's recommended sigmoid: f(x) = 1.7159 * tanh(2x / 3).

    The constants make f(+-1) = +-1 and keep the effective gain near 1 for
    standardized inputs, so the second derivative is largest at x = +-1 and
    targets +-1 lie in the non-saturated region (LeCun et al. 1998).

    Usable as `activation=scaled_tanh` in any Keras layer; the model saves and
    reloads with `safe_mode=True` once `deeper.components` is imported.

    Args:
        x: input tensor.

    Returns:
        A tensor of the same shape and dtype as `x`.

    Reference: LeCun, Bottou, Orr & Mueller, "Efficient BackProp", 1998, sec. 4.4.
    """
    x = keras.ops.convert_to_tensor(x)
    return AMPLITUDE * precise_tanh(SLOPE * x)


@register("layers", "scaled_tanh", example={}, input_shape=(4,))
class ScaledTanh(keras.layers.Layer):
    """Layer applying LeCun's scaled tanh, f(x) = 1.7159 * tanh(2x / 3).

    Args:
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`).

    Example:

    >>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16), ScaledTanh()])

    Reference: LeCun et al., "Efficient BackProp", 1998.
    """

    _parameter_constraints = {}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return scaled_tanh(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape
