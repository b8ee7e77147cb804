"""`TrainValGapMonitor`: logs the training/validation gap each epoch, warns when it grows."""

from __future__ import annotations

import math
import warnings

import keras

from deeper.components.constraints import Integer, Options, Real, String
from deeper.components.diagnostics import model_tools
from deeper.components.registry import register

MODES = ("auto", "min", "max")


def gap_direction(monitor, mode="auto"):
    """+1 when lower is better for `monitor` (a loss), -1 when higher is (accuracy, AUC)."""
    if mode == "min":
        return 1
    if mode == "max":
        return -1
    lowered = monitor.lower()
    return -1 if any(word in lowered for word in ("acc", "auc", "precision", "recall")) else 1


def train_val_gap(logs, monitor, mode="auto"):
    """`val_<monitor> - <monitor>` for a loss, `<monitor> - val_<monitor>` for a score:
    positive when the model does better on its training data. `None` if either is missing."""
    logs = logs or {}
    train, val = logs.get(monitor), logs.get(f"val_{monitor}")
    if train is None or val is None:
        return None
    return gap_direction(monitor, mode) * (float(val) - float(train))


@register(
    "callbacks", "train_val_gap_monitor",
    example={"monitor": "loss", "threshold": 0.2, "mode": "auto", "verbose": 0},
    invalid=[({"monitor": "val_loss"}, "monitor")],
    serializable=False,
)
class TrainValGapMonitor(keras.callbacks.Callback):
    """Logs the gap between training and validation each epoch; warns when it grows too large.

        gap = val_loss - loss            (for a loss: lower is better)
        gap = accuracy - val_accuracy    (for a score: higher is better)

    A growing positive gap is overfitting: the model fits its training data
    better than held-out data. The gap goes into the epoch's logs as
    `<monitor>_gap` (so `History`, later callbacks and the progress bar see it)
    and into `gaps`; the first epoch it exceeds `threshold` after being below it
    warns (and, with `verbose=1`, prints).

    Note: Keras's training loss is averaged over the epoch with dropout on and
    includes the regularization penalty, while the validation loss is computed
    at the end of the epoch without either; early in training the gap is
    therefore often negative.

    Args:
        monitor: the metric, without the `val_` prefix. Defaults to `"loss"`.
        threshold: the gap that triggers a warning, > 0, in the metric's units.
            Defaults to 0.1.
        mode: `"min"` (lower is better), `"max"` or `"auto"` (from the name:
            accuracy, AUC, precision and recall are maximized). Defaults to `"auto"`.
        verbose: 1 prints a line when the gap crosses the threshold. Defaults to 0.

    Example:

    ```python
    gap = TrainValGapMonitor(threshold=0.2)
    history = model.fit(x, y, validation_split=0.1, epochs=30, callbacks=[gap])
    history.history["loss_gap"], gap.exceeded_epochs
    ```

    Reference:
        CS231n, "Neural Networks Part 3": "babysitting the learning process",
        train/validation accuracy gap.
    """

    _parameter_constraints = {
        "monitor": String(), "threshold": Real(low=0, low_open=True),
        "mode": Options(*MODES), "verbose": Integer(low=0)}

    def __init__(self, monitor="loss", threshold=0.1, mode="auto", verbose=0):
        super().__init__()
        if monitor.startswith("val_"):
            raise ValueError("`monitor` must be a metric name without the `val_` prefix. "
                             f"Received: monitor={monitor!r}")
        self.monitor = monitor
        self.threshold = threshold
        self.mode = mode
        self.verbose = verbose
        self.gaps = []
        self.exceeded_epochs = []

    def get_config(self):
        return {"monitor": self.monitor, "threshold": self.threshold, "mode": self.mode,
                "verbose": self.verbose}

    def __deepcopy__(self, memo):
        return model_tools.copy_callback(self, memo)

    def on_train_begin(self, logs=None):
        self.gaps = []
        self.exceeded_epochs = []

    def on_epoch_end(self, epoch, logs=None):
        gap = train_val_gap(logs, self.monitor, self.mode)
        if gap is None:
            return
        previous = self.gaps[-1] if self.gaps else -math.inf
        self.gaps.append(gap)
        logs[f"{self.monitor}_gap"] = gap
        if gap > self.threshold:
            self.exceeded_epochs.append(epoch)
            if not previous > self.threshold:
                message = (f"Epoch {epoch + 1}: the train/validation gap in {self.monitor} is "
                           f"{gap:.4g}, above {self.threshold:g}: the model is overfitting "
                           "(more data or augmentation, more regularization, or stop earlier).")
                if self.verbose:
                    print(message)
                warnings.warn(message, stacklevel=2)
