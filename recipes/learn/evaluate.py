"""Run any Keras optimizer (the learned one included) on sampled problems; tune baselines' rates.

`run_optimizer(optimizer, problem, steps)` is the loop an expert writes: the
problem's parameters as `keras.Variable`s, one compiled step (loss, gradient,
`optimizer.apply_gradients`) per optimizee step. Problems solved side by side
(a leading axis of k problems) give k independent runs for element-wise
optimizers (SGD, momentum, RMSprop, Adam, the learned LSTM): each coordinate sees
only its own gradient.
"""

from __future__ import annotations

import keras
import numpy as np

from deeper.components import optimizers as optimizer_registry
from deeper.recipes.learn.unroll import compile_fn, value_and_grad

BASELINES = ("sgd", "nesterov", "rmsprop", "adam")


def run_optimizer(optimizer, problem, steps):
    """Per-step losses f(theta_0), ..., f(theta_steps), shape (steps + 1, problems side by side).

    The loss of step t is that of the step's mini-batch (`step=t`), the same
    convention as `meta_train`'s unrolls.
    """
    variables = [keras.Variable(np.asarray(x)) for x in problem.params]
    data = {k: keras.ops.convert_to_tensor(v) for k, v in problem.data.items()}

    def losses_of(values, t):
        losses = keras.ops.reshape(problem.loss(values, data, t), (-1,))
        return keras.ops.sum(losses), losses

    loss_and_grad = value_and_grad(losses_of)

    def step(t):
        (_, losses), grads = loss_and_grad([v.value for v in variables], t)
        optimizer.apply_gradients(zip(grads, variables))
        return losses

    if keras.backend.backend() == "tensorflow":
        step = compile_fn(step)
    out = []
    for t in range(steps):
        out.append(keras.ops.convert_to_numpy(step(keras.ops.convert_to_tensor(t, "int32"))))
    final = losses_of([v.value for v in variables], keras.ops.convert_to_tensor(steps, "int32"))
    out.append(keras.ops.convert_to_numpy(final[1]))
    return np.stack(out)


def run_on(make_optimizer, problems, steps):
    """`run_optimizer` with a fresh optimizer on each problem; (steps + 1, all problems)."""
    return np.concatenate([run_optimizer(make_optimizer(), p, steps) for p in problems], axis=1)


def scores(losses):
    """Per-problem final loss f(theta_T) and sum_t f(theta_t), t = 1..T, from `run_on`."""
    return {"final": losses[-1], "sum": losses[1:].sum(axis=0)}


def tune_learning_rate(name, problems, steps, grid):
    """The best learning rate of `grid` for baseline `name` on `problems`, by metric.

    Returns:
        dict: metric (`"final"`, `"sum"`) -> (best rate, its mean), and `"table"`:
        rate -> means of both metrics (a diverged run counts as inf).
    """
    table = {}
    for rate in grid:
        losses = run_on(lambda r=rate: optimizer_registry.get(name, learning_rate=r), problems,
                        steps)
        table[rate] = {k: _mean(v) for k, v in scores(losses).items()}
    best = {m: min(((r, row[m]) for r, row in table.items()), key=lambda x: x[1])
            for m in ("final", "sum")}
    return {**best, "table": table}


def _mean(values):
    values = np.asarray(values, dtype="float64")
    return float(values.mean()) if np.isfinite(values).all() else float("inf")
