"""The recipes' input: `tf.data` where TensorFlow is installed, seeded NumPy batches where not."""

from __future__ import annotations

from deeper.components import data
from deeper.components.data import lazy_tensorflow


def batches(x, y, *, batch_size, shuffle=True, seed=0):
    """`data.pipeline(x, y, ...)` (tf.data) where TensorFlow imports, else
    `data.numpy_batches(x, y, ...)` (a `keras.utils.PyDataset`, on JAX or PyTorch).

    Both reshuffle every epoch in an order keyed on `(seed, epoch)` and carry the
    epoch counter `callbacks.ExactCheckpoint` sets, so a resumed run reads what
    the uninterrupted one read (the two orders differ from each other)."""
    if lazy_tensorflow.available():
        return data.pipeline(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed)
    return data.numpy_batches(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed)
