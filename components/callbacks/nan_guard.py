"""`NaNGuard`: stop on a non-finite loss or weight, name the layer, keep the last good weights."""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np

from deeper.components.constraint_kinds import AnyOf, Options
from deeper.components.constraints import Integer
from deeper.components.diagnostics import model_tools
from deeper.components.diagnostics.find_nonfinite import count_nonfinite, find_nonfinite
from deeper.components.registry import register


@register(
    "callbacks", "nan_guard",
    example={"verbose": 0},
    invalid=[({"x": [[1.0, 2.0, 3.0, 4.0]]}, "y")],
    serializable=False,
)
class NaNGuard(keras.callbacks.Callback):
    """Stops training at the first non-finite loss or weight and keeps the last good weights.

    After every training batch (every `steps_per_execution` steps) the guard
    checks the loss. At every snapshot (`snapshot_every`: the end of each
    epoch by default, or every N batches) it checks that all the model's
    weights are finite and, while they are, keeps a copy of them and of the
    optimizer's state. At the first NaN or inf it

    1. finds where it started: with a probe batch `(x, y)`, the first layer
       whose output (forward order) or weight gradient (backward order) is
       non-finite under the last good weights (see `find_nonfinite`); without
       one, or if the probe stays finite, the first layer whose weights went
       non-finite (its gradient, or its update, was non-finite);
    2. puts the last good weights and optimizer state back into the model;
    3. stops training (`model.stop_training = True`) and records `report`.

    Keras's `TerminateOnNaN` only stops: the model keeps its NaN weights, and
    `BackupAndRestore` then deletes its backup at the end of training (or,
    with `raise_error=True` and the backup saved first, holds NaN weights).
    With this guard the model, and any backup written at the end of the
    epoch, hold finite weights.

    A snapshot copies every weight and optimizer variable to host memory: on
    a small CNN on CPU, copies after every batch made an epoch 1.21x longer,
    once per epoch 1.12x in one-epoch fits (less over many epochs; the rest is
    reading the loss after each call; `benchmarks/train_guard_overhead.py`). With
    `snapshot_every=1` the restored weights are those of the last finite
    batch and a non-finite weight under a finite loss (oneDNN's fused ReLU
    maps a NaN pre-activation to 0) is caught at its batch; with `"epoch"`
    the weights of the last finite epoch come back and such a weight is
    caught at the epoch's end.

    Args:
        x: an optional probe batch of inputs used to locate the layer.
            Defaults to `None`.
        y: its targets, one per example (required with `x`). Defaults to `None`.
        snapshot_every: `"epoch"` to check and copy the weights at the end of
            each epoch, or a number N of training batches (graph calls) between
            copies. Defaults to `"epoch"`.
        verbose: 1 prints the report when the guard trips. Defaults to 1.

    Example:

    ```python
    guard = NaNGuard(x_train[:64], y_train[:64])
    model.fit(x_train, y_train, epochs=10, callbacks=[guard])
    guard.report   # None, or {"epoch": ..., "batch": ..., "layer": "dense_2", ...}
    ```
    """

    _parameter_constraints = {"verbose": Integer(low=0),
                              "snapshot_every": AnyOf(Options("epoch"), Integer(low=1))}

    def __init__(self, x=None, y=None, *, snapshot_every="epoch", verbose=1):
        super().__init__()
        if (x is None) != (y is None):
            missing = "y" if y is None else "x"
            raise ValueError(f"`{missing}` must be given together with "
                             f"`{'x' if missing == 'y' else 'y'}` (a probe batch and its "
                             f"targets). Received: {missing}=None")
        self.x = None if x is None else np.asarray(x)
        self.y = None if y is None else np.asarray(y)
        if self.x is not None and (self.y.ndim < 1 or len(self.y) != len(self.x)):
            raise ValueError(f"`y` must hold one target per example of `x` ({len(self.x)}). "
                             f"Received: y of shape {self.y.shape}")
        self.verbose = verbose  # both checked by the declared constraints (`register`)
        self.snapshot_every = snapshot_every
        self._reset()

    def _reset(self):
        self.report = None
        self.good_weights = None
        self.good_optimizer_state = None
        self.good_at = None
        self.epoch = 0
        self.batches = 0  # training batches (graph calls) since the last snapshot

    def get_config(self):
        return {"x": None if self.x is None else self.x.tolist(),
                "y": None if self.y is None else self.y.tolist(),
                "snapshot_every": self.snapshot_every, "verbose": self.verbose}

    def __deepcopy__(self, memo):
        return model_tools.copy_callback(self, memo)

    def _optimizer_variables(self):
        optimizer = getattr(self.model, "optimizer", None)
        return list(optimizer.variables) if optimizer is not None else []

    def _snapshot(self, where):
        weights = self.model.get_weights()
        if any(count_nonfinite(w) for w in weights):
            return False
        self.good_weights = weights
        self.good_optimizer_state = [np.array(v.numpy()) for v in self._optimizer_variables()]
        self.good_at = where
        return True

    def on_train_begin(self, logs=None):
        self._reset()
        if not self._snapshot("train begin"):
            self._trip(None, "weights")

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.report is not None:
            return
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self._trip(batch, "loss")
            return
        self.batches += 1
        if self.snapshot_every != "epoch" and self.batches >= self.snapshot_every:
            self.batches = 0
            if not self._snapshot((self.epoch, batch)):
                self._trip(batch, "weights")

    def on_epoch_end(self, epoch, logs=None):
        if self.report is None and self.snapshot_every == "epoch":
            if not self._snapshot((epoch, "end")):
                self._trip(None, "weights")

    def _trip(self, batch, what):
        bad_layers = [model_tools.layer_name(v) for v in self.model.weights
                      if count_nonfinite(v.numpy())]
        if self.good_weights is not None:
            self.model.set_weights(self.good_weights)
            variables = self._optimizer_variables()
            if len(variables) == len(self.good_optimizer_state):
                for variable, value in zip(variables, self.good_optimizer_state):
                    variable.assign(value)
        found = None
        if self.x is not None and self.good_weights is not None:
            found = find_nonfinite(self.model, self.x, self.y)
            found = None if found.passed else found
        if found is not None:
            where, layer = found.where, found.layer
        elif bad_layers:
            where, layer = "gradient", bad_layers[0]
        else:
            where, layer = what, None
        self.model.stop_training = True
        restored = ("nothing to restore: the weights were not finite at train begin"
                    if self.good_weights is None else
                    "restored the weights of train begin" if self.good_at == "train begin" else
                    f"restored the weights of the end of epoch {self.good_at[0] + 1}"
                    if self.good_at[1] == "end" else
                    f"restored the weights after epoch {self.good_at[0] + 1}, "
                    f"batch {self.good_at[1] + 1}")
        at = f"epoch {self.epoch + 1}" + (f", batch {batch + 1}" if batch is not None else "")
        first = (f"first non-finite {where} in layer {layer!r}" if layer is not None
                 else f"the {what} is not finite")
        message = f"NaNGuard: {'loss' if what == 'loss' else 'weights'} went non-finite at " \
                  f"{at}; {first}; {restored}; training stopped."
        self.report = {"epoch": self.epoch, "batch": batch, "trigger": what, "where": where,
                       "layer": layer, "restored": self.good_at, "message": message}
        if self.verbose:
            print(message)
        warnings.warn(message, stacklevel=2)
