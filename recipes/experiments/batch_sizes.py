"""`compare_batch_sizes`: SGD vs full-batch GD, training loss per epoch and per second."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import keras
import numpy as np
from keras import ops

from deeper.components import data
from deeper.components.diagnostics import autodiff
from deeper.components.validation import check_number, check_seed
from deeper.recipes.experiments.batch_sizes_plot import plot_batch_sizes
from deeper.recipes.shared import models, outputs, steps
from deeper.recipes.shared.datasets import check_dataset


@dataclasses.dataclass
class BatchSizeResult:
    """What `compare_batch_sizes` returns.

    Attributes:
        curves: `{size: {"epoch": [...], "seconds": [...], "loss": [...]}}`, the
            training loss on the whole training set at epochs 0 (initial), 1, ...,
            and the cumulative wall time spent training (evaluation excluded).
        replication: the thought experiment: seconds per GD and per SGD step
            on the data and on the data replicated `copies` times, and the
            largest difference between the two full-batch gradients.
        config: the recipe's arguments.
    """

    curves: dict
    replication: dict
    config: dict

    def summary(self):
        """One line: the final loss per batch size and the replication ratios."""
        final = ", ".join(f"{size}: {c['loss'][-1]:.3f} in {c['seconds'][-1]:.1f}s"
                          for size, c in self.curves.items())
        line = f"training loss after {self.config['epochs']} epochs (batch size: loss) {final}"
        r = self.replication
        if r:
            line += (f"; data x{r['copies']}: a GD step costs {r['gd_ratio']:.1f}x, an SGD "
                     f"step {r['sgd_ratio']:.1f}x, for the same full gradient (max difference "
                     f"{r['gradient_max_abs_difference']:.1e})")
        return line

    def plot(self, path=None):
        """Loss vs epochs, loss vs wall time, and the replication step costs."""
        return plot_batch_sizes(self, path)


def _check_sizes(sizes, n):
    if isinstance(sizes, (str, int)) or not hasattr(sizes, "__iter__"):
        sizes = (sizes,)
    sizes = tuple(sizes)
    ok = len(sizes) > 0 and all(
        s == "full" or (isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1)
        for s in sizes)
    if not ok:
        raise ValueError("`sizes` must be positive integers or 'full'. "
                         f"Received: sizes={sizes!r}")
    if len(set(sizes)) != len(sizes):
        raise ValueError(f"`sizes` must not repeat a size. Received: sizes={sizes!r}")
    too_big = [s for s in sizes if s != "full" and s > n]
    if too_big:
        raise ValueError(f"`sizes` must be at most the number of training examples ({n}); use "
                         f"'full' for full-batch GD. Received: sizes={sizes!r}")
    return tuple(s if s == "full" else int(s) for s in sizes)


def _learning_rates(learning_rate, sizes):
    if isinstance(learning_rate, dict):
        missing = [s for s in sizes if s not in learning_rate]
        if missing:
            raise ValueError("`learning_rate` must be a number or a dict with a rate for every "
                             f"size in `sizes` {sizes}. Received: learning_rate={learning_rate!r}")
        return {s: check_number("learning_rate", learning_rate[s], low=0, low_open=True)
                for s in sizes}
    rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
    return dict.fromkeys(sizes, rate)


def _build(dataset, width, depth, learning_rate, seed, steps_per_execution):
    keras.utils.set_random_seed(seed)
    model = models.build_mlp(dataset.x_train, dataset.num_classes, width=width, depth=depth,
                             batch_norm=False, dropout=0.0, l2=0.0, seed=seed)
    model.compile(keras.optimizers.SGD(learning_rate),
                  keras.losses.SparseCategoricalCrossentropy(),
                  steps_per_execution=steps.steps_per_execution(steps_per_execution))
    return model


class _EpochClock(keras.callbacks.Callback):
    """Training time per epoch (between `on_epoch_begin` and `on_epoch_end`) and, outside
    the clock, the loss on the whole training set after each epoch."""

    def __init__(self, loss):
        super().__init__()
        self.loss = loss
        self.curve = {"epoch": [0], "seconds": [0.0], "loss": [loss()]}

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self._start
        self.curve["epoch"].append(epoch + 1)
        self.curve["seconds"].append(self.curve["seconds"][-1] + elapsed)
        self.curve["loss"].append(self.loss())


def _curve(dataset, size, *, epochs, width, depth, learning_rate, seed, steps_per_execution):
    x, y = dataset.x_train, dataset.y_train
    model = _build(dataset, width, depth, learning_rate, seed, steps_per_execution)
    initial = model.get_weights()
    train = data.pipeline(x, y, batch_size=size, seed=seed)
    model.fit(train.take(1), epochs=1, verbose=0, shuffle=False)  # trace outside the timings
    model.set_weights(initial)
    xs, ys = ops.convert_to_tensor(x, "float32"), ops.convert_to_tensor(y)
    mean_loss = autodiff.compile(lambda xs, ys: model.compute_loss(x=xs, y=ys, y_pred=model(xs)))
    clock = _EpochClock(lambda: float(mean_loss(xs, ys)))
    model.fit(train, epochs=epochs, verbose=0, shuffle=False, callbacks=[clock])
    return clock.curve


def replication_cost(dataset, *, copies=10, batch_size=32, width=128, depth=2, repeats=21,
                     seed=0):
    """Seconds per GD and SGD step on the data and on the data replicated `copies` times.

    Replicating the training set leaves the full-batch gradient (a mean)
    unchanged, but a GD step must now visit `copies` times more examples;
    an SGD step still reads `batch_size` of them. Steps run in one compiled
    function on the same model; the two data sizes alternate over `repeats`
    rounds and the median time is reported.

    Args:
        dataset: a `deeper.components.data.Dataset`; its training split is used.
        copies: replication factor, an integer >= 1. Defaults to 10.
        batch_size: SGD's mini-batch size. Defaults to 32.
        width: hidden units per layer of the MLP. Defaults to 128.
        depth: hidden layers. Defaults to 2.
        repeats: timed rounds (one untimed round first). Defaults to 21.
        seed: seeds the weights. Defaults to 0.

    Returns:
        A dict: `gd_seconds` and `sgd_seconds` (`[on the data, on the
        replicated data]`), their ratios `gd_ratio` and `sgd_ratio`, and
        `gradient_max_abs_difference` between the two full-batch gradients.
    """
    dataset = check_dataset(dataset)
    copies = check_number("copies", copies, low=1, integer=True)
    batch_size = check_number("batch_size", batch_size, low=1, integer=True)
    repeats = check_number("repeats", repeats, low=1, integer=True)
    model = _build(dataset, width, depth, 0.0, seed, 1)  # learning rate 0: the weights stay
    probabilities = keras.losses.SparseCategoricalCrossentropy()
    train = steps.gradient_steps(model, 0.0, loss=probabilities)
    x, y = dataset.x_train.astype("float32"), dataset.y_train
    data_ = {1: (ops.convert_to_tensor(x), ops.convert_to_tensor(y)),
             copies: (ops.convert_to_tensor(np.tile(x, (copies,) + (1,) * (x.ndim - 1))),
                      ops.convert_to_tensor(np.tile(y, copies)))}
    times = {("gd", k): [] for k in data_} | {("sgd", k): [] for k in data_}
    for _ in range(repeats + 1):  # the first round traces and is dropped
        for k, (xs, ys) in data_.items():
            for kind, (bx, by) in (("gd", (xs, ys)), ("sgd", (xs[:batch_size], ys[:batch_size]))):
                start = time.perf_counter()
                ops.convert_to_numpy(train(bx, by, 1))
                times[(kind, k)].append(time.perf_counter() - start)
    median = {key: float(np.median(v[1:])) for key, v in times.items()}
    g1 = steps.gradient(model, *data_[1], loss=probabilities)
    gk = steps.gradient(model, *data_[copies], loss=probabilities)
    return {
        "copies": copies, "batch_size": batch_size, "examples": len(x),
        "gd_seconds": [median[("gd", 1)], median[("gd", copies)]],
        "sgd_seconds": [median[("sgd", 1)], median[("sgd", copies)]],
        "gd_ratio": median[("gd", copies)] / median[("gd", 1)],
        "sgd_ratio": median[("sgd", copies)] / median[("sgd", 1)],
        "gradient_max_abs_difference": float(max(np.abs(a - b).max() for a, b in zip(g1, gk))),
    }


def compare_batch_sizes(dataset, sizes=(1, 32, 128, "full"), *, epochs=10, learning_rate=0.05,
                        width=128, depth=2, copies=10, seed=0, steps_per_execution=16,
                        output_dir=None):
    """Training loss vs epochs and vs wall time for several mini-batch sizes.

    The same MLP (same initial weights; no batch norm, dropout or weight
    decay, so that only the batch size differs) is trained with plain SGD at
    a constant `learning_rate` on mini-batches of each size, reshuffled every
    epoch; `"full"` is full-batch gradient descent (one step per epoch).
    The sizes train one after the other in one `fit` each; the clock runs
    from Keras's `on_epoch_begin` to `on_epoch_end` (tracing excluded, the
    per-epoch start-up of Keras and `tf.data` included: on small data it is
    most of a full-batch epoch), and after each epoch, off the clock, the
    loss on the whole training set is measured. Small
    batches make many noisy steps per epoch and usually win per epoch and
    per second on redundant data; GD takes one exact step (LeCun et al.
    1998, section 4.1). The thought experiment of the course follows: see
    `replication_cost` (skipped when `copies` is `None`).

    Args:
        dataset: a `deeper.components.data.Dataset`.
        sizes: mini-batch sizes, positive integers at most the training set
            size, or `"full"`. Defaults to `(1, 32, 128, "full")`.
        epochs: epochs per size, an integer >= 1. Defaults to 10.
        learning_rate: SGD's constant learning rate, > 0, or a dict
            `{size: rate}` with one per size. Defaults to 0.05.
        width: hidden units per layer. Defaults to 128.
        depth: hidden layers. Defaults to 2.
        copies: replication factor of the thought experiment, or `None` to
            skip it. Defaults to 10.
        seed: seeds the weights and the shuffling. Defaults to 0.
        steps_per_execution: training steps per call into the compiled
            graph, for all sizes. Defaults to 16.
        output_dir: where to write `metrics.json` and `batch_sizes.png`.
            Defaults to `None` (nothing written).

    Returns:
        A `BatchSizeResult` (`curves`, `replication`, `summary()`, `plot()`).

    Example:

    ```python
    result = recipes.compare_batch_sizes(data.load("mnist1d"), epochs=5)
    print(result.summary())
    result.plot("batch_sizes.png")
    ```

    Reference:
        LeCun, Bottou, Orr & Mueller, "Efficient BackProp", 1998, section 4.1.
    """
    dataset = check_dataset(dataset)
    sizes = _check_sizes(sizes, len(dataset.x_train))
    rates = _learning_rates(learning_rate, sizes)
    config = {
        "dataset": dataset.name, "sizes": list(sizes),
        "epochs": check_number("epochs", epochs, low=1, integer=True),
        "learning_rate": ({str(s): rates[s] for s in sizes} if isinstance(learning_rate, dict)
                          else rates[sizes[0]]),
        "width": check_number("width", width, low=1, integer=True),
        "depth": check_number("depth", depth, low=1, integer=True),
        "copies": check_number("copies", copies, low=1, integer=True, allow_none=True),
        "seed": check_seed("seed", seed),
        "steps_per_execution": check_number("steps_per_execution", steps_per_execution, low=1,
                                            integer=True),
    }
    kwargs = {k: config[k] for k in ("epochs", "width", "depth", "seed", "steps_per_execution")}
    curves = {size: _curve(dataset, size, **{**kwargs, "learning_rate": rates[size]})
              for size in sizes}
    replication = {} if copies is None else replication_cost(
        dataset, copies=copies, width=width, depth=depth, seed=seed)
    result = BatchSizeResult(curves, replication, config)
    if output_dir is not None:
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        outputs.write_json(out / "metrics.json", {
            "curves": {str(k): v for k, v in curves.items()}, "replication": replication,
            "config": config, "summary": result.summary()})
        result.plot(out / "batch_sizes.png")
    return result
