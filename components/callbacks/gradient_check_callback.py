"""`GradientCheck`: the gradient check of `gradient_check`, at train begin and every N epochs."""

from __future__ import annotations

import warnings

import keras
import numpy as np

from deeper.components.constraints import Boolean, Integer, Options, Real, Seed
from deeper.components.diagnostics import model_tools
from deeper.components.diagnostics.gradient_check import gradient_check
from deeper.components.registry import register


class GradientCheckError(RuntimeError):
    """Raised by `GradientCheck(on_failure="raise")` when a check fails."""


@register(
    "callbacks", "gradient_check",
    example={"x": [[0.5, -1.0, 2.0, 0.0], [1.0, 0.25, -0.5, 1.5]], "y": [0, 2],
             "every_epochs": 2, "threshold": 1e-4},
    invalid=[({"y": [0]}, "y"), ({"x": []}, "x")],
    serializable=False,
)
class GradientCheck(keras.callbacks.Callback):
    """Checks the model's gradients against finite differences while it trains.

    At the start of training and every `every_epochs` epochs, compares the
    autodiff gradient of the loss on `(x, y)` with central finite differences
    on a sample of every trainable variable's entries (see `gradient_check`):

        relative error = |g - (L(w + eps) - L(w - eps)) / (2 eps)| / max(|g|, |n|, floor)

    in float64 on a copy of the model where possible. The maximum relative
    error per layer goes into `results` as `(epoch, GradientCheckResult)`
    pairs (epoch `None` for train begin); a check above `threshold` warns, or raises
    `GradientCheckError` with `on_failure="raise"`. Use it when a layer
    computes its own gradient (`tf.custom_gradient`, a hand-written
    backward pass): autodiff of built-in ops does not need checking.

    Args:
        x: a few inputs to check on (a handful of examples keeps it fast).
        y: their targets, one per example.
        every_epochs: check every this many epochs, >= 1, besides the check at
            train begin. Defaults to 1.
        num_params: entries sampled per trainable variable, >= 1. Defaults to 3.
        epsilon: finite-difference step, > 0. Defaults to `None` (1e-6 in
            float64, 1e-3 in float32).
        threshold: largest relative error that passes, > 0. Defaults to
            `None` (1e-4 in float64, 5e-2 in float32).
        on_failure: `"warn"` or `"raise"`. Defaults to `"warn"`.
        float64: check a float64 copy of the model. Defaults to `True`.
        seed: seed of the sampled entries. Defaults to 0.

    Example:

    ```python
    check = GradientCheck(x_train[:8], y_train[:8], every_epochs=5, on_failure="raise")
    model.fit(x_train, y_train, epochs=20, callbacks=[check])
    check.results[0][1].summary()   # (epoch, GradientCheckResult) pairs
    ```

    Reference:
        CS231n, "Neural Networks Part 3: Learning and Evaluation", gradient checks.
    """

    _parameter_constraints = {
        "every_epochs": Integer(low=1), "num_params": Integer(low=1),
        "epsilon": Real(low=0, low_open=True, allow_none=True),
        "threshold": Real(low=0, low_open=True, allow_none=True),
        "on_failure": Options("warn", "raise"), "float64": Boolean(), "seed": Seed()}

    def __init__(self, x, y, *, every_epochs=1, num_params=3, epsilon=None, threshold=None,
                 on_failure="warn", float64=True, seed=0):
        super().__init__()
        self.x = np.asarray(x)
        self.y = np.asarray(y)
        if self.x.ndim < 1 or len(self.x) == 0:
            raise ValueError(f"`x` must hold at least one example. Received: x of shape "
                             f"{self.x.shape}")
        if self.y.ndim < 1 or len(self.y) != len(self.x):
            raise ValueError(f"`y` must hold one target per example of `x` ({len(self.x)}). "
                             f"Received: y of shape {self.y.shape}")
        self.every_epochs = every_epochs
        self.num_params = num_params
        self.epsilon = epsilon
        self.threshold = threshold
        self.on_failure = on_failure
        self.float64 = float64
        self.seed = seed
        self.results = []

    def get_config(self):
        return {"x": self.x.tolist(), "y": self.y.tolist(), "every_epochs": self.every_epochs,
                "num_params": self.num_params, "epsilon": self.epsilon,
                "threshold": self.threshold, "on_failure": self.on_failure,
                "float64": self.float64, "seed": self.seed}

    def __deepcopy__(self, memo):
        return model_tools.copy_callback(self, memo)

    def _check(self, epoch):
        result = gradient_check(self.model, self.x, self.y, num_params=self.num_params,
                                epsilon=self.epsilon, threshold=self.threshold,
                                float64=self.float64, seed=self.seed)
        self.results.append((epoch, result))
        if not result.passed:
            message = f"{'train begin' if epoch is None else f'epoch {epoch + 1}'}: " \
                      f"{result.summary()}"
            if self.on_failure == "raise":
                raise GradientCheckError(message)
            warnings.warn(message, stacklevel=2)
        return result

    def on_train_begin(self, logs=None):
        self.results = []
        self._check(None)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_epochs == 0:
            self._check(epoch)
