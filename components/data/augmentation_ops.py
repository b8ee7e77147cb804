"""Shared plumbing of `augment` and `augment_1d`: checks, per-batch stateless keys."""

from __future__ import annotations

from deeper.components.data.lazy_tensorflow import tf


def check_dataset(dataset, ranks, what):
    """The `x` spec of a batched `tf.data.Dataset` of `(x, y, ...)` tuples, of an allowed rank."""
    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError(
            "`dataset` must be a batched tf.data.Dataset of (x, y) tuples, such as "
            f"data.pipeline(...). Received: dataset of type {type(dataset).__name__}"
        )
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) < 2:
        raise ValueError(
            "`dataset` must yield (x, y) or (x, y, sample_weight) tuples, so that labels pass "
            f"through unchanged. Received: element_spec={spec}"
        )
    x_spec = spec[0]
    rank = x_spec.shape.rank
    if rank not in ranks or not x_spec.dtype.is_floating and not x_spec.dtype.is_integer:
        raise ValueError(
            f"`dataset` must yield {what}. Received: x of shape {tuple(x_spec.shape)} "
            f"and dtype {x_spec.dtype.name}"
        )
    return x_spec


def keyed_batches(dataset, seed):
    """`(key, element)` pairs: `key` is a stateless seed unique to (seed, epoch, batch).

    Epoch `e` (the e-th iteration of the returned dataset, counted per dataset
    object) and batch `i` give `fold_in(fold_in([seed, 0], e), i)`, so the
    random draws do not depend on the order in which parallel map calls run,
    nor on TensorFlow's global seed, and each epoch draws new ones. The
    returned dataset's `deeper_epoch_counters` holds the input's counters and
    this one, for `callbacks.ExactCheckpoint` to set from Keras's epoch index.
    """
    with tf.device("/cpu:0"):
        epoch = tf.Variable(-1, dtype=tf.int64, trainable=False)
    base = tf.constant([seed, 0], tf.int64)

    def start_epoch(_):
        return tf.random.experimental.stateless_fold_in(base, epoch.assign_add(1))

    def with_keys(epoch_key):
        def key_of(i, element):
            return tf.random.experimental.stateless_fold_in(epoch_key, i), element
        return dataset.enumerate().map(key_of)

    keyed = tf.data.Dataset.range(1).map(start_epoch).flat_map(with_keys)
    cardinality = dataset.cardinality()
    if cardinality != tf.data.UNKNOWN_CARDINALITY:  # flat_map hides it; Keras needs it
        keyed = keyed.apply(tf.data.experimental.assert_cardinality(cardinality))
    keyed.deeper_epoch_counters = (*getattr(dataset, "deeper_epoch_counters", ()), epoch)
    return keyed


def with_counters(dataset, source):
    """`dataset` carrying the epoch counters of `source` (see `callbacks.ExactCheckpoint`)."""
    dataset.deeper_epoch_counters = getattr(source, "deeper_epoch_counters", ())
    return dataset


def subkeys(key, count):
    """`count` independent stateless seeds derived from `key`."""
    return tf.unstack(tf.random.experimental.stateless_split(key, count))


def uniform(key, shape, low, high):
    """Stateless U(low, high) float32 draws."""
    return tf.random.stateless_uniform(shape, key, minval=low, maxval=high, dtype=tf.float32)


def shift_crop(x, key, padding, axes):
    """Zero-pad `padding` on each side of `axes` and crop back, at a new offset per example."""
    batch = tf.shape(x)[0]
    paddings = [[0, 0]] * len(x.shape)
    for axis in axes:
        paddings[axis] = [padding, padding]
    out = tf.pad(x, paddings)
    for axis, axis_key in zip(axes, subkeys(key, len(axes))):
        size = tf.shape(x)[axis]
        offsets = tf.random.stateless_uniform((batch,), axis_key, minval=0,
                                              maxval=2 * padding + 1, dtype=tf.int32)
        rows = offsets[:, None] + tf.range(size)[None, :]  # (batch, size): one window each
        out = tf.gather(out, rows, axis=axis, batch_dims=1)
    return out
