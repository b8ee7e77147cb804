"""Full-batch L-BFGS with a strong-Wolfe line search, one step at a time: `FullBatchLBFGS`."""

from __future__ import annotations

import math

import keras
import numpy as np

from deeper.components.constraints import Integer, Options, Real
from deeper.components.optimizers.damped_step import StepResult
from deeper.components.optimizers.lbfgs_history import LBFGSHistory
from deeper.components.optimizers.line_search import strong_wolfe
from deeper.components.registry import add


@keras.saving.register_keras_serializable(package="deeper")
class FullBatchLBFGS:
    """L-BFGS on a deterministic objective: d = -H g, then a strong-Wolfe line search.

    Each `step(objective, w, f, g)`:

    1. d = -H g by the two-loop recursion over the last `history_size` pairs
       (`LBFGSHistory`, H0 = gamma I with gamma = s.y / y.y);
    2. if d is not a descent direction (g.d >= 0), the memory is cleared and
       d = -g (a restart);
    3. the first trial step is 1 (the quasi-Newton step), min(1, 1 / |g|_1) at
       the first step after `reset()`, when H is still the identity;
    4. the step length alpha comes from `strong_wolfe` (Nocedal & Wright,
       Alg. 3.5/3.6), which guarantees s.y > 0; with `line_search=None` it is
       `learning_rate` times the first trial step, untested (as
       torch.optim.LBFGS's default `line_search_fn=None`: it can diverge);
    5. the pair s = alpha d, y = g_new - g is stored (when finite).

    It has the interface of `Newton` and `HessianFree` (`reset`, `step`
    returning a `StepResult`), so `deeper.recipes.fit_full_batch` runs all
    three in one loop. For mini-batches use the `LBFGS` Keras optimizer.

    Args:
        history_size: m, the number of pairs kept, >= 1. Defaults to 10.
        curvature_eps: a pair with s.y <= curvature_eps * y.y is skipped, >= 0.
            Defaults to 1e-10.
        line_search: "strong_wolfe" or `None`. Defaults to "strong_wolfe".
        learning_rate: the fixed step with `line_search=None`, > 0. Defaults to 1.0.

    Example:

    >>> f = Objective(lambda w: keras.ops.sum((w - 1.0) ** 2), np.zeros(2))
    >>> value, grad = f.value_and_grad(f.w0)
    >>> FullBatchLBFGS().step(f, f.w0, value, grad).w
    array([1., 1.])

    Reference: Nocedal & Wright, "Numerical Optimization", 2nd ed., Alg. 7.4-7.5
    and Sec. 3.5 (2006); Liu & Nocedal, Math. Programming (1989).
    """

    _parameter_constraints = {
        "history_size": Integer(low=1), "curvature_eps": Real(low=0),
        "line_search": Options("strong_wolfe", allow_none=True),
        "learning_rate": Real(low=0, low_open=True)}

    def __init__(self, history_size=10, curvature_eps=1e-10, line_search="strong_wolfe",
                 learning_rate=1.0):
        # The arguments are checked by `_parameter_constraints` (the registry enforces them).
        self.history_size = history_size
        self.curvature_eps = curvature_eps
        self.line_search = line_search
        self.learning_rate = learning_rate
        self.reset()

    def reset(self):
        """Forget the pairs: the next step is the first."""
        self.memory = LBFGSHistory(self.history_size, self.curvature_eps)
        self.steps = 0

    def step(self, objective, w, f, g):
        """One L-BFGS step from w (with f(w), g(w)); returns a `StepResult`."""
        d = -self.memory.direction(g)
        if float(g @ d) >= 0:  # not a descent direction: restart from steepest descent
            self.memory.pairs.clear()
            d = -g
        first = min(1.0, 1.0 / float(np.sum(np.abs(g)))) if self.steps == 0 else 1.0
        self.steps += 1
        if self.line_search is None:
            length = self.learning_rate * first
            f_new, g_new = objective.value_and_grad(w + length * d)
            evaluations = 1
        else:
            found = strong_wolfe(objective.value_and_grad, w, f, g, d, step=first)
            length, f_new, g_new, evaluations = (found.step, found.value, found.grad,
                                                 found.evaluations)
            if length == 0.0:  # no decrease along d
                return StepResult(w, f, g, False, math.nan, math.nan, evaluations, 0, 0.0)
        w_new = w + length * d
        if np.isfinite(f_new) and np.all(np.isfinite(g_new)):
            self.memory.update(w_new - w, g_new - g)
        return StepResult(w_new, f_new, g_new, True, math.nan, math.nan, evaluations, 0,
                          float(length))

    def get_config(self):
        return {"history_size": self.history_size, "curvature_eps": self.curvature_eps,
                "line_search": self.line_search, "learning_rate": self.learning_rate}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


add("optimizers", "full_batch_lbfgs", FullBatchLBFGS)
