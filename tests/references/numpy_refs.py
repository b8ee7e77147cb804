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


# Activations (issue 3) -------------------------------------------------------------------


def scaled_tanh(x):
    """1.7159 tanh(2x/3) and its derivative 1.7159 * 2/3 * (1 - tanh^2(2x/3))."""
    t = np.tanh(2.0 * np.asarray(x, np.float64) / 3.0)
    return 1.7159 * t, 1.7159 * (2.0 / 3.0) * (1.0 - t ** 2)


def tanh_linear(x, a):
    """tanh(x) + a x and its derivative 1 - tanh^2(x) + a."""
    t = np.tanh(np.asarray(x, np.float64))
    return t + a * x, 1.0 - t ** 2 + a


def leaky_relu(x, slope):
    x = np.asarray(x, np.float64)
    return np.where(x > 0, x, slope * x)


def softplus(x):
    return np.log1p(np.exp(np.asarray(x, np.float64)))


def rbf(x, centers, betas):
    """exp(-beta_j ||x - c_j||^2), the distance by explicit differences."""
    diff = np.asarray(x, np.float64)[:, None, :] - np.asarray(centers, np.float64)[None]
    return np.exp(-np.asarray(betas, np.float64) * (diff ** 2).sum(-1))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


def softmax(z, mask=None):
    z = np.asarray(z, np.float64)
    if mask is not None:
        z = np.where(mask, z, -np.inf)
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def hierarchical_softmax(h, cluster_kernel, cluster_bias, class_kernel, class_bias,
                         num_classes, n_clusters):
    """Enumerate the two-level tree: p(c) = p(k(c)) * p(c | k(c)), clusters of balanced
    sizes in class order (sizes C // K, +1 for the first C % K clusters)."""
    h = np.asarray(h, np.float64)
    sizes = [num_classes // n_clusters + (k < num_classes % n_clusters)
             for k in range(n_clusters)]
    p_cluster = softmax(h @ cluster_kernel + cluster_bias)
    columns = []
    for k, size in enumerate(sizes):
        logits = h @ class_kernel[k][:, :size] + class_bias[k][:size]
        columns.append(p_cluster[:, k:k + 1] * softmax(logits))
    return np.concatenate(columns, axis=1)


# Regularizers -----------------------------------------------------------------------------


def decov(h, strength):
    """strength * 1/2 (||C||_F^2 - ||diag C||^2), C the batch covariance (divided by N)."""
    h = np.asarray(h, np.float64).reshape(len(h), -1)
    c = np.cov(h, rowvar=False, bias=True)
    return strength * 0.5 * ((c ** 2).sum() - (np.diag(c) ** 2).sum())


# Losses (per example, then batch mean) ---------------------------------------------------


def multiclass_hinge(scores, labels, margin=1.0, squared=False):
    """mean_n sum_{j != y_n} max(0, s_j - s_y + margin) (^2), by explicit loops."""
    scores = np.asarray(scores, np.float64)
    total = []
    for s, y in zip(scores, labels):
        terms = [max(0.0, s[j] - s[y] + margin) for j in range(len(s)) if j != y]
        total.append(sum(t ** 2 if squared else t for t in terms))
    return float(np.mean(total))


def crammer_singer_hinge(scores, labels, margin=1.0):
    """Crammer & Singer: mean_n max(0, margin + max_{j != y} s_j - s_y)."""
    scores = np.asarray(scores, np.float64)
    out = [max(0.0, margin + max(s[j] for j in range(len(s)) if j != y) - s[y])
           for s, y in zip(scores, labels)]
    return float(np.mean(out))


def keras_categorical_hinge(scores, labels):
    """What Keras's CategoricalHinge computes: max(0, 1 + max(0, max_{j != y} s_j) - s_y)."""
    scores = np.asarray(scores, np.float64)
    out = [max(0.0, 1.0 + max(0.0, max(s[j] for j in range(len(s)) if j != y)) - s[y])
           for s, y in zip(scores, labels)]
    return float(np.mean(out))


def multilabel_hinge(scores, targets, margin=1.0):
    t = 2.0 * np.asarray(targets, np.float64) - 1.0
    return float(np.mean(np.maximum(0.0, margin - t * scores).sum(-1)))


def euclidean(y, h):
    return float(np.mean(0.5 * ((np.asarray(y, np.float64) - h) ** 2).sum(-1)))


def rbf_euclidean(y, h, scale):
    r2 = (np.asarray(y, np.float64) - h) ** 2
    return float(np.mean((scale ** 2 * (1.0 - np.exp(-r2 / (2 * scale ** 2)))).sum(-1)))


def l1_loss_sum(y, h):
    """The course's L1 loss, ||y - h||_1 per example, batch mean."""
    return float(np.mean(np.abs(np.asarray(y, np.float64) - h).sum(-1)))


def binary_crossentropy_sum(y, p):
    """The course's multi-label cross-entropy, summed over labels, batch mean."""
    y = np.asarray(y, np.float64)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(-1)))
