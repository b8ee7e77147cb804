"""Damped exact Newton (Levenberg-Marquardt) for small models: `Newton`."""

from __future__ import annotations

import keras
import numpy as np

from deeper.components.constraints import Integer
from deeper.components.optimizers.damped_step import DampedStep
from deeper.components.registry import add


@keras.saving.register_keras_serializable(package="deeper")
class Newton(DampedStep):
    """Damped Newton: p = -(H + lambda I)^-1 g with the exact Hessian, lambda adapted.

    Each step forms the n x n Hessian H of the objective (reverse-over-reverse
    autodiff), solves (H + lambda I) p = -g by Cholesky (a matrix that is not
    positive definite counts as a refused step: lambda grows until it is),
    and adapts lambda as Levenberg-Marquardt does (see `DampedStep`): on an
    indefinite, non-convex loss the damping makes the step a descent step.

    Cost: O(n^2) memory and O(n^3) time per step, which is why the course
    says the Hessian is too expensive: above `max_params` weights the step
    raises a clear error (use `HessianFree` or L-BFGS).

    Design: exact Newton needs the loss as a function of the weights (a
    closure), which a Keras optimizer never sees (`update_step` receives
    gradients only). So `Newton` is a method of the full-batch trainer,
    `deeper.recipes.fit_full_batch(model, data, method="newton")`, and of
    `deeper.recipes.compare_optimizers`, not an optimizer for `model.compile`.
    It is serializable (`get_config`/`from_config`) like the Keras objects.

    Args:
        damping: the initial lambda, >= 0. Defaults to 1e-3.
        factor: lambda's adaptation factor, > 1. Defaults to 2.0.
        max_tries: solves per step before giving up, >= 1. Defaults to 30.
        max_params: the largest number of weights accepted, >= 1. Defaults to 5000.

    Example:

    >>> from deeper.components.optimizers import Objective
    >>> f = Objective(lambda w: keras.ops.sum((w - 1.0) ** 2), np.zeros(2))
    >>> value, grad = f.value_and_grad(f.w0)
    >>> Newton(damping=0.0).step(f, f.w0, value, grad).w
    array([1., 1.])

    Reference: Marquardt, "An Algorithm for Least-Squares Estimation of
    Nonlinear Parameters", SIAM J. Appl. Math. (1963); Nocedal & Wright,
    "Numerical Optimization", 2nd ed., Ch. 3.4 and 10.3 (2006).
    """

    _parameter_constraints = {**DampedStep._parameter_constraints, "max_params": Integer(low=1)}

    def __init__(self, damping=1e-3, factor=2.0, max_tries=30, max_params=5000):
        super().__init__(damping=damping, factor=factor, max_tries=max_tries)
        self.max_params = max_params

    def check_size(self, n):
        """Raise the clear error when n weights are too many for an explicit Hessian."""
        if n > self.max_params:
            raise ValueError(
                f"`max_params` must be at least the number of weights for Newton's n x n "
                f"Hessian ({n:,} weights, {8 * n * n / 2**20:,.0f} MiB in float64); use "
                f"method='hessian_free' or 'lbfgs', or raise it. Received: "
                f"max_params={self.max_params}")

    def solve(self, objective, w, g, damping):
        """p = -(H + damping I)^-1 g by Cholesky; (p, Hp, 1), or a zero step if not PD."""
        self.check_size(len(w))
        key = (id(objective), w.tobytes())
        if getattr(self, "_cached", (None,))[0] != key:  # a refused step re-solves at the same w
            self._cached = (key, objective.hessian(w))
        h = self._cached[1]
        try:
            chol = np.linalg.cholesky(h + damping * np.eye(len(w)))
        except np.linalg.LinAlgError:
            zero = np.zeros_like(w)
            return zero, zero, 1
        p = -np.linalg.solve(chol.T, np.linalg.solve(chol, g))
        return p, h @ p, 1

    def get_config(self):
        return {**super().get_config(), "max_params": self.max_params}


add("optimizers", "newton", Newton)
