"""`deeper` layers: the course's activations, each a function and a layer, and
hierarchical softmax. Resolve a name with `get`, ours first, then Keras's own.

* `"scaled_tanh"`: 1.7159 tanh(2x/3) (`scaled_tanh`, `ScaledTanh`);
* `"tanh_linear"`: tanh(x) + a x (`tanh_linear`, `TanhLinear`);
* `"rbf"`: Gaussian radial-basis units exp(-beta_j ||x - c_j||^2) (`RBF`);
* `"noisy_relu"`: max(0, x + N(0, sigmoid(x))) in training (`NoisyReLU`);
* `"relu"`, `"softplus"`, `"leaky_relu"` (slope 0.01), `"prelu"`: Keras's own layers;
* `"hierarchical_softmax"`: two-level softmax over many classes (`HierarchicalSoftmax`).

A name Keras knows as an activation (`"tanh"`, `"sigmoid"`, ...) resolves to
Keras's function.
"""

from deeper.components import keras_names, registry
from deeper.components.layers import keras_activations  # noqa: F401  (registers Keras's)
from deeper.components.layers.hierarchical_softmax import HierarchicalSoftmax  # noqa: F401
from deeper.components.layers.noisy_relu import NoisyReLU, noisy_relu  # noqa: F401
from deeper.components.layers.rbf import RBF, rbf  # noqa: F401
from deeper.components.layers.scaled_tanh import ScaledTanh, scaled_tanh  # noqa: F401
from deeper.components.layers.tanh_linear import TanhLinear, tanh_linear  # noqa: F401


def get(identifier, **kwargs):
    """Return the layer named `identifier` (ours or Keras's), configured by `kwargs`."""
    return keras_names.get("layers", identifier, **kwargs)


def names():
    """Names registered by `deeper` for this kind (Keras's own names also work in `get`)."""
    return registry.names("layers")
