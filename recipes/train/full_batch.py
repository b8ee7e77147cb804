"""Full-batch second-order training of any Keras model: `fit_full_batch`."""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from deeper.components.optimizers import (
    HessianFree,
    LBFGSHistory,
    Newton,
    Objective,
    strong_wolfe,
)
from deeper.components.validation import check_choice, check_number

METHODS = ("lbfgs", "newton", "hessian_free")


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


def fit_full_batch(model, dataset, method="lbfgs", *, loss="sparse_categorical_crossentropy",
                   max_iterations=100, gradient_tolerance=1e-8, line_search="strong_wolfe",
                   learning_rate=1.0, history_size=10, dtype="float64", objective=None,
                   verbose=0, **method_kwargs):
    """Train `model` on the whole training set with a second-order method.

    The loss (mean over all samples plus the model's regularization losses)
    is a deterministic function of the flattened weights (`Objective`,
    float64 by default). Methods:

    - "lbfgs": L-BFGS (`LBFGSHistory`, two-loop recursion) with a strong-Wolfe
      line search (`strong_wolfe`, Nocedal & Wright Alg. 3.5/3.6), first trial
      step 1 (min(1, 1/|g|_1) at the first iteration). With
      `line_search=None` the step is `learning_rate` times the direction,
      untested, exactly as torch.optim.LBFGS's default `line_search_fn=None`:
      it can diverge.
    - "newton": damped exact Newton (`Newton`, Levenberg-Marquardt damping;
      above `max_params` weights it raises).
    - "hessian_free": truncated Newton with conjugate gradient (`HessianFree`).
      Both damped methods are globalized by their damping (a step is taken
      only when the loss decreases), not by a line search.

    Args:
        model: a built Keras model (its weights are overwritten with the result).
        dataset: a `deeper` dataset (uses x_train, y_train) or a tuple (x, y).
        method: one of "lbfgs", "newton", "hessian_free", or a `Newton` /
            `HessianFree` instance. Defaults to "lbfgs".
        loss: the Keras loss. Defaults to "sparse_categorical_crossentropy".
        max_iterations: the most iterations, >= 1. Defaults to 100.
        gradient_tolerance: stop when max |g_i| <= this, >= 0. Defaults to 1e-8.
        line_search: "strong_wolfe" or None (L-BFGS only). Defaults to "strong_wolfe".
        learning_rate: the fixed step when `line_search=None`, > 0. Defaults to 1.0.
        history_size: L-BFGS memory m, >= 1. Defaults to 10.
        dtype: "float64" or "float32". Defaults to "float64".
        objective: an `Objective` to minimize instead of the model's loss
            (then `model` and `dataset` may be None). Defaults to None.
        verbose: print one line per iteration when 1. Defaults to 0.
        **method_kwargs: passed to `Newton` / `HessianFree` (damping, cg_iterations, ...).

    Returns:
        A `FullBatchResult`.

    Example:

    >>> result = fit_full_batch(model, data.load("digits"), method="lbfgs", max_iterations=50)
    >>> result.history["loss"][-1] < result.history["loss"][0]
    True
    """
    if not isinstance(method, (Newton, HessianFree)):
        method = check_choice("method", method, METHODS)
    max_iterations = check_number("max_iterations", max_iterations, low=1, integer=True)
    gradient_tolerance = check_number("gradient_tolerance", gradient_tolerance, low=0)
    line_search = check_choice("line_search", line_search, ("strong_wolfe",), allow_none=True)
    learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
    history_size = check_number("history_size", history_size, low=1, integer=True)
    if objective is None:
        x, y = _data(dataset)
        objective = Objective.from_model(model, x, y, loss=loss, dtype=dtype)
    if method == "newton":
        method = Newton(**method_kwargs)
    elif method == "hessian_free":
        method = HessianFree(**method_kwargs)
    elif method_kwargs:
        raise TypeError(f"Unexpected arguments for method='lbfgs': {sorted(method_kwargs)}")
    if isinstance(method, Newton):
        method.check_size(objective.size)
    name = method if isinstance(method, str) else (
        "newton" if isinstance(method, Newton) else "hessian_free")

    start = time.perf_counter()
    w = objective.w0.astype("float64")
    f, g = objective.value_and_grad(w)
    f0 = f
    history = {"loss": [f], "grad_norm": [float(np.linalg.norm(g))], "seconds": [0.0],
               "evaluations": [1], "step": [0.0]}
    evaluations, converged, diverged = 1, False, False
    memory = LBFGSHistory(history_size) if name == "lbfgs" else None
    if memory is None:
        method.reset()
    for iteration in range(max_iterations):
        if np.max(np.abs(g)) <= gradient_tolerance:
            converged = True
            break
        if memory is not None:
            d = -memory.direction(g)
            if float(g @ d) >= 0:  # not a descent direction: restart from steepest descent
                memory.pairs.clear()
                d = -g
            first = min(1.0, 1.0 / float(np.sum(np.abs(g)))) if iteration == 0 else 1.0
            if line_search is None:
                step = learning_rate * first
                f_new, g_new = objective.value_and_grad(w + step * d)
                evaluations += 1
            else:
                found = strong_wolfe(objective.value_and_grad, w, f, g, d, step=first)
                step, f_new, g_new = found.step, found.value, found.grad
                evaluations += found.evaluations
                if step == 0.0:  # no decrease along d: stop
                    break
            w_new = w + step * d
            if np.isfinite(f_new) and np.all(np.isfinite(g_new)):
                memory.update(w_new - w, g_new - g)
            w, f, g = w_new, f_new, g_new
        else:
            result = method.step(objective, w, f, g)
            evaluations += result.evaluations
            step = result.damping
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
