"""The six checks of `babysit`, each on a fresh copy of the model at its initial weights.

The math lives in `deeper.components.callbacks` (`gradient_check`,
`signal_variance`, `find_nonfinite`); this module runs the checks and words
their verdicts.
"""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np

from deeper.components.callbacks import find_nonfinite, gradient_check, signal_variance
from deeper.components.callbacks.find_nonfinite import count_nonfinite
from deeper.components.callbacks.model_tools import rebuild
from deeper.recipes.babysitting.report import Check
from deeper.recipes.shared import outputs, progress


@dataclasses.dataclass
class Job:
    """Everything the checks share (see `babysit` for the settings)."""

    base: keras.Model
    removed: list
    loss: object
    x: np.ndarray
    y: np.ndarray
    num_classes: int
    x_subset: np.ndarray
    y_subset: np.ndarray
    x_probe: np.ndarray
    y_probe: np.ndarray
    arrays: dict
    settings: dict
    verbose: object = 0
    fits: dict = dataclasses.field(default_factory=dict)

    def fresh(self, regularization):
        """A new copy of the model at its initial weights, with or without regularization."""
        return rebuild(self.base, regularization=regularization)[0]


def _mean_loss(loss, y, probabilities):
    return float(np.mean(keras.ops.convert_to_numpy(loss(y, probabilities))))


def finite_values(job):
    for name, array in job.arrays.items():
        count = count_nonfinite(array)
        if count:
            rows = np.asarray(array).reshape(len(array), -1)
            first = int(np.flatnonzero(~np.isfinite(rows).all(axis=1))[0])
            return Check("finite_values", False, {"where": "data", "array": name,
                                                  "nonfinite": count, "first_example": first},
                         f"`{name}` holds {count} NaN or inf values (first in example {first}): "
                         "clean or impute them; one NaN in a batch turns every weight into NaN.")
    result = find_nonfinite(job.fresh(False), job.x_probe, job.y_probe, loss=job.loss)
    measured = {"where": result.where or "none", "layer": result.layer or "none",
                "nonfinite": result.count}
    if result.passed:
        return Check("finite_values", True, measured, "data, layer outputs, loss and gradients "
                     "are finite; keep a NaNGuard callback during training.")
    advice = {
        "output": f"layer {result.layer!r} turns finite inputs into NaN or inf: look for log, "
                  "sqrt or division of non-positive values, or exp overflowing, in it.",
        "loss": "the outputs are finite but the loss is not: probabilities of exactly 0 in a "
                "log (use from_logits=True), or labels out of range.",
        "gradient": f"the gradient of layer {result.layer!r} is NaN or inf: a custom gradient, "
                    "or an op with an infinite derivative (sqrt or log at 0) there.",
    }[result.where]
    return Check("finite_values", False, measured, advice)


STANDARDIZING = ("Normalization", "Standardization", "Centering", "PCAWhitening")
INPUT_SCALE_LIMIT = 5.0
"""Inputs count as unscaled when a feature's mean or standard deviation exceeds this in
absolute value (standardized features have 0 and 1) and no layer of the model rescales them."""


def input_scale(job):
    """`(scaled, measured)`: are the inputs standardized, or rescaled by a model layer?"""
    x = np.asarray(job.x_probe, dtype=np.float64).reshape(len(job.x_probe), -1)
    finite = np.where(np.isfinite(x), x, 0.0)
    measured = {"input_mean_abs_max": float(np.abs(finite.mean(axis=0)).max()),
                "input_std_max": float(finite.std(axis=0).max())}
    rescaled = any(type(layer).__name__ in STANDARDIZING for layer in job.base.layers)
    large = max(measured.values()) > INPUT_SCALE_LIMIT
    return rescaled or not large, measured


def first_loss(job):
    expected = math.log(job.num_classes)
    model = job.fresh(False)
    value = _mean_loss(job.loss, job.y_probe, model(job.x_probe, training=True))
    relative = (value - expected) / expected
    passed = math.isfinite(value) and abs(relative) <= job.settings["first_loss_tolerance"]
    scaled, scale = input_scale(job)
    measured = {"loss": value, "expected": expected, "relative_difference": relative, **scale}
    if passed:
        advice = f"the first loss is what chance predicts for {job.num_classes} classes."
    elif not math.isfinite(value):
        advice = "the first loss is not finite: see finite_values."
    elif not scaled:
        advice = (f"the inputs are not standardized (a feature's mean reaches "
                  f"{scale['input_mean_abs_max']:.3g}, its standard deviation "
                  f"{scale['input_std_max']:.3g}) and no layer rescales them: standardize "
                  "them (data.standardization, or the recipes' standardize='feature'); if the "
                  "first loss stays high, the output layer's initial weights are too large.")
    elif value > expected:
        advice = ("the model starts confidently wrong: the output layer's initial weights (the "
                  "logits' scale) are too large; initialize it smaller (Glorot, or scaled "
                  "down).")
    else:
        advice = ("the first loss is below chance: labels leak into the inputs, or the loss "
                  "does not match the outputs (probabilities vs from_logits).")
    return Check("first_loss", passed, measured, advice)


def _fit_subset(job, regularization):
    model = job.fresh(regularization)
    model.compile(optimizer=keras.optimizers.Adam(job.settings["learning_rate"]),
                  loss=job.loss, metrics=["accuracy"])
    losses, accuracies = [], []
    for _ in range(job.settings["overfit_steps"]):  # full batch; no per-epoch overhead of fit
        logs = model.train_on_batch(job.x_subset, job.y_subset, return_dict=True)
        losses.append(float(logs["loss"]))
        accuracies.append(float(logs["accuracy"]))
    last = min(5, len(losses))  # averaged over the last steps: dropout makes them noisy
    fit = {"start_loss": float(losses[0]), "loss": float(np.mean(losses[-last:])),
           "accuracy": float(np.mean(accuracies[-last:])), "curve": [float(v) for v in losses]}
    job.fits[regularization] = fit
    return fit


def overfit_subset(job):
    fit = _fit_subset(job, False)
    passed = fit["loss"] <= job.settings["overfit_loss"] and fit["accuracy"] >= 1.0
    measured = {"examples": len(job.x_subset), "start_loss": fit["start_loss"],
                "loss": fit["loss"], "accuracy": fit["accuracy"],
                "steps": job.settings["overfit_steps"]}
    if passed:
        advice = "with regularization off the model memorizes the subset, as it must."
    else:
        advice = (f"the model cannot memorize {len(job.x_subset)} examples with regularization "
                  "off: dead or saturated units, a broken layer or loss, frozen weights, or a "
                  "bad learning rate; fix this before training on everything.")
    return Check("overfit_subset", passed, measured, advice)


def regularization(job):
    off = job.fits.get(False) or _fit_subset(job, False)
    if not job.removed:
        return Check("regularization", None, {"regularizers": 0},
                     "the model has no weight penalty, dropout or noise layer to turn on.")
    on = _fit_subset(job, True)
    raised = on["loss"] > off["loss"]
    fits = on["accuracy"] >= job.settings["regularized_accuracy"]
    measured = {"regularizers": len(job.removed), "loss_off": off["loss"], "loss_on": on["loss"],
                "accuracy_on": on["accuracy"]}
    if raised and fits:
        advice = "turning regularization on raises the subset loss and the model still fits it."
    elif not raised:
        advice = ("turning regularization on does not raise the loss: the penalties do not "
                  "reach the loss (custom training loop?) or are too weak to matter.")
    else:
        advice = (f"with regularization on the model reaches only {on['accuracy']:.0%} on "
                  f"{len(job.x_subset)} examples: the regularization is too strong; divide the "
                  "L2 factor (or the dropout rate) by 10.")
    return Check("regularization", raised and fits, measured, advice)


def gradients(job):
    n = job.settings["gradient_examples"]
    result = gradient_check(job.base, job.x_subset[:n], job.y_subset[:n], loss=job.loss,
                            num_params=job.settings["num_params"],
                            epsilon=job.settings["epsilon"],
                            threshold=job.settings["gradient_threshold"],
                            seed=job.settings["seed"])
    measured = {"max_relative_error": result.max_error, "threshold": result.threshold,
                "dtype": result.dtype, "entries": result.checked, "kinks_skipped": result.skipped,
                "errors": result.errors}
    if result.passed:
        advice = f"autodiff agrees with finite differences ({result.dtype})."
    else:
        advice = result.summary() + ": check the custom gradient or backward pass there."
    return Check("gradient_check", result.passed, measured, advice)


def signals(job):
    try:
        result = signal_variance(job.fresh(False), job.x_probe, job.y_probe, loss=job.loss,
                                 max_ratio=job.settings["max_ratio"])
    except (TypeError, ValueError) as err:
        return Check("signal_variance", None, {}, f"not measured: {err}")
    measured = {"activation_ratio": result.activation_ratio,
                "gradient_ratio": result.gradient_ratio, "layers": result.layers,
                "activation_variance": result.activation_variance,
                "gradient_norm": result.gradient_norm}
    if result.passed:
        advice = "activations and gradients keep their scale across depth at initialization."
    else:
        advice = (result.diagnosis() + ": use He initialization for ReLU and Glorot for tanh, "
                  "avoid sigmoid in deep stacks, add batch normalization; 0 means dead units "
                  "(large negative biases).")
    return Check("signal_variance", result.passed, measured, advice)


def run_all(job):
    """Run every check, cheapest first; yields `Check`s, each announced as it finishes."""
    checks = (finite_values, first_loss, signals, gradients, overfit_subset, regularization)
    for number, check in enumerate(checks, 1):
        result = check(job)
        progress.say(job.verbose, f"babysit [{number}/{len(checks)}] {result.status}  "
                     f"{result.name}: {result.advice}")
        yield result


def plot_signal(path, check):
    """Activation variance and gradient size per layer, log scale."""
    import matplotlib.pyplot as plt

    if not check.measured.get("layers"):
        return
    layers = check.measured["layers"]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    positions = range(len(layers))
    ax.semilogy(positions, np.maximum(check.measured["activation_variance"], 1e-30), "o-",
                label="activation variance (layer input)")
    ax.semilogy(positions, np.maximum(check.measured["gradient_norm"], 1e-30), "s-",
                label="gradient size (layer input)")
    ax.set_xticks(list(positions), layers, rotation=30, ha="right")
    ax.set_title(f"signal across depth at initialization: {check.status}")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    outputs.save_figure(fig, path, dpi=100)
    plt.close(fig)
