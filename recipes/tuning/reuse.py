"""Trials without retracing: one compiled model kept per architecture signature.

Most of a short trial is tracing its train and test functions (52-63% of a
3-epoch CNN trial on TensorFlow, 88% on JAX). A trial whose configuration
traces to the same graph as an earlier one reuses that trial's compiled
model: `ModelCache.reuse` sets every variable of it back to its state as built
(the same seeds build the same state) and copies in the state of the trial's
new optimizer, so that the reused trial starts from exactly the weights,
batch-norm and standardization statistics, dropout seed-generator states,
optimizer slots, iteration count and learning rate of a fresh one, without
building a model. The compiled `train_function` and `test_function` stay.

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
import random

import keras
import numpy as np


def signature(config, learning_rate_is_variable):
    """A hashable key of everything the compiled training function bakes in."""
    values = {k: v for k, v in config.items()
              if not (k == "learning_rate" and learning_rate_is_variable)}
    return json.dumps(values, sort_keys=True, default=repr)


class ModelCache:
    """At most `size` compiled models, one per signature, the least recently used dropped.

    Each model is kept with a copy of its state as built (before its first trial
    trained it): a trial of the same signature gets it back reset to that state,
    without building or compiling anything. The initial state depends only on the
    signature and the seed, both the same for every trial of the key.

    Args:
        size: models kept. Defaults to 4.
    """

    def __init__(self, size=4):
        self.size = size
        self._models = collections.OrderedDict()  # key -> (model, its state as built)
        self.hits = 0

    def __len__(self):
        return len(self._models)

    def store(self, key, model):
        """Keep `model` (just built and compiled, not yet trained) under `key`, with a copy
        of every model variable; the least recently used model beyond `size` is dropped."""
        initial = [keras.ops.convert_to_numpy(v.value).copy() for v in model.variables]
        self._models.pop(key, None)
        self._models[key] = (model, initial)
        while len(self._models) > self.size:
            self._models.popitem(last=False)

    def reuse(self, key, new_optimizer):
        """The cached compiled model of `key` reset for a new trial, or `None`.

        Its variables go back to their state as built; `new_optimizer()` (the trial's
        new, unbuilt optimizer: its learning rate and arguments) is built on the
        model's trainable variables and its fresh state copied into the model's own
        optimizer, whose variables the compiled training function holds. `None` when
        nothing is cached under `key` or the cached model never traced a train function.
        """
        entry = self._models.get(key)
        if entry is None:
            return None
        model, initial = entry
        if model.train_function is None or not model.optimizer.built:
            return None  # never trained: nothing traced to keep
        optimizer = new_optimizer()
        optimizer.build(model.trainable_variables)
        if not _assign(model.optimizer.variables, optimizer.variables):
            return None
        for variable, value in zip(model.variables, initial):
            variable.assign(value)
        model.reset_metrics()
        model.stop_training = False
        self._models.move_to_end(key)
        self.hits += 1
        return model

    def clear(self):
        self._models.clear()


def _assign(targets, sources):
    targets, sources = list(targets), list(sources)
    if len(targets) != len(sources) or any(
            tuple(t.shape) != tuple(s.shape) or t.dtype != s.dtype
            for t, s in zip(targets, sources)):
        return False
    for t, s in zip(targets, sources):
        t.assign(keras.ops.convert_to_numpy(s.value))
    return True


def reseed(seed):
    """The global seeds of a reused trial: `keras.utils.set_random_seed(seed)`, but on
    TensorFlow only Python's and NumPy's generators.

    On TensorFlow, `tf.random.set_seed` also clears the eager context's kernel cache,
    so a reused model's compiled functions would build their kernels again in every
    trial (0.4 s for the CNN's train function and 0.2 s for its test function, half of
    a reused 3-epoch trial's overhead). Nothing a trial's `fit` runs reads
    TensorFlow's global seed: the pipelines and augmentations draw with stateless ops
    keyed on their own seeds, and the model's layers from their own seed generators,
    reset with the model's variables (the reuse-equivalence test checks the weights
    bitwise).
    """
    if keras.backend.backend() != "tensorflow":
        keras.utils.set_random_seed(seed)
        return
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the legacy global state, as Keras seeds it


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
