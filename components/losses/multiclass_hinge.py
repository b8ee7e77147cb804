"""The course's multiclass hinge (Weston & Watkins), plain and squared: `MulticlassHinge`."""

import keras

from deeper.components import registry
from deeper.components.constraints import Boolean, Real, String
from deeper.components.keras_constraints import REDUCTIONS
from deeper.components.losses.targets import one_hot_targets
from deeper.components.registry import register


@register("losses", "multiclass_hinge", example={"margin": 0.5, "squared": False})
class MulticlassHinge(keras.losses.Loss):
    """Sum over wrong classes of the margin violations of the raw scores s.

        L(s, y) = sum_{j != y} max(0, s_j - s_y + margin)            (squared=False)
        L(s, y) = sum_{j != y} max(0, s_j - s_y + margin)^2          (squared=True)

    averaged over the batch. The model's outputs are unnormalized scores (no
    softmax). Labels are integers `(n,)` or one-hot rows `(n, C)`.

    Convention difference: Keras's `CategoricalHinge` is Crammer & Singer's
    form, max(0, margin + max_{j != y} s_j - s_y) with margin 1: one term, the
    worst wrong class, not the sum over all of them. The course (and the
    CS231n SVM loss) uses this sum, Weston & Watkins's form.

    Args:
        margin: the required score gap Delta, >= 0. Defaults to 1.0.
        squared: square each violation (the L2-SVM). Defaults to `False`.
        reduction, name, dtype: as for `keras.losses.Loss`.

    Example:

    >>> model.compile("sgd", loss=MulticlassHinge(margin=1.0))  # linear output layer

    Reference: Weston & Watkins, "Support Vector Machines for Multi-Class
    Pattern Recognition", ESANN 1999.
    """

    _parameter_constraints = {"margin": Real(low=0), "squared": Boolean(), "reduction": REDUCTIONS,
                              "name": String(allow_none=True)}

    def __init__(self, margin=1.0, squared=False, reduction="sum_over_batch_size", name=None,
                 dtype=None):
        super().__init__(name=name or ("squared_multiclass_hinge" if squared
                                       else "multiclass_hinge"),
                         reduction=reduction, dtype=dtype)
        self.margin = margin
        self.squared = squared

    def call(self, y_true, y_pred):
        target = one_hot_targets(y_true, y_pred)
        true_score = keras.ops.sum(target * y_pred, axis=-1, keepdims=True)
        violation = keras.ops.relu(y_pred - true_score + self.margin) * (1.0 - target)
        if self.squared:
            violation = keras.ops.square(violation)
        return keras.ops.sum(violation, axis=-1)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin, "squared": self.squared}


registry.add("losses", "squared_multiclass_hinge", MulticlassHinge, defaults={"squared": True},
             example={"margin": 1.0, "squared": True})
