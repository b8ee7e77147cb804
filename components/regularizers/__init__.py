"""`deeper` regularizers: resolve a name with `get`, ours first, then Keras's own.

* `"l1"`: Keras's `L1`, l1 * sum(|w|) (the course's lambda ||w||_1);
* `"l2"`: Keras's `L2`, l2 * sum(w^2) (no 1/2);
* `"half_l2"`: the course's lambda/2 ||w||^2 (`HalfL2`, = Keras's `L2(lam / 2)`);
* `"decov"`: decorrelation of a layer's activations (`DeCov`, Cogswell et al. 2016).
"""

from deeper.components import keras_names, registry
from deeper.components.regularizers import keras_penalties  # noqa: F401  (registers Keras's)
from deeper.components.regularizers.decov import DeCov  # noqa: F401
from deeper.components.regularizers.half_l2 import HalfL2  # noqa: F401


def get(identifier, **kwargs):
    """Return the regularizer named `identifier` (ours or Keras's), configured by `kwargs`."""
    return keras_names.get("regularizers", identifier, **kwargs)


def names():
    """Names registered by `deeper` for this kind (Keras's own names also work in `get`)."""
    return registry.names("regularizers")
