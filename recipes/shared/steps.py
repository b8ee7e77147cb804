"""A compiled plain gradient-descent loop on one batch, shared by the SGD-vs-GD recipes,
on the TensorFlow, JAX and PyTorch backends; and `steps_per_execution` per backend."""

from __future__ import annotations

import keras
from keras import ops

from deeper.components.diagnostics import autodiff


def steps_per_execution(requested):
    """`requested` where the backend allows it: PyTorch's Keras trainer requires 1."""
    return 1 if keras.backend.backend() == "torch" else requested


def _loss(loss):
    return loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def gradient_steps(model, learning_rate, loss=None):
    """A compiled `train(x, y, iterations)` taking `iterations` SGD steps on the batch `(x, y)`.

    Each step is `w <- w - learning_rate * grad L(w; x, y)` with Keras's `SGD`
    (no momentum) and `loss` (default: sparse categorical cross-entropy on
    logits), the mean over the batch. Returns the loss before the last step,
    a backend tensor. TensorFlow runs the loop in one `tf.function`; JAX runs
    one `jax.jit` step (`stateless_call`, `stateless_apply`) per iteration;
    PyTorch runs eagerly (`torch.autograd.grad`, then the optimizer's `apply`).
    """
    optimizer = keras.optimizers.SGD(learning_rate)
    optimizer.build(model.trainable_variables)
    loss_fn = _loss(loss)
    if keras.backend.backend() == "jax":
        return _jax_steps(model, optimizer, loss_fn)
    if keras.backend.backend() == "torch":
        return _torch_steps(model, optimizer, loss_fn)
    if keras.backend.backend() != "tensorflow":
        raise NotImplementedError(f"`gradient_steps` runs on the TensorFlow, JAX and PyTorch "
                                  f"backends. Received: backend={keras.backend.backend()}")
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def loop(x, y, iterations):
        value = tf.constant(0.0)
        for _ in tf.range(iterations):
            with tf.GradientTape() as tape:
                value = loss_fn(y, model(x, training=True))
            grads = tape.gradient(value, model.trainable_variables)
            optimizer.apply(grads, model.trainable_variables)
        return value

    return lambda x, y, iterations: loop(x, y, tf.constant(int(iterations)))


def _jax_steps(model, optimizer, loss_fn):
    import jax

    def value(trainable, non_trainable, x, y):
        out, non_trainable = model.stateless_call(trainable, non_trainable, x, training=True)
        return loss_fn(y, out), non_trainable

    grad = jax.value_and_grad(value, has_aux=True)

    @jax.jit
    def step(state, x, y):
        trainable, non_trainable, slots = state
        (loss, non_trainable), grads = grad(trainable, non_trainable, x, y)
        trainable, slots = optimizer.stateless_apply(slots, grads, trainable)
        return loss, (trainable, non_trainable, slots)

    def train(x, y, iterations):
        variables = (model.trainable_variables, model.non_trainable_variables,
                     optimizer.variables)
        state = tuple([v.value for v in group] for group in variables)
        x, y = ops.convert_to_tensor(x), ops.convert_to_tensor(y)
        loss = ops.zeros(())
        for _ in range(int(iterations)):
            loss, state = step(state, x, y)
        for group, values in zip(variables, state):
            for variable, new in zip(group, values):
                variable.assign(new)
        return loss

    return train


def _torch_steps(model, optimizer, loss_fn):
    import torch

    variables = model.trainable_variables

    def train(x, y, iterations):
        x, y = ops.convert_to_tensor(x), ops.convert_to_tensor(y)
        loss = ops.zeros(())
        for _ in range(int(iterations)):
            with torch.enable_grad():
                loss = loss_fn(y, model(x, training=True))
                grads = torch.autograd.grad(loss, [v.value for v in variables])
            with torch.no_grad():
                optimizer.apply(list(grads), variables)
            loss = loss.detach()
        return loss

    return train


def gradient(model, x, y, loss=None):
    """The gradient of the mean loss on `(x, y)` (training mode, without the model's
    regularization losses), as a list of NumPy arrays, on any differentiable backend."""
    f = autodiff.model_function(model, _loss(loss), x, y, training=True, regularization=False)
    grads = autodiff.value_and_grad(lambda args: f(args)[0])(autodiff.trainable_values(model))[1]
    return [ops.convert_to_numpy(g) for g in grads]
