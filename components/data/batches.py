"""Float64 NumPy batches of adapt data: arrays, tensors, `tf.data` or iterables."""

from __future__ import annotations

import keras
import numpy as np

from deeper.components.validation import check_number


def float64_batches(data, batch_size):
    """Float64 NumPy batches of `data` (an array, or an iterable of x or (x, y) batches)."""
    if hasattr(data, "shape") and not isinstance(data, (list, tuple)):
        batch_size = check_number("batch_size", 1024 if batch_size is None else batch_size,
                                  low=1, integer=True)
        array = keras.ops.convert_to_numpy(data)
        return (np.asarray(array[i:i + batch_size], dtype="float64")
                for i in range(0, len(array), batch_size))
    if isinstance(data, (str, bytes, dict)) or not hasattr(data, "__iter__"):
        raise TypeError(
            "`data` must be an array, a tensor, a batched `tf.data.Dataset` or an iterable "
            f"of batches. Received: data of type {type(data).__name__}"
        )
    if batch_size is not None:
        raise ValueError(
            "`batch_size` must be None when `data` is a dataset or an iterable of batches "
            f"(they come batched). Received: batch_size={batch_size!r}"
        )
    return (np.asarray(keras.ops.convert_to_numpy(b[0] if isinstance(b, (tuple, list)) else b),
                       dtype="float64") for b in data)
