"""Second-order methods, measured side by side in one run.

    python benchmarks/second_order.py --repeats 5 --out benchmarks/second_order

1. Step time of the `LBFGS` Keras optimizer vs Keras's SGD with momentum and Adam on the
   MNIST-1D MLP (40-100-100-10, ReLU, batch 128): one epoch per optimizer in turn,
   alternated `--repeats` times after a warm-up epoch; the median epoch time and its ratio.
2. Training loss vs wall time: full-batch L-BFGS (strong Wolfe), Hessian-free and (where
   the model is small enough) Newton from `deeper.recipes.fit_full_batch`, against Adam
   (lr 1e-3, batch 128) from the same initial weights, on digits (64-32-10 tanh, 2,410
   weights) and on MNIST-1D (40-100-100-10 ReLU, 15,210 weights: Newton refused). Writes
   loss_vs_time_<data>.png and prints the loss reached after 2, 10 and 30 seconds.
"""

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from deeper import recipes  # noqa: E402
from deeper.components import data, optimizers  # noqa: E402


def standardized(ds):
    mean, std = ds.x_train.mean(0), ds.x_train.std(0) + 1e-3
    return ((ds.x_train - mean) / std).astype("float32"), ds.y_train


def mlp(inputs, widths, activation, seed=0):
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((inputs,))]
    layers += [keras.layers.Dense(w, activation=activation) for w in widths]
    layers += [keras.layers.Dense(10, activation="softmax")]
    return keras.Sequential(layers)


def step_times(x, y, repeats):
    names = ("momentum", "adam", "lbfgs")
    models = {}
    for name in names:
        model = mlp(x.shape[1], (100, 100), "relu")
        model.compile(optimizer=optimizers.get(name), loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)  # warm-up: tracing
        models[name] = model
    times = {name: [] for name in names}
    for _ in range(repeats):
        for name in names:
            start = time.perf_counter()
            models[name].fit(x, y, batch_size=128, epochs=1, verbose=0)
            times[name].append(time.perf_counter() - start)
    steps = int(np.ceil(len(x) / 128))
    medians = {n: statistics.median(t) / steps * 1e3 for n, t in times.items()}
    for name in names:
        print(f"  {name:<9} {medians[name]:.3f} ms/step")
    print(f"  ratio lbfgs/adam {medians['lbfgs'] / medians['adam']:.2f}, "
          f"lbfgs/momentum {medians['lbfgs'] / medians['momentum']:.2f} (median of {repeats})")


class LossClock(keras.callbacks.Callback):
    """Full-batch training loss after each epoch against training wall time only."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y, self.points, self.elapsed = x, y, [], 0.0

    def on_train_begin(self, logs=None):
        if not self.points:
            self.points = [(0.0, self.model.evaluate(self.x, self.y, batch_size=4096,
                                                     verbose=0))]

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.elapsed += time.perf_counter() - self.start
        self.points.append((self.elapsed, self.model.evaluate(self.x, self.y, batch_size=4096,
                                                             verbose=0)))


def loss_vs_time(name, x, y, widths, activation, budget, out):
    curves = {}
    adam = mlp(x.shape[1], widths, activation)
    adam.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    clock = LossClock(x, y)
    while clock.elapsed < budget:  # one epoch per call: the clock counts training time only
        adam.fit(x, y, batch_size=128, epochs=1, verbose=0, callbacks=[clock])
    curves["adam (batch 128)"] = clock.points
    n_weights = adam.count_params()
    for method in ("lbfgs", "hessian_free", "newton"):
        if method == "newton" and n_weights > 5000:
            print(f"  newton: refused ({n_weights:,} weights > max_params=5000)")
            continue
        kwargs = {"max_iterations": {"lbfgs": 2000, "hessian_free": 100, "newton": 5}[method]}
        model = mlp(x.shape[1], widths, activation)
        result = recipes.fit_full_batch(model, (x, y), method=method, **kwargs,
                                        gradient_tolerance=1e-7)
        h = result.history
        curves[f"{method} (full batch)"] = list(zip(h["seconds"], h["loss"]))
        print(f"  {result.summary()}")
    print(f"  {'method':<24}" + "".join(f"{f'loss @ {t}s':>14}" for t in (2, 10, 30))
          + f"{'final':>12}")
    for label, points in curves.items():
        cells = []
        for t in (2, 10, 30):
            reached = [loss for s, loss in points if s <= t]
            cells.append(f"{min(reached):>14.4g}" if reached else f"{'-':>14}")
        print(f"  {label:<24}" + "".join(cells) + f"{points[-1][1]:>12.4g}"
              f" ({points[-1][0]:.1f} s)")
    fig = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    for label, points in curves.items():
        t, loss = zip(*points)
        ax.semilogy(t, loss, label=label, marker="." if len(t) < 40 else None)
    ax.set_xlabel("training wall time (s)")
    ax.set_ylabel("full training loss")
    ax.set_title(f"{name}: {'-'.join(map(str, (x.shape[1], *widths, 10)))} {activation} MLP, "
                 f"{n_weights:,} weights", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(Path(out) / f"loss_vs_time_{name}.png", dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--budget", type=float, default=30.0,
                        help="Adam's training time budget in seconds")
    parser.add_argument("--out", default="benchmarks/second_order")
    parser.add_argument("--parts", default="steps,digits,mnist1d",
                        help="comma-separated subset of steps,digits,mnist1d")
    args = parser.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    parts = args.parts.split(",")
    x1, y1 = standardized(data.load("mnist1d"))
    if "steps" in parts:
        print("step time on the MNIST-1D MLP (batch 128):")
        step_times(x1, y1, args.repeats)
    if "digits" in parts:
        x2, y2 = standardized(data.load("digits"))
        print("digits, 64-32-10 tanh:")
        loss_vs_time("digits", x2, y2, (32,), "tanh", args.budget, args.out)
    if "mnist1d" in parts:
        print("mnist1d, 40-100-100-10 relu:")
        loss_vs_time("mnist1d", x1, y1, (100, 100), "relu", args.budget, args.out)


if __name__ == "__main__":
    main()
