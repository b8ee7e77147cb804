"""`babysit`: the course's sanity checks of a model before a long training run."""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np

from deeper.components import data, rundir
from deeper.components.callbacks.model_tools import rebuild, resolve_loss
from deeper.recipes import options as options_
from deeper.recipes.babysitting import checks
from deeper.recipes.babysitting.report import CHECKS, Check, Report  # noqa: F401  (re-exported)
from deeper.recipes.options import declared, validation
from deeper.recipes.shared import models, outputs

RECIPE_OPTIONS = tuple(declared.MODEL)
SETTINGS = {name: o for name, o in declared.BABYSIT.items() if name not in declared.MODEL}


def _recipe_model(options, x_train, num_classes, seed):
    options = options_.validate(declared.MODEL, options, recipe="babysit", fill=False)
    kind = options.pop("model", "cnn")
    if not isinstance(kind, str):
        raise TypeError("`model` must be 'mlp' or 'cnn' in recipe options. "
                        f"Received: model={kind!r}")
    return models.build(kind, x_train, num_classes, seed=seed, **options)


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


@options_.declare(SETTINGS, "model", "dataset")
def babysit(model, dataset, *, output_dir=None, **settings):
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
        output_dir: where to write `babysit.json`, `metrics.json` and
            `signal_variance.png` (a directory holding anything is refused
            before the checks run, unless `overwrite=True`; each file is
            written atomically). Defaults to `None` (nothing written).
        **settings: the declared settings below (`subset` at most the
            number of training examples; `seed` seeds the recipe model, the
            subset and the sampled entries).

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
    settings = options_.validate(SETTINGS, settings, recipe="babysit")
    verbose, overwrite = settings.pop("verbose"), settings.pop("overwrite")
    validation.check_number("subset", settings["subset"], low=1, high=len(x), integer=True)
    if output_dir is not None:
        rundir.prepare_run_dir(output_dir, overwrite=overwrite, resumable=False)
    keras.utils.set_random_seed(settings["seed"])
    if isinstance(model, (str, dict)):
        net = _recipe_model({"model": model} if isinstance(model, str) else model, x,
                            num_classes, settings["seed"])
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
    loss = resolve_loss(net)  # the compiled loss of a compiled model (the copy has none)
    rng = np.random.default_rng(settings["seed"])
    chosen = _balanced_subset(y, settings["subset"], rng)
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
        report.output_dir = out
        outputs.write_json(out / "babysit.json", report.to_dict())
        outputs.write_json(out / "metrics.json", report.to_dict() | {"checks": {
            c.name: c.status for c in report.checks}})
        checks.plot_signal(out / "signal_variance.png", done["signal_variance"])
    return report

