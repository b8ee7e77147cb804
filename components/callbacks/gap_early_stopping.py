"""`GapEarlyStopping`: Keras's `EarlyStopping` that can also stop on the train/validation gap."""

from __future__ import annotations

import keras

from deeper.components.callbacks.train_val_gap_monitor import MODES, train_val_gap
from deeper.components.constraints import Boolean, Integer, Options, Real, String
from deeper.components.diagnostics import model_tools
from deeper.components.registry import register


@register(
    "callbacks", "gap_early_stopping",
    example={"monitor": "val_loss", "patience": 3, "restore_best_weights": True,
             "gap_monitor": "loss", "gap_threshold": 0.3, "gap_patience": 1},
    invalid=[({"gap_monitor": "val_loss"}, "gap_monitor")],
    serializable=False,
)
class GapEarlyStopping(keras.callbacks.EarlyStopping):
    """Early stopping on a validation metric, or on the train/validation gap.

    Everything of Keras's `EarlyStopping` (stop when `monitor` has not improved
    for `patience` epochs, optionally restoring the best weights), plus: stop
    when the gap

        gap = val_<gap_monitor> - <gap_monitor>     (for a loss; reversed for a score)

    stays above `gap_threshold` for more than `gap_patience` epochs in a row.
    When it stops on the gap, `stopped_on_gap` is `True`, and
    `restore_best_weights=True` restores the weights of the best epoch of
    `monitor` at the end of training, as Keras does.

    Args:
        monitor, min_delta, patience, verbose, mode, baseline,
            restore_best_weights, start_from_epoch: as in
            `keras.callbacks.EarlyStopping` (defaults `"val_loss"`, 0, 0, 0,
            `"auto"`, `None`, `False`, 0).
        gap_monitor: the metric whose gap is watched, without `val_`.
            Defaults to `"loss"`.
        gap_threshold: stop when the gap exceeds this, > 0; `None` watches no
            gap (plain `EarlyStopping`). Defaults to `None`.
        gap_patience: epochs the gap may stay above the threshold before
            stopping, >= 0. Defaults to 0 (stop at the first).
        gap_mode: `"auto"`, `"min"` or `"max"`: whether lower or higher
            `gap_monitor` is better. Defaults to `"auto"`.

    Example:

    ```python
    stop = GapEarlyStopping(patience=10, restore_best_weights=True, gap_threshold=0.5)
    model.fit(x, y, validation_split=0.1, epochs=100, callbacks=[stop])
    stop.stopped_on_gap, stop.stopped_epoch
    ```

    Reference:
        Prechelt, "Early Stopping - But When?", 1998 (the generalization-loss
        criteria stop on the gap between validation and best losses).
    """

    _parameter_constraints = {
        "monitor": String(), "min_delta": Real(), "patience": Integer(low=0),
        "verbose": Integer(low=0), "mode": Options(*MODES), "baseline": Real(allow_none=True),
        "restore_best_weights": Boolean(), "start_from_epoch": Integer(low=0),
        "gap_monitor": String(), "gap_threshold": Real(low=0, low_open=True, allow_none=True),
        "gap_patience": Integer(low=0), "gap_mode": Options(*MODES)}

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0, *,
                 gap_monitor="loss", gap_threshold=None, gap_patience=0, gap_mode="auto"):
        super().__init__(monitor=monitor, min_delta=min_delta, patience=patience,
                         verbose=verbose, mode=mode, baseline=baseline,
                         restore_best_weights=restore_best_weights,
                         start_from_epoch=start_from_epoch)
        if gap_monitor.startswith("val_"):
            raise ValueError("`gap_monitor` must be a metric name without the `val_` prefix. "
                             f"Received: gap_monitor={gap_monitor!r}")
        self.gap_monitor = gap_monitor
        self.gap_threshold = gap_threshold
        self.gap_patience = gap_patience
        self.gap_mode = gap_mode
        self._config = {"monitor": monitor, "min_delta": min_delta, "patience": patience,
                        "verbose": verbose, "mode": mode, "baseline": baseline,
                        "restore_best_weights": restore_best_weights,
                        "start_from_epoch": start_from_epoch, "gap_monitor": gap_monitor,
                        "gap_threshold": self.gap_threshold, "gap_patience": self.gap_patience,
                        "gap_mode": gap_mode}
        self.gap_wait = 0
        self.stopped_on_gap = False

    def get_config(self):
        return dict(self._config)

    def __deepcopy__(self, memo):
        return model_tools.copy_callback(self, memo)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.gap_wait = 0
        self.stopped_on_gap = False

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if self.gap_threshold is None or self.model.stop_training:
            return
        gap = train_val_gap(logs, self.gap_monitor, self.gap_mode)
        if gap is None or epoch < self.start_from_epoch:
            return
        self.gap_wait = self.gap_wait + 1 if gap > self.gap_threshold else 0
        if self.gap_wait > self.gap_patience:
            self.stopped_epoch = epoch
            self.stopped_on_gap = True
            self.model.stop_training = True
            if self.verbose > 0:
                print(f"Epoch {epoch + 1}: the {self.gap_monitor} gap {gap:.4g} stayed above "
                      f"{self.gap_threshold:g} for {self.gap_wait} epoch(s): stopping")
