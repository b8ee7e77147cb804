"""A line search that satisfies the strong Wolfe conditions: `strong_wolfe`."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from deeper.components.validation import check_number


@dataclasses.dataclass
class LineSearchResult:
    """What `strong_wolfe` found.

    Attributes:
        step: the step length alpha.
        value: f(x + alpha d).
        grad: the gradient at x + alpha d.
        evaluations: function-and-gradient evaluations used.
        converged: whether both strong Wolfe conditions hold at `step`.
    """

    step: float
    value: float
    grad: np.ndarray
    evaluations: int
    converged: bool


def _cubic_min(a, fa, ga, b, fb, gb):
    """Minimizer of the cubic interpolating (a, fa, ga), (b, fb, gb); bisection if none."""
    d1 = ga + gb - 3 * (fa - fb) / (a - b)
    radicand = d1 * d1 - ga * gb
    if radicand >= 0 and math.isfinite(radicand):
        d2 = math.copysign(math.sqrt(radicand), b - a)
        denominator = gb - ga + 2 * d2
        if denominator != 0:
            t = b - (b - a) * (gb + d2 - d1) / denominator
            lo, hi = min(a, b), max(a, b)
            if math.isfinite(t) and lo + 0.1 * (hi - lo) <= t <= hi - 0.1 * (hi - lo):
                return t
    return 0.5 * (a + b)


def strong_wolfe(fun, x, f, g, d, step=1.0, c1=1e-4, c2=0.9, max_evaluations=25,
                 max_step=1e10):
    """Find alpha > 0 satisfying the strong Wolfe conditions along direction d.

    f(x + alpha d) <= f(x) + c1 alpha g.d           (sufficient decrease)
    |grad f(x + alpha d) . d| <= c2 |g.d|            (strong curvature)

    Nocedal & Wright's Algorithm 3.5 (bracketing, the trial step doubles) and
    Algorithm 3.6 (zoom, with the minimizer of the cubic interpolating the two
    bracket ends, safeguarded to the middle 80% of the bracket). A non-finite
    value at a trial step counts as "too far" and shrinks the bracket, so a
    step into overflow is never returned.

    Args:
        fun: w -> (f(w), grad f(w)), float and NumPy array.
        x: the current point. f, g: the value and gradient there.
        d: a descent direction (g.d < 0).
        step: the first trial step. Defaults to 1.0 (the quasi-Newton step).
        c1, c2: the Wolfe constants, 0 < c1 < c2 < 1. Default to 1e-4 and 0.9.
        max_evaluations: at most this many evaluations of `fun`. Defaults to 25.
        max_step: the largest step tried. Defaults to 1e10.

    Returns:
        A `LineSearchResult`. When `converged` is False the best point seen
        with sufficient decrease (or alpha = 0, no move) is returned.

    Raises:
        ValueError: if d is not a descent direction.

    Example:

    >>> fun = lambda w: (float(w @ w), 2 * w)
    >>> x = np.array([1.0, 1.0]); f, g = fun(x)
    >>> strong_wolfe(fun, x, f, g, -g).step
    0.5

    Reference: Nocedal & Wright, "Numerical Optimization", 2nd ed., Sec. 3.5 (2006).
    """
    c1 = check_number("c1", c1, low=0, high=1, low_open=True, high_open=True)
    c2 = check_number("c2", c2, low=c1, high=1, low_open=True, high_open=True)
    step = check_number("step", step, low=0, low_open=True)
    max_evaluations = check_number("max_evaluations", max_evaluations, low=1, integer=True)
    slope0 = float(np.dot(g, d))
    if not slope0 < 0:
        raise ValueError(f"`d` must be a descent direction (g.d < 0). Received: g.d={slope0}")
    evaluations = 0
    best = (0.0, f, g)

    def phi(alpha):
        nonlocal evaluations, best
        evaluations += 1
        fa, ga = fun(x + alpha * d)
        slope = float(np.dot(ga, d))
        if not (math.isfinite(fa) and math.isfinite(slope)):
            return math.inf, None, math.nan
        if fa <= f + c1 * alpha * slope0 and fa < best[1]:
            best = (alpha, fa, ga)
        return fa, ga, slope

    def done(alpha, fa, ga, ok):
        return LineSearchResult(alpha, fa, ga, evaluations, ok)

    def zoom(lo, f_lo, s_lo, hi, f_hi, s_hi):
        while evaluations < max_evaluations:
            if math.isfinite(f_hi) and math.isfinite(s_hi):
                alpha = _cubic_min(lo, f_lo, s_lo, hi, f_hi, s_hi)
            else:
                alpha = 0.5 * (lo + hi)
            fa, ga, slope = phi(alpha)
            if fa > f + c1 * alpha * slope0 or fa >= f_lo:
                hi, f_hi, s_hi = alpha, fa, slope
            else:
                if abs(slope) <= -c2 * slope0:
                    return done(alpha, fa, ga, True)
                if slope * (hi - lo) >= 0:
                    hi, f_hi, s_hi = lo, f_lo, s_lo
                lo, f_lo, s_lo = alpha, fa, slope
            if abs(hi - lo) < 1e-14 * max(1.0, abs(hi)):
                break
        return done(*best, False)

    prev, f_prev, s_prev = 0.0, f, slope0
    alpha = min(step, max_step)
    while evaluations < max_evaluations:
        fa, ga, slope = phi(alpha)
        if fa > f + c1 * alpha * slope0 or (evaluations > 1 and fa >= f_prev):
            return zoom(prev, f_prev, s_prev, alpha, fa, slope)
        if abs(slope) <= -c2 * slope0:
            return done(alpha, fa, ga, True)
        if slope >= 0:
            return zoom(alpha, fa, slope, prev, f_prev, s_prev)
        if alpha >= max_step:
            break
        prev, f_prev, s_prev = alpha, fa, slope
        alpha = min(2.0 * alpha, max_step)
    return done(*best, False)
