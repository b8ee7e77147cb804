"""`babysit`: the course's sanity checks of a model before a long training run."""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np

from deeper.components import data
from deeper.components.callbacks.model_tools import rebuild, resolve_loss
from deeper.components.validation import check_bool, check_choice, check_number, check_seed
from deeper.recipes import babysit_checks as checks
from deeper.recipes import models, outputs
from deeper.recipes.babysit_report import CHECKS, Check, Report  # noqa: F401  (re-exported)

RECIPE_OPTIONS = ("model", "width", "depth", "activation", "init", "l2", "dropout",
                  "batch_norm", "standardize")


def _recipe_model(options, x_train, num_classes, seed):
    unknown = sorted(set(options) - set(RECIPE_OPTIONS))
    if unknown:
        raise ValueError(f"`model` options must be among {', '.join(RECIPE_OPTIONS)}. "
                         f"Received: unknown option(s) {', '.join(map(repr, unknown))}")
    options = dict(options)
    kind = check_choice("model", options.pop("model", "cnn"), tuple(models.BUILDERS))
    for name, low, integer in (("width", 1, True), ("depth", 1, True), ("l2", 0, False)):
        if options.get(name) is not None:
            options[name] = check_number(name, options[name], low=low, integer=integer)
    if options.get("dropout") is not None:
        options["dropout"] = check_number("dropout", options["dropout"], low=0, high=1,
                                          high_open=True)
    if options.get("batch_norm") is not None:
        options["batch_norm"] = check_bool("batch_norm", options["batch_norm"])
    options = {k: v for k, v in options.items() if v is not None}
    return models.BUILDERS[kind](x_train, num_classes, seed=seed, **options)


def _arrays(dataset):
    """(x_train, y_train, num_classes, name, every input array by name)."""
    if isinstance(dataset, data.Dataset):
        return (dataset.x_train, dataset.y_train, dataset.num_classes, dataset.name,
                {"x_train": dataset.x_train, "x_val": dataset.x_val, "x_test": dataset.x_test})
    if isinstance(dataset, (tuple, list)) and len(dataset) == 2:
        x, y = np.asarray(dataset[0]), np.asarray(dataset[1])
        if len(x) != len(y) or len(x) == 0 or y.ndim != 1 or not np.issubdtype(y.dtype,
                                                                                np.integer):
            raise ValueError("`dataset` as arrays must be (x, y) with one integer label per "
                             f"example. Received: x of shape {x.shape}, y of shape {y.shape}")
        return x, y, int(y.max()) + 1, "arrays", {"x": x}
    raise TypeError("`dataset` must be a deeper.components.data.Dataset or an (x, y) pair of "
                    f"arrays. Received: dataset of type {type(dataset).__name__}")


def _balanced_subset(y, size, rng):
    """`size` indices taking the classes in turn (each class's examples shuffled)."""
    pools = [list(rng.permutation(np.flatnonzero(y == c))) for c in np.unique(y)]
    chosen = []
    while len(chosen) < size:
        for pool in pools:
            if pool and len(chosen) < size:
                chosen.append(pool.pop())
    return np.array(chosen)


def babysit(model, dataset, *, subset=20, overfit_steps=100, learning_rate=1e-2,
            first_loss_tolerance=0.5, overfit_loss=0.05, regularized_accuracy=0.8,
            gradient_threshold=None, epsilon=None, gradient_examples=8, num_params=3,
            max_ratio=100.0, probe_size=256, seed=0, output_dir=None, verbose=0):
    """Run the course's babysitting checks on a model before training it for hours.

    1. `first_loss`: with regularization off, the loss at initialization is
       close to log(C) for C classes, what a classifier that knows nothing
       predicts: `|L0 - log C| <= first_loss_tolerance * log C`.
    2. `overfit_subset`: with regularization off, `subset` examples are fitted
       to near-zero loss (`<= overfit_loss`) and full accuracy in
       `overfit_steps` full-batch Adam steps.
    3. `regularization`: turning regularization (weight penalties, dropout,
       noise) back on raises the loss on the subset, and still lets the model
       fit it (accuracy >= `regularized_accuracy`). Skipped without any.
    4. `gradient_check`: autodiff gradients match central finite differences,
       in float64 (`deeper.components.callbacks.gradient_check`).
    5. `signal_variance`: at initialization the activations' variance and the
       gradients' size keep their scale across depth, within `max_ratio`
       (`deeper.components.callbacks.signal_variance`).
    6. `finite_values`: no NaN or inf in the data, the layer outputs, the loss
       or the gradients (`deeper.components.callbacks.find_nonfinite`).

    Every check runs on a fresh copy of the model holding its initial weights:
    the model passed in is never trained or modified.

    Args:
        model: a `keras.Model` mapping inputs to class probabilities (or to
            logits, compiled with a `from_logits=True` loss), functional,
            Sequential or a subclass with `get_config`; or recipe options as in
            `train_classifier` (`{"model": "cnn", "l2": 1e-4, ...}`, or just
            `"cnn"` / `"mlp"`), built with standardization fitted on the data.
        dataset: a `deeper.components.data.Dataset`, or an `(x, y)` pair of
            arrays with integer labels (not checked for NaN, so the
            `finite_values` check can report it).
        subset: examples to overfit, in [1, training examples]. Defaults to 20.
        overfit_steps: full-batch training steps on the subset, >= 1. Defaults to 100.
        learning_rate: Adam's learning rate for the subset. Defaults to 1e-2.
        first_loss_tolerance: allowed `|L0 - log C| / log C`, > 0. Defaults to 0.5.
        overfit_loss: largest final subset loss that counts as fitted, > 0.
            Defaults to 0.05.
        regularized_accuracy: subset accuracy the regularized model must
            still reach, in (0, 1]. Defaults to 0.8.
        gradient_threshold: largest relative error of the gradient check, > 0.
            Defaults to `None` (1e-4 in float64).
        epsilon: finite-difference step, > 0. Defaults to `None` (1e-6 in float64).
        gradient_examples: subset examples the gradient check uses, >= 1.
            Defaults to 8.
        num_params: entries per variable the gradient check samples. Defaults to 3.
        max_ratio: largest spread of a signal across depth, > 1. Defaults to 100.
        probe_size: training examples for the first loss, the signal and the
            finite-value probes, >= 1. Defaults to 256.
        seed: seeds the recipe model, the subset and the sampled entries. Defaults to 0.
        output_dir: where to write `babysit.json`, `metrics.json` and
            `signal_variance.png`. Defaults to `None` (nothing written).
        verbose: 1 prints each check as it finishes. Defaults to 0.

    Returns:
        A `Report`: `print(report)` shows the table, `report.passed`,
        `report["first_loss"].measured`, `report.to_json()`.

    Example:

    ```python
    from deeper import recipes
    from deeper.components import data
    report = recipes.babysit({"model": "cnn"}, data.load("mnist1d"))
    print(report)          # PASS first_loss loss=2.63 expected=2.3 ...
    ```

    Reference:
        CS231n, "Neural Networks Part 3: Learning and Evaluation" (gradient
        checks, sanity checks, babysitting the learning process); Karpathy,
        "A Recipe for Training Neural Networks", 2019.
    """
    start = time.perf_counter()
    x, y, num_classes, dataset_name, arrays = _arrays(dataset)
    subset = check_number("subset", subset, low=1, high=len(x), integer=True)
    settings = {
        "subset": subset,
        "overfit_steps": check_number("overfit_steps", overfit_steps, low=1, integer=True),
        "learning_rate": check_number("learning_rate", learning_rate, low=0, low_open=True),
        "first_loss_tolerance": check_number("first_loss_tolerance", first_loss_tolerance,
                                             low=0, low_open=True),
        "overfit_loss": check_number("overfit_loss", overfit_loss, low=0, low_open=True),
        "regularized_accuracy": check_number("regularized_accuracy", regularized_accuracy,
                                             low=0, high=1, low_open=True),
        "gradient_threshold": check_number("gradient_threshold", gradient_threshold, low=0,
                                           low_open=True, allow_none=True),
        "epsilon": check_number("epsilon", epsilon, low=0, low_open=True, allow_none=True),
        "gradient_examples": check_number("gradient_examples", gradient_examples, low=1,
                                          integer=True),
        "num_params": check_number("num_params", num_params, low=1, integer=True),
        "max_ratio": check_number("max_ratio", max_ratio, low=1, low_open=True),
        "probe_size": check_number("probe_size", probe_size, low=1, integer=True),
        "seed": check_seed("seed", seed),
    }
    verbose = check_number("verbose", verbose, low=0, integer=True)
    keras.utils.set_random_seed(settings["seed"])
    if isinstance(model, (str, dict)):
        net = _recipe_model({"model": model} if isinstance(model, str) else model, x,
                            num_classes, seed)
    elif isinstance(model, keras.Model):
        net = model
    else:
        raise TypeError("`model` must be a keras.Model, recipe options (a dict) or 'mlp'/'cnn'. "
                        f"Received: model of type {type(model).__name__}")
    shape = tuple(keras.ops.shape(net(x[:1], training=False)))
    if shape[-1] != num_classes:
        raise ValueError(f"`model` must output one value per class ({num_classes}). Received: "
                         f"a model with output shape {shape}")
    base, _ = rebuild(net)
    _, removed = rebuild(base, regularization=False)
    loss = resolve_loss(base)
    rng = np.random.default_rng(settings["seed"])
    chosen = _balanced_subset(y, subset, rng)
    probe = rng.choice(len(x), size=min(settings["probe_size"], len(x)), replace=False)
    job = checks.Job(base=base, removed=removed, loss=loss, x=x, y=y, num_classes=num_classes,
                     x_subset=x[chosen], y_subset=y[chosen], x_probe=x[probe], y_probe=y[probe],
                     arrays=arrays, settings=settings, verbose=verbose)
    done = {check.name: check for check in checks.run_all(job)}
    report = Report(checks=[done[name] for name in CHECKS], model=net.name,
                    dataset=dataset_name, seconds=time.perf_counter() - start,
                    config={**settings, "removed_for_regularization_off": removed})
    if output_dir is not None:
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        report.output_dir = out
        outputs.write_json(out / "babysit.json", report.to_dict())
        outputs.write_json(out / "metrics.json", report.to_dict() | {"checks": {
            c.name: c.status for c in report.checks}})
        checks.plot_signal(out / "signal_variance.png", done["signal_variance"])
    return report

