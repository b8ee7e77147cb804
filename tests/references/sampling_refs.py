"""NumPy float64 references for the hard-example sampler, written from the formulas."""

import numpy as np


def quantile(values, q):
    """Linear-interpolation quantile (type 7, NumPy's default), written out."""
    s = sorted(float(v) for v in values)
    position = q * (len(s) - 1)
    lo = int(np.floor(position))
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (position - lo) * (s[hi] - s[lo])


def hard_example_probabilities(losses, mix, cap):
    """p_i = (1 - mix) * min(l_i, q) / sum_j min(l_j, q) + mix / N, q = quantile(l, cap)."""
    n = len(losses)
    q = float("inf") if cap is None else quantile(losses, cap)
    capped = [min(float(v), q) for v in losses]
    total = sum(capped)
    if total == 0:
        return np.full(n, 1.0 / n)
    return np.array([(1.0 - mix) * c / total + mix / n for c in capped])


def importance_weights(p):
    """w_i = 1 / (N p_i)."""
    return np.array([1.0 / (len(p) * pi) for pi in p])
