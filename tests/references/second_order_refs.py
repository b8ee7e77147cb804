"""NumPy float64 references for the quasi-Newton and Newton rules (no Keras, no TensorFlow).

Written from the formulas of Nocedal & Wright, "Numerical Optimization" (2006),
independently of `deeper.components.optimizers`.
"""

from __future__ import annotations

import numpy as np


def bfgs_inverse(pairs, gamma):
    """Dense L-BFGS matrix: H0 = gamma I, then H <- (I - rho s y') H (I - rho y s') + rho s s'."""
    n = len(pairs[0][0])
    h = gamma * np.eye(n)
    for s, y in pairs:
        rho = 1.0 / (s @ y)
        left = np.eye(n) - rho * np.outer(s, y)
        h = left @ h @ left.T + rho * np.outer(s, s)
    return h


def stochastic_lbfgs(grad, w0, steps, learning_rate, history_size, damping, curvature_eps,
                     max_step):
    """The `LBFGS` Keras optimizer's rule on a flat vector, with dense matrices.

    grad(k, w) is the mini-batch gradient at step k. Returns the final w and
    counts of (stored pairs, skipped pairs, damped pairs, clipped steps).
    """
    w = np.array(w0, dtype=np.float64)
    pairs, gamma = [], 1.0
    prev_w = prev_g = None
    counts = {"stored": 0, "skipped": 0, "damped": 0, "clipped": 0}
    for k in range(steps):
        g = grad(k, w)
        if prev_w is not None:
            s, y = w - prev_w, g - prev_g
            sbs = (s @ s) / gamma
            if damping > 0 and s @ y < damping * sbs:
                theta = (1 - damping) * sbs / (sbs - s @ y)
                y = theta * y + (1 - theta) * s / gamma
                counts["damped"] += 1
            if s @ y > curvature_eps * (y @ y) and y @ y > 0:
                pairs = (pairs + [(s, y)])[-history_size:]
                gamma = (s @ y) / (y @ y)
                counts["stored"] += 1
            else:
                counts["skipped"] += 1
        d = bfgs_inverse(pairs, gamma) @ g if pairs else gamma * g
        norm = learning_rate * np.linalg.norm(d)
        if norm > max_step:
            d = d * max_step / norm
            counts["clipped"] += 1
        prev_w, prev_g = w.copy(), g.copy()
        w = w - learning_rate * d
    return w, counts


def softmax_regression(x, y, w, num_classes, l2):
    """Mean cross-entropy of softmax(x W + b) plus l2 * |W|^2: value, gradient, Hessian."""
    d = x.shape[1]
    kernel = w[: d * num_classes].reshape(d, num_classes)
    bias = w[d * num_classes:]
    z = x @ kernel + bias
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    n = len(x)
    onehot = np.eye(num_classes)[y]
    value = -np.log(p[np.arange(n), y]).mean() + l2 * np.sum(kernel ** 2)
    xa = np.hstack([x, np.ones((n, 1))])  # the bias as a last input of 1
    r = (p - onehot) / n
    grad_full = xa.T @ r  # (d + 1, C)
    grad = np.concatenate([grad_full[:d].ravel() + 2 * l2 * kernel.ravel(), grad_full[d]])
    # Hessian in the order (W row-major, then b): sum_i (diag p_i - p_i p_i') kron x_i x_i'.
    size = (d + 1) * num_classes
    hess = np.zeros((size, size))
    for i in range(n):
        a = np.diag(p[i]) - np.outer(p[i], p[i])
        hess += np.kron(np.outer(xa[i], xa[i]), a) / n
    hess[: d * num_classes, : d * num_classes] += 2 * l2 * np.eye(d * num_classes)
    return value, grad, hess
