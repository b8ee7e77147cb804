"""The conformance suite's fixture for components that need TensorFlow.

On a machine without TensorFlow (`benchmarks/gpu_check.py`'s JAX-only set-up),
a component built on `tf.data` refuses in one sentence
(`lazy_tensorflow.MESSAGE`); its conformance case is then skipped, not failed.
Any other error, or that error where TensorFlow is installed, still fails.
"""

import contextlib

import pytest

from deeper.components.data import lazy_tensorflow


@contextlib.contextmanager
def _tensorflow_or_skip():
    try:
        yield
    except ImportError as err:
        if str(err) != lazy_tensorflow.MESSAGE or lazy_tensorflow.available():
            raise
        pytest.skip("needs TensorFlow, which is not installed (and says so in one sentence)")


@pytest.fixture
def tensorflow_or_skip():
    """A context manager: a case needing TensorFlow skips where it is not installed."""
    return _tensorflow_or_skip
