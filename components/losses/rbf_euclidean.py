"""Robust regression with Gaussian kernels of the residual: `RBFEuclidean`."""

import keras

from deeper.components.constraints import Real
from deeper.components.keras_constraints import REDUCTIONS
from deeper.components.registry import register


@register("losses", "rbf_euclidean", example={"scale": 2.0})
class RBFEuclidean(keras.losses.Loss):
    """L(h, y) = sum_k scale^2 * (1 - exp(-(y_k - h_k)^2 / (2 scale^2))), batch-averaged.

    One minus a Gaussian (RBF) kernel of each residual, scaled by scale^2 so
    that for small residuals it equals the Euclidean loss 1/2 (y - h)^2; it is
    0 at zero residual and bounded by scale^2 per component, so an outlier
    adds at most scale^2 and its gradient fades, where the Euclidean loss
    grows without bound (Welsch's M-estimator; the correntropy loss).

    Args:
        scale: the kernel width sigma > 0, in the targets' units: residuals
            well beyond it count as outliers. Defaults to 1.0.
        reduction, name, dtype: as for `keras.losses.Loss`.

    Example:

    >>> model.compile("adam", loss=RBFEuclidean(scale=0.5))

    Reference: Liu, Pokharel & Principe, "Correntropy: Properties and
    Applications in Non-Gaussian Signal Processing", IEEE TSP 2007; Dennis &
    Welsch, "Techniques for nonlinear least squares and robust regression", 1978.
    """

    _parameter_constraints = {"scale": Real(low=0, low_open=True), "reduction": REDUCTIONS}

    def __init__(self, scale=1.0, reduction="sum_over_batch_size", name="rbf_euclidean",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.scale = scale

    def call(self, y_true, y_pred):
        residual = keras.ops.cast(y_true, y_pred.dtype) - y_pred
        s2 = self.scale ** 2
        return keras.ops.sum(s2 * (1.0 - keras.ops.exp(-keras.ops.square(residual) / (2 * s2))),
                             axis=-1)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
