"""The ReLU family from Keras, by the course's names and with the course's defaults.

| name          | resolves to                                    | course formula              |
|---------------|------------------------------------------------|-----------------------------|
| `relu`        | `keras.layers.ReLU()`                          | max(0, x)                   |
| `softplus`    | `keras.layers.Activation("softplus")`          | log(1 + e^x)                |
| `leaky_relu`  | `keras.layers.LeakyReLU(negative_slope=0.01)`  | max(0, x) + 0.01 min(0, x)  |
| `prelu`       | `keras.layers.PReLU()` (slope learned, init 0) | max(0, x) + a min(0, x)     |

Convention difference: the course's leaky ReLU has slope 0.01 (Maas et al.
2013). Keras's `LeakyReLU` layer defaults to `negative_slope=0.3` and its
function `keras.activations.leaky_relu` to 0.2; `layers.get("leaky_relu")`
gives the course's 0.01. All four are Keras's own classes: a model using them
needs nothing from `deeper` to reload.
"""

import keras

from deeper.components import registry
from deeper.components.constraints import Real, declare

COURSE_LEAKY_SLOPE = 0.01


@declare({"negative_slope": Real(0, 1, high_open=True)})
def leaky_relu(negative_slope=COURSE_LEAKY_SLOPE, **kwargs):
    """Keras's `LeakyReLU` layer with the course's slope, the slope checked first.

    Args:
        negative_slope: slope for x < 0, in [0, 1). Defaults to 0.01 (Keras: 0.3).
        **kwargs: other `keras.layers.LeakyReLU` arguments.

    Returns:
        A `keras.layers.LeakyReLU`.
    """
    return keras.layers.LeakyReLU(negative_slope=negative_slope, **kwargs)


registry.add("layers", "relu", keras.layers.ReLU, example={}, input_shape=(4,))
registry.add("layers", "softplus", keras.layers.Activation, defaults={"activation": "softplus"},
             example={"activation": "softplus"}, input_shape=(4,))
registry.add("layers", "leaky_relu", leaky_relu, example={"negative_slope": 0.01},
             input_shape=(4,))
registry.add("layers", "prelu", keras.layers.PReLU, example={}, input_shape=(4,))
