"""Trials without retracing: one compiled model kept per architecture signature.

Most of a short trial is tracing its train and test functions (52-63% of a
3-epoch CNN trial on TensorFlow, 88% on JAX). A trial whose configuration
traces to the same graph as an earlier one reuses that trial's compiled
model: `ModelCache.take` copies into it, variable by variable, the state of a
freshly built model and optimizer (built with the same seeds as a fresh trial
would), so that the reused trial starts from exactly the weights, batch-norm
and standardization statistics, dropout seed-generator states, optimizer
slots, iteration count and learning rate of a fresh one. The compiled
`train_function` and `test_function` stay.

The signature holds every value a trace bakes in as a constant: the
architecture (depth, width, activation, initializer, L1/L2 amounts, dropout,
batch norm, standardization), the optimizer and its arguments, the schedule
and its arguments, the batch size (the steps per epoch of the schedule) and
the learning rate, except where the learning rate is a plain float (Keras
keeps it in a variable, so trials differing only in it share a model).
"""

from __future__ import annotations

import collections
import json

import keras


def signature(config, learning_rate_is_variable):
    """A hashable key of everything the compiled training function bakes in."""
    values = {k: v for k, v in config.items()
              if not (k == "learning_rate" and learning_rate_is_variable)}
    return json.dumps(values, sort_keys=True, default=repr)


class ModelCache:
    """At most `size` compiled models, one per signature, the least recently used dropped.

    Args:
        size: models kept. Defaults to 4.
    """

    def __init__(self, size=4):
        self.size = size
        self._models = collections.OrderedDict()
        self.hits = 0

    def __len__(self):
        return len(self._models)

    def take(self, key, fresh):
        """The model for `fresh` (a just-built, compiled model of signature `key`).

        Returns the cached compiled model of `key` with `fresh`'s state copied in, or
        `fresh` itself (then cached) when there is none or it cannot take the state.
        """
        cached = self._models.pop(key, None)
        if cached is not None and _load_fresh_state(cached, fresh):
            self.hits += 1
            model = cached
        else:
            model = fresh
        self._models[key] = model
        while len(self._models) > self.size:
            self._models.popitem(last=False)
        return model

    def clear(self):
        self._models.clear()


def _load_fresh_state(cached, fresh):
    """Copy every variable of `fresh` (model and optimizer) into `cached`; False if unlike."""
    if cached.train_function is None or not cached.optimizer.built:
        return False  # never trained: nothing traced to keep
    if not _assign(cached.variables, fresh.variables):
        return False
    optimizer = fresh.optimizer
    optimizer.build(fresh.trainable_variables)
    if not _assign(cached.optimizer.variables, optimizer.variables):
        return False
    cached.reset_metrics()
    cached.stop_training = False
    return True


def _assign(targets, sources):
    targets, sources = list(targets), list(sources)
    if len(targets) != len(sources) or any(
            tuple(t.shape) != tuple(s.shape) or t.dtype != s.dtype
            for t, s in zip(targets, sources)):
        return False
    for t, s in zip(targets, sources):
        t.assign(keras.ops.convert_to_numpy(s.value))
    return True


def build_compile_state(model, x, y):
    """Build `model`'s compiled loss and metrics on two examples, eagerly (no tracing).

    Otherwise `fit` builds them from a first batch of its data, and on JAX it then
    restarts the iterator: a fresh model would see its data one shuffled epoch later
    than a reused one (whose compiled state is built).
    """
    y_pred = model(x[:2], training=False)
    model.compute_loss(x=x[:2], y=y[:2], y_pred=y_pred)
    model.compute_metrics(x[:2], y[:2], y_pred, sample_weight=None)
    model.reset_metrics()
