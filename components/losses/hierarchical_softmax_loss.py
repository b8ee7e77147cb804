"""Negative log-likelihood of a `HierarchicalSoftmax` layer: `HierarchicalSoftmaxLoss`."""

import keras

from deeper.components.keras_constraints import REDUCTIONS
from deeper.components.registry import register


@register("losses", "hierarchical_softmax", example={})
class HierarchicalSoftmaxLoss(keras.losses.Loss):
    """-log p(y | x) from either output of a `HierarchicalSoftmax` layer.

    * `y_pred` of shape `(n,)` or `(n, 1)`: the layer's `layer(h, labels)`
      output, log p(label | h). The loss is -y_pred (`y_true` is already
      inside the model as the labels input): the O(sqrt C) training path.
    * `y_pred` of shape `(n, C)`: the layer's full distribution `layer(h)`;
      the loss is Keras's categorical cross-entropy (one-hot `y_true`) or
      sparse categorical cross-entropy (integer `y_true`): O(C).

    Args:
        reduction, name, dtype: as for `keras.losses.Loss`.

    Example:

    >>> train = keras.Model([x, y], HierarchicalSoftmax(10_000)(h, y))
    >>> train.compile("adam", loss=HierarchicalSoftmaxLoss())
    >>> train.fit([x_train, y_train], y_train)
    """

    _parameter_constraints = {"reduction": REDUCTIONS}

    def __init__(self, reduction="sum_over_batch_size", name="hierarchical_softmax", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        if len(y_pred.shape) == 1 or y_pred.shape[-1] == 1:
            return -keras.ops.reshape(y_pred, (-1,))
        if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == y_pred.shape[-1]:
            return keras.losses.categorical_crossentropy(y_true, y_pred)
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
