"""`deeper` optimizers: resolve a name with `get`, ours first, then Keras's own.

The course's first-order methods are Keras's own optimizers under the course's
names and defaults:

| name         | Keras class         | defaults                                          |
|--------------|---------------------|---------------------------------------------------|
| `"sgd"`      | `SGD`               | `learning_rate=0.01`                              |
| `"momentum"` | `SGD`               | `momentum=0.9`                                    |
| `"nesterov"` | `SGD`               | `momentum=0.9, nesterov=True`                     |
| `"adam"`     | `Adam`              | `learning_rate=0.001`                             |
| `"rmsprop"`  | `RMSprop`           | `learning_rate=0.001, rho=0.9`                    |
| `"adagrad"`  | `Adagrad`           | `learning_rate=0.01, initial_accumulator_value=0` |

Each name is a factory (`keras_rules`) that checks its arguments (a NaN or
negative learning rate, `momentum` outside [0, 1), `beta_1=1.5`: one-sentence
error) and returns Keras's own optimizer; the module notes there map the
course's formulas to Keras's parameters.

Regularization inside the update rule, around any optimizer:

* L2: Keras's own `weight_decay=lam` (w <- (1 - lam eta) w - eta g), e.g.
  `get("momentum", weight_decay=1e-4)`;
* L1: `ProximalL1` (`"proximal_l1"`), the soft-threshold step that leaves
  weights exactly at 0.

Full-batch methods with one `step(objective, w, f, g)` interface (for
`deeper.recipes.fit_full_batch`, on an `Objective`): `FullBatchLBFGS`
(`"full_batch_lbfgs"`), `Newton` (`"newton"`), `HessianFree` (`"hessian_free"`).

Per-weight learning rates: `PerWeightLearningRates` (`"per_weight_learning_rates"`),
Keras's `MultiOptimizer` with the rate multiplied by pattern of variable path,
and `shared_weight_multipliers(model)` for LeCun's 1/sqrt(sharing) on convolutions.
"""

from deeper.components import keras_names, registry
from deeper.components.optimizers import keras_rules
from deeper.components.optimizers.full_batch_lbfgs import FullBatchLBFGS  # noqa: F401
from deeper.components.optimizers.hessian_free import HessianFree  # noqa: F401
from deeper.components.optimizers.lbfgs import LBFGS  # noqa: F401
from deeper.components.optimizers.lbfgs_history import LBFGSHistory  # noqa: F401
from deeper.components.optimizers.learned_lstm import LearnedOptimizer  # noqa: F401
from deeper.components.optimizers.line_search import strong_wolfe  # noqa: F401
from deeper.components.optimizers.newton import Newton  # noqa: F401
from deeper.components.optimizers.objective import Objective  # noqa: F401
from deeper.components.optimizers.per_weight_learning_rates import (  # noqa: F401
    PerWeightLearningRates,
    shared_weight_multipliers,
)
from deeper.components.optimizers.proximal_l1 import ProximalL1  # noqa: F401

for _name, (_factory, _example) in keras_rules.RULES.items():
    registry.add("optimizers", _name, _factory, example=_example)


def get(identifier, **kwargs):
    """Return the optimizer named `identifier` (ours or Keras's), configured by `kwargs`.

    Example:

    >>> opt = get("nesterov", learning_rate=0.05)
    >>> type(opt).__name__, opt.nesterov, float(opt.momentum)
    ('SGD', True, 0.9)
    """
    return keras_names.get("optimizers", identifier, **kwargs)


def names():
    """Names registered by `deeper` for optimizers (Keras's own names also work in `get`)."""
    return registry.names("optimizers")
