"""Full-batch second-order training of any Keras model: `fit_full_batch`."""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from deeper.components.optimizers import FullBatchLBFGS, HessianFree, Newton, Objective
from deeper.components.validation import check_choice, check_number

METHODS = {"lbfgs": FullBatchLBFGS, "newton": Newton, "hessian_free": HessianFree}


@dataclasses.dataclass
class FullBatchResult:
    """What `fit_full_batch` returns.

    Attributes:
        model: the trained model (its weights hold the final point).
        history: dict of lists, one entry per iteration (iteration 0 = start):
            "loss", "grad_norm", "seconds", "evaluations" (cumulative f-and-g
            evaluations), "step" (step length, or lambda for the damped methods).
        method: the method's name.
        converged: whether the gradient tolerance was reached.
        diverged: whether the loss became non-finite or grew above 1e6 times the start.
        weights: the final flat weight vector (float64).
    """

    model: object
    history: dict
    method: str
    converged: bool
    diverged: bool
    weights: np.ndarray

    @property
    def final_loss(self):
        return self.history["loss"][-1]

    def summary(self):
        h = self.history
        state = "diverged" if self.diverged else (
            "converged" if self.converged else "stopped")
        return (f"{self.method}: loss {h['loss'][0]:.6g} -> {h['loss'][-1]:.6g} in "
                f"{len(h['loss']) - 1} iterations, {h['evaluations'][-1]} evaluations, "
                f"{h['seconds'][-1]:.2f} s ({state})")


def _data(dataset):
    if isinstance(dataset, (tuple, list)) and len(dataset) == 2:
        return dataset
    if hasattr(dataset, "x_train") and hasattr(dataset, "y_train"):
        return dataset.x_train, dataset.y_train
    raise TypeError("`dataset` must be a deeper dataset (with x_train, y_train) or a tuple "
                    f"(x, y). Received: dataset={type(dataset).__name__}")


def _method(method, line_search, learning_rate, history_size, method_kwargs):
    """The method instance and its name."""
    names = {cls: name for name, cls in METHODS.items()}
    if isinstance(method, tuple(names)):
        if method_kwargs:
            raise TypeError(f"Unexpected arguments with a method instance: "
                            f"{sorted(method_kwargs)}")
        return method, names[type(method)]
    name = check_choice("method", method, tuple(METHODS))
    if name == "lbfgs":
        return FullBatchLBFGS(history_size=history_size, line_search=line_search,
                              learning_rate=learning_rate, **method_kwargs), name
    return METHODS[name](**method_kwargs), name


def fit_full_batch(model, dataset, method="lbfgs", *, loss=None, max_iterations=100,
                   gradient_tolerance=1e-8, line_search="strong_wolfe", learning_rate=1.0,
                   history_size=10, dtype="float64", objective=None, verbose=0,
                   **method_kwargs):
    """Train `model` on the whole training set with a second-order method.

    The loss (mean over all samples plus the model's regularization losses)
    is a deterministic function of the flattened weights (`Objective`,
    float64 by default), on any Keras backend with automatic differentiation.
    One loop runs every method through its `step(objective, w, f, g)`:

    - "lbfgs": `FullBatchLBFGS` (two-loop recursion, restart on a
      non-descent direction, first trial step min(1, 1/|g|_1), strong-Wolfe
      line search). With `line_search=None` the step is `learning_rate`
      times the direction, untested, exactly as torch.optim.LBFGS's default
      `line_search_fn=None`: it can diverge.
    - "newton": damped exact Newton (`Newton`, Levenberg-Marquardt damping;
      above `max_params` weights it raises).
    - "hessian_free": truncated Newton with conjugate gradient (`HessianFree`).
      Both damped methods are globalized by their damping (a step is taken
      only when the loss decreases), not by a line search.

    Args:
        model: a built Keras model (its weights are overwritten with the result).
        dataset: a `deeper` dataset (uses x_train, y_train) or a tuple (x, y).
        method: one of "lbfgs", "newton", "hessian_free", or a `FullBatchLBFGS` /
            `Newton` / `HessianFree` instance. Defaults to "lbfgs".
        loss: the Keras loss (an object or a name). Defaults to `None`: the
            model's compiled loss (a 1-unit sigmoid output with
            "binary_crossentropy", multi-label outputs...), else
            "sparse_categorical_crossentropy".
        max_iterations: the most iterations, >= 1. Defaults to 100.
        gradient_tolerance: stop when max |g_i| <= this, >= 0. Defaults to 1e-8.
        line_search: "strong_wolfe" or None (L-BFGS only). Defaults to "strong_wolfe".
        learning_rate: the fixed step when `line_search=None`, > 0. Defaults to 1.0.
        history_size: L-BFGS memory m, >= 1. Defaults to 10.
        dtype: "float64" or "float32". Defaults to "float64".
        objective: an `Objective` to minimize instead of the model's loss
            (then `model` and `dataset` may be None). Defaults to None.
        verbose: print one line per iteration when 1. Defaults to 0.
        **method_kwargs: passed to the method (damping, cg_iterations, curvature_eps, ...).

    Returns:
        A `FullBatchResult`.

    Example:

    >>> result = fit_full_batch(model, data.load("digits"), method="lbfgs", max_iterations=50)
    >>> result.history["loss"][-1] < result.history["loss"][0]
    True
    """
    if not isinstance(method, tuple(METHODS.values())):
        check_choice("method", method, tuple(METHODS))
    max_iterations = check_number("max_iterations", max_iterations, low=1, integer=True)
    gradient_tolerance = check_number("gradient_tolerance", gradient_tolerance, low=0)
    line_search = check_choice("line_search", line_search, ("strong_wolfe",), allow_none=True)
    learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
    history_size = check_number("history_size", history_size, low=1, integer=True)
    if objective is None:
        x, y = _data(dataset)
        objective = Objective.from_model(model, x, y, loss=loss, dtype=dtype)
    method, name = _method(method, line_search, learning_rate, history_size, method_kwargs)
    if isinstance(method, Newton):
        method.check_size(objective.size)

    start = time.perf_counter()
    w = objective.w0.astype("float64")
    f, g = objective.value_and_grad(w)
    f0 = f
    history = {"loss": [f], "grad_norm": [float(np.linalg.norm(g))], "seconds": [0.0],
               "evaluations": [1], "step": [0.0]}
    evaluations, converged, diverged = 1, False, False
    method.reset()
    for iteration in range(max_iterations):
        if np.max(np.abs(g)) <= gradient_tolerance:
            converged = True
            break
        result = method.step(objective, w, f, g)
        evaluations += result.evaluations
        step = result.damping if result.length is None else result.length
        if not result.accepted:
            break
        w, f, g = result.w, result.value, result.grad
        history["loss"].append(float(f))
        history["grad_norm"].append(float(np.linalg.norm(g)))
        history["seconds"].append(time.perf_counter() - start)
        history["evaluations"].append(evaluations)
        history["step"].append(float(step))
        if verbose:
            print(f"{name} iteration {iteration + 1}: loss {f:.6g}, |g| "
                  f"{history['grad_norm'][-1]:.3g}, step {step:.3g}")
        if not math.isfinite(f) or not np.all(np.isfinite(g)) or f > 1e6 * max(abs(f0), 1.0):
            diverged = True
            break
    else:
        converged = bool(np.max(np.abs(g)) <= gradient_tolerance)
    if objective.model is not None and np.all(np.isfinite(w)):
        objective.assign(w)
    return FullBatchResult(model=objective.model if model is None else model, history=history,
                           method=name, converged=converged, diverged=diverged, weights=w)
