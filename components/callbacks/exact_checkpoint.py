"""`ExactCheckpoint`: everything `fit` needs to continue exactly, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
import time

import keras
import numpy as np

from deeper.components import rundir
from deeper.components.callbacks import callback_state
from deeper.components.constraints import Boolean, Integer, Satisfies
from deeper.components.registry import register

FORMAT = 1
_NOT_TRACKED = (keras.callbacks.History, keras.callbacks.ProgbarLogger)


def _arrays_of(variables):
    return [np.array(keras.ops.convert_to_numpy(v.value)) for v in variables]


def _assign(what, variables, arrays, paths):
    if len(variables) != len(arrays) or any(tuple(v.shape) != a.shape
                                            for v, a in zip(variables, arrays)):
        raise ValueError(f"The checkpoint's {what} variables must match the model's: it holds "
                         f"{len(arrays)} ({', '.join(paths[:3])}, ...), the model has "
                         f"{len(variables)}. Received: a checkpoint of another model")
    for variable, array in zip(variables, arrays):
        variable.assign(array)


def _check_directory(name, value):
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"`{name}` must be a non-empty path (str or os.PathLike). "
                        f"Received: {name}={value!r}")
    if not os.fspath(value):
        raise ValueError(f"`{name}` must be a non-empty path (str or os.PathLike). "
                         f"Received: {name}={value!r}")
    return value


def _check_callbacks(name, value):
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(c, keras.callbacks.Callback) for c in value):
        raise TypeError(f"`{name}` must be a list of keras.callbacks.Callback. "
                        f"Received: {name}={value!r}")
    return value


@register("callbacks", "exact_checkpoint",
          example={"directory": os.path.join(tempfile.gettempdir(), "deeper-exact-checkpoint"),
                   "every_n_steps": 2, "overwrite": True},
          invalid=[({"directory": ""}, "directory"), ({"every_n_steps": 0}, "every_n_steps"),
                   ({"overwrite": "yes"}, "overwrite")],
          serializable=False)
class ExactCheckpoint(keras.callbacks.Callback):
    """Checkpoints every epoch and every N steps, so that a killed `fit` resumes exactly.

    Each checkpoint is one file, `directory/checkpoint.npz`, replaced atomically
    (temporary file, fsync, `os.replace`): a kill at any moment leaves the
    previous checkpoint or the new one. It holds

    * all model variables (`model.variables`: weights, non-trainable state and
      the `SeedGenerator` states of Dropout, NoisyReLU and every seeded layer),
    * the optimizer's variables (iteration count, so a schedule continues,
      learning rate, slots),
    * the metric and loss-tracker variables (a partial epoch's mean continues),
    * the position: the epoch and the number of batches done in it,
    * the state of the other callbacks (see `callback_state`: EarlyStopping's
      `wait`, `best`, `best_weights`; NaNGuard's last good weights;
      HardExampleMining's sampler; any `get_state`/`set_state` object),
    * the history so far.

    The input's random state is keyed, not stored: deeper's `data.pipeline`,
    `data.augment`, `data.augment_1d` and `data.HardExampleSampler.dataset`
    draw epoch e's order and augmentations from `(seed, e)`; given as `data`,
    their epoch counters are set from Keras's epoch index at every epoch
    start, so a resumed run draws what the uninterrupted one drew.
    Keras's `BackupAndRestore` restarts the epoch from batch 0 and restores no
    random or input state (keras-team/keras#19179).

    Continue a run with `callbacks.resume_fit`, which restores the state and
    finishes a partial epoch (Keras's `fit` cannot start mid-epoch). Put this
    callback last in `callbacks` (`resume_fit` does), so that it restores the
    others after their `on_train_begin` resets and saves them after their
    `on_epoch_end`.

    Args:
        directory: where `checkpoint.npz` is written (created if needed).
        every_n_steps: also checkpoint every this many training steps inside
            an epoch, or None for epoch ends only. Defaults to None.
        data: the training input given to `fit` (a dataset built by deeper's
            `data` functions), whose epoch counters this callback sets, or
            None for an input with no epoch-keyed randomness. Defaults to None.
        callbacks: the other callbacks whose state is saved; `resume_fit` fills
            it with the callbacks it is given. Defaults to None (none).
        overwrite: start a new run over an existing checkpoint; otherwise a
            plain `fit` refuses it (resume it with `resume_fit`). Defaults to False.

    Example:

    ```python
    train = data.augment_1d(data.pipeline(x, y, batch_size=64, seed=0), seed=0)
    checkpoint = callbacks.ExactCheckpoint("run/checkpoint", every_n_steps=50, data=train)
    history = callbacks.resume_fit(model, train, epochs=30, checkpoint=checkpoint,
                                   callbacks=[keras.callbacks.EarlyStopping(patience=3)])
    ```
    """

    _parameter_constraints = {
        "directory": Satisfies(_check_directory, "a non-empty path (str or os.PathLike)",
                               bad=["", 3], types=(str, os.PathLike)),
        "every_n_steps": Integer(low=1, allow_none=True),
        "data": Satisfies(lambda name, value: value, "a dataset or None"),
        "callbacks": Satisfies(_check_callbacks, "a list of keras.callbacks.Callback",
                               bad=[3], allow_none=True, types=(list, tuple)),
        "overwrite": Boolean(),
    }

    def __init__(self, directory, every_n_steps=None, *, data=None, callbacks=None,
                 overwrite=False):
        super().__init__()
        # The arguments are checked by `_parameter_constraints` (the registry enforces them).
        self.directory = os.fspath(directory)
        self.every_n_steps = every_n_steps
        self.data = data
        self.callbacks = None if callbacks is None else list(callbacks)
        self.overwrite = overwrite
        # With epoch checkpoints only, the batch hooks do nothing: let Keras dispatch the
        # batch callbacks asynchronously (it stops doing so for a batch-end override).
        self.async_safe = self.every_n_steps is None
        self.history = {}
        self._resume = None   # the state to restore at the next on_train_begin (resume_fit)
        self._reset()

    def _reset(self):
        self.position = (0, 0)  # (epoch, batches done in it) of the last checkpoint
        self._pending = None
        self._offset = 0
        self._metrics = None
        self._epoch = 0
        self._due = 0
        self._writes = 0
        self._seconds = 0.0  # spent collecting and writing checkpoints

    @property
    def path(self):
        """The checkpoint file, `directory/checkpoint.npz`."""
        return os.path.join(self.directory, "checkpoint.npz")

    def get_config(self):
        return {"directory": self.directory, "every_n_steps": self.every_n_steps,
                "data": self.data, "callbacks": self.callbacks, "overwrite": self.overwrite}

    def __deepcopy__(self, memo):
        from deeper.components.callbacks import model_tools

        memo[id(self.data)] = self.data  # shared: it is the input `fit` reads
        return model_tools.copy_callback(self, memo)

    def _tracked(self):
        return [cb for cb in self.callbacks or ()
                if cb is not self and not isinstance(cb, _NOT_TRACKED)]

    def _counters(self):
        return getattr(self.data, "deeper_epoch_counters", ())

    # reading and writing -------------------------------------------------------------

    def load(self):
        """The last checkpoint as a dict (`"epoch"`, `"batch"`, `"stopped"`, ...), or None."""
        if not os.path.exists(self.path):
            return None
        with np.load(self.path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
        state = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
        if state.get("format") != FORMAT:
            raise ValueError(f"`directory` must hold a checkpoint of format {FORMAT}. "
                             f"Received: format={state.get('format')!r} in {self.path}")
        state["arrays"] = arrays
        return state

    def _collect(self, epoch, batch, stopped=False):
        start = time.perf_counter()
        model = self.model
        arrays, callbacks = {}, []
        groups = {"model": model.variables, "optimizer": model.optimizer.variables,
                  "metrics": model.metrics_variables}
        for group, variables in groups.items():
            arrays.update({f"{group}/{i}": a for i, a in enumerate(_arrays_of(variables))})
        for i, callback in enumerate(self._tracked()):
            callbacks.append({"class": type(callback).__name__,
                              "state": callback_state.get_state(callback, arrays, f"cb{i}")})
        meta = {"format": FORMAT, "epoch": epoch, "batch": batch, "stopped": bool(stopped),
                "counts": {g: len(v) for g, v in groups.items()},
                "paths": {g: [v.path for v in vs] for g, vs in groups.items()},
                "callbacks": callbacks,
                "history": callback_state.encode(self.history, arrays, "history")}
        self._seconds += time.perf_counter() - start
        return meta, arrays

    def _write(self, collected):
        start = time.perf_counter()
        meta, arrays = collected
        os.makedirs(self.directory, exist_ok=True)
        blob = np.frombuffer(json.dumps(meta, allow_nan=False).encode("utf-8"), dtype=np.uint8)
        rundir.atomic_write(self.path, lambda file: np.savez(file, meta=blob, **arrays))
        self.position = (meta["epoch"], meta["batch"])
        self._writes += 1
        self._seconds += time.perf_counter() - start

    def _restore(self, state):
        model, arrays = self.model, state["arrays"]
        group = lambda g: [arrays[f"{g}/{i}"] for i in range(state["counts"][g])]  # noqa: E731
        _assign("model", model.variables, group("model"), state["paths"]["model"])
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        _assign("optimizer", model.optimizer.variables, group("optimizer"),
                state["paths"]["optimizer"])
        tracked = self._tracked()
        saved = state["callbacks"]
        if [type(cb).__name__ for cb in tracked] != [cb["class"] for cb in saved]:
            raise ValueError("The callbacks must be those of the checkpointed run, in the same "
                             f"order: {[cb['class'] for cb in saved]}. Received: "
                             f"{[type(cb).__name__ for cb in tracked]}")
        for callback, entry in zip(tracked, saved):
            callback_state.set_state(callback, entry["state"], arrays)
        self.history = callback_state.decode(state["history"], arrays)
        self.position = (state["epoch"], state["batch"])
        self._offset = state["batch"]
        self._metrics = (group("metrics"), state["paths"]["metrics"]) if state["batch"] else None

    # Keras hooks ---------------------------------------------------------------------

    def on_train_begin(self, logs=None):
        resume, self._resume = self._resume, None
        self._reset()
        if resume is None:
            if os.path.exists(self.path) and not self.overwrite:
                raise FileExistsError(
                    f"`directory` already holds a checkpoint ({self.path}): continue it with "
                    "callbacks.resume_fit, or pass overwrite=True to start over. "
                    f"Received: directory={self.directory!r}")
            rundir.check_writable(self.directory)
            self.history = {}
        else:
            self._restore(resume)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        for counter in self._counters():  # the next iteration counts epoch `epoch`
            counter.assign(epoch - 1)
        if self._metrics is not None:  # a partial epoch: after Keras's reset_metrics
            arrays, paths = self._metrics
            _assign("metrics", self.model.metrics_variables, arrays, paths)
            self._metrics = None
        self._due = self._offset // self.every_n_steps if self.every_n_steps else 0

    def on_train_batch_begin(self, batch, logs=None):
        if self._pending is not None:  # more batches follow: the position is mid-epoch
            self._write(self._pending)
            self._pending = None

    def on_train_batch_end(self, batch, logs=None):
        if not self.every_n_steps:
            return
        done = self._offset + batch + 1
        if done // self.every_n_steps > self._due:
            self._due = done // self.every_n_steps
            self._pending = self._collect(self._epoch, done)

    def on_epoch_end(self, epoch, logs=None):
        self._pending = None
        self._offset = 0
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(np.asarray(value)))
        self._write(self._collect(epoch + 1, 0, stopped=self.model.stop_training))
