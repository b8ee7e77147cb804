"""Checks of user data that fail with one clear sentence before any training."""

from __future__ import annotations

import numpy as np


def inputs(name, x):
    """`x` as a non-empty, finite float32 array with a leading example axis."""
    try:
        array = np.asarray(x)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"`{name}` must be a rectangular numeric array: {err}") from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number)
                                     or array.dtype == np.bool_):
        raise TypeError(f"`{name}` must hold numbers. Received: {name} of dtype {array.dtype}")
    if array.ndim < 2:
        raise ValueError(f"`{name}` must have shape (examples, features...), at least 2-D. "
                         f"Received: {name} of shape {array.shape}")
    if len(array) == 0:
        raise ValueError(f"`{name}` must hold at least one example. Received: {name} of shape "
                         f"{array.shape}")
    array = array.astype("float32")
    bad = ~np.isfinite(array)
    if bad.any():
        first = int(np.flatnonzero(bad.reshape(len(array), -1).any(axis=1))[0])
        raise ValueError(f"`{name}` contains {int(bad.sum())} NaN or inf values (first in "
                         f"example {first}); clean or impute them before training. "
                         f"Received: {name} with {int(bad.sum())} non-finite values")
    return array


def nonnegative_labels(name, y):
    """`y` as int64 class labels >= 0 (one per example; the count is checked by the caller)."""
    array = np.asarray(y)
    y = labels(name, y, len(array) if array.ndim else -1)
    label_range(name, y, np.inf)
    return y


def labels(name, y, n):
    """`y` as an int64 vector of length `n` (integral floats are accepted)."""
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] > 1:
        raise ValueError(f"`{name}` must be a 1-D array of integer class labels. Received: "
                         f"{name} of shape {array.shape} (one-hot? pass {name}.argmax(axis=1))")
    array = array.reshape(-1) if array.ndim == 2 else array
    if array.ndim != 1:
        raise ValueError(f"`{name}` must be a 1-D array of integer class labels. Received: "
                         f"{name} of shape {array.shape}")
    if len(array) != n:
        raise ValueError(f"`{name}` must have one label per example ({n}). Received: "
                         f"{len(array)} labels")
    if np.issubdtype(array.dtype, np.integer):
        return array.astype("int64")
    if not np.issubdtype(array.dtype, np.floating) or not np.isfinite(array).all() or (
        np.any(array != np.round(array))
    ):
        bad = array[:5] if array.dtype == object else array[np.flatnonzero(
            ~np.isfinite(array) | (array != np.round(array)))[:3]] if np.issubdtype(
            array.dtype, np.floating) else array[:3]
        raise ValueError(f"`{name}` must hold integer class labels. Received: {name} of dtype "
                         f"{array.dtype} with values such as {bad.tolist()}")
    return array.astype("int64")


def label_range(name, y, num_classes):
    """Every label in [0, num_classes)."""
    bad = (y < 0) | (y >= num_classes)
    if bad.any():
        span = f"[0, {num_classes})" if np.isfinite(num_classes) else "[0, inf)"
        raise ValueError(f"`{name}` labels must be in {span}. Received: "
                         f"{int(bad.sum())} labels outside, e.g. {name}={int(y[bad][0])}")
