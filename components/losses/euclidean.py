"""The course's Euclidean loss 1/2 ||y - h||^2: `Euclidean`."""

import keras

from deeper.components.keras_constraints import REDUCTIONS
from deeper.components.registry import register


@register("losses", "euclidean", example={})
class Euclidean(keras.losses.Loss):
    """L(h, y) = 1/2 * ||y - h||^2 = 1/2 * sum_k (y_k - h_k)^2, averaged over the batch.

    Convention difference: Keras's `MeanSquaredError` is mean_k (y_k - h_k)^2:
    it averages over the output components and has no 1/2, so
    Euclidean = C/2 * MSE for C outputs. The 1/2 makes the gradient h - y.

    Args:
        reduction, name, dtype: as for `keras.losses.Loss`.

    Example:

    >>> model.compile("sgd", loss="mse")  # Keras's
    >>> model.compile("sgd", loss=Euclidean())  # the course's
    """

    _parameter_constraints = {"reduction": REDUCTIONS}

    def __init__(self, reduction="sum_over_batch_size", name="euclidean", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        y_true = keras.ops.cast(y_true, y_pred.dtype)
        return 0.5 * keras.ops.sum(keras.ops.square(y_true - y_pred), axis=-1)
