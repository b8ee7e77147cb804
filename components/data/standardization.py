"""Standardization per feature, per channel or global: Keras's `Normalization`, configured."""

from __future__ import annotations

import numbers

import keras
import numpy as np

from deeper.components.constraints import Options, Satisfies, declare
from deeper.components.data import checks

MODES = ("feature", "channel", "global")


def _shape(name, value):
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"`{name}` must be a tuple of integers. Received: {name}={value!r} "
                        f"(of type {type(value).__name__})")
    if not value or not all(isinstance(d, numbers.Integral) and not isinstance(d, bool)
                            and d >= 1 for d in value):
        raise ValueError(f"`{name}` must be a non-empty tuple of positive integers. "
                         f"Received: {name}={value!r}")
    return tuple(value)


def _finite(name, value):
    checks.inputs(name, value)  # the check only: the statistics use the data in float64
    return value


@declare({"mode": Options(*MODES),
          "input_shape": Satisfies(_shape, "a tuple of positive integers", allow_none=True,
                                   bad=[(), (0,), (2.5,), (True,), 3, "4"]),
          "data": Satisfies(_finite, "a finite numeric array", allow_none=True,
                            bad=[[], [[float("nan"), 1.0]], [[float("inf")]], [["a"]], 3])},
         example=lambda: {"data": np.arange(12.0).reshape(6, 2)})
def standardization(mode="feature", *, input_shape=None, data=None):
    """Returns Keras's `Normalization` layer set up to standardize inputs.

    `y = (x - mean) / sqrt(var)`, with `mean` and the population variance
    `var` fitted by `layer.adapt(x_train)` on the training split (Keras clips
    `sqrt(var)` below at `keras.config.epsilon()`, 1e-7 by default).

    This is `keras.layers.Normalization` itself (it saves and loads as a Keras
    built-in), with the `axis` that gives each mode:

    * `"feature"`: every non-batch index has its own statistics,
      `axis=(1, ..., rank)` (for flat `(batch, features)` inputs, `axis=-1`);
    * `"channel"`: one mean and variance per channel, averaged over the batch
      and the spatial axes, `axis=-1`;
    * `"global"`: a single mean and variance over everything, `axis=None`.

    Args:
        mode: `"feature"`, `"channel"` or `"global"`. Defaults to `"feature"`.
        input_shape: the input shape without the batch axis. Needed by
            `"feature"` mode for inputs with several feature axes (images):
            without it, `"feature"` assumes flat `(batch, features)` inputs.
            Defaults to `None`.

        data: training inputs to fit the statistics on now, in float64 and
            without `adapt`; features constant in `data` (variance 0) are left
            unscaled instead of divided by Keras's epsilon. Defaults to `None`
            (an un-adapted layer: call its `adapt`).

    Returns:
        A `keras.layers.Normalization`, fitted when `data` is given.

    Example:

    ```python
    norm = standardization("feature", input_shape=x_train.shape[1:])
    norm.adapt(x_train)
    ```

    Reference:
        LeCun, Bottou, Orr & Mueller, "Efficient BackProp", 1998, section 4.3.
        Note: scikit-learn's `StandardScaler` also uses the population
        variance; `numpy.std(ddof=1)` would not.
    """
    if mode == "global":
        axis = None
    elif mode == "channel" or input_shape is None:
        axis = -1
    else:
        axis = tuple(range(1, len(input_shape) + 1))
    if data is None:
        return keras.layers.Normalization(axis=axis)
    x = np.asarray(data, dtype="float64")
    if input_shape is not None and x.shape[1:] != tuple(input_shape):
        raise ValueError(f"`data` examples must have shape {tuple(input_shape)}. "
                         f"Received: data of shape {x.shape}")
    keep = () if axis is None else tuple(a % x.ndim for a in np.atleast_1d(axis))
    reduce = tuple(a for a in range(x.ndim) if a not in keep)
    mean = x.mean(axis=reduce)
    variance = x.var(axis=reduce)
    # A feature constant in training has variance 0; Keras's own `adapt` would
    # then divide by its epsilon (1e-7) and blow up any other value it takes at
    # test time. Like scikit-learn's StandardScaler, leave such features unscaled.
    variance = np.where(variance > 1e-12, variance, 1.0)
    return keras.layers.Normalization(axis=axis, mean=mean, variance=variance)
