"""A layer of Gaussian radial-basis units: `rbf` and `RBF`."""

import keras
import numpy as np

from deeper.components.constraints import Integer, Real, Seed
from deeper.components.keras_constraints import Component
from deeper.components.registry import register
from deeper.components.validation import check_number


def rbf(x, centers, betas):
    """phi_j(x) = exp(-beta_j * ||x - c_j||^2) over the last axis of `x`.

    Args:
        x: inputs, shape `(..., d)`.
        centers: the centers c_j, shape `(units, d)`.
        betas: the widths beta_j > 0, shape `(units,)`.

    Returns:
        Activations of shape `(..., units)`, in (0, 1], equal to 1 at a center.
    """
    x = keras.ops.convert_to_tensor(x)
    # ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2: one matmul, no (batch, units, d) tensor.
    sq = (keras.ops.sum(keras.ops.square(x), axis=-1, keepdims=True)
          - 2.0 * keras.ops.matmul(x, keras.ops.transpose(centers))
          + keras.ops.sum(keras.ops.square(centers), axis=-1))
    return keras.ops.exp(-betas * keras.ops.maximum(sq, 0.0))


@register("layers", "rbf", example={"units": 5, "beta": 0.5, "seed": 1}, input_shape=(4,))
class RBF(keras.layers.Layer):
    """Gaussian radial-basis units: y_j = exp(-beta_j * ||x - c_j||^2).

    Each unit responds to the distance between the input and its center c_j;
    beta_j = 1 / (2 sigma_j^2) sets its width. Centers and widths are both
    trained by backpropagation. Widths are stored as log(beta_j), so they stay
    positive under any gradient step; `layer.betas` gives beta_j.

    Centers start from `centers_initializer`, or from data with `adapt(x)`:
    k-means (k-means++ start, then Lloyd's iterations in float64), the
    classical way to place RBF centers.

    Args:
        units: number of radial-basis units, a positive integer.
        beta: initial width beta_j of every unit, > 0. Defaults to 1.0.
        centers_initializer: initializer of the centers when `adapt` is not
            used. Defaults to `"random_normal"` (N(0, 0.05^2)).
        seed: seed of the data initialization in `adapt`. Defaults to `None`.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`).

    Example:

    >>> layer = RBF(32, beta=0.1, seed=0)
    >>> layer.adapt(x_train)            # centers by k-means on the data
    >>> model = keras.Sequential([keras.Input((d,)), layer, keras.layers.Dense(10)])

    Reference: Moody & Darken, "Fast learning in networks of locally-tuned
    processing units", Neural Computation 1989; LeCun et al. 1998 (RBF output units).
    """

    _parameter_constraints = {"units": Integer(low=1), "beta": Real(low=0, low_open=True),
                              "centers_initializer": Component("initializers"),
                              "seed": Seed(allow_none=True)}

    def __init__(self, units, beta=1.0, centers_initializer="random_normal", seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.beta = beta
        self.centers_initializer = keras.initializers.get(centers_initializer)
        self.seed = seed
        self._pending_centers = None

    def build(self, input_shape):
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(f"RBF needs a known last input dimension. Received: "
                             f"input_shape={input_shape}")
        self.centers = self.add_weight(shape=(self.units, dim), name="centers",
                                       initializer=self.centers_initializer)
        self.log_betas = self.add_weight(shape=(self.units,), name="log_betas",
                                         initializer="zeros")
        # Assigned, not `Constant(log(beta))`: Keras's `Constant` rounds its value
        # through float32 (a 5e-9 error in a float64 layer).
        self.log_betas.assign(np.full((self.units,), np.log(self.beta)))
        if self._pending_centers is not None:
            self.centers.assign(self._pending_centers)
            self._pending_centers = None

    @property
    def betas(self):
        """The widths beta_j = exp(log_betas)."""
        return keras.ops.exp(self.log_betas)

    def adapt(self, data, iterations=10):
        """Place the centers on `data` by k-means: shape `(n, d)` with n >= units.

        Args:
            data: array of shape `(n, d)`, finite.
            iterations: Lloyd's iterations after the seeded k-means++ start
                (0 keeps the `units` examples k-means++ picked). Defaults to 10.
        """
        iterations = check_number("iterations", iterations, low=0, integer=True)
        x = np.asarray(keras.ops.convert_to_numpy(data), dtype=np.float64)
        if x.ndim != 2 or len(x) < self.units or not np.isfinite(x).all():
            raise ValueError(f"`data` must be a finite array of shape (n, d) with n >= "
                             f"units={self.units}. Received: data of shape {x.shape}")
        rng = np.random.default_rng(self.seed)
        # k-means++ start: each next center drawn with probability ~ squared
        # distance to the nearest chosen one (Arthur & Vassilvitskii 2007).
        chosen = [int(rng.integers(len(x)))]
        nearest_sq = ((x - x[chosen[0]]) ** 2).sum(1)
        for _ in range(1, self.units):
            total = nearest_sq.sum()
            probs = nearest_sq / total if total > 0 else None
            nxt = int(rng.choice(len(x), p=probs))
            chosen.append(nxt)
            nearest_sq = np.minimum(nearest_sq, ((x - x[nxt]) ** 2).sum(1))
        centers = x[chosen].copy()
        for _ in range(iterations):
            d2 = (x ** 2).sum(1)[:, None] - 2 * x @ centers.T + (centers ** 2).sum(1)
            nearest = d2.argmin(1)
            for j in range(self.units):
                members = x[nearest == j]
                if len(members):
                    centers[j] = members.mean(0)
        if self.built:
            if self.centers.shape[-1] != x.shape[1]:
                raise ValueError(f"`data` must have {self.centers.shape[-1]} features, like "
                                 f"the layer's input. Received: data of shape {x.shape}")
            self.centers.assign(centers)
        else:
            self._pending_centers = centers
        return self

    def call(self, inputs):
        return rbf(inputs, self.centers, self.betas)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "beta": self.beta,
                "centers_initializer": keras.initializers.serialize(self.centers_initializer),
                "seed": self.seed}
