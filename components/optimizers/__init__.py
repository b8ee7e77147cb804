"""`deeper` optimizers: resolve a name with `get`, ours first, then Keras's own.

The course's first-order methods are Keras's own optimizers under the course's
names and defaults:

| name         | Keras class                      | defaults                         |
|--------------|----------------------------------|----------------------------------|
| `"sgd"`      | `keras.optimizers.SGD`           | `learning_rate=0.01`             |
| `"momentum"` | `keras.optimizers.SGD`           | `momentum=0.9`                   |
| `"nesterov"` | `keras.optimizers.SGD`           | `momentum=0.9, nesterov=True`    |
| `"adam"`     | `keras.optimizers.Adam`          | `learning_rate=0.001`            |
| `"rmsprop"`  | `keras.optimizers.RMSprop`       | `learning_rate=0.001, rho=0.9`   |
| `"adagrad"`  | `keras.optimizers.Adagrad`       | `learning_rate=0.01`             |
"""

import keras

from deeper.components import registry

registry.add("optimizers", "sgd", keras.optimizers.SGD, defaults={"learning_rate": 0.01})
registry.add(
    "optimizers", "momentum", keras.optimizers.SGD,
    defaults={"learning_rate": 0.01, "momentum": 0.9},
)
registry.add(
    "optimizers", "nesterov", keras.optimizers.SGD,
    defaults={"learning_rate": 0.01, "momentum": 0.9, "nesterov": True},
)
registry.add("optimizers", "adam", keras.optimizers.Adam, defaults={"learning_rate": 0.001})
registry.add(
    "optimizers", "rmsprop", keras.optimizers.RMSprop,
    defaults={"learning_rate": 0.001, "rho": 0.9},
)
registry.add("optimizers", "adagrad", keras.optimizers.Adagrad, defaults={"learning_rate": 0.01})


def get(identifier, **kwargs):
    """Return the optimizer named `identifier` (ours or Keras's), configured by `kwargs`.

    Example:

    >>> opt = get("nesterov", learning_rate=0.05)
    >>> type(opt).__name__, opt.nesterov, float(opt.momentum)
    ('SGD', True, 0.9)
    """
    return registry.get("optimizers", identifier, **kwargs)


def names():
    """Names registered by `deeper` for optimizers (Keras's own names also work in `get`)."""
    return registry.names("optimizers")

from deeper.components.optimizers.hessian_free import HessianFree  # noqa: E402, F401
from deeper.components.optimizers.lbfgs import LBFGS  # noqa: E402, F401
from deeper.components.optimizers.lbfgs_history import LBFGSHistory  # noqa: E402, F401
from deeper.components.optimizers.line_search import strong_wolfe  # noqa: E402, F401
from deeper.components.optimizers.newton import Newton  # noqa: E402, F401
from deeper.components.optimizers.objective import Objective  # noqa: E402, F401
