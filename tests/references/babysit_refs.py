"""Plain NumPy float64 references for the babysitting checks (no Keras, no TensorFlow).

Load from a test with `importlib` (tests run with `--import-mode=importlib`):

```python
spec = importlib.util.spec_from_file_location(
    "babysit_refs", pathlib.Path(__file__).parents[1] / "references" / "babysit_refs.py")
```
"""

from __future__ import annotations

import numpy as np


def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(p, y):
    """Mean over examples of -log p[i, y_i]."""
    return float(-np.mean(np.log(p[np.arange(len(y)), y])))


def two_layer_forward(x, w1, w2, b2):
    """h = x W1 (linear), p = softmax(h W2 + b2); returns (h, p)."""
    h = np.asarray(x, dtype=np.float64) @ w1
    return h, softmax(h @ w2 + b2)


def two_layer_gradients(x, y, w1, w2, b2):
    """Gradients of the mean cross-entropy: dL/dW1, dL/dW2, dL/db2.

    With delta = (p - onehot(y)) / N: dW2 = h^T delta, db2 = sum delta,
    dW1 = x^T (delta W2^T).
    """
    x = np.asarray(x, dtype=np.float64)
    h, p = two_layer_forward(x, w1, w2, b2)
    delta = (p - np.eye(p.shape[1])[y]) / len(x)
    return x.T @ (delta @ w2.T), h.T @ delta, delta.sum(axis=0)


def central_difference(f, w, index, eps):
    """(f(w + eps e_i) - f(w - eps e_i)) / (2 eps) for one entry of the array `w`."""
    plus, minus = w.copy(), w.copy()
    plus[index] += eps
    minus[index] -= eps
    return (f(plus) - f(minus)) / (2 * eps)


def two_layer_signal(x, y, w1, w2, b2):
    """Activation variance and per-example gradient size at the input of each layer.

    Layer 1 reads x, layer 2 reads h = x W1. Per-example loss gradients:
    g2 = (p - onehot) W2^T at h, g1 = g2 W1^T at x. Returns
    ([Var(x) averaged over units, Var(h) ...], [mean ||g1||^2, mean ||g2||^2]).
    """
    x = np.asarray(x, dtype=np.float64)
    h, p = two_layer_forward(x, w1, w2, b2)
    g2 = (p - np.eye(p.shape[1])[y]) @ w2.T
    g1 = g2 @ w1.T
    variances = [float(x.var(axis=0).mean()), float(h.var(axis=0).mean())]
    norms = [float(np.mean(np.sum(g1 ** 2, axis=1))), float(np.mean(np.sum(g2 ** 2, axis=1)))]
    return variances, norms
