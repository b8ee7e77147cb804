"""Targets as one-hot rows, from integer labels or one-hot (shared by the hinge losses)."""

import keras


def one_hot_targets(y_true, y_pred):
    """One-hot `y_true` in `y_pred`'s dtype: integer labels `(n,)`/`(n, 1)` or one-hot `(n, C)`."""
    num_classes = y_pred.shape[-1]
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == num_classes \
            and num_classes != 1:
        return keras.ops.cast(y_true, y_pred.dtype)
    labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
    return keras.ops.one_hot(labels, num_classes, dtype=y_pred.dtype)
