"""`PerWeightLearningRates`: multipliers of the learning rate by variable path, on
Keras's own `MultiOptimizer`, and LeCun's 1/sqrt(sharing) for shared weights."""

from __future__ import annotations

import math
import numbers
import re
import warnings

import keras

from deeper.components import backend_classes, registry
from deeper.components.constraints import Satisfies, String
from deeper.components.keras_constraints import Component
from deeper.components.optimizers.proximal_l1 import _EXAMPLE_INNER, resolve_inner
from deeper.components.schedules.scaled_schedule import ScaledSchedule
from deeper.components.validation import check_number


def scaled_copy(optimizer, factor, name):
    """A fresh optimizer like `optimizer` with its learning rate (or schedule) times `factor`."""
    config = optimizer.get_config()
    if "learning_rate" not in config and hasattr(optimizer, "inner_optimizer"):
        # A wrapper (ProximalL1): scale the optimizer it wraps, keep the wrapper.
        return type(optimizer).from_config({**config, "name": name, "optimizer": scaled_copy(
            optimizer.inner_optimizer, factor, f"{name}_inner")})
    rate = config["learning_rate"]
    if isinstance(rate, dict):
        rate = ScaledSchedule(rate, factor)
    else:
        rate = float(rate) * factor
    return type(optimizer).from_config({**config, "learning_rate": rate, "name": name})


def _multipliers(name, value):
    if not isinstance(value, dict):
        raise TypeError(f"`{name}` must be a dict {{variable path pattern: factor}}. "
                        f"Received: {name}={value!r}")
    for pattern, factor in value.items():
        if not isinstance(pattern, str):
            raise TypeError(f"`{name}` must have regular expressions (strings) as keys. "
                            f"Received: {name}={value!r}")
        if not isinstance(factor, numbers.Real) or isinstance(factor, bool) or not (
                math.isfinite(factor) and factor > 0):
            raise ValueError(f"`{name}` must have factors in (0, inf). Received: {name}={value!r}")
    return value


def shared_weight_multipliers(model):
    """`{kernel path: 1 / sqrt(n)}` for every `Conv1D`/`Conv2D`/`Conv3D` of a built `model`.

    A convolution kernel weight is shared by the n = (number of output
    positions) connections of its feature map; LeCun et al. (1998) scale its
    learning rate by 1 / sqrt(n) ("Efficient BackProp", section 4.7: a
    weight's rate proportional to 1 / sqrt(fan-in) of the unit it feeds, and
    for shared weights, to 1 / sqrt of the connections sharing it).
    Pass the result (merged with your own) as `multipliers`.
    """
    out = {}
    for layer in _all_layers(model):
        if isinstance(layer, keras.layers.Conv1D | keras.layers.Conv2D | keras.layers.Conv3D):
            # channels_last: (batch, *positions, filters); channels_first: (batch, filters, ...)
            shape = layer.output.shape
            spatial = shape[1:-1] if layer.data_format == "channels_last" else shape[2:]
            positions = math.prod(int(d) for d in spatial)
            # The path's prefix is not stable (a reloaded Sequential builds its layers
            # outside its own name scope: "sequential/conv/kernel" comes back as
            # "conv/kernel"), so the pattern allows any prefix.
            out[f"(.*/)?{re.escape(layer.kernel.path.split('/')[-2])}/kernel"] = (
                1.0 / math.sqrt(positions))
    return out


def _all_layers(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)
        else:
            yield layer


@registry.register(
    "optimizers", "per_weight_learning_rates",
    example={"optimizer": _EXAMPLE_INNER, "multipliers": {".*bias": 2.0}},
    invalid=[({"multipliers": {"(": 1.0}}, "multipliers")],
)
class PerWeightLearningRates(keras.optimizers.MultiOptimizer):
    """Per-weight learning rates: eta_w = multiplier(w) * eta, around any optimizer.

    Keras's own `MultiOptimizer` with an `OptimizerMap` does the routing: the
    variables whose path matches a pattern of `multipliers`
    (`re.fullmatch`, as in `OptimizerMap`; at most one pattern per variable)
    get their own copy of `optimizer` with the learning rate (or its
    schedule, through `ScaledSchedule`) multiplied by the factor; every other
    variable gets `optimizer` itself. For every optimizer the factor scales the
    update (for Adam it is not the same as scaling the gradient, which Adam
    would undo). What this class adds to `MultiOptimizer`: the copies are
    made for you, it serializes as (optimizer, multipliers), and
    `learning_rate` reads and sets the base rate (the copies follow, scaled),
    so `StepDecay`, `LRFinder` and Keras's `LearningRateScheduler` work on it.
    To combine with `ProximalL1`, put it inside:
    `PerWeightLearningRates(ProximalL1(opt, l1), {...})` (the threshold then
    follows each variable's rate, eta_w * lam).

    Args:
        optimizer: the base optimizer: a `deeper` name, a config or a
            `keras.optimizers.Optimizer`. Defaults to `"sgd"`.
        multipliers: `{pattern: factor > 0}` over variable paths
            (`".*dense/kernel"`, `".*conv1d.*"`, ...). Defaults to `{}`. Start
            a pattern with `.*` rather than the model's name: Keras 3.15 gives
            a reloaded Sequential's variables paths without it
            ("sequential/conv/kernel" comes back as "conv/kernel"), and a
            pattern that no longer matches breaks the reload (a warning says
            so at build).
        name: Defaults to `"per_weight_learning_rates"`.

    Example:

    ```python
    opt = PerWeightLearningRates("momentum", {"head/.*": 0.1})
    # LeCun's shared-weight scaling for every convolution of a built model:
    opt = PerWeightLearningRates("momentum", shared_weight_multipliers(model))
    ```

    Reference:
        LeCun, Bottou, Orr & Mueller, "Efficient BackProp", 1998, sections
        4.7 (a learning rate per weight) and 5.
    """

    _parameter_constraints = {
        "optimizer": Component("optimizers"), "name": String(),
        "multipliers": Satisfies(_multipliers, "a dict {pattern: factor > 0}", allow_none=True,
                                 bad=[{".*": -1.0}, {".*": 0.0}, {".*": float("nan")},
                                      {".*": float("inf")}, {".*": True}, {".*": "2"},
                                      {3: 1.0}, [".*"], ".*", 3])}

    def __init__(self, optimizer="sgd", multipliers=None, name="per_weight_learning_rates",
                 **kwargs):
        base = resolve_inner(optimizer, "PerWeightLearningRates")
        multipliers = {} if multipliers is None else multipliers
        if not isinstance(multipliers, dict):
            raise TypeError("`multipliers` must be a dict {variable path pattern: factor}. "
                            f"Received: multipliers={multipliers!r}")
        checked = {}
        # Sorted: a saved model's config.json comes back with sorted keys, and the order of
        # the copies is the order of the optimizer's variables in the saved file.
        for pattern, factor in sorted(multipliers.items()):
            try:
                re.compile(pattern)
            except (re.error, TypeError) as err:
                raise ValueError(f"`multipliers` must have regular expressions as keys "
                                 f"({err}). Received: multipliers={multipliers!r}") from None
            if not isinstance(factor, numbers.Real) or isinstance(factor, bool) or not (
                    math.isfinite(factor) and factor > 0):
                raise ValueError(f"`multipliers` must have factors in (0, inf). "
                                 f"Received: multipliers={multipliers!r}")
            checked[pattern] = check_number("multipliers", factor, low=0, low_open=True)
        copies = {pattern: scaled_copy(base, factor, f"{base.name}_{i}")
                  for i, (pattern, factor) in enumerate(checked.items())}
        super().__init__(keras.optimizers.OptimizerMap(base, copies), name=name, **kwargs)
        self.multipliers = checked

    def build(self, var_list):
        if not self.built:
            for pattern in self.multipliers:
                if not any(re.fullmatch(pattern, v.path) for v in var_list):
                    warnings.warn(
                        f"PerWeightLearningRates: the pattern {pattern!r} matches no variable "
                        f"(paths: {', '.join(v.path for v in var_list[:6])}, ...). Patterns "
                        "match the whole path; write them without the model's name (a "
                        "reloaded Sequential drops it: '.*conv/kernel').", stacklevel=2)
        super().build(var_list)

    def _base(self):
        # Not an attribute: Keras's saving would store the base optimizer a second time.
        return self._optimizer_map.default_optimizer

    @property
    def learning_rate(self):
        return self._base().learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self._base().learning_rate = learning_rate
        for pattern, factor in self.multipliers.items():
            self._optimizer_map[pattern].learning_rate = learning_rate * factor

    def get_config(self):
        return {"name": self.name, "optimizer": backend_classes.serialize(
            self._base()), "multipliers": dict(self.multipliers)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)
