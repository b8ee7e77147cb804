"""`numpy_batches`: the backend-neutral input path, a `keras.utils.PyDataset` of NumPy batches."""

from __future__ import annotations

import math

import keras
import numpy as np

from deeper.components.validation import check_bool, check_number, check_seed


class NumpyBatches(keras.utils.PyDataset):
    """`(x_batch, y_batch)` NumPy batches in a seeded order, reshuffled every epoch.

    Epoch `e` visits every example once in the order
    `np.random.default_rng([seed, e]).permutation(n)`, the same on every backend
    and with or without TensorFlow. It needs no TensorFlow: use it on JAX or
    PyTorch where `data.pipeline` (tf.data) is unavailable. Pass `shuffle=False`
    to `model.fit`: the batches already reshuffle.

    Args:
        x, y: arrays with as many rows.
        batch_size: examples per batch, 1 <= batch_size <= len(x).
        shuffle: reshuffle every epoch. Defaults to `True`.
        seed: seed of the orders. Defaults to 0.
        drop_remainder: drop the last, smaller batch. Defaults to `False`.
    """

    def __init__(self, x, y, *, batch_size, shuffle=True, seed=0, drop_remainder=False):
        super().__init__()
        self.x, self.y = np.asarray(x), np.asarray(y)
        if len(self.x) == 0 or len(self.x) != len(self.y):
            raise ValueError(f"`x` and `y` must be non-empty with as many rows. Received: "
                             f"x.shape={self.x.shape}, y.shape={self.y.shape}")
        self.batch_size = check_number("batch_size", batch_size, low=1, high=len(self.x),
                                       integer=True)
        self.shuffle = check_bool("shuffle", shuffle)
        self.seed = check_seed("seed", seed)
        self.drop_remainder = check_bool("drop_remainder", drop_remainder)
        self.epoch = 0
        self._order = self.order(0)
        # `callbacks.ExactCheckpoint` sets the epoch through this handle on resume
        self.deeper_epoch_counters = (_EpochCounter(self),) if self.shuffle else ()

    def order(self, epoch):
        """The example order of epoch `epoch`."""
        n = len(self.x)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, epoch]).permutation(n)

    def __len__(self):
        n = len(self.x) / self.batch_size
        return int(n) if self.drop_remainder else math.ceil(n)

    def __getitem__(self, index):
        rows = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        self.start_epoch(self.epoch + 1)

    def skip(self, batches):
        """The rest of the current epoch after its first `batches` batches (for
        `callbacks.resume_fit`, like `tf.data.Dataset.skip`)."""
        return _Skipped(self, check_number("batches", batches, low=0, high=len(self),
                                           integer=True))

    def start_epoch(self, epoch):
        """Make the next pass over the batches epoch `epoch` (its seeded order)."""
        self.epoch = int(epoch)
        self._order = self.order(self.epoch)


class _Skipped(keras.utils.PyDataset):
    """The batches of `source`'s current epoch from batch `start` on."""

    def __init__(self, source, start):
        super().__init__()
        self.source, self.start = source, start

    def __len__(self):
        return len(self.source) - self.start

    def __getitem__(self, index):
        return self.source[self.start + index]


class _EpochCounter:
    """The epoch handle `callbacks.ExactCheckpoint` sets, as on a `data.pipeline`:
    `assign(e - 1)` makes the next pass epoch `e`."""

    def __init__(self, batches):
        self._batches = batches

    def assign(self, value):
        self._batches.start_epoch(int(value) + 1)


def numpy_batches(x, y, *, batch_size, shuffle=True, seed=0, drop_remainder=False):
    """A `NumpyBatches` of `(x, y)`: seeded NumPy batches for `model.fit`, on any backend.

    Example:

    >>> batches = numpy_batches(np.zeros((10, 2)), np.arange(10), batch_size=4, seed=0)
    >>> len(batches), batches[2][0].shape
    (3, (2, 2))
    """
    return NumpyBatches(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed,
                        drop_remainder=drop_remainder)
