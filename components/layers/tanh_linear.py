"""tanh plus a linear term against flat areas: `tanh_linear` and `TanhLinear`."""

import keras

from deeper.components.constraints import Real
from deeper.components.layers.precise_tanh import precise_tanh
from deeper.components.registry import register


@keras.saving.register_keras_serializable(package="deeper")
def tanh_linear(x, a=0.5):
    """f(x) = tanh(x) + a * x.

    The linear term keeps the slope at least `a` everywhere, so saturated
    units still pass a gradient (the course: "add a small linear term to
    avoid flat spots"; LeCun et al. 1998 sec. 4.4).

    Usable as `activation=tanh_linear` (with a = 0.5); for another `a` pass
    the layer, `activation=TanhLinear(a=0.1)`.

    Args:
        x: input tensor.
        a: slope of the linear term, >= 0. Defaults to 0.5, the course's example.

    Returns:
        A tensor of the same shape and dtype as `x`.
    """
    x = keras.ops.convert_to_tensor(x)
    return precise_tanh(x) + a * x


@register("layers", "tanh_linear", example={"a": 0.25}, input_shape=(4,))
class TanhLinear(keras.layers.Layer):
    """Layer applying f(x) = tanh(x) + a * x.

    Args:
        a: slope of the linear term, a finite number >= 0. Defaults to 0.5.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`).

    Example:

    >>> keras.layers.Dense(32, activation=TanhLinear(a=0.1))

    Reference: LeCun et al., "Efficient BackProp", 1998, sec. 4.4.
    """

    _parameter_constraints = {"a": Real(low=0)}

    def __init__(self, a=0.5, **kwargs):
        super().__init__(**kwargs)
        self.a = a
        self.supports_masking = True

    def call(self, inputs):
        return tanh_linear(inputs, self.a)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "a": self.a}
