"""The steps of `train_classifier`: resolve the options, build and compile the
model (under a distribution strategy), choose the learning rate."""

from __future__ import annotations

import contextlib

import keras

from deeper.components import data
from deeper.recipes.options import declared
from deeper.recipes.shared import compiling, models, progress, steps
from deeper.recipes.shared.batches import batches as input_batches
from deeper.recipes.shared.schedule import decay_schedule

SCHEDULE_ARGS = ("lr_drop", "lr_drop_every", "decay_rate", "decay_factor", "warmup_epochs")


def check_objects(o, callbacks):
    """The checks of what the declaration passes through: instances and callables."""
    if not isinstance(o["optimizer"], (str, keras.optimizers.Optimizer)):
        raise TypeError(
            "`optimizer` must be an optimizer name or a keras.optimizers.Optimizer "
            "(an instance is used as given: `learning_rate` and the schedule do not apply). "
            f"Received: optimizer={o['optimizer']!r}")
    if not isinstance(o["model"], str) and not callable(o["model"]):
        raise TypeError(f"`model` must be 'mlp', 'cnn' or a callable. "
                        f"Received: model={o['model']!r}")
    if callbacks is not None and not all(
            isinstance(c, keras.callbacks.Callback) for c in callbacks):
        raise TypeError(f"`callbacks` must be a list of keras.callbacks.Callback. "
                        f"Received: callbacks={callbacks!r}")


def strategy(distribution):
    """`None`, a `tf.distribute.Strategy` (as given, or a new `MirroredStrategy` for
    "mirrored"), or a `keras.distribution.DataParallel` for "data_parallel".

    "data_parallel" is JAX's path: `DataParallel` over `keras.distribution.list_devices()`,
    every device of every process once `keras.distribution.initialize` has joined the
    processes; the recipe feeds each process its share of every batch (`shard`), so
    Keras's own sharding of datasets is off. `tf.distribute` is TensorFlow's path."""
    if distribution is None:
        return None
    backend = keras.backend.backend()
    if distribution == "data_parallel":
        if backend != "jax":
            raise ValueError(
                "`distribution` 'data_parallel' is keras.distribution, which needs the JAX "
                f"backend (this one is {backend}); on TensorFlow use 'mirrored' "
                "(tf.distribute.MirroredStrategy). Received: distribution='data_parallel'")
        return keras.distribution.DataParallel(devices=keras.distribution.list_devices(),
                                               auto_shard_dataset=False)
    if backend != "tensorflow":
        raise ValueError(
            f"`distribution` {distribution!r} is tf.distribute, which needs the TensorFlow "
            f"backend (this one is {backend}); on JAX use 'data_parallel' "
            f"(keras.distribution.DataParallel). Received: distribution={distribution!r}")
    import tensorflow as tf

    if isinstance(distribution, tf.distribute.Strategy):
        return distribution
    if distribution != "mirrored":
        raise TypeError("`distribution` must be None, 'mirrored', 'data_parallel' or a "
                        f"tf.distribute.Strategy. Received: distribution={distribution!r}")
    return tf.distribute.MirroredStrategy()


def replicas(placement):
    """How many model replicas train in sync: devices of every process, or 1."""
    if placement is None:
        return 1
    if isinstance(placement, keras.distribution.DataParallel):
        return int(placement.device_mesh.devices.size)
    return placement.num_replicas_in_sync


def scopes(placement):
    """`(build, run)` context managers: a `tf.distribute` strategy scopes the model's
    creation; a `keras.distribution` is set for the whole run (build, fit, evaluate)
    and the previous one restored afterwards."""
    null = contextlib.nullcontext
    if placement is None:
        return null(), null()
    if isinstance(placement, keras.distribution.DataParallel):
        return null(), placement.scope()
    return placement.scope(), null()


def check_data_parallel(dataset, batch_size, devices):
    """A data-parallel batch splits evenly over the devices; every split fills them."""
    if batch_size % devices:
        raise ValueError(
            f"`batch_size` must be a multiple of the {devices} devices of "
            f"distribution='data_parallel'. Received: batch_size={batch_size}")
    for split in ("x_train", "x_val", "x_test"):
        if len(getattr(dataset, split)) < devices:
            raise ValueError(
                f"`dataset.{split}` must hold at least one example per device ({devices}) "
                f"with distribution='data_parallel'. Received: "
                f"{len(getattr(dataset, split))} examples")


def batches_per_epoch(n, batch_size, devices=1):
    """Batches of `n` examples: a last batch smaller than `devices` is dropped (`shard`)."""
    return n // batch_size + (n % batch_size >= devices)


def shard(batches, devices, n, batch_size):
    """Each process's share of every batch of the `tf.data` pipeline `batches`
    (`n` examples in batches of `batch_size`).

    A batch is cut to a multiple of `devices` (only an epoch's last, smaller batch
    loses its `size % devices` examples; one smaller than `devices` is dropped),
    and process p of P keeps rows `[p * m, (p + 1) * m)` of it, m = size / P. Every
    process builds the same seeded pipeline, so Keras assembles the shares
    (`jax.make_array_from_process_local_data`) into the single-process batch: the
    mesh of `strategy` lists the devices process by process, as `jax.devices()` does."""
    import jax
    import tensorflow as tf

    processes, index = jax.process_count(), jax.process_index()

    def share(x, y):
        m = (tf.shape(x)[0] // devices) * devices // processes
        return x[index * m:(index + 1) * m], y[index * m:(index + 1) * m]

    count = batches_per_epoch(n, batch_size, devices)
    out = (batches.map(share).filter(lambda x, y: tf.shape(x)[0] > 0)
           .apply(tf.data.experimental.assert_cardinality(count)).prefetch(tf.data.AUTOTUNE))
    out.deeper_epoch_counters = getattr(batches, "deeper_epoch_counters", ())
    return out


def pipelines(dataset, batch_size, seed, augment=False, devices=None):
    """(training, validation, test) pipelines; evaluation batches of at least 256.

    The training pipeline (and its augmentation) draws epoch e's order and
    random draws from `(seed, e)`, so a resumed run reads what the
    uninterrupted one read. With `devices` (distribution="data_parallel"), each
    process gets its share of every batch (`shard`), evaluation batches a
    multiple of `devices`."""
    multiple = devices or 1

    def evaluation(x, y):
        size = min(max(batch_size, 256), len(x))
        size -= size % multiple
        batches = input_batches(x, y, batch_size=size, shuffle=False)
        return shard(batches, devices, len(x), size) if devices else batches

    train = input_batches(dataset.x_train, dataset.y_train, batch_size=batch_size, seed=seed)
    if augment and dataset.x_train.ndim == 4:  # images: crops, contrast, tint; no flip
        train = data.augment(train, flip=None, seed=seed)
    elif augment:  # signals: shifts and scales
        train = data.augment_1d(train, seed=seed)
    if devices:
        train = shard(train, devices, len(dataset.x_train), batch_size)
    return (train, evaluation(dataset.x_val, dataset.y_val),
            evaluation(dataset.x_test, dataset.y_test))


def wrap_custom(build, dataset, standardize):
    """Put the standardization layer in front of a user's model."""
    inputs, h = models.inputs_and_preprocessing(dataset.x_train, standardize)
    user = build(dataset.x_train.shape[1:], dataset.num_classes)
    if not isinstance(user, keras.Model):
        raise TypeError(
            "`model` must return a keras.Model when called with (input_shape, num_classes). "
            f"Received: model returned {type(user).__name__}")
    return keras.Model(inputs, user(h), name=user.name)


def model_options(o):
    """The declared model options of the resolved options `o` (without `model`)."""
    return {k: o[k] for k in declared.MODEL if k != "model"}


def build_and_compile(dataset, o, steps_per_epoch):
    """The model of the options `o`, compiled with its optimizer and schedule."""
    dtype = keras.DTypePolicy(o["mixed_precision"]) if o["mixed_precision"] else None
    if isinstance(o["model"], str):
        net = models.build(o["model"], dataset.x_train, dataset.num_classes, dtype=dtype,
                           seed=o["seed"], **model_options(o))
    else:
        net = wrap_custom(o["model"], dataset, o["standardize"])
    return compiling.compile_recipe(net, o["optimizer"], schedule(o, steps_per_epoch),
                                    mixed_precision=o["mixed_precision"],
                                    steps_per_execution=steps.steps_per_execution(o["steps_per_execution"]))


def schedule(o, steps_per_epoch):
    """The learning rate (a number or a schedule in steps) of the options `o`."""
    return decay_schedule(o["schedule"], o["learning_rate"], steps_per_epoch=steps_per_epoch,
                          epochs=o["epochs"], **{k: o[k] for k in SCHEDULE_ARGS})


def choose_learning_rate(dataset, o):
    """The initial rate: as given, the optimizer's default, or the finder's suggestion."""
    if o["learning_rate"] is None:
        return declared.learning_rate_for(o["optimizer"])
    if o["learning_rate"] != "find":
        return o["learning_rate"]
    if not isinstance(o["model"], str) or not isinstance(o["optimizer"], str):
        raise ValueError("`learning_rate` 'find' needs a recipe model and an optimizer name. "
                         f"Received: model={o['model']!r}, optimizer={o['optimizer']!r}")
    from deeper.recipes.lr.find import lr_find

    found = lr_find(dataset, model=o["model"], optimizer=o["optimizer"],
                    batch_size=o["batch_size"], seed=o["seed"], verbose=0, **model_options(o))
    if found.suggested_learning_rate is None:
        raise ValueError("`learning_rate` 'find' got no suggestion: the range test's loss "
                         "never decreased; give a learning rate. Received: learning_rate='find'")
    progress.say(o["verbose"], f"learning-rate finder: training at {found.summary()}")
    return found.suggested_learning_rate
