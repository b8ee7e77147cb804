"""The L-BFGS memory of a deterministic (full-batch) run: `LBFGSHistory`."""

from __future__ import annotations

import collections

import numpy as np

from deeper.components.validation import check_number


class LBFGSHistory:
    """The last m pairs (s, y) and the two-loop recursion d = H g (float64 NumPy).

    H is the L-BFGS inverse-Hessian approximation built from H0 = gamma I,
    gamma = s.y / y.y of the newest pair, by m BFGS updates (Nocedal &
    Wright, Alg. 7.4). A pair with s.y <= curvature_eps * y.y is skipped:
    a strong-Wolfe line search guarantees s.y > 0 (N&W, Sec. 6.1), so in the
    full-batch trainer this only guards against round-off.

    This is the deterministic counterpart of the `LBFGS` Keras optimizer (which
    keeps the same memory in optimizer variables, with stochastic safeguards).

    Args:
        history_size: m, >= 1. Defaults to 10.
        curvature_eps: the skip threshold, >= 0. Defaults to 1e-10 (torch.optim.LBFGS's).

    Example:

    >>> memory = LBFGSHistory(history_size=5)
    >>> memory.update(np.array([1.0, 0.0]), np.array([2.0, 0.0]))
    True
    >>> memory.direction(np.array([2.0, 0.0]))
    array([1., 0.])
    """

    def __init__(self, history_size=10, curvature_eps=1e-10):
        self.history_size = check_number("history_size", history_size, low=1, integer=True)
        self.curvature_eps = check_number("curvature_eps", curvature_eps, low=0)
        self.pairs = collections.deque(maxlen=self.history_size)
        self.gamma = 1.0

    def update(self, s, y):
        """Store the pair unless its curvature s.y is too small; returns whether stored."""
        sy, yy = float(s @ y), float(y @ y)
        if not (np.isfinite(sy) and np.isfinite(yy)) or yy <= 0 or sy <= self.curvature_eps * yy:
            return False
        self.pairs.append((np.array(s, "float64"), np.array(y, "float64"), 1.0 / sy))
        self.gamma = sy / yy
        return True

    def direction(self, g):
        """H g by the two-loop recursion (the step is -H g)."""
        q = np.array(g, "float64")
        alphas = []
        for s, y, rho in reversed(self.pairs):
            alpha = rho * float(s @ q)
            q -= alpha * y
            alphas.append(alpha)
        r = self.gamma * q
        for (s, y, rho), alpha in zip(self.pairs, reversed(alphas)):
            r += s * (alpha - rho * float(y @ r))
        return r
