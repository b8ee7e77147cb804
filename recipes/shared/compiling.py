"""Compile a recipe model: optimizer by name (or instance), loss scaling under
float16, the recipe's loss and metrics."""

from __future__ import annotations

import keras

from deeper.components import optimizers


def make_optimizer(optimizer, learning_rate, *, mixed_precision=None, **optimizer_args):
    """The optimizer `optimizer` (a name, configured with `learning_rate` and
    `optimizer_args`, or an instance used as given), loss-scaled under float16."""
    if isinstance(optimizer, str):
        optimizer = optimizers.get(optimizer, learning_rate=learning_rate, **optimizer_args)
    if mixed_precision == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def compile_recipe(net, optimizer, learning_rate, *, mixed_precision=None,
                   steps_per_execution=1, metrics=("accuracy",), **optimizer_args):
    """Compile `net` with the sparse categorical cross-entropy of the recipes."""
    net.compile(optimizer=make_optimizer(optimizer, learning_rate,
                                         mixed_precision=mixed_precision, **optimizer_args),
                loss=keras.losses.SparseCategoricalCrossentropy(), metrics=list(metrics),
                steps_per_execution=steps_per_execution)
    return net
