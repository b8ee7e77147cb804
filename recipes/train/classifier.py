"""`train_classifier`: the course's good practice as one call."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from pathlib import Path

import keras

from deeper.recipes import options as options_
from deeper.recipes.options import declared
from deeper.recipes.shared import outputs, progress
from deeper.recipes.shared.datasets import check_dataset
from deeper.recipes.train import setup


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
        seconds: wall time of training.
    """

    model: keras.Model
    history: dict
    test_metrics: dict
    output_dir: Path | None
    config: dict
    published: float | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        """One line stating the result next to the published figure."""
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
        output_dir: where to write `metrics.json`, `history.csv`,
            `learning_curves.png` and `model.keras`. Defaults to `None` (nothing written).
        callbacks: extra Keras callbacks for `fit`. Defaults to `None`.
        **options: the declared options below. `model` may also be a callable
            `(input_shape, num_classes) -> keras.Model` returning class
            probabilities (it receives standardized inputs); `optimizer` a
            Keras optimizer instance (used as given); `distribution` a
            `tf.distribute.Strategy`.

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
    strategy = setup.strategy(o["distribution"])
    if strategy is not None and strategy.num_replicas_in_sync > 1:
        # TF 2.21 + Keras 3.15: MirroredStrategy with steps_per_execution > 1
        # fails in fit ("You must feed a value for placeholder tensor ...").
        o["steps_per_execution"] = 1
    o["lr_drop_every"] = o["lr_drop_every"] or -(-o["epochs"] // 2)
    o["learning_rate"] = setup.choose_learning_rate(dataset, o)
    if output_dir is not None:
        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(o["seed"])
    train, val, test = setup.pipelines(dataset, o["batch_size"], o["seed"])
    steps_per_epoch = -(-len(dataset.x_train) // o["batch_size"])
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        net = setup.build_and_compile(dataset, o, steps_per_epoch)
    callbacks = list(callbacks or [])
    if o["early_stopping"]:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=o["early_stopping"], restore_best_weights=True))
    start = time.perf_counter()
    history = net.fit(train, validation_data=val, epochs=o["epochs"], callbacks=callbacks,
                      shuffle=False,  # the pipeline reshuffles every epoch itself
                      verbose=progress.fit_verbosity(o["verbose"]))
    seconds = time.perf_counter() - start
    test_metrics = {k: float(v) for k, v in net.evaluate(test, verbose=0,
                                                          return_dict=True).items()}
    config = _config(dataset, o, strategy.num_replicas_in_sync if strategy else 1)
    run = Run(model=net, history={k: [float(v) for v in vs] for k, vs in history.history.items()},
              test_metrics=test_metrics, output_dir=output_dir, config=config,
              published=dataset.published.get(config["model"]), seconds=seconds)
    if output_dir is not None:
        outputs.write_run(run)
    return run

