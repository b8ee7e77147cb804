"""Compiled truncated unrolls of the learned optimizer on a problem, and their meta-gradient.

`value_and_grad` is the only place that differentiates (TensorFlow's tape or
`jax.value_and_grad`, by Keras backend): swap it for the project's derivative
backend layer when that lands. `compile_fn` compiles (`tf.function` / `jax.jit`).

The meta-gradient uses the paper's assumption that the optimizee gradients are
constants (d grad f(theta_t) / d phi = 0). Then d f(theta_t) / d phi =
grad f(theta_t) . d theta_t / d phi, so the meta-loss sum_t f(theta_t) and the
surrogate sum_t <stop_gradient(grad f(theta_t)), theta_t> have the same gradient
with respect to phi: no second derivative of f is ever formed.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from deeper.components.optimizers import learned_lstm_math as lstm


def value_and_grad(fn):
    """`fn(x, *args) -> (value, aux)` to `(x, *args) -> ((value, aux), d value / d x)`."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.value_and_grad(fn, has_aux=True)
    if backend == "tensorflow":
        import tensorflow as tf

        def wrapped(x, *args):
            with tf.GradientTape() as tape:
                tape.watch(x)
                value, aux = fn(x, *args)
            return (value, aux), tape.gradient(value, x)

        return wrapped
    raise ValueError("`meta_train` runs on the TensorFlow or JAX Keras backend. Received: "
                     f"KERAS_BACKEND={backend!r}")


def compile_fn(fn):
    """`fn` compiled for the Keras backend (`tf.function`, `jax.jit`)."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(fn)
    import tensorflow as tf

    return tf.function(fn, reduce_retracing=True)


class Unroller:
    """Runs the learned optimizer on the problems of one task, flat parameters inside.

    Args:
        problem: a `Problem` of the task (for the shapes and the loss).
        length: the unroll length (optimizee steps per meta-gradient).
        p, output_scale: the LSTM's preprocessing constant and output scale.
    """

    def __init__(self, problem, length, p, output_scale):
        self.shapes = [np.shape(x) for x in problem.params]
        self.loss, self.length, self.p, self.output_scale = problem.loss, length, p, output_scale
        flat_loss = value_and_grad(self._flat_loss)
        self._loss_and_grad = flat_loss

        def run(phi, carry, data, t0):
            return self._run(phi, carry, data, t0)[1]

        def meta(phi, carry, data, t0):
            (_, aux), grad = value_and_grad(self._run)(phi, carry, data, t0)
            return aux, grad

        self.run, self.meta = compile_fn(run), compile_fn(meta)
        self.start_fn = compile_fn(lambda theta, data: flat_loss(theta, data, ops.zeros((),
                                                                                     "int32")))

    def _unflatten(self, theta):
        out, start = [], 0
        for shape in self.shapes:
            size = math.prod(shape)
            out.append(ops.reshape(theta[start:start + size], shape))
            start += size
        return out

    def _flat_loss(self, theta, data, step):
        losses = ops.reshape(self.loss(self._unflatten(theta), data, step), (-1,))
        return ops.sum(losses), losses

    def start(self, problem):
        """The carry at step 0: (theta, LSTM state, gradient, per-problem losses)."""
        theta = ops.convert_to_tensor(np.concatenate([np.ravel(x) for x in problem.params]))
        data = {k: ops.convert_to_tensor(v) for k, v in problem.data.items()}
        (_, losses), grad = self.start_fn(theta, data)
        state = ops.zeros((theta.shape[0], lstm.STATE_SIZE), theta.dtype)
        return (theta, state, grad, losses), data

    def _run(self, phi, carry, data, t0):
        theta, state, grad, _ = carry
        surrogate, history = 0.0, []
        for k in range(self.length):
            update, state = lstm.lstm_update(phi, ops.stop_gradient(grad), state, self.p,
                                             self.output_scale)
            theta = theta + update
            (_, losses), grad = self._loss_and_grad(ops.stop_gradient(theta), data, t0 + k + 1)
            grad = ops.stop_gradient(grad)
            surrogate = surrogate + ops.sum(grad * theta)
            history.append(losses)
        losses = ops.stack(history)  # (length, problems side by side)
        carry = (ops.stop_gradient(theta), ops.stop_gradient(state), grad, losses[-1])
        return surrogate, (carry, losses)

    def rollout(self, phi, problem, steps):
        """Losses f(theta_0), ..., f(theta_steps) of the learned optimizer: (steps + 1, k)."""
        carry, data = self.start(problem)
        out = [ops.convert_to_numpy(carry[3])[None]]
        for t0 in range(0, steps, self.length):
            carry, losses = self.run(phi, carry, data, ops.convert_to_tensor(t0, "int32"))
            out.append(ops.convert_to_numpy(losses))
        return np.concatenate(out)[:steps + 1]
