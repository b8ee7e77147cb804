"""Decorrelation activity regularizer (Cogswell et al. 2016): `DeCov`."""

import keras

from deeper.components.constraints import Real
from deeper.components.registry import register


@register("regularizers", "decov", example={"strength": 0.05})
class DeCov(keras.regularizers.Regularizer):
    """Penalizes the off-diagonal covariance of a layer's activations over the batch.

    With h the batch of activations flattened to shape `(N, F)`,

        C = (h - mean(h))^T (h - mean(h)) / N
        L = strength * 1/2 * (||C||_F^2 - ||diag(C)||^2)

    so only the cross-covariances are penalized, never the variances.
    Decorrelated hidden units carry less redundant information, which the
    paper found to reduce overfitting (as an alternative or complement to
    dropout). Use it as `activity_regularizer=`; it needs batches of more
    than one example.

    Keras 3 divides every activity penalty by the batch size N (it expects a
    sum over examples); L is already a batch statistic, so `__call__` returns
    N * L and the loss the layer adds is exactly L, the paper's penalty, at
    any batch size. `penalty(h)` returns L itself.

    Args:
        strength: weight of the penalty, >= 0. Defaults to 0.1.

    Example:

    >>> keras.layers.Dense(256, activation="relu", activity_regularizer=DeCov(0.1))

    Reference: Cogswell, Ahmed, Girshick, Zitnick & Batra, "Reducing Overfitting
    in Deep Networks by Decorrelating Representations", ICLR 2016.
    """

    _parameter_constraints = {"strength": Real(low=0)}

    def __init__(self, strength=0.1):
        self.strength = strength

    def __call__(self, x):
        x = keras.ops.convert_to_tensor(x)
        return self.penalty(x) * keras.ops.cast(keras.ops.shape(x)[0], x.dtype)

    def penalty(self, x):
        """The DeCov penalty strength * L of activations `x`, shape `(N, ...)`."""
        x = keras.ops.convert_to_tensor(x)
        h = keras.ops.reshape(x, (keras.ops.shape(x)[0], -1))
        centered = h - keras.ops.mean(h, axis=0, keepdims=True)
        n = keras.ops.cast(keras.ops.shape(h)[0], h.dtype)
        cov = keras.ops.matmul(keras.ops.transpose(centered), centered) / n
        off = keras.ops.sum(keras.ops.square(cov)) - keras.ops.sum(
            keras.ops.square(keras.ops.diagonal(cov)))
        return self.strength * 0.5 * off

    def get_config(self):
        return {"strength": self.strength}
