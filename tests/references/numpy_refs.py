"""Plain NumPy float64 references written from the formulas (no Keras, no TensorFlow).

Load from a test with `importlib` (tests run with `--import-mode=importlib`):

```python
spec = importlib.util.spec_from_file_location(
    "numpy_refs", pathlib.Path(__file__).with_name("numpy_refs.py"))
```
"""

from __future__ import annotations

import numpy as np


def reduce_axes(ndim, axis):
    """Axes averaged over for Keras's `axis` convention (the kept axes keep their own stat)."""
    if axis is None:
        keep = ()
    elif isinstance(axis, int):
        keep = (axis % ndim,)
    else:
        keep = tuple(a % ndim for a in axis)
    return tuple(a for a in range(ndim) if a not in keep)


def centering(x_train, x, axis=-1):
    """y = x - mean(x_train), the mean taken over every axis but `axis`."""
    x_train = np.asarray(x_train, dtype=np.float64)
    mean = x_train.mean(axis=reduce_axes(x_train.ndim, axis), keepdims=True)
    return np.asarray(x, dtype=np.float64) - mean


def standardize(x_train, x, axis=-1, ddof=0):
    """y = (x - mean) / sqrt(var), population variance for ddof=0."""
    x_train = np.asarray(x_train, dtype=np.float64)
    axes = reduce_axes(x_train.ndim, axis)
    mean = x_train.mean(axis=axes, keepdims=True)
    var = x_train.var(axis=axes, keepdims=True, ddof=ddof)
    return (np.asarray(x, dtype=np.float64) - mean) / np.sqrt(var)


def pca_fit(x_train, n_components=None, center=True):
    """Mean, eigenvectors U_k (columns) and eigenvalues lambda_k of the covariance.

    Two-pass covariance `C = (x - mean)^T (x - mean) / N` (population), eigenvalues
    in decreasing order, each eigenvector's largest-magnitude entry made positive.
    `center=False` gives the wrong, uncentered second moment `x^T x / N`
    (keras-team/keras#7792), only to show that tests can tell the difference.
    """
    x_train = np.asarray(x_train, dtype=np.float64)
    flat = x_train.reshape(len(x_train), -1)
    mean = flat.mean(axis=0) if center else np.zeros(flat.shape[1])
    centered = flat - mean
    cov = centered.T @ centered / len(flat)
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    order = np.argsort(eigenvalues)[::-1][:n_components]
    eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]
    rows = np.argmax(np.abs(eigenvectors), axis=0)
    eigenvectors = eigenvectors * np.sign(eigenvectors[rows, np.arange(len(rows))])
    return mean, eigenvectors, eigenvalues


def pca_whiten(x_train, x, n_components=None, epsilon=1e-5, center=True):
    """y = (x - mean) @ U_k / sqrt(lambda_k + epsilon)."""
    mean, u, lam = pca_fit(x_train, n_components, center=center)
    flat = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    return (flat - mean) @ u / np.sqrt(lam + epsilon)


def zca_matrix(x_train, n_components=None, epsilon=1e-5):
    """W = U_k diag(1 / sqrt(lambda_k + epsilon)) U_k^T (symmetric)."""
    _, u, lam = pca_fit(x_train, n_components)
    return u @ np.diag(1.0 / np.sqrt(lam + epsilon)) @ u.T


def zca_whiten(x_train, x, n_components=None, epsilon=1e-5):
    """y = (x - mean) @ W, reshaped to the shape of `x`."""
    mean, _, _ = pca_fit(x_train, n_components)
    flat = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    return ((flat - mean) @ zca_matrix(x_train, n_components, epsilon)).reshape(np.shape(x))


def covariance(y):
    """Population covariance of the rows of `y` (flattened), float64."""
    flat = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    centered = flat - flat.mean(axis=0)
    return centered.T @ centered / len(flat)


def correlated_data(n, features, *, offset=3.0, seed=0, spread=(0.5, 3.0)):
    """Samples with a nonzero mean and a full, well-conditioned covariance.

    x = z @ diag(s) @ Q^T + offset * (1, 2, ..., d), with z standard normal,
    Q a random rotation and s spread log-uniformly over `spread` (distinct
    eigenvalues s^2, so the eigenvectors are well defined).
    """
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(features, features)))
    scales = np.geomspace(spread[1], spread[0], features)
    z = rng.normal(size=(n, features))
    return z @ np.diag(scales) @ q.T + offset * np.arange(1, features + 1)
