"""`train_classifier`: the course's good practice as one call."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import keras

from deeper.recipes import options as options_
from deeper.recipes.options import declared
from deeper.recipes.shared import outputs, progress
from deeper.recipes.shared.datasets import check_dataset
from deeper.recipes.train import fitting, setup


@dataclasses.dataclass
class Run:
    """What a recipe returns.

    Attributes:
        model: the trained `keras.Model` (best weights when early stopping).
        history: the Keras history, a dict of lists (one entry per epoch).
        test_metrics: `{"accuracy": ..., "loss": ...}` on the test split.
        output_dir: where the artifacts were written, or `None`.
        config: the recipe's resolved arguments.
        published: the published accuracy of this model on this dataset, if any.
        seconds: wall time of training (of this process, when resumed).
        divergence: `None`, or NaNGuard's report when the loss or a weight went
            non-finite: training stopped there and the model holds the last good
            weights (`"epoch"`, `"batch"`, `"layer"`, `"message"`, ...).
    """

    model: keras.Model
    history: dict
    test_metrics: dict
    output_dir: Path | None
    config: dict
    published: float | None = None
    seconds: float = 0.0
    divergence: dict | None = None

    @property
    def status(self) -> str:
        """`"diverged"` when NaNGuard stopped the run, otherwise `"ok"`."""
        return "ok" if self.divergence is None else "diverged"

    def summary(self) -> str:
        """One line stating the result next to the published figure (or the divergence)."""
        if self.divergence is not None:
            return f"training diverged: {self.divergence['message']}"
        line = f"test accuracy {self.test_metrics['accuracy']:.3f}"
        if self.published is not None:
            line += f" (published {self.config['model'].upper()}: {self.published:.2f})"
        return line


def _config(dataset, o, replicas):
    named = {k: (v if isinstance(v, (str, int, float, bool, type(None)))
                 else getattr(v, "__name__", type(v).__name__)) for k, v in o.items()}
    return {"dataset": dataset.name, **named, "replicas": replicas}


@options_.declare(declared.TRAIN, "dataset")
def train_classifier(dataset, *, output_dir=None, callbacks=None, **options):
    """Train a classifier with the course's good practice and evaluate it.

    Standardized input (statistics from the training split only), He
    initialization for ReLU units (Glorot otherwise), L2 weight decay and
    dropout, batch normalization, Nesterov momentum with a step-decayed
    learning rate, and early stopping on the validation loss restoring the
    best weights. Input is a pre-batched, prefetched `tf.data` pipeline that
    is reshuffled every epoch.

    Args:
        dataset: a `deeper.components.data.Dataset`.
        output_dir: the run directory: `metrics.json`, `history.csv`,
            `learning_curves.png`, `model.keras`, `config.json`, the checkpoint
            of `resume` (`checkpoint/`) and, with `tensorboard`, `tensorboard/`.
            A directory holding a run is refused unless `resume` or `overwrite`
            is given; it is checked writable before training; every file is
            written atomically. Defaults to `None` (nothing written).
        callbacks: extra Keras callbacks for `fit`. Defaults to `None`.
        **options: the declared options below. `model` may also be a callable
            `(input_shape, num_classes) -> keras.Model` returning class
            probabilities (it receives standardized inputs); `optimizer` a
            Keras optimizer instance (used as given); `distribution` a
            `tf.distribute.Strategy`. `distribution="data_parallel"` (JAX) trains
            on every device of every process (`keras.distribution.DataParallel`,
            set for the run and restored afterwards): `batch_size` is the global
            batch, a multiple of the device count; each process feeds its share of
            every batch, so the run trains on the batches of one process; an
            evaluation or last training batch is cut to a multiple of the device
            count (fewer than that many examples left out). Across processes call
            `keras.distribution.initialize(...)` first in each process, and give
            each process its own `output_dir` (or `None`).

    Returns:
        A `Run`.

    Example:

    ```python
    from deeper.components import data
    from deeper import recipes
    run = recipes.train_classifier(data.load("mnist1d"), model="cnn", epochs=30)
    print(run.summary())   # test accuracy 0.9.. (published CNN: 0.94)
    ```
    """
    dataset = check_dataset(dataset)
    o = options_.validate(declared.TRAIN, options, recipe="train_classifier")
    setup.check_objects(o, callbacks)
    placement = setup.strategy(o["distribution"])
    devices = setup.replicas(placement)
    parallel = isinstance(placement, keras.distribution.DataParallel)
    if parallel:
        setup.check_data_parallel(dataset, o["batch_size"], devices)
    elif devices > 1:
        # TF 2.21 + Keras 3.15: MirroredStrategy with steps_per_execution > 1
        # fails in fit ("You must feed a value for placeholder tensor ...").
        o["steps_per_execution"] = 1
    o["lr_drop_every"] = o["lr_drop_every"] or -(-o["epochs"] // 2)
    output_dir, mode = fitting.claim(output_dir, o)  # before anything trains
    o["learning_rate"] = setup.choose_learning_rate(dataset, o)
    config = _config(dataset, o, devices)
    if output_dir is not None:
        fitting.record_config(output_dir, mode, config)
    keras.utils.set_random_seed(o["seed"])
    train, val, test = setup.pipelines(dataset, o["batch_size"], o["seed"], o["augment"],
                                       devices=devices if parallel else None)
    steps_per_epoch = setup.batches_per_epoch(len(dataset.x_train), o["batch_size"],
                                              devices if parallel else 1)
    build_scope, run_scope = setup.scopes(placement)
    with run_scope:
        with build_scope:
            net = setup.build_and_compile(dataset, o, steps_per_epoch)
        guard, others = fitting.callbacks_of(dataset, o, output_dir, callbacks)
        start = time.perf_counter()
        history = fitting.fit(net, train, val, o, output_dir, others,
                              progress.fit_verbosity(o["verbose"]))
        seconds = time.perf_counter() - start
        test_metrics = {k: float(v) for k, v in net.evaluate(test, verbose=0,
                                                              return_dict=True).items()}
    history = {k: [float(v) for v in vs] for k, vs in history.items()}
    if isinstance(o["optimizer"], str):
        rates = fitting.learning_rates(setup.schedule(o, steps_per_epoch), o["epochs"],
                                       steps_per_epoch)
        history["learning_rate"] = rates[:len(history.get("loss", []))]
    run = Run(model=net, history=history, test_metrics=test_metrics, output_dir=output_dir,
              config=config, published=dataset.published.get(config["model"]),
              seconds=seconds, divergence=guard.report)
    if output_dir is not None:
        outputs.write_run(run)
    return run
