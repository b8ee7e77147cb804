"""Hinge loss over independent labels: `MultilabelHinge`."""

import keras

from deeper.components.constraints import Real
from deeper.components.keras_constraints import REDUCTIONS
from deeper.components.registry import register


@register("losses", "multilabel_hinge", example={"margin": 0.5})
class MultilabelHinge(keras.losses.Loss):
    """One binary hinge per label, summed: L(s, y) = sum_j max(0, margin - t_j * s_j).

    Targets y_j in {0, 1} (several labels may be on) become t_j = 2 y_j - 1
    in {-1, +1}; s are raw scores, one per label. Averaged over the batch.

    Convention difference: Keras's `Hinge` is the mean over labels (not the
    sum) with the margin fixed at 1; for margin 1 this loss is C times
    Keras's.

    Args:
        margin: the margin, >= 0. Defaults to 1.0.
        reduction, name, dtype: as for `keras.losses.Loss`.

    Example:

    >>> model.compile("adam", loss=MultilabelHinge())  # C linear outputs, 0/1 targets
    """

    _parameter_constraints = {"margin": Real(low=0), "reduction": REDUCTIONS}

    def __init__(self, margin=1.0, reduction="sum_over_batch_size", name="multilabel_hinge",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.margin = margin

    def call(self, y_true, y_pred):
        signs = 2.0 * keras.ops.cast(y_true, y_pred.dtype) - 1.0
        return keras.ops.sum(keras.ops.relu(self.margin - signs * y_pred), axis=-1)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}
