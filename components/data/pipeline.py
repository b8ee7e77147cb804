"""`pipeline`: a pre-batched, prefetched `tf.data` input reshuffled every epoch,
optionally with class-diverse (stratified) batches."""

from __future__ import annotations

import numpy as np

from deeper.components.constraints import AnyOf, Boolean, Integer, Options, Seed, declare
from deeper.components.data.lazy_tensorflow import tf
from deeper.components.data.stratified import class_ids, stratified_order

BATCHINGS = ("shuffle", "stratified")


@declare({"batch_size": AnyOf(Integer(low=1), Options("full")), "shuffle": Boolean(),
          "seed": Seed(), "drop_remainder": Boolean(), "batching": Options(*BATCHINGS)},
          example=lambda: {"x": np.zeros((8, 2), "float32"), "y": np.arange(8) % 2,
                           "batch_size": 4})
def pipeline(x, y, *, batch_size, shuffle=True, seed=0, drop_remainder=False,
             batching="shuffle"):
    """Build a `tf.data.Dataset` of `(x_batch, y_batch)` for `model.fit`.

    Each epoch (each new iteration of the dataset) visits every example exactly
    once in a new order; the sequence of orders is the same for the same
    `seed`, whatever TensorFlow's global seed (epoch `e` uses the stateless
    permutation keyed on `(seed, e)`, counted per pipeline object). Shuffling
    permutes indices, and each batch is gathered in one vectorized op from the
    arrays held in host memory: for MNIST-sized arrays (60000 x 784, batch
    128) this is about twice as fast as `from_tensor_slices(...).shuffle(...)
    .batch(...)`, which copies element by element (for tiny arrays such as
    4000 x 40 the two are within a few milliseconds per epoch). The next batch
    is prefetched while the model trains on the current one. Pass
    `shuffle=False` to `model.fit`: the pipeline already reshuffles.

    With `batching="stratified"` every batch is as class-diverse as its size
    allows, in class proportions: each epoch shuffles every class on its own and
    gives the examples of class c (n_c of them, ranks r = 0..n_c-1) the keys

        key = (r + u_c) / n_c,    u_c ~ U[0, 1) once per class and epoch,

    and serves them by increasing key. A batch of b then holds about
    b * n_c / n examples of class c (within about one of it), so
    with K balanced classes it holds min(b, K) distinct classes, where plain
    shuffling leaves some out (on average K * (1 - (1 - 1/K)^b) distinct:
    5.7 of 10 at b = 8). Orders are still new every epoch and the same for the
    same seed.

    Args:
        x: inputs, an array with a leading example axis.
        y: labels (or targets), same length as `x`.
        batch_size: examples per batch, an integer from 1 to the number of
            examples, or `"full"` for the whole set as a single batch
            (full-batch gradient descent).
        shuffle: reshuffle every epoch. Defaults to `True`.
        seed: seed of the shuffling order. Defaults to 0.
        drop_remainder: drop the last, smaller batch. Defaults to `False`.
        batching: `"shuffle"` (a uniformly random order) or `"stratified"`
            (class-diverse batches; `y` must hold class labels, integers or
            one-hot rows, and `shuffle` must be True). Defaults to `"shuffle"`.

    Returns:
        A `tf.data.Dataset` yielding `(x_batch, y_batch)` tuples.

    Example:

    ```python
    train = pipeline(ds.x_train, ds.y_train, batch_size=64, seed=0)
    model.fit(train, epochs=10)
    diverse = pipeline(ds.x_train, ds.y_train, batch_size=8, batching="stratified")
    ```

    Reference:
        Stratified mini-batches: LeCun, Bottou, Orr and Muller, "Efficient
        BackProp" (1998), section 4.2 (shuffle so that successive examples
        rarely belong to the same class).
    """
    x = np.asarray(x)
    y = np.asarray(y)
    for arg, array in (("x", x), ("y", y)):
        if array.ndim == 0:
            raise ValueError(f"`{arg}` must be an array with a leading example axis. "
                             f"Received: {arg}={array!r}")
    if len(x) != len(y):
        raise ValueError(
            f"`x` and `y` must have the same length. Received: len(x)={len(x)}, len(y)={len(y)}"
        )
    n = len(x)
    if n == 0:
        raise ValueError("`x` must hold at least one example. Received: an empty array")
    if isinstance(batch_size, str):
        if batch_size != "full":
            raise ValueError(
                "`batch_size` must be an integer >= 1 or 'full'. "
                f"Received: batch_size={batch_size!r}"
            )
        batch_size = n
    batch_size = batch_size
    shuffle = shuffle
    seed = seed
    drop_remainder = drop_remainder
    if batch_size > n:
        raise ValueError(
            f"`batch_size` must be at most the number of examples ({n}), or 'full' for "
            f"one batch of all of them. Received: batch_size={batch_size}"
        )
    batching = batching
    if batching == "stratified":
        if not shuffle:
            raise ValueError("`shuffle` must be True with batching='stratified' (it draws a "
                             "new class-diverse order every epoch). Received: shuffle=False")
        ids, num_classes = class_ids(y)

    with tf.device("/cpu:0"):  # the data stay in host memory, where tf.data runs
        xs = tf.constant(x)
        ys = tf.constant(y)
    if shuffle:
        # Epoch e's order is a stateless permutation keyed on (seed, e): it does
        # not depend on TensorFlow's global seed (Dataset.shuffle's does).
        with tf.device("/cpu:0"):
            epoch = tf.Variable(-1, dtype=tf.int64, trainable=False)

        def epoch_order(_):
            key = tf.stack([tf.constant(seed, tf.int64), epoch.assign_add(1)])
            if batching == "stratified":
                return stratified_order(ids, num_classes, key)
            return tf.random.experimental.stateless_shuffle(tf.range(n, dtype=tf.int64), key)

        indices = tf.data.Dataset.range(1).map(epoch_order).unbatch()
    else:
        indices = tf.data.Dataset.range(n)
    batches = indices.batch(batch_size, drop_remainder=drop_remainder)
    dataset = batches.map(
        lambda i: (tf.gather(xs, i), tf.gather(ys, i)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    ).prefetch(tf.data.AUTOTUNE)
    # The epoch counter, for `callbacks.ExactCheckpoint` to key epoch e on e exactly.
    dataset.deeper_epoch_counters = (epoch,) if shuffle else ()
    return dataset
