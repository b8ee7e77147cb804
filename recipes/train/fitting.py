"""The run of `train_classifier`: its directory, its guarded and checkpointed `fit`.

With an output directory, training goes through `callbacks.resume_fit` with an
`ExactCheckpoint` in `output_dir/checkpoint` (every epoch, and every
`checkpoint_every` steps), so `resume=True` continues a killed run exactly.
`NaNGuard` always guards it: a diverged run stops at the first non-finite
loss (checked after every call into the graph) or weight (checked at each
epoch's end) and keeps the weights of the last finite epoch.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from pathlib import Path

import keras

from deeper.components import callbacks as cb
from deeper.components import rundir

# Options that may differ between a run and its resumption.
FREE_ON_RESUME = ("resume", "overwrite", "verbose")
NEEDS_OUTPUT = ("resume", "overwrite", "tensorboard", "checkpoint_every")


def claim(output_dir, o):
    """`(directory, mode)`: the run directory claimed (see `rundir.prepare_run_dir`),
    or `(None, "new")` when nothing is written."""
    if output_dir is None:
        for name in NEEDS_OUTPUT:
            if o[name]:
                raise ValueError(f"`{name}` needs an `output_dir` to hold the run. "
                                 f"Received: {name}={o[name]!r}, output_dir=None")
        return None, "new"
    mode = rundir.prepare_run_dir(output_dir, resume=o["resume"], overwrite=o["overwrite"])
    return Path(output_dir), mode


def record_config(out, mode, config):
    """Write `config.json`; on resume first check that the run's options are the same."""
    path = out / "config.json"
    config = json.loads(rundir.dumps(config))
    if mode == "resume" and path.exists():
        stored = json.loads(path.read_text())
        for key in sorted(set(stored) | set(config)):
            if key not in FREE_ON_RESUME and stored.get(key) != config.get(key):
                raise ValueError(
                    f"`resume` continues a run with its own options, but `{key}` was "
                    f"{stored.get(key)!r} in {out} and is {config.get(key)!r} now: give the "
                    f"same options, or overwrite=True to start over. Received: "
                    f"{key}={config.get(key)!r}")
    rundir.write_json(path, config)


def callbacks_of(dataset, o, out, user_callbacks):
    """`(guard, others)`: the NaN guard and every callback of the run, in a fixed order."""
    others = list(user_callbacks or [])
    if o["early_stopping"]:
        others.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=o["early_stopping"], restore_best_weights=True))
    guard = cb.NaNGuard(dataset.x_train[:64], dataset.y_train[:64], verbose=0)  # per epoch
    others.append(guard)
    if o["tensorboard"]:
        others.append(keras.callbacks.TensorBoard(os.fspath(out / "tensorboard"),
                                                  write_graph=False))
    return guard, others


def fit(net, train, val, o, out, others, verbose):
    """Train `net`; with a run directory, checkpointed and resumable. Returns the history."""
    fit_kwargs = dict(validation_data=val, epochs=o["epochs"], verbose=verbose)
    with _guard_reports_once():
        if out is None:
            return net.fit(train, callbacks=others, shuffle=False, **fit_kwargs).history
        checkpoint = cb.ExactCheckpoint(out / "checkpoint",
                                        every_n_steps=o["checkpoint_every"], data=train)
        return cb.resume_fit(net, train, checkpoint=checkpoint, callbacks=others,
                             **fit_kwargs).history


@contextlib.contextmanager
def _guard_reports_once():
    """The run reports a divergence itself (`Run.divergence`, the command's error line):
    NaNGuard's warning of the same sentence would repeat it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="NaNGuard: ", category=UserWarning)
        yield


def learning_rates(schedule, epochs, steps_per_epoch):
    """The rate each epoch trained with (at its first step), or None for a user optimizer."""
    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        return [float(keras.ops.convert_to_numpy(schedule(e * steps_per_epoch)))
                for e in range(epochs)]
    if isinstance(schedule, (int, float)):
        return [float(schedule)] * epochs
    return None
