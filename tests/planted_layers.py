"""Layers with a planted backward-pass defect, on every Keras backend, for the tests of the
checks that must catch one (`gradient_check`, `find_nonfinite`, `babysit`).

Their wrong gradients are written with `keras.ops.custom_gradient` (TensorFlow's
`tf.custom_gradient`, JAX's `jax.custom_gradient`): the same layer plants the same
defect on each backend. Registered (package "tests_planted") so that a model using one
rebuilds from its config, as the checks do. Load once per session through the
`helper_module` fixture: `helper_module("planted_layers.py").WrongTanh`.
"""

import keras
from keras import ops

from deeper.components.layers.precise_tanh import precise_tanh


def _upstream(args, upstream):
    """The incoming gradient: TensorFlow passes it positionally, JAX as `upstream`."""
    return args[0] if upstream is None else upstream


@ops.custom_gradient
def _wrong_tanh(x):
    y = precise_tanh(x)  # float64 stays float64 (ops.tanh demotes it on JAX)

    def grad(*args, upstream=None):
        return _upstream(args, upstream) * (1 - y)  # forgets a square: 1 - y**2

    return y, grad


@ops.custom_gradient
def _infinite_gradient_identity(x):
    def grad(*args, upstream=None):
        return _upstream(args, upstream) * float("inf")

    return x + 0, grad


@keras.saving.register_keras_serializable(package="tests_planted")
class WrongTanh(keras.layers.Layer):
    """tanh whose hand-written gradient forgets a square: 1 - y instead of 1 - y**2."""

    def call(self, x):
        return _wrong_tanh(x)


@keras.saving.register_keras_serializable(package="tests_planted")
class InfiniteGradient(keras.layers.Layer):
    """Identity forward, inf backward."""

    def call(self, x):
        return _infinite_gradient_identity(x)
