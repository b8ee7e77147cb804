"""The Levenberg-Marquardt damping loop shared by `Newton` and `HessianFree`: `DampedStep`."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from deeper.components.constraints import Integer, Real


@dataclasses.dataclass
class StepResult:
    """One accepted (or finally refused) damped step.

    Attributes:
        w, value, grad: the new point, f and gradient there (the old ones if refused).
        accepted: whether f decreased.
        damping: lambda after adaptation.
        ratio: actual / predicted reduction of the last try.
        evaluations: f-and-gradient evaluations used.
        products: Hessian-vector products used (Hessian-free) or Hessians formed (Newton).
        length: the step length along the direction (L-BFGS's line search), or
            `None` for the damped methods, whose step is set by `damping`.
    """

    w: np.ndarray
    value: float
    grad: np.ndarray
    accepted: bool
    damping: float
    ratio: float
    evaluations: int
    products: int
    length: float | None = None


class DampedStep:
    """Base of the damped second-order methods: solve (H + lambda I) p = -g, adapt lambda.

    The quadratic model m(p) = f + g.p + p.H.p / 2 predicts a reduction
    pred = -(g.p + p.H.p / 2); the step is taken when the actual reduction is
    positive, and lambda follows the reduction ratio rho = actual / pred
    (Levenberg 1944, Marquardt 1963; Moré 1978; Martens 2010):
    rho < 1/4 -> lambda *= factor, rho > 3/4 -> lambda /= factor; a refused
    step multiplies lambda by `factor` and solves again (at most `max_tries`).
    Large lambda gives a short gradient step, lambda = 0 the exact Newton step,
    so no line search is needed.

    Subclasses implement `solve(objective, w, g, damping) -> (p, Hp, products)`.

    Args:
        damping: the initial lambda, >= 0. Defaults to 1e-3.
        factor: the adaptation factor, > 1. Defaults to 2.0.
        max_tries: solves per step before giving up, >= 1. Defaults to 30.
    """

    _parameter_constraints = {"damping": Real(low=0), "factor": Real(low=1, low_open=True),
                              "max_tries": Integer(low=1)}

    def __init__(self, damping=1e-3, factor=2.0, max_tries=30):
        self.damping = damping
        self.factor = factor
        self.max_tries = max_tries
        self.current_damping = self.damping

    def reset(self):
        """Start again from the initial damping."""
        self.current_damping = self.damping

    def solve(self, objective, w, g, damping):  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, objective, w, f, g):
        """One damped step from w (with f(w), g(w)); returns a `StepResult`."""
        lam, evaluations, products, ratio = self.current_damping, 0, 0, math.nan
        for _ in range(self.max_tries):
            p, hp, used = self.solve(objective, w, g, lam)
            products += used
            predicted = -(float(g @ p) + 0.5 * float(p @ hp))
            if np.all(np.isfinite(p)) and predicted > 0:
                f_new, g_new = objective.value_and_grad(w + p)
                evaluations += 1
                ratio = (f - f_new) / predicted
                if math.isfinite(f_new) and f_new < f:
                    if ratio < 0.25:
                        lam = min(max(lam * self.factor, 1e-12), 1e16)
                    elif ratio > 0.75:
                        lam = lam / self.factor
                    self.current_damping = lam
                    return StepResult(w + p, f_new, g_new, True, lam, ratio, evaluations,
                                      products)
            lam = min(max(lam * self.factor, 1e-8), 1e16)
        self.current_damping = lam
        return StepResult(w, f, g, False, lam, ratio, evaluations, products)

    def get_config(self):
        return {"damping": self.damping, "factor": self.factor, "max_tries": self.max_tries}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
