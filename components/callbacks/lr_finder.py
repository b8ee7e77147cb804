"""`LRFinder`: the learning-rate range test (Smith 2017; fastai's `lr_find`)."""

from __future__ import annotations

import math

import keras
import numpy as np

from deeper.components.constraints import Boolean, Integer, Options, Real
from deeper.components.diagnostics import model_tools
from deeper.components.registry import register
from deeper.components.validation import check_number

SUGGESTIONS = ("min_div_10", "steepest")


@register(
    "callbacks", "lr_finder",
    example={"min_lr": 1e-4, "max_lr": 1.0, "num_steps": 10},
    invalid=[({"min_lr": 1.0, "max_lr": 0.1}, "max_lr")],  # max_lr <= min_lr
    serializable=False,
)
class LRFinder(keras.callbacks.Callback):
    """Learning-rate range test: raise the rate exponentially, stop when the loss diverges.

    Step i (0-based) of `fit` runs at

        eta_i = min_lr * (max_lr / min_lr) ** (i / (num_steps - 1))

    and records the training loss of that batch (Keras logs the running mean
    of the epoch; the finder recovers each batch's loss from it, exact for
    equal batch sizes), smoothed by a bias-corrected exponential moving
    average, s_i = EMA_i / (1 - smoothing ** (i + 1)) as in fastai. Training
    stops after `num_steps` steps, or as soon as s_i > `diverge_factor` *
    min(s) or the loss is not finite. At the end, the model's weights, the
    optimizer's state and its learning rate are put back (`restore=True`):
    the test changes nothing.

    Suggested rates (both in `suggestions`; `suggested_learning_rate` is the
    one named by `suggestion`):

    * `"min_div_10"`: the rate at the minimum of the smoothed loss, divided
      by 10 (fastai's `lr_min`; one order of magnitude below the point where
      the loss stops falling);
    * `"steepest"`: the rate where the smoothed loss falls fastest against
      log(eta), searched between the minimum and the end of the first tenth
      of the steps (fastai's `lr_steep`; Smith's "the loss decreases
      fastest"). It is noisier than `"min_div_10"`, the default.

    Both ignore the first tenth of the steps, where the smoothed loss is still
    a few single noisy batches.

    Args:
        min_lr: first rate, > 0. Defaults to 1e-7.
        max_lr: last rate, > `min_lr`. Defaults to 10.
        num_steps: steps of the ramp, >= 2. Defaults to 100. Give `fit`
            enough epochs for them (`ceil(num_steps / steps_per_epoch)`).
        smoothing: EMA factor in [0, 1). Defaults to 0.98 (fastai's).
        diverge_factor: stop when the smoothed loss exceeds this times its
            minimum, > 1. Defaults to 4 (fastai's).
        suggestion: `"min_div_10"` or `"steepest"`. Defaults to `"min_div_10"`.
        restore: put weights, optimizer state and rate back at the end.
            Defaults to `True`.

    Example:

    ```python
    finder = LRFinder(min_lr=1e-6, max_lr=1.0, num_steps=200)
    model.compile(optimizer=keras.optimizers.SGD(momentum=0.9), loss=...)
    model.fit(x, y, batch_size=64, epochs=4, callbacks=[finder])
    finder.suggested_learning_rate, finder.plot("lr_find.png")
    ```

    Reference:
        Smith, "Cyclical Learning Rates for Training Neural Networks", WACV
        2017, section 3.3; Howard & Gugger, fastai (`Learner.lr_find`).
    """

    _parameter_constraints = {
        "min_lr": Real(low=0, low_open=True), "max_lr": Real(low=0, low_open=True),
        "num_steps": Integer(low=2), "smoothing": Real(0, 1, high_open=True),
        "diverge_factor": Real(low=1, low_open=True), "suggestion": Options(*SUGGESTIONS),
        "restore": Boolean()}

    def __init__(self, min_lr=1e-7, max_lr=10.0, num_steps=100, smoothing=0.98,
                 diverge_factor=4.0, suggestion="min_div_10", restore=True):
        super().__init__()
        self.min_lr = min_lr
        self.max_lr = check_number("max_lr", max_lr, low=self.min_lr, low_open=True)
        self.num_steps = num_steps
        self.smoothing = smoothing
        self.diverge_factor = diverge_factor
        self.suggestion = suggestion
        self.restore = restore
        self._reset()

    def _reset(self):
        self.learning_rates, self.losses, self.smoothed = [], [], []
        self.suggestions, self.suggested_learning_rate, self.diverged = {}, None, False
        self._average, self._previous, self._saved = 0.0, (0, 0.0), None

    def get_config(self):
        return {"min_lr": self.min_lr, "max_lr": self.max_lr, "num_steps": self.num_steps,
                "smoothing": self.smoothing, "diverge_factor": self.diverge_factor,
                "suggestion": self.suggestion, "restore": self.restore}

    def __deepcopy__(self, memo):
        return model_tools.copy_callback(self, memo)

    def rate(self, step):
        """The learning rate of ramp step `step` (0-based)."""
        return self.min_lr * (self.max_lr / self.min_lr) ** (step / (self.num_steps - 1))

    def _snapshot(self):
        optimizer = self.model.optimizer
        self._saved = (self.model.get_weights(),
                       [keras.ops.convert_to_numpy(v) for v in optimizer.variables],
                       float(keras.ops.convert_to_numpy(optimizer.learning_rate)))

    def on_train_begin(self, logs=None):
        self._reset()
        if isinstance(self.model.optimizer.get_config().get("learning_rate"), dict):
            raise ValueError("`LRFinder` sets the learning rate at every step, so the "
                             "optimizer must have a float learning rate, not a schedule. "
                             "Received: learning_rate=" + str(
                                 self.model.optimizer.get_config()["learning_rate"]
                                 .get("class_name")))
        if self.restore:
            optimizer = self.model.optimizer
            if not optimizer.built:  # what its first step would do, so its state can be saved
                optimizer.build(self.model.trainable_variables)
            self._snapshot()

    def on_epoch_begin(self, epoch, logs=None):
        self._previous = (0, 0.0)  # Keras's running mean of the loss restarts each epoch

    def on_train_batch_begin(self, batch, logs=None):
        self.model.optimizer.learning_rate = self.rate(len(self.learning_rates))

    def on_train_batch_end(self, batch, logs=None):
        count, mean = batch + 1, float((logs or {}).get("loss", math.nan))
        done, previous = self._previous
        loss = (count * mean - done * previous) / (count - done)
        self._previous = (count, mean)
        step = len(self.learning_rates)
        self.learning_rates.append(self.rate(step))
        self.losses.append(loss)
        self._average = self.smoothing * self._average + (1 - self.smoothing) * loss
        smoothed = self._average / (1 - self.smoothing ** (step + 1))
        self.smoothed.append(smoothed)
        if not math.isfinite(smoothed) or smoothed > self.diverge_factor * min(self.smoothed):
            self.diverged = True
            self.model.stop_training = True
        elif step + 1 >= self.num_steps:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.suggestions = suggest(self.learning_rates, self.smoothed, diverged=self.diverged)
        self.suggested_learning_rate = self.suggestions.get(self.suggestion)
        if self.restore and self._saved is not None:
            weights, optimizer_state, learning_rate = self._saved
            self.model.set_weights(weights)
            for variable, value in zip(self.model.optimizer.variables, optimizer_state):
                variable.assign(value)
            self.model.optimizer.learning_rate = learning_rate
        self._saved = None

    def plot(self, path, title=None):
        """Draw the raw and smoothed loss against the rate (log axis) into a PNG at `path`."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6, 4))
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        ax.plot(self.learning_rates, self.losses, alpha=0.3, label="batch loss")
        ax.plot(self.learning_rates, self.smoothed, label="smoothed loss")
        for (name, rate), color in zip(sorted(self.suggestions.items()), ("C3", "C2")):
            ax.axvline(rate, color=color, linestyle="--", label=f"{name}: {rate:.2g}")
        finite = np.asarray([s for s in self.smoothed if math.isfinite(s)])
        raw = np.asarray([s for s in self.losses if math.isfinite(s)])
        if finite.size:  # keep the divergence from flattening the useful part
            low = min(finite.min(), np.percentile(raw, 2))
            high = min(finite.max(), 1.5 * finite[0])
            pad = 0.05 * (high - low) + 1e-12
            ax.set_ylim(low - pad, high + pad)
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss")
        ax.grid(alpha=0.3, which="both")
        ax.legend()
        ax.set_title(title or "learning-rate range test")
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        return path


def suggest(learning_rates, smoothed, diverged=False):
    """`{"min_div_10": ..., "steepest": ...}` from a range test's smoothed losses."""
    rates, values = np.asarray(learning_rates, float), np.asarray(smoothed, float)
    if diverged:  # the last point is the divergence itself
        rates, values = rates[:-1], values[:-1]
    keep = np.isfinite(values)
    rates, values = rates[keep], values[keep]
    if len(values) < 3:
        return {}
    # The first EMA values are single noisy batches (fastai skips 10): both suggestions
    # look past the first tenth of the steps.
    skip = max(1, len(values) // 10)
    lowest = skip + int(np.argmin(values[skip:]))
    out = {"min_div_10": float(rates[lowest] / 10)}
    if lowest - skip >= 2:
        slopes = np.gradient(values[skip: lowest + 1], np.log(rates[skip: lowest + 1]))
        out["steepest"] = float(rates[skip + int(np.argmin(slopes))])
    else:
        out["steepest"] = float(rates[lowest])
    return out
