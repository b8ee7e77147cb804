"""`train_classifier`: the course's good practice as one call."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import keras

from deeper.components import data, initializers, optimizers, schedules
from deeper.components.validation import (
    check_bool,
    check_choice,
    check_number,
    check_seed,
)
from deeper.recipes import models, outputs

OPTIMIZER_LEARNING_RATES = {
    "sgd": 0.05,
    "momentum": 0.05,
    "nesterov": 0.05,
    "adam": 1e-3,
    "rmsprop": 1e-3,
    "adagrad": 0.05,
}
PRECISIONS = ("mixed_float16", "mixed_bfloat16")
STANDARDIZE = ("feature", "channel", "global")


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


def _check_dataset(dataset):
    if not isinstance(dataset, data.Dataset):
        raise TypeError(
            "`dataset` must be a deeper.components.data.Dataset (from data.load(...) or "
            f"data.from_arrays(...)). Received: dataset of type {type(dataset).__name__}"
        )
    if len(dataset.x_val) == 0:
        raise ValueError("`dataset` has an empty validation split; build it with val_fraction > 0.")
    return dataset


def _resolve(argument, name, getter):
    """Resolve a component name, naming the recipe's argument when it is unknown."""
    try:
        return getter(name)
    except ValueError as err:
        raise ValueError(f"`{argument}` is not a known name: {err}") from None


def _strategy(distribution):
    if distribution is None:
        return None
    import tensorflow as tf

    if isinstance(distribution, tf.distribute.Strategy):
        return distribution
    check_choice("distribution", distribution, ("mirrored",), allow_none=True)
    return tf.distribute.MirroredStrategy()


def train_classifier(
    dataset,
    *,
    model="cnn",
    optimizer="nesterov",
    learning_rate=None,
    batch_size=64,
    epochs=40,
    l2=1e-4,
    dropout=0.2,
    batch_norm=True,
    init=None,
    activation="relu",
    width=None,
    depth=None,
    standardize="feature",
    lr_drop=10.0,
    lr_drop_every=None,
    early_stopping=15,
    seed=0,
    output_dir=None,
    mixed_precision=None,
    distribution=None,
    steps_per_execution=8,
    callbacks=None,
    verbose=0,
):
    """Train a classifier with the course's good practice and evaluate it.

    Standardized input (statistics from the training split only), He
    initialization for ReLU units (Glorot otherwise), L2 weight decay and
    dropout, batch normalization, Nesterov momentum with a step-decayed
    learning rate, and early stopping on the validation loss restoring the
    best weights. Input is a pre-batched, prefetched `tf.data` pipeline that
    is reshuffled every epoch.

    Args:
        dataset: a `deeper.components.data.Dataset`.
        model: `"mlp"`, `"cnn"`, or a callable `(input_shape, num_classes) ->
            keras.Model` returning class probabilities (it receives
            standardized inputs). Defaults to `"cnn"`.
        optimizer: a `deeper.components.optimizers` name or a Keras optimizer
            instance. Defaults to `"nesterov"` (SGD, momentum 0.9, Nesterov).
        learning_rate: initial learning rate. Defaults to 0.05 for the SGD
            family, 1e-3 for Adam and RMSprop.
        batch_size: global mini-batch size (split across replicas under a
            distribution strategy). Defaults to 64.
        epochs: maximum number of epochs. Defaults to 40.
        l2: L2 weight decay factor (Keras convention: `l2 * sum(w ** 2)`).
            Defaults to 1e-4. 0 disables it.
        dropout: dropout rate in [0, 1). Defaults to 0.2.
        batch_norm: batch normalization after each hidden linear layer.
            Defaults to `True`.
        init: kernel initializer name. Defaults to `"he_normal"` for ReLU-family
            activations and `"glorot_uniform"` otherwise.
        activation: hidden activation, a `deeper` or Keras name. Defaults to `"relu"`.
        width: hidden units (MLP) or first-layer channels (CNN). Defaults to
            512 (MLP) or 32 (CNN).
        depth: hidden layers (MLP) or convolution blocks (CNN). Defaults to 2
            (MLP) or 4 (CNN).
        standardize: `"feature"`, `"channel"`, `"global"` or `None`. Defaults to `"feature"`.
        lr_drop: divide the learning rate by this every `lr_drop_every`
            epochs; 1 keeps it constant. Defaults to 10.
        lr_drop_every: epochs between drops. Defaults to half of `epochs`, rounded up.
        early_stopping: patience in epochs on the validation loss, restoring
            the best weights; `None` or 0 disables it. Defaults to 15.
        seed: seeds weights, dropout and the shuffling order. Defaults to 0.
        output_dir: where to write `metrics.json`, `history.csv`,
            `learning_curves.png` and `model.keras`. Defaults to `None` (nothing written).
        mixed_precision: `None`, `"mixed_float16"` or `"mixed_bfloat16"`; the
            output layer and the loss stay in float32. Defaults to `None`.
        distribution: `None`, a `tf.distribute.Strategy`, or `"mirrored"`.
            Defaults to `None`.
        steps_per_execution: training steps run per call into the graph
            (1 under a multi-replica strategy, where larger values fail in
            TF 2.21). Defaults to 8.
        callbacks: extra Keras callbacks for `fit`. Defaults to `None`.
        verbose: Keras `fit` verbosity (1 shows the progress bar). Defaults to 0.

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
    dataset = _check_dataset(dataset)
    check_choice("model", model, tuple(models.BUILDERS), allow_callable=True)
    if isinstance(optimizer, str):
        _resolve("optimizer", optimizer, optimizers.get)  # unknown names fail before any work
    elif not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(
            "`optimizer` must be an optimizer name or a keras.optimizers.Optimizer "
            "(an instance is used as given: `learning_rate` and the step decay do not apply). "
            f"Received: optimizer={optimizer!r}"
        )
    if learning_rate is None:
        learning_rate = OPTIMIZER_LEARNING_RATES.get(optimizer, 0.01)
    learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
    batch_size = check_number("batch_size", batch_size, low=1, integer=True)
    epochs = check_number("epochs", epochs, low=1, integer=True)
    l2 = check_number("l2", l2, low=0)
    dropout = check_number("dropout", dropout, low=0, high=1, high_open=True)
    batch_norm = check_bool("batch_norm", batch_norm)
    width = check_number("width", width, low=1, integer=True, allow_none=True)
    depth = check_number("depth", depth, low=1, integer=True, allow_none=True)
    standardize = check_choice("standardize", standardize, STANDARDIZE, allow_none=True)
    lr_drop = check_number("lr_drop", lr_drop, low=1)
    lr_drop_every = check_number("lr_drop_every", lr_drop_every, low=1, integer=True,
                                 allow_none=True) or -(-epochs // 2)
    early_stopping = check_number("early_stopping", early_stopping, low=0, integer=True,
                                  allow_none=True)
    seed = check_seed("seed", seed)
    steps_per_execution = check_number("steps_per_execution", steps_per_execution, low=1,
                                       integer=True)
    if callbacks is not None and not all(
        isinstance(c, keras.callbacks.Callback) for c in callbacks
    ):
        raise TypeError(f"`callbacks` must be a list of keras.callbacks.Callback. "
                        f"Received: callbacks={callbacks!r}")
    mixed_precision = check_choice("mixed_precision", mixed_precision, PRECISIONS, allow_none=True)
    strategy = _strategy(distribution)
    if strategy is not None and strategy.num_replicas_in_sync > 1:
        # TF 2.21 + Keras 3.15: MirroredStrategy with steps_per_execution > 1
        # fails in fit ("You must feed a value for placeholder tensor ...").
        steps_per_execution = 1
    if init is not None:
        _resolve("init", init, initializers.get)
    _resolve("activation", activation, lambda name: models.activation_layer(name, None))
    if output_dir is not None:
        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)

    config = {
        "dataset": dataset.name,
        "model": model if isinstance(model, str) else getattr(model, "__name__", "custom"),
        "optimizer": optimizer if isinstance(optimizer, str) else type(optimizer).__name__,
        "learning_rate": learning_rate, "batch_size": batch_size, "epochs": epochs,
        "l2": l2, "dropout": dropout, "batch_norm": batch_norm, "init": init,
        "activation": activation, "width": width, "depth": depth, "standardize": standardize,
        "lr_drop": lr_drop, "lr_drop_every": lr_drop_every, "early_stopping": early_stopping,
        "seed": seed, "mixed_precision": mixed_precision,
        "replicas": strategy.num_replicas_in_sync if strategy else 1,
    }

    keras.utils.set_random_seed(seed)
    train = data.pipeline(dataset.x_train, dataset.y_train, batch_size=batch_size, seed=seed)
    val = data.pipeline(dataset.x_val, dataset.y_val,
                        batch_size=min(max(batch_size, 256), len(dataset.x_val)),
                        shuffle=False)
    steps_per_epoch = -(-len(dataset.x_train) // batch_size)

    def build_and_compile():
        dtype = keras.DTypePolicy(mixed_precision) if mixed_precision else None
        if callable(model) and not isinstance(model, str):
            net = _wrap_custom(model, dataset, standardize)
        else:
            kwargs = {"width": width, "depth": depth}
            net = models.BUILDERS[model](
                dataset.x_train, dataset.num_classes,
                **{k: v for k, v in kwargs.items() if v is not None},
                activation=activation, init=init, l2=l2, dropout=dropout,
                batch_norm=batch_norm, standardize=standardize, dtype=dtype, seed=seed,
            )
        schedule = (
            schedules.step_decay(learning_rate, drop=lr_drop, every_epochs=lr_drop_every,
                                 steps_per_epoch=steps_per_epoch)
            if lr_drop > 1 else learning_rate
        )
        if isinstance(optimizer, str):
            opt = optimizers.get(optimizer, learning_rate=schedule)
        else:
            opt = optimizer
        if mixed_precision == "mixed_float16":
            opt = keras.optimizers.LossScaleOptimizer(opt)
        net.compile(
            optimizer=opt,
            loss=keras.losses.SparseCategoricalCrossentropy(),
            metrics=["accuracy"],
            steps_per_execution=steps_per_execution,
        )
        return net

    if strategy is not None:
        with strategy.scope():
            net = build_and_compile()
    else:
        net = build_and_compile()

    callbacks = list(callbacks or [])
    if early_stopping:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=early_stopping, restore_best_weights=True))
    start = time.perf_counter()
    history = net.fit(train, validation_data=val, epochs=epochs, callbacks=callbacks,
                      shuffle=False,  # the pipeline reshuffles every epoch itself
                      verbose=verbose)
    seconds = time.perf_counter() - start
    test = data.pipeline(dataset.x_test, dataset.y_test,
                         batch_size=min(max(batch_size, 256), len(dataset.x_test)),
                         shuffle=False)
    test_metrics = {k: float(v) for k, v in net.evaluate(test, verbose=0,
                                                          return_dict=True).items()}
    run = Run(
        model=net,
        history={k: [float(v) for v in vs] for k, vs in history.history.items()},
        test_metrics=test_metrics,
        output_dir=output_dir,
        config=config,
        published=dataset.published.get(config["model"]),
        seconds=seconds,
    )
    if output_dir is not None:
        outputs.write_run(run)
    return run


def _wrap_custom(build, dataset, standardize):
    """Put the standardization layer in front of a user's model."""
    inputs, h = models.inputs_and_preprocessing(dataset.x_train, standardize)
    user = build(dataset.x_train.shape[1:], dataset.num_classes)
    if not isinstance(user, keras.Model):
        raise TypeError(
            "`model` must return a keras.Model when called with (input_shape, num_classes). "
            f"Received: model returned {type(user).__name__}"
        )
    return keras.Model(inputs, user(h), name=user.name)
