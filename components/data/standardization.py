"""Standardization per feature, per channel or global: Keras's `Normalization`, configured."""

from __future__ import annotations

import numbers

import keras

from deeper.components.validation import check_choice, check_type

MODES = ("feature", "channel", "global")


def standardization(mode="feature", *, input_shape=None):
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

    Returns:
        An un-adapted `keras.layers.Normalization`.

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
    mode = check_choice("mode", mode, MODES)
    if input_shape is not None:
        check_type("input_shape", input_shape, (tuple, list), description="a tuple of integers")
        if not input_shape or not all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 1
            for d in input_shape
        ):
            raise ValueError(
                "`input_shape` must be a non-empty tuple of positive integers. "
                f"Received: input_shape={input_shape!r}"
            )
    if mode == "global":
        axis = None
    elif mode == "channel" or input_shape is None:
        axis = -1
    else:
        axis = tuple(range(1, len(input_shape) + 1))
    return keras.layers.Normalization(axis=axis)
