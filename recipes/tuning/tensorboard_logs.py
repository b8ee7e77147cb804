"""TensorBoard logs of a search: one log per trial, its hyperparameters through HParams.

With `tune(..., tensorboard=True)` (`deeper tune --tensorboard`) the search
directory gets a `tensorboard/` folder:

    tensorboard/               the experiment: every hyperparameter's domain and the
                               metrics (HParams plugin's `hparams_config`)
    tensorboard/trial_<id>/    a trial: Keras's `TensorBoard` logs (`train/` and
                               `validation/`: loss, accuracy, learning rate per epoch)
                               and the trial's values (HParams session start and end)
    tensorboard/retrained/     the best configuration's final training

`tensorboard --logdir DIRECTORY/search/tensorboard` shows them: the HParams tab
lists one row per trial. Unlike KerasTuner's own wiring (TensorFlow backend only,
`<trial>/execution0`), this writes on every backend (TensorFlow, installed with
deeper, does the writing) and states the true domain of a log-stepped integer
(32, 64, 128, 256, not every even number from 32 to 256).
"""

from __future__ import annotations

import os

LOG_DIR = "tensorboard"
METRICS = (("epoch_accuracy", "validation", "val_accuracy"),
           ("epoch_loss", "validation", "val_loss"),
           ("epoch_accuracy", "train", "accuracy"), ("epoch_loss", "train", "loss"))


def _api():
    from tensorboard.plugins.hparams import api

    return api


def _domain(hp):
    """The HParams domain of a KerasTuner hyperparameter."""
    api = _api()
    kind = type(hp).__name__
    if kind == "Choice":
        return api.Discrete(list(hp.values))
    if kind == "Boolean":
        return api.Discrete([True, False])
    if kind == "Fixed":
        return api.Discrete([hp.value])
    if hp.step is not None:  # a finite set: linear or log steps (KerasTuner: floats)
        return api.Discrete([int(round(v)) if kind == "Int" else v for v in hp.values])
    return (api.IntInterval if kind == "Int" else api.RealInterval)(hp.min_value, hp.max_value)


def _hparams(hyperparameters):
    """`{name: HParam}` of the search space."""
    return {hp.name: _api().HParam(hp.name, _domain(hp)) for hp in hyperparameters.space}


def write_experiment(project_dir, hyperparameters):
    """Write the search's HParams experiment (domains and metrics) into `tensorboard/`."""
    import tensorflow as tf

    api = _api()
    metrics = [api.Metric(tag, group=group, display_name=name) for tag, group, name in METRICS]
    writer = tf.summary.create_file_writer(os.path.join(os.fspath(project_dir), LOG_DIR))
    with writer.as_default():
        api.hparams_config(hparams=list(_hparams(hyperparameters).values()), metrics=metrics)
    writer.close()


def trial_callbacks(project_dir, trial):
    """Keras's `TensorBoard` writing `tensorboard/trial_<id>` and the HParams plugin's
    callback recording the trial's active values there (created per trial: they are
    valid for one `fit`)."""
    import keras

    log_dir = os.path.join(os.fspath(project_dir), LOG_DIR, f"trial_{trial.trial_id}")
    hyperparameters = trial.hyperparameters
    domains = _hparams(hyperparameters)
    values = {domains[name]: value for name, value in hyperparameters.values.items()
              if name in domains}
    return [keras.callbacks.TensorBoard(log_dir, write_graph=False),
            _api().KerasCallback(log_dir, values, trial_id=trial.trial_id)]


def retrain_callbacks(project_dir):
    """Keras's `TensorBoard` writing the final training into `tensorboard/retrained`."""
    import keras

    return [keras.callbacks.TensorBoard(
        os.path.join(os.fspath(project_dir), LOG_DIR, "retrained"), write_graph=False)]


class TrialLogs:
    """Mix into a KerasTuner `Tuner`: with `tensorboard = True` every trial's `fit` gets
    `trial_callbacks`. It fills KerasTuner's own hook, `_configure_tensorboard_dir`,
    which `Tuner.run_trial` calls once per execution after copying the search's
    callbacks (so these, which hold a file writer, are never copied); it replaces
    KerasTuner's handling of a `TensorBoard` callback passed to `search`."""

    tensorboard = False

    def _configure_tensorboard_dir(self, callbacks, trial, execution=0):
        if self.tensorboard:
            callbacks.extend(trial_callbacks(self.project_dir, trial))
