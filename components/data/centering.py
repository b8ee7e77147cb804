"""Mean subtraction fitted on the training split: the `Centering` layer."""

from __future__ import annotations

import math

import keras
import numpy as np

from deeper.components.constraints import Satisfies
from deeper.components.data.batches import float64_batches
from deeper.components.registry import register


def _check_axis(axis):
    if axis is None or isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return axis if axis is None else int(axis)
    if isinstance(axis, (list, tuple)) and all(
        isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis
    ):
        axis = tuple(int(a) for a in axis)
        if len(set(axis)) != len(axis):
            raise ValueError(f"`axis` must not repeat an axis. Received: axis={axis!r}")
        return axis
    raise TypeError(
        "`axis` must be None, an integer or a tuple of integers. "
        f"Received: axis={axis!r} (of type {type(axis).__name__})"
    )


@register(
    "layers",
    "centering",
    example={"axis": -1},
    invalid=[({"axis": 0}, "axis")],  # the batch axis
    input_shape=(4, 3),
)
class Centering(keras.layers.Layer):
    """Subtracts the mean of the training data (no scaling).

    `y = x - mean`, where `mean` is fitted by `adapt` on the training split:
    one mean per index of the axes in `axis`, averaged over the batch and every
    other axis. Centering the inputs makes the first-layer gradients of a
    network point in useful directions instead of all sharing one sign
    (LeCun et al., 1998).

    Keras's `Normalization` always divides by the standard deviation as well;
    `Centering(axis)` is its numerator alone, with the same `axis` convention.

    Args:
        axis: the axis or axes that keep their own mean (as in
            `keras.layers.Normalization`): `-1` gives one mean per channel or
            feature, `(1, 2, 3)` one mean per pixel and channel of an image,
            `None` one global mean. The batch axis 0 cannot be kept.
            Defaults to `-1`.
        **kwargs: base `Layer` arguments (`name`, `dtype`, ...).

    Example:

    ```python
    layer = Centering()
    layer.adapt(x_train)                  # fits the mean on the training split
    model = keras.Sequential([keras.Input((20,)), layer, keras.layers.Dense(10)])
    ```

    Reference:
        LeCun, Bottou, Orr & Mueller, "Efficient BackProp", 1998, section 4.3.
    """

    _parameter_constraints = {"axis": Satisfies(
        lambda name, value: _check_axis(value), "None, an integer or a tuple of integers",
        allow_none=True, bad=["last", (1, 1), 1.5, True, [0.5]])}

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _check_axis(axis)
        keep = () if self.axis is None else (
            (self.axis,) if isinstance(self.axis, int) else self.axis)
        if 0 in keep:
            raise ValueError(
                f"`axis` must not include 0, the batch axis. Received: axis={self.axis!r}"
            )
        self._axes = keep
        self._adapted = False

    @property
    def is_adapted(self):
        """Whether the mean has been fitted (by `adapt` or by loading a saved layer)."""
        return self._adapted

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self._axes):
            raise ValueError(
                f"`axis` must be in [-{ndim}, {ndim}) for inputs of rank {ndim}. "
                f"Received: axis={self.axis!r}"
            )
        keep = tuple(sorted(a % ndim for a in self._axes))
        if 0 in keep:
            raise ValueError(
                f"`axis` must not include 0, the batch axis. Received: axis={self.axis!r} "
                f"for inputs of rank {ndim}"
            )
        if any(input_shape[a] is None for a in keep):
            raise ValueError(
                f"The axes in `axis` must have a known size. Received: axis={self.axis!r} "
                f"for input shape {tuple(input_shape)}"
            )
        self._keep = keep
        self._build_shape = tuple(input_shape)
        self._broadcast_shape = tuple(input_shape[a] if a in keep else 1 for a in range(ndim))
        self.mean = self.add_weight(
            name="mean", shape=tuple(input_shape[a] for a in keep),
            initializer="zeros", trainable=False,
        )

    def adapt(self, data, batch_size=None):
        """Fits the mean on `data`, accumulated in float64 over batches.

        Args:
            data: the training inputs: a NumPy array or tensor, or a batched
                `tf.data.Dataset` (or iterable) of `x` or `(x, y)` batches.
            batch_size: for an array, the number of samples summed at a time.
                Must be `None` for a dataset. Defaults to `None` (1024).
        """
        batches = float64_batches(data, batch_size)
        total, count = None, 0
        for batch in batches:
            if not self.built:
                self.build((None,) + batch.shape[1:])
            ndim = len(self._build_shape)
            if batch.ndim != ndim or any(batch.shape[a] != self._build_shape[a]
                                         for a in self._keep):
                raise ValueError(
                    f"`data` batches must have shape {self._build_shape}. "
                    f"Received: data batch of shape {batch.shape}"
                )
            if not np.isfinite(batch).all():
                raise ValueError("`data` must be finite. Received: data with NaN or inf values")
            reduce = tuple(a for a in range(ndim) if a not in self._keep)
            part = batch.sum(axis=reduce)
            total = part if total is None else total + part
            count += math.prod(batch.shape[a] for a in reduce)
        if count == 0:
            raise ValueError("`data` must contain at least one sample. Received: empty data")
        self.mean.assign(total / count)
        self._adapted = True

    def load_own_variables(self, store):
        super().load_own_variables(store)
        self._adapted = True

    def call(self, inputs):
        if not self._adapted:
            raise ValueError(
                "Centering must be adapted before it is called: call "
                "layer.adapt(x_train) on the training split."
            )
        inputs = keras.ops.cast(inputs, self.compute_dtype)
        mean = keras.ops.cast(self.mean, self.compute_dtype)
        return inputs - keras.ops.reshape(mean, self._broadcast_shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
