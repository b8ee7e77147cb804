"""`tf`: TensorFlow, imported when first used, with one sentence where it is missing.

`deeper.components` imports without TensorFlow (a JAX or PyTorch set-up);
only what truly needs it (the `tf.data` builders: `pipeline`, `augment`,
`augment_1d`, `HardExampleSampler`, `DriftingStream.dataset`; tensorflow-datasets
loading; `tf.distribute`) imports it, on its first use, through this proxy.
Without TensorFlow such a call raises `ImportError` in one sentence; the
backend-neutral input path is `data.numpy_batches`.
"""

from __future__ import annotations

import importlib

MESSAGE = ("This needs TensorFlow (tf.data, tensorflow-datasets or tf.distribute), which is "
           "not installed: install tensorflow, or feed NumPy batches "
           "(deeper.components.data.numpy_batches) on the JAX or PyTorch backend.")


def require():
    """The `tensorflow` module, or `ImportError` with `MESSAGE` when it is not installed."""
    try:
        return importlib.import_module("tensorflow")
    except ImportError:
        raise ImportError(MESSAGE) from None


def available():
    """Whether TensorFlow can be imported (it is imported, once, to find out)."""
    try:
        require()
    except ImportError:
        return False
    return True


class _LazyTensorFlow:
    """Forwards every attribute to the `tensorflow` module, imported on first access."""

    def __getattr__(self, name):
        return getattr(require(), name)


tf = _LazyTensorFlow()
