"""Truncated Newton with Hessian-vector products and conjugate gradient: `HessianFree`."""

from __future__ import annotations

import keras
import numpy as np

from deeper.components.constraints import Integer, Real
from deeper.components.optimizers.damped_step import DampedStep
from deeper.components.registry import add


@keras.saving.register_keras_serializable(package="deeper")
class HessianFree(DampedStep):
    """Hessian-free (truncated) Newton: CG on (H + lambda I) p = -g using only H v products.

    H v costs about one gradient (forward-over-reverse autodiff, see
    `Objective.hvp`); H is never formed, so memory stays O(n). Conjugate
    gradient starts from p = 0 and stops after `cg_iterations` products, when
    |r| <= cg_tolerance * |g|, or at a direction of non-positive curvature
    v.(H + lambda I).v <= 0 (then the last iterate, or -g at the first
    iteration, -g / max(1, lambda), is used: Steihaug's rule, so p is always a descent direction).
    lambda is adapted as Levenberg-Marquardt does (see `DampedStep`).

    Design: like `Newton`, it needs the loss as a function of the weights,
    so it is a method of `deeper.recipes.fit_full_batch(..., method="hessian_free")`
    and `compare_optimizers`, not an optimizer for `model.compile`.

    Args:
        damping: the initial lambda, >= 0. Defaults to 1e-3.
        factor: lambda's adaptation factor, > 1. Defaults to 2.0.
        max_tries: solves per step before giving up, >= 1. Defaults to 30.
        cg_iterations: the most Hessian-vector products per solve, >= 1. Defaults to 50.
        cg_tolerance: relative residual that stops CG, > 0. Defaults to 1e-6.

    Example:

    >>> hf = HessianFree(cg_iterations=20)
    >>> step = hf.step(objective, w, value, grad)     # an `Objective`, see Newton

    Reference: Martens, "Deep learning via Hessian-free optimization", ICML
    (2010); Nocedal & Wright, "Numerical Optimization", 2nd ed., Alg. 7.1-7.2
    (2006); Steihaug, SIAM J. Numer. Anal. (1983).
    """

    _parameter_constraints = {**DampedStep._parameter_constraints,
                              "cg_iterations": Integer(low=1),
                              "cg_tolerance": Real(low=0, low_open=True)}

    def __init__(self, damping=1e-3, factor=2.0, max_tries=30, cg_iterations=50,
                 cg_tolerance=1e-6):
        super().__init__(damping=damping, factor=factor, max_tries=max_tries)
        self.cg_iterations = cg_iterations
        self.cg_tolerance = cg_tolerance

    def solve(self, objective, w, g, damping):
        """Truncated CG; returns (p, H p, number of Hessian-vector products)."""
        p, hp = np.zeros_like(g), np.zeros_like(g)
        r = -g.copy()  # residual of (H + damping I) p = -g at p = 0
        v = r.copy()
        rr = float(r @ r)
        stop = self.cg_tolerance ** 2 * float(g @ g)
        products = 0
        for i in range(self.cg_iterations):
            hv = objective.hvp(w, v)
            products += 1
            curvature = float(v @ hv) + damping * float(v @ v)
            if not np.isfinite(curvature) or curvature <= 0:
                if i == 0:  # no usable curvature: a gradient step, shortened as lambda grows
                    p = -g / max(1.0, damping)
                    return p, objective.hvp(w, p), products + 1
                break
            alpha = rr / curvature
            p += alpha * v
            hp += alpha * hv
            r -= alpha * (hv + damping * v)
            rr_new = float(r @ r)
            if rr_new <= stop:
                break
            v = r + (rr_new / rr) * v
            rr = rr_new
        return p, hp, products

    def get_config(self):
        return {**super().get_config(), "cg_iterations": self.cg_iterations,
                "cg_tolerance": self.cg_tolerance}


add("optimizers", "hessian_free", HessianFree)
