"""`track_drift`: online SGD vs full-batch GD refit on everything seen, on a drifting stream."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from deeper.components import data
from deeper.components.validation import check_choice, check_number, check_seed, check_type
from deeper.recipes.shared import outputs
from deeper.recipes.shared import steps as steps_


@dataclasses.dataclass
class DriftResult:
    """What `track_drift` returns.

    Attributes:
        steps: the steps at which both models were evaluated.
        sgd_error: error of online SGD on the distribution at each of `steps`.
        gd_error: error of the GD refit on all data seen up to each of `steps`.
        config: the recipe's arguments.
        models: `{"sgd": keras.Model, "gd": keras.Model}` at the last step.
    """

    steps: list
    sgd_error: list
    gd_error: list
    config: dict
    models: dict = dataclasses.field(repr=False, default_factory=dict)

    def summary(self):
        """One line: mean error on the current distribution over the second half of the stream."""
        half = len(self.steps) // 2
        sgd, gd = np.mean(self.sgd_error[half:]), np.mean(self.gd_error[half:])
        return (f"error on the current distribution, second half of the stream: online SGD "
                f"{sgd:.3f}, GD on all data seen {gd:.3f}")

    def plot(self, path=None, stream=None):
        """Error vs time; with a 2-D `stream`, also both models' decision regions at the end."""
        if stream is not None and stream.x.shape[2:] != (2,):
            stream = None
        fig = Figure(figsize=(11 if stream is not None else 6, 4))
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, 2 if stream is not None else 1, squeeze=False)[0]
        ax = axes[0]
        ax.plot(self.steps, self.sgd_error, label=f"online SGD (lr {self.config['learning_rate']})")
        ax.plot(self.steps, self.gd_error, label="full-batch GD on all data seen")
        chance = 1 - 1 / self.config["num_classes"]
        ax.axhline(chance, color="0.6", ls=":", label="chance")
        ax.set_xlabel("time step")
        ax.set_ylabel("error on the current distribution")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title("tracking a drifting distribution")
        if stream is not None:
            _regions(axes[1], self, stream)
        fig.tight_layout()
        if path is not None:
            outputs.save_figure(fig, path, dpi=100)
        return fig


def _regions(ax, result, stream):
    last = stream.steps - 1
    x, y = stream.sample(last, 300, seed=result.config["seed"])
    grid = np.linspace(-4, 4, 161, dtype="float32")
    gx, gy = np.meshgrid(grid, grid)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    levels = np.arange(stream.num_classes + 1) - 0.5
    for name in ("sgd", "gd"):
        labels = np.argmax(keras.ops.convert_to_numpy(result.models[name](points)), axis=1)
        if name == "sgd":
            ax.contourf(gx, gy, labels.reshape(gx.shape), levels=levels, cmap="tab10", vmin=-0.5,
                        vmax=9.5, alpha=0.2)
        else:
            ax.contour(gx, gy, labels.reshape(gx.shape), levels=levels[1:-1], colors="k",
                       linestyles="--", linewidths=1)
    seen = stream.x.reshape(-1, 2)
    ax.scatter(seen[:, 0], seen[:, 1], s=2, c="0.85")
    ax.scatter(x[:, 0], x[:, 1], c=y, s=6, cmap="tab10", vmin=-0.5, vmax=9.5)
    ax.set_title("last step: SGD regions (shaded), GD boundaries (dashed),\n"
                 "current sample (colour), all data seen (grey)", fontsize=9)
    ax.set_aspect("equal")


def _model(kind, input_shape, num_classes, seed):
    """Softmax regression (`"linear"`) or a one-hidden-layer ReLU MLP (`"mlp"`), on logits."""
    keras.utils.set_random_seed(seed)
    hidden = [keras.layers.Dense(64, activation="relu", kernel_initializer="he_normal")]
    return keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),
                             *(hidden if kind == "mlp" else []),
                             keras.layers.Dense(num_classes)])


def _error(model, x, y):
    return float(np.mean(np.argmax(keras.ops.convert_to_numpy(model(x)), axis=1) != y))


def track_drift(stream=None, *, model="linear", learning_rate=0.5, gd_learning_rate=1.0,
                gd_iterations=100, eval_every=10, eval_size=1000, seed=0, output_dir=None):
    """Online SGD with a constant learning rate vs full-batch GD refit on all data seen.

    Both learners are the same model, from the same initial weights. At step `t` the stream
    delivers a batch `(x_t, y_t)`: online SGD takes one step on it with a
    constant learning rate, so old examples fade from the model; GD is
    refitted, every `eval_every` steps, on everything seen so far,
    `(x_0, y_0), ..., (x_t, y_t)` (`gd_iterations` full-batch steps, warm
    started from its previous fit), so every past example keeps its full
    weight in the loss. Both are scored at those steps on `eval_size` fresh
    examples from the distribution *at that step*. On a moving distribution
    the past dominates GD's sum: its error climbs while SGD's stays low
    (LeCun et al. 1998, section 4.1: stochastic learning tracks changes).

    Args:
        stream: a `data.DriftingStream`. Defaults to
            `data.drifting_gaussians(seed=seed)`.
        model: `"linear"` (softmax regression) or `"mlp"` (one hidden layer
            of 64 ReLU units). Defaults to `"linear"`.
        learning_rate: SGD's constant learning rate, > 0. Defaults to 0.5.
        gd_learning_rate: GD's learning rate, > 0. Defaults to 1.
        gd_iterations: full-batch steps per refit, an integer >= 1. Defaults to 100.
        eval_every: steps between evaluations (and GD refits). Defaults to 10.
        eval_size: fresh examples per evaluation. Defaults to 1000.
        seed: seeds the initial weights and the evaluation samples. Defaults to 0.
        output_dir: where to write `metrics.json` and `drift.png`. Defaults to
            `None` (nothing written).

    Returns:
        A `DriftResult` (`steps`, `sgd_error`, `gd_error`, `summary()`, `plot()`).

    Example:

    ```python
    result = recipes.track_drift(data.drifting_gaussians(300, seed=0))
    print(result.summary())
    result.plot("drift.png")
    ```

    Reference:
        LeCun, Bottou, Orr & Mueller, "Efficient BackProp", 1998, section 4.1.
    """
    seed = check_seed("seed", seed)
    if stream is None:
        stream = data.drifting_gaussians(seed=seed)
    check_type("stream", stream, data.DriftingStream,
               description="a data.DriftingStream, e.g. data.drifting_gaussians(...)")
    model = check_choice("model", model, ("linear", "mlp"))
    learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
    gd_learning_rate = check_number("gd_learning_rate", gd_learning_rate, low=0, low_open=True)
    gd_iterations = check_number("gd_iterations", gd_iterations, low=1, integer=True)
    eval_every = check_number("eval_every", eval_every, low=1, integer=True)
    eval_size = check_number("eval_size", eval_size, low=1, integer=True)
    config = {"model": model, "learning_rate": learning_rate, "gd_learning_rate": gd_learning_rate,
              "gd_iterations": gd_iterations, "eval_every": eval_every, "eval_size": eval_size,
              "seed": seed, "num_classes": stream.num_classes, "stream": stream.config}

    features = stream.x.shape[2:]
    sgd = _model(model, features, stream.num_classes, seed)
    gd = _model(model, features, stream.num_classes, seed)
    sgd_step = steps_.gradient_steps(sgd, learning_rate)
    gd_fit = steps_.gradient_steps(gd, gd_learning_rate)
    steps, sgd_error, gd_error = [], [], []
    for t in range(stream.steps):
        sgd_step(stream.x[t], stream.y[t], 1)
        if (t + 1) % eval_every == 0 or t == stream.steps - 1:
            seen_x = stream.x[:t + 1].reshape((-1, *features))
            seen_y = stream.y[:t + 1].reshape(-1)
            gd_fit(seen_x, seen_y, gd_iterations)
            x, y = stream.sample(t, eval_size, seed=seed)
            steps.append(t)
            sgd_error.append(_error(sgd, x, y))
            gd_error.append(_error(gd, x, y))
    result = DriftResult(steps, sgd_error, gd_error, config, {"sgd": sgd, "gd": gd})
    if output_dir is not None:
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        outputs.write_json(out / "metrics.json", {
            "steps": steps, "sgd_error": sgd_error, "gd_error": gd_error, "config": config,
            "summary": result.summary()})
        result.plot(out / "drift.png", stream=stream)
    return result
