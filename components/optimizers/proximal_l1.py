"""`ProximalL1`: any optimizer's step, then the soft threshold of L1 (exact zeros)."""

from __future__ import annotations

import re

import keras

from deeper.components import backend_classes, registry
from deeper.components.constraints import Real, Satisfies, String
from deeper.components.keras_constraints import Component
from deeper.components.optimizers.untracked import Untracked

_EXAMPLE_INNER = {"module": "keras.optimizers", "class_name": "SGD",
                  "config": {"name": "sgd", "learning_rate": 0.5, "weight_decay": None,
                             "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                             "use_ema": False, "ema_momentum": 0.99,
                             "ema_overwrite_frequency": None, "loss_scale_factor": None,
                             "gradient_accumulation_steps": None, "momentum": 0.9,
                             "nesterov": False}, "registered_name": None}


def _patterns(name, value):
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(
            isinstance(p, str) for p in value):
        raise TypeError(f"`{name}` must be a list of regular expressions (strings). "
                        f"Received: {name}={value!r}")
    return value


PATTERNS = Satisfies(_patterns, "a list of regular expressions", bad=["bias", 3, None, [3]])


def resolve_inner(optimizer, wrapper):
    """An optimizer instance from a name, a serialized config or an instance."""
    if isinstance(optimizer, str):
        try:
            optimizer = registry.get("optimizers", optimizer)
        except ValueError as err:
            raise ValueError(f"`optimizer` must be a known optimizer name ({err}). "
                             f"Received: optimizer={optimizer!r}") from None
    elif isinstance(optimizer, dict):
        optimizer = keras.saving.deserialize_keras_object(optimizer)
    if not isinstance(optimizer, keras.optimizers.Optimizer) or isinstance(
            optimizer, (keras.optimizers.LossScaleOptimizer, keras.optimizers.MultiOptimizer)):
        raise TypeError(
            "`optimizer` must be an optimizer name, config or keras.optimizers.Optimizer "
            f"(not a LossScaleOptimizer or MultiOptimizer: wrap {wrapper} inside those "
            f"instead). Received: optimizer={optimizer!r}")
    if optimizer.gradient_accumulation_steps:
        raise ValueError(
            f"`optimizer` must not accumulate gradients inside {wrapper} (its step would "
            "not happen every call). Received: optimizer with gradient_accumulation_steps="
            f"{optimizer.gradient_accumulation_steps}")
    return optimizer


@registry.register(
    "optimizers", "proximal_l1",
    example={"optimizer": _EXAMPLE_INNER, "l1": 0.01},
    invalid=[({"exclude": ["("]}, "exclude"), ({"weight_decay": 1e-4}, "weight_decay")],
)
class ProximalL1(keras.optimizers.Optimizer):
    """L1 regularization inside the update rule: a proximal (soft-threshold) step.

    After the wrapped optimizer's own step w' = step(w, g), each regularized
    weight goes through the soft threshold, the proximal operator of
    eta * lam * ||w||_1:

        w <- sign(w') * max(|w'| - eta * lam, 0)

    with eta the wrapped optimizer's current learning rate (its schedule
    included). Weights whose magnitude falls below the threshold become
    exactly 0, which is the sparsity the course attributes to L1. A plain L1
    penalty (Keras's `L1(lam)` regularizer, gradient lam * sign(w)) only makes
    weights oscillate around 0 in steps of eta * lam, and almost never leaves
    one at exactly 0 (`benchmarks/l1_sparsity.py` measures both).

    With SGD this is proximal gradient descent (ISTA); with an adaptive
    optimizer the threshold uses the base rate eta, not the per-weight step,
    so it is the course's rule, not the exact proximal step of the
    preconditioned problem. L2 inside the update needs no wrapper: every Keras
    optimizer's `weight_decay=lam` is w <- (1 - lam eta) w - eta g; give the
    wrapped optimizer both for an elastic net.

    Args:
        optimizer: the wrapped optimizer: a `deeper.components.optimizers`
            name, a serialized config, or a `keras.optimizers.Optimizer`.
            Defaults to `"sgd"`.
        l1: lam >= 0, the L1 strength (the course's lam ||w||_1, Keras's
            `L1(l1=lam)`). Defaults to 1e-4.
        exclude: regular expressions; a variable whose path matches one
            (`re.search`) is left unregularized. Defaults to biases and batch
            normalization's `gamma` and `beta`.
        name: Defaults to `"proximal_l1"`.

    Example:

    ```python
    from deeper.components import optimizers
    opt = optimizers.ProximalL1(optimizers.get("momentum", learning_rate=0.05), l1=1e-3)
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
    ```

    Reference:
        Tibshirani 1996 (the lasso); Duchi & Singer 2009, "Efficient online
        and batch learning using forward backward splitting" (FOBOS);
        Beck & Teboulle 2009 (ISTA/FISTA).
    """

    _parameter_constraints = {"optimizer": Component("optimizers"), "l1": Real(low=0),
                              "exclude": PATTERNS, "name": String()}

    def __init__(self, optimizer="sgd", l1=1e-4, exclude=("bias$", "gamma$", "beta$"),
                 name="proximal_l1", **kwargs):
        inner = resolve_inner(optimizer, "ProximalL1")
        for pattern in exclude:
            try:
                re.compile(pattern)
            except re.error as err:
                raise ValueError(f"`exclude` must hold valid regular expressions ({err}). "
                                 f"Received: exclude={exclude!r}") from None
        if kwargs:  # the base optimizer's arguments belong to the wrapped optimizer
            key = sorted(kwargs)[0]
            raise TypeError(f"`{key}` is not an argument of ProximalL1: give it to the wrapped "
                            f"optimizer. Received: {key}={kwargs[key]!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner
        self.l1 = l1
        self.exclude = tuple(exclude)

    def regularized(self, variable):
        """Whether `variable` gets the soft threshold (its path matches no `exclude`)."""
        return not any(re.search(p, variable.path) for p in self.exclude)

    def build(self, var_list):
        self.inner_optimizer.build(var_list)
        super().build(var_list)
        self._built_for = Untracked(var_list)

    @property
    def variables(self):
        return self._variables + self.inner_optimizer.variables

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def apply(self, grads, trainable_variables=None):
        if trainable_variables is None:  # Keras's JAX trainer: stateless_apply(grads)
            if not self.built:
                raise ValueError("`trainable_variables` must be given to ProximalL1.apply "
                                 "before it is built (use apply_gradients(zip(grads, "
                                 "variables))). Received: trainable_variables=None")
            trainable_variables = self._built_for.items
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
            self.built = True
        learning_rate = self.inner_optimizer.learning_rate  # read before the inner step
        self.inner_optimizer.apply(grads, trainable_variables)
        for grad, variable in zip(grads, trainable_variables):
            if grad is None or not self.regularized(variable):
                continue
            # l1 made a tensor of the variable's dtype: on Keras's PyTorch backend a Python
            # float meets a float64 tensor as float32 (0.05 -> 0.0500000007), and `ops.cast`
            # of a Python float goes through float32 on TensorFlow. relu(|w| - t) =
            # max(|w| - t, 0): `ops.maximum` computes float64 in float32 on PyTorch.
            t = keras.ops.multiply(keras.ops.cast(learning_rate, variable.dtype),
                                   keras.ops.convert_to_tensor(self.l1, variable.dtype))
            variable.assign(keras.ops.sign(variable)
                            * keras.ops.relu(keras.ops.abs(variable) - t))

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {"name": self.name, "optimizer": backend_classes.serialize(
            self.inner_optimizer), "l1": self.l1, "exclude": list(self.exclude)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)
