"""`deeper` initializers: resolve a name with `get`, ours first, then Keras's own.

* `"sigmoid_glorot_uniform"`: U(+-4 sqrt(6 / (fan_in + fan_out))), the 4x rule for sigmoid;
* `"xavier_normal"`: N(0, 1 / fan_in), untruncated (Keras's `lecun_normal` truncates);
* `"he_normal_untruncated"`: N(0, 2 / fan_in), untruncated (Keras's `he_normal` truncates);
* `"glorot_uniform"`: U(+-sqrt(6 / (fan_in + fan_out))), Keras's own, for tanh.
"""

from deeper.components import keras_names, registry
from deeper.components.initializers.he_normal_untruncated import HeNormal  # noqa: F401
from deeper.components.initializers.sigmoid_glorot_uniform import (  # noqa: F401
    SigmoidGlorotUniform,
)
from deeper.components.initializers.xavier_normal import XavierNormal  # noqa: F401


def get(identifier, **kwargs):
    """Return the initializer named `identifier` (ours or Keras's), configured by `kwargs`."""
    return keras_names.get("initializers", identifier, **kwargs)


def names():
    """Names registered by `deeper` for this kind (Keras's own names also work in `get`)."""
    return registry.names("initializers")
