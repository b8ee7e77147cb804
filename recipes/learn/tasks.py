"""Tasks for `meta_train`: functions that sample an optimization problem from a seed.

A **task** is any callable `task(seed) -> Problem`. A `Problem` holds

* `params`: the initial parameters theta_0, a list of NumPy arrays;
* `data`: the problem's own arrays (a dict of NumPy arrays, possibly empty), passed
  to `loss` as tensors so that a compiled unroll serves every problem of the task;
* `loss(params, data, step)`: f(theta) in `keras.ops`, a scalar, or a vector of the
  losses of independent problems solved side by side (they are summed). `step` is the
  optimizee step (an integer tensor: pick the mini-batch of that step with it).

Every problem of one task must have the same shapes (params and data) and the same
`loss` function. Solving k independent problems side by side (a leading axis of
size k, loss = their sum) is exactly k separate runs for a coordinatewise
optimizer: each coordinate only sees its own gradient.

```python
import numpy as np
from keras import ops
from deeper.recipes.learn import Problem

def rosenbrock(seed):
    start = np.random.default_rng(seed).normal(size=(2,)).astype("float32")
    return Problem([start], {}, lambda p, d, t: (1 - p[0][0]) ** 2
                   + 100 * (p[0][1] - p[0][0] ** 2) ** 2)
```
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from keras import ops

from deeper.components.validation import check_choice, check_number


@dataclasses.dataclass
class Problem:
    """One sampled problem: initial `params` (list of arrays), its `data` (dict of
    arrays) and `loss(params, data, step)` (see the module docstring)."""

    params: list
    data: dict
    loss: Callable


def quadratic(dim=10, problems=1):
    """Quadratics f(theta) = ||W theta - y||^2, W and y with N(0, 1) entries, theta_0 = 0.

    Args:
        dim: the dimension of theta (W is dim x dim). Defaults to 10.
        problems: independent quadratics solved side by side per sample. Defaults to 1.

    Returns:
        a task: `task(seed) -> Problem`.
    """
    dim = check_number("dim", dim, low=1, integer=True)
    problems = check_number("problems", problems, low=1, integer=True)

    def loss(params, data, step):
        residual = ops.einsum("kij,kj->ki", data["w"], params[0]) - data["y"]
        return ops.sum(residual ** 2, axis=-1)

    def task(seed):
        rng = np.random.default_rng(seed)
        w = rng.normal(size=(problems, dim, dim)).astype("float32")
        y = rng.normal(size=(problems, dim)).astype("float32")
        return Problem([np.zeros((problems, dim), "float32")], {"w": w, "y": y}, loss)

    return task


def mnist1d_mlp(steps=100, hidden=(20,), activation="sigmoid", batch_size=128, nets=1):
    """Train an MLP classifier on MNIST-1D (`data.load("mnist1d")`'s training split).

    Each sample is a new Glorot-uniform initialization and a new order of
    mini-batches (sampled without replacement, epoch after epoch); f is the mean
    cross-entropy of the step's mini-batch.

    Args:
        steps: the number of optimizee steps the batch order covers. Defaults to 100.
        hidden: the hidden layers' widths. Defaults to one layer of 20 units.
        activation: `"sigmoid"` or `"relu"`. Defaults to `"sigmoid"`.
        batch_size: Defaults to 128.
        nets: independent networks trained side by side per sample. Defaults to 1.

    Returns:
        a task: `task(seed) -> Problem`.
    """
    from deeper.components import data as datasets

    steps = check_number("steps", steps, low=1, integer=True)
    batch_size = check_number("batch_size", batch_size, low=1, integer=True)
    nets = check_number("nets", nets, low=1, integer=True)
    act = {"sigmoid": ops.sigmoid, "relu": ops.relu}[
        check_choice("activation", activation, ("sigmoid", "relu"))]
    hidden = tuple(check_number("hidden", h, low=1, integer=True) for h in hidden)
    ds = datasets.load("mnist1d")
    x, y = ds.x_train.astype("float32"), ds.y_train.astype("int32")
    widths = (x.shape[1], *hidden, int(ds.num_classes))

    def loss(params, data, step):
        index = ops.take(data["batches"], step % steps, axis=1)  # (nets, batch)
        h, labels = ops.take(x, index, axis=0), ops.take(y, index, axis=0)
        for layer in range(len(widths) - 1):
            h = ops.einsum("kbi,kio->kbo", h, params[2 * layer]) + params[2 * layer + 1][:, None]
            if layer < len(widths) - 2:
                h = act(h)
        ce = ops.sparse_categorical_crossentropy(labels, h, from_logits=True)
        return ops.mean(ce, axis=-1)

    def task(seed):
        rng = np.random.default_rng(seed)
        params = []
        for fan_in, fan_out in zip(widths[:-1], widths[1:]):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            params.append(rng.uniform(-limit, limit, (nets, fan_in, fan_out)).astype("float32"))
            params.append(np.zeros((nets, fan_out), "float32"))
        per_epoch = len(x) // batch_size
        epochs = -(-steps // per_epoch)
        batches = np.stack([np.concatenate([
            rng.permutation(len(x))[:per_epoch * batch_size].reshape(per_epoch, batch_size)
            for _ in range(epochs)])[:steps] for _ in range(nets)]).astype("int32")
        return Problem(params, {"batches": batches}, loss)

    return task


TASKS = {"quadratic": quadratic, "mlp": mnist1d_mlp}
