"""Recipes for the activations-and-initialization part of the course.

* `plot_activations`: every activation and its derivative (autodiff), one panel each;
* `variance_through_depth`: activation variance per layer of a deep, bias-free
  stack at initialization, for (initializer, activation) pairs, and its plot;
* `compare_activations`: epochs to a training-error threshold for several
  activations on the same data and recipe (Krizhevsky et al. 2012 report ReLU
  reaching 25% training error on CIFAR-10 six times faster than tanh).

They assemble `deeper` and Keras components; no new math.
"""

from __future__ import annotations

import dataclasses
import math
import time

import keras
import numpy as np

from deeper.components import initializers, layers
from deeper.components.validation import check_number
from deeper.recipes.shared import outputs

MATCHED = (("he_normal_untruncated", "relu"), ("glorot_uniform", "tanh"),
           ("sigmoid_glorot_uniform", "sigmoid"))
MISMATCHED = (("xavier_normal", "relu"), ("random_normal", "tanh"),
              ("glorot_uniform", "sigmoid"), ("sigmoid_glorot_uniform", "relu"))


def _activation(name):
    obj = layers.get(name)
    return obj if callable(obj) else keras.activations.get(name)


def plot_activations(names=("scaled_tanh", "tanh_linear", "tanh", "sigmoid", "relu",
                            "softplus", "leaky_relu", "noisy_relu"), path=None, x_range=4.0):
    """Plot each activation (ours or Keras's, by name) and its derivative.

    `noisy_relu` is drawn in training mode (one noisy sample, seeded) over its
    inference curve, the plain ReLU. Returns the matplotlib figure; saves it
    to `path` when given.
    """
    import matplotlib.pyplot as plt  # the current backend: inline in a notebook, Agg headless
    import tensorflow as tf

    x = tf.constant(np.linspace(-x_range, x_range, 801))
    cols = 4
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        fn = _activation(name)
        if name == "noisy_relu":
            fn = layers.NoisyReLU(seed=0, dtype="float64")
            noisy = fn(x, training=True).numpy()
            ax.plot(x, noisy, ".", ms=1.5, color="0.6", label="training sample")
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        grad = tape.gradient(y, x)
        ax.plot(x, np.asarray(y), label="f(x)")
        ax.plot(x, np.asarray(grad), "--", label="f'(x)")
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        ax.set_title(name)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    if path is not None:
        outputs.save_figure(fig, path, dpi=110)
    return fig


def variance_through_depth(pairs=MATCHED + MISMATCHED, *, depth=10, width=256, n=2000,
                           seed=0):
    """Variance of each layer's activations at initialization, for each (init, activation).

    The stack is `depth` bias-free `Dense(width)` layers with the given
    initializer (seeded per layer) and activation, fed N(0, 1) inputs.

    Returns:
        A dict `{(init, activation): np.ndarray of shape (depth,)}`.
    """
    depth = check_number("depth", depth, low=1, integer=True)
    width = check_number("width", width, low=1, integer=True)
    n = check_number("n", n, low=2, integer=True)
    x = np.random.default_rng(seed).normal(size=(n, width))
    out = {}
    for init, activation in pairs:
        h = x
        variances = []
        for i in range(depth):
            dense = keras.layers.Dense(width, use_bias=False, dtype="float64",
                                       activation=_activation(activation),
                                       kernel_initializer=initializers.get(init, seed=seed + i))
            h = np.asarray(dense(h))
            variances.append(float(h.var()))
        out[(init, activation)] = np.array(variances)
    return out


def plot_variance_through_depth(results, path=None):
    """Log-scale plot of `variance_through_depth` results, matched pairs solid."""
    import matplotlib.pyplot as plt  # the current backend: inline in a notebook, Agg headless

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for (init, activation), v in results.items():
        matched = (init, activation) in MATCHED
        ax.semilogy(np.arange(1, len(v) + 1), v, "-o" if matched else "--x", ms=4,
                    label=f"{init} + {activation}" + ("" if matched else " (mismatched)"))
    ax.set_xlabel("layer")
    ax.set_ylabel("activation variance")
    ax.set_title("Variance through depth at initialization")
    ax.legend(fontsize=7)
    fig.tight_layout()
    if path is not None:
        outputs.save_figure(fig, path, dpi=110)
    return fig


@dataclasses.dataclass
class ActivationComparison:
    """Result of `compare_activations`.

    Attributes:
        threshold: the training-error threshold.
        rows: one dict per (activation, seed): `epochs_to_threshold` (None if
            not reached), `final_train_error`, `test_accuracy`, `seconds`.
        histories: `{(activation, seed): training error per epoch}`.
    """

    threshold: float
    rows: list
    histories: dict

    def summary(self):
        """Median epochs to the threshold per activation (None where a run missed it)."""
        out = {}
        for activation in dict.fromkeys(r["activation"] for r in self.rows):
            reached = [r["epochs_to_threshold"] for r in self.rows
                       if r["activation"] == activation]
            out[activation] = (None if any(e is None for e in reached)
                               else float(np.median(reached)))
        return out

    def plot(self, path=None):
        """Training error vs epoch per activation, the threshold dashed."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        colors = {}
        for (activation, seed), err in self.histories.items():
            color = colors.setdefault(activation, f"C{len(colors)}")
            ax.plot(np.arange(1, len(err) + 1), err, color=color,
                    label=activation if seed == min(s for a, s in self.histories
                                                     if a == activation) else None)
        ax.axhline(self.threshold, color="k", ls="--", lw=1,
                   label=f"{self.threshold:.0%} training error")
        ax.set_xlabel("epoch")
        ax.set_ylabel("training error")
        ax.set_title("Epochs to a training-error threshold")
        ax.legend()
        fig.tight_layout()
        if path is not None:
            outputs.save_figure(fig, path, dpi=110)
        return fig


def compare_activations(dataset, activations=("relu", "tanh", "scaled_tanh"), *,
                        threshold=0.25, epochs=30, seeds=(0,), model="mlp", **train_options):
    """Train the same recipe with each activation; epochs to a training-error threshold.

    Every run uses `train_classifier` with batch normalization, dropout, L2
    and learning-rate decay off (unless overridden in `train_options`), so
    only the activation (and its matched initialization) differs, and no
    early stopping, so each run trains `epochs` epochs.

    Args:
        dataset: a `deeper.components.data.Dataset`.
        activations: activation names (ours or Keras's). Defaults to ReLU,
            tanh and scaled tanh.
        threshold: training-error threshold in (0, 1). Defaults to 0.25
            (Krizhevsky et al. 2012's figure).
        epochs: epochs per run. Defaults to 30.
        seeds: one run per seed. Defaults to `(0,)`.
        model: `"mlp"` or `"cnn"`. Defaults to `"mlp"`.
        **train_options: more `train_classifier` arguments.

    Returns:
        An `ActivationComparison`.
    """
    from deeper.recipes.train.classifier import train_classifier

    threshold = check_number("threshold", threshold, low=0, high=1, low_open=True,
                             high_open=True)
    options = {"batch_norm": False, "dropout": 0.0, "l2": 0.0, "lr_drop": 1.0,
               "early_stopping": None, "verbose": 0, **train_options}
    rows, histories = [], {}
    for activation in activations:
        for seed in seeds:
            start = time.perf_counter()
            run = train_classifier(dataset, model=model, activation=activation, epochs=epochs,
                                   seed=seed, **options)
            seconds = time.perf_counter() - start
            error = [1.0 - a for a in run.history["accuracy"]]
            reached = next((i + 1 for i, e in enumerate(error) if e <= threshold), None)
            histories[(activation, seed)] = error
            rows.append({"activation": activation, "seed": seed, "epochs_to_threshold": reached,
                         "final_train_error": error[-1],
                         "test_accuracy": run.test_metrics["accuracy"], "seconds": seconds})
    return ActivationComparison(threshold=threshold, rows=rows, histories=histories)
