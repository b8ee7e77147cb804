"""PCA and ZCA whitening fitted on the training split: the `PCAWhitening` layer."""

from __future__ import annotations

import math

import keras
import numpy as np

from deeper.components.constraints import Boolean, Integer, Real
from deeper.components.data.batches import float64_batches
from deeper.components.registry import register


@register(
    "layers",
    "pca_whitening",
    example={"n_components": 3, "zca": False, "epsilon": 1e-5},
    input_shape=(6,),
)
class PCAWhitening(keras.layers.Layer):
    """Decorrelates and rescales inputs to unit covariance (PCA or ZCA whitening).

    With `mean` and `C = U diag(lambda) U^T` the mean and the (population)
    covariance of the training inputs, eigenvalues sorted in decreasing order
    and `U_k` the first `k = n_components` eigenvectors:

    * PCA: `y = (x - mean) @ U_k diag(1 / sqrt(lambda_k + epsilon))`, with
      `k` output features;
    * ZCA: `y = (x - mean) @ U_k diag(1 / sqrt(lambda_k + epsilon)) @ U_k^T`,
      the symmetric whitening matrix, reshaped back to the input shape: of all
      whitening transforms it keeps the output closest to the input
      (Kessy, Lewin & Strimmer, 2018).

    Inputs with several feature axes (images) are flattened for the
    covariance. `adapt` centers the data *before* the covariance (Keras's old
    `ImageDataGenerator(zca_whitening=True)` did not, keras-team/keras#7792):
    it accumulates the count, sum and sum of outer products of the (shifted)
    data in float64 over batches, then eigendecomposes with `numpy.linalg.eigh`.
    Each eigenvector's largest-magnitude entry is made positive, so PCA
    outputs do not flip sign between fits (scikit-learn's `svd_flip`
    convention). The fitted `mean`, `components` (`U_k`) and `eigenvalues`
    are non-trainable weights, saved with the model.

    Args:
        n_components: number `k` of principal components kept, at most the
            number of input features; `None` keeps them all.
            Defaults to `None`.
        zca: `True` for ZCA (rotate back to the input space, same output shape
            as the input), `False` for PCA (output has `k` features).
            Defaults to `False`.
        epsilon: added to each eigenvalue before the inverse square root, so
            that near-zero variance directions are not blown up.
            Defaults to `1e-5`.
        **kwargs: base `Layer` arguments (`name`, `dtype`, ...).

    Example:

    ```python
    layer = PCAWhitening(zca=True)
    layer.adapt(x_train, batch_size=512)       # statistics of the training split
    model = keras.Sequential([keras.Input(x_train.shape[1:]), layer, ...])
    ```

    Reference:
        Kessy, Lewin & Strimmer, "Optimal whitening and decorrelation",
        The American Statistician, 2018.
    """

    _parameter_constraints = {"n_components": Integer(low=1, allow_none=True), "zca": Boolean(),
                              "epsilon": Real(low=0)}

    def __init__(self, n_components=None, zca=False, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.n_components = n_components
        self.zca = zca
        self.epsilon = epsilon
        self._adapted = False

    @property
    def is_adapted(self):
        """Whether the statistics are fitted (by `adapt` or by loading a saved layer)."""
        return self._adapted

    def build(self, input_shape):
        feature_shape = tuple(input_shape[1:])
        if not feature_shape or any(d is None for d in feature_shape):
            raise ValueError(
                "PCAWhitening needs inputs with known feature dimensions. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        features = math.prod(feature_shape)
        if self.n_components is not None and self.n_components > features:
            raise ValueError(
                f"`n_components` must be in [1, {features}] (the number of input features). "
                f"Received: n_components={self.n_components}"
            )
        k = features if self.n_components is None else self.n_components
        self._feature_shape = feature_shape
        self._features = features
        self.mean = self.add_weight(
            name="mean", shape=(features,), initializer="zeros", trainable=False)
        self.components = self.add_weight(
            name="components", shape=(features, k), initializer="zeros", trainable=False)
        self.eigenvalues = self.add_weight(
            name="eigenvalues", shape=(k,), initializer="ones", trainable=False)

    def adapt(self, data, batch_size=None):
        """Fits the mean and the principal components on `data`.

        Args:
            data: the training inputs: a NumPy array or tensor, or a batched
                `tf.data.Dataset` (or iterable) of `x` or `(x, y)` batches.
            batch_size: for an array, the number of samples accumulated at a
                time. Must be `None` for a dataset. Defaults to `None` (1024).
        """
        shift = total = outer = None
        count = 0
        for batch in float64_batches(data, batch_size):
            if batch.ndim < 2:
                raise ValueError(
                    "`data` must be batched, of shape (batch, features...). "
                    f"Received: data batch of shape {batch.shape}"
                )
            if not self.built:
                self.build((None,) + batch.shape[1:])
            if batch.shape[1:] != self._feature_shape:
                raise ValueError(
                    f"`data` batches must have shape (batch,) + {self._feature_shape}. "
                    f"Received: data batch of shape {batch.shape}"
                )
            if not np.isfinite(batch).all():
                raise ValueError("`data` must be finite. Received: data with NaN or inf values")
            flat = batch.reshape(len(batch), self._features)
            if len(flat) == 0:
                continue
            if shift is None:  # shifting by a rough mean keeps the sums well conditioned
                shift = flat.mean(axis=0)
                total = np.zeros(self._features)
                outer = np.zeros((self._features, self._features))
            flat = flat - shift
            count += len(flat)
            total += flat.sum(axis=0)
            outer += flat.T @ flat
        if count < 2:
            raise ValueError(
                f"`data` must contain at least 2 samples. Received: data with {count} samples"
            )
        centered_mean = total / count
        cov = outer / count - np.outer(centered_mean, centered_mean)
        eigenvalues, eigenvectors = np.linalg.eigh((cov + cov.T) / 2)
        order = np.argsort(eigenvalues)[::-1][: self.components.shape[1]]
        eigenvalues = np.clip(eigenvalues[order], 0.0, None)
        eigenvectors = eigenvectors[:, order]
        rows = np.argmax(np.abs(eigenvectors), axis=0)
        eigenvectors = eigenvectors * np.sign(eigenvectors[rows, np.arange(len(rows))])
        if self.epsilon == 0 and eigenvalues.min() <= 0:
            raise ValueError(
                "`epsilon` must be > 0 when the training covariance is singular on the kept "
                f"components (smallest eigenvalue {eigenvalues.min():.3g}): use epsilon > 0 or "
                f"fewer components. Received: epsilon={self.epsilon}"
            )
        self.mean.assign(shift + centered_mean)
        self.components.assign(eigenvectors)
        self.eigenvalues.assign(eigenvalues)
        self._adapted = True

    def load_own_variables(self, store):
        super().load_own_variables(store)
        self._adapted = True

    def call(self, inputs):
        if not self._adapted:
            raise ValueError(
                "PCAWhitening must be adapted before it is called: call "
                "layer.adapt(x_train) on the training split."
            )
        dtype = self.compute_dtype
        x = keras.ops.reshape(keras.ops.cast(inputs, dtype), (-1, self._features))
        components = keras.ops.cast(self.components, dtype)
        scale = keras.ops.rsqrt(keras.ops.cast(self.eigenvalues, dtype) + self.epsilon)
        y = keras.ops.matmul(x - keras.ops.cast(self.mean, dtype), components) * scale
        if not self.zca:
            return y
        y = keras.ops.matmul(y, keras.ops.transpose(components))
        return keras.ops.reshape(y, (-1,) + self._feature_shape)

    def compute_output_shape(self, input_shape):
        if self.zca:
            return tuple(input_shape)
        k = self.n_components
        if k is None:
            k = math.prod(input_shape[1:]) if all(d is not None for d in input_shape[1:]) else None
        return (input_shape[0], k)

    def get_config(self):
        return {
            **super().get_config(),
            "n_components": self.n_components,
            "zca": self.zca,
            "epsilon": self.epsilon,
        }
