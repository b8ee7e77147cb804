"""`StepDecay`: divide the learning rate by `drop` every `every_epochs` epochs, from a callback."""

from __future__ import annotations

import keras

from deeper.components.constraints import Integer, Real
from deeper.components.diagnostics import model_tools
from deeper.components.registry import register


@register(
    "callbacks", "step_decay",
    example={"initial_learning_rate": 0.1, "drop": 2.0, "every_epochs": 1},
    serializable=False,
)
class StepDecay(keras.callbacks.Callback):
    """Step decay at the epoch level: eta(epoch) = eta_0 / drop ** floor(epoch / every_epochs).

    At the start of every epoch the callback sets the optimizer's learning
    rate from the epoch index (0-based) alone, never from a count of its own
    calls or from the optimizer's current rate. So it stays right when
    training resumes: after `keras.callbacks.BackupAndRestore` restores an
    interrupted run, Keras starts again at the saved epoch, and the rate is
    that epoch's, exactly as in an uninterrupted run. Same for `fit(...,
    initial_epoch=k)`. Each epoch's rate goes into the logs as `"learning_rate"`
    (and so into `History`), and into `learning_rates` (epoch -> rate, for
    the epochs of the last `fit`).

    Inside the optimizer, `deeper.components.schedules.step_decay` does the
    same per step and saves with the model; use this callback when the decay
    must be decided per epoch (e.g. changed by hand between runs), with a
    float learning rate in the optimizer.

    Args:
        initial_learning_rate: eta_0 > 0, the rate of epoch 0.
        drop: the divisor alpha >= 1 applied every `every_epochs` epochs. Defaults to 10.
        every_epochs: T >= 1. Defaults to 10.
        verbose: 1 prints the rate when it changes. Defaults to 0.

    Example:

    ```python
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss=...)
    model.fit(x, y, epochs=30, callbacks=[
        keras.callbacks.BackupAndRestore("backup"),
        StepDecay(0.1, drop=10, every_epochs=10),
    ])
    ```

    Reference:
        The course: "divide the learning rate by alpha every T epochs";
        Krizhevsky et al. 2012 divide by 10 when the validation error stalls.
    """

    _parameter_constraints = {
        "initial_learning_rate": Real(low=0, low_open=True), "drop": Real(low=1),
        "every_epochs": Integer(low=1), "verbose": Integer(low=0)}

    def __init__(self, initial_learning_rate, drop=10.0, every_epochs=10, verbose=0):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.drop = drop
        self.every_epochs = every_epochs
        self.verbose = verbose
        self.learning_rates = {}

    def rate(self, epoch):
        """The learning rate of `epoch` (0-based)."""
        return self.initial_learning_rate / self.drop ** (int(epoch) // self.every_epochs)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "drop": self.drop,
                "every_epochs": self.every_epochs, "verbose": self.verbose}

    def __deepcopy__(self, memo):
        return model_tools.copy_callback(self, memo)

    def on_train_begin(self, logs=None):
        self.learning_rates = {}
        learning_rate = self.model.optimizer.get_config().get("learning_rate")
        if isinstance(learning_rate, dict):  # a serialized schedule
            raise ValueError(
                "`StepDecay` sets the optimizer's learning rate every epoch, so the optimizer "
                "must have a float learning rate, not a schedule. Received: learning_rate="
                f"{learning_rate.get('class_name')}")

    def on_epoch_begin(self, epoch, logs=None):
        rate = self.rate(epoch)
        if self.verbose and (epoch == 0 or rate != self.rate(epoch - 1) or not self.learning_rates):
            print(f"\nEpoch {epoch + 1}: StepDecay sets the learning rate to {rate:.6g}.")
        self.model.optimizer.learning_rate = rate
        self.learning_rates[epoch] = rate

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = self.learning_rates.get(epoch, self.rate(epoch))
