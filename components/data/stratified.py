"""Epoch orders for class-diverse batches: each class spread evenly through the epoch."""

from __future__ import annotations

import numpy as np

from deeper.components.data.lazy_tensorflow import tf


def class_ids(y):
    """Dense class ids 0..K-1 of integer labels (1-D) or one-hot rows (2-D), and K.

    Raises the one-sentence `ValueError` for targets that are not class labels.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = np.argmax(y, axis=1)
    elif y.ndim == 2:
        y = y[:, 0]
    integral = y.ndim == 1 and (np.issubdtype(y.dtype, np.integer) or (
        np.issubdtype(y.dtype, np.floating) and np.all(np.isfinite(y))
        and np.all(y == np.round(y))))
    if not integral:
        raise ValueError(
            "`y` must hold class labels (integers, or one-hot rows) for batching='stratified'. "
            f"Received: y of shape {y.shape} and dtype {y.dtype}")
    classes, ids = np.unique(y, return_inverse=True)
    return ids.astype("int64"), len(classes)


def stratified_order(ids, num_classes, key):
    """A permutation of `range(len(ids))` that spreads each class evenly.

    The examples of class c (n_c of them, in a random order) get the keys
    `(r + u_c) / n_c` for their ranks r = 0..n_c-1, with one random offset
    u_c ~ U[0, 1) per class; the epoch visits examples by increasing key. Class
    c then fills every window of b consecutive positions in proportion, about
    b * n_c / n times: with K balanced classes the order is a round robin over
    the classes, so a batch of b holds min(b, K) distinct classes.

    Args:
        ids: dense class ids, a NumPy int64 array.
        num_classes: K.
        key: a stateless seed, an int64 tensor of shape (2,).

    Returns:
        An int64 tensor of example indices.
    """
    n = len(ids)
    counts = np.bincount(ids, minlength=num_classes)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ids_t = tf.constant(ids, tf.int64)
    shuffle_key, offset_key = tf.unstack(tf.random.split(key, 2))
    perm = tf.random.experimental.stateless_shuffle(tf.range(n, dtype=tf.int64), shuffle_key)
    grouped = tf.gather(perm, tf.argsort(tf.gather(ids_t, perm), stable=True))
    cls = tf.gather(ids_t, grouped)
    rank = tf.range(n, dtype=tf.int64) - tf.gather(tf.constant(starts, tf.int64), cls)
    offsets = tf.random.stateless_uniform([num_classes], offset_key, dtype=tf.float64)
    keys = (tf.cast(rank, tf.float64) + tf.gather(offsets, cls)) / tf.gather(
        tf.constant(counts, tf.float64), cls)
    return tf.gather(grouped, tf.argsort(keys, stable=True))
