"""Derivatives outside `fit`, on every Keras backend: the one module that knows the backend.

Everything in `deeper` that differentiates outside `model.fit` (the gradient
check, the signal and finite-value probes, `Objective`'s gradient,
Hessian-vector product and Hessian, the line search, Newton, Hessian-free
and full-batch L-BFGS, the 2-D surfaces) goes through these functions:

* `value_and_grad(fn)`: `fn(args) -> scalar` (or `(scalar, aux)`) on a list of
  tensors, differentiated with respect to every tensor of the list;
* `hvp(fn)`: the Hessian-vector product of a function of one flat vector, by
  forward-over-reverse differentiation (Pearlmutter 1994);
* `hessian(fn)`: its n x n Hessian;
* `model_function(model, loss, x, y)`: a model's mean loss plus its
  regularization losses as a pure function of its trainable values, through
  Keras's `stateless_call` (so no variable is assigned and the same code
  runs on every backend);
* `compile(fn)`, `precision(dtype)`: `tf.function` / `jax.jit`, and the JAX
  x64 mode that float64 needs there.

Backends: TensorFlow (`tf.GradientTape`, `tf.autodiff.ForwardAccumulator`),
JAX (`jax.value_and_grad`, `jax.jvp`, `jax.hessian`) and PyTorch
(`torch.autograd`). A tensor the value does not depend on gets a `None`
gradient on TensorFlow and PyTorch, and a zero on JAX (which does not track
dependence); callers that need every gradient say so with `missing_gradient`.
"""

from __future__ import annotations

import contextlib

import keras
from keras import ops


def backend() -> str:
    """The Keras backend in use ("tensorflow", "jax", "torch", "numpy")."""
    return keras.backend.backend()


def _require_differentiable():
    if backend() not in ("tensorflow", "jax", "torch"):
        raise RuntimeError(f"Derivatives need the TensorFlow, JAX or PyTorch backend of Keras; "
                           f"the {backend()!r} backend has no automatic differentiation.")


def precision(dtype):
    """A context in which computations in `dtype` keep it: JAX's x64 mode for float64.

    JAX computes in float32 unless x64 is enabled; inside this context (on JAX,
    for "float64") it is, and outside it nothing changes. Elsewhere a no-op.
    """
    if backend() == "jax" and str(dtype) == "float64":
        import jax

        return jax.enable_x64(True)
    return contextlib.nullcontext()


def compile(fn):  # noqa: A001  (the backend's compiler, by its usual name)
    """`fn` compiled for the backend (`tf.function`, `jax.jit`), or as is (PyTorch).

    The compiled function must be pure: on JAX, a variable read inside it is
    read once, when it is traced.
    """
    if backend() == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, reduce_retracing=True)
    if backend() == "jax":
        import jax

        return jax.jit(fn)
    return fn


def value_and_grad(fn, has_aux=False):
    """A function `args -> (value, grads, aux)` for `fn(args) -> value` (or `(value, aux)`).

    `args` is a list of floating-point tensors; `grads` is the list of the
    gradients of the scalar `value` with respect to each (`None` where the value
    does not depend on it, on TensorFlow and PyTorch); `aux` is `None` unless
    `has_aux`.
    """
    _require_differentiable()

    def split(out):
        return out if has_aux else (out, None)

    if backend() == "tensorflow":
        import tensorflow as tf

        def tf_value_and_grad(args):
            args = [tf.convert_to_tensor(a) for a in args]
            with tf.GradientTape() as tape:
                tape.watch(args)
                value, aux = split(fn(args))
            return value, tape.gradient(value, args), aux

        return tf_value_and_grad
    if backend() == "jax":
        import jax

        def jax_value_and_grad(args):
            (value, aux), grads = jax.value_and_grad(lambda a: split(fn(a)), has_aux=True)(
                [ops.convert_to_tensor(a) for a in args])
            return value, list(grads), aux

        return jax_value_and_grad
    import torch

    def torch_value_and_grad(args):
        args = [ops.convert_to_tensor(a).detach().requires_grad_(True) for a in args]
        with torch.enable_grad():
            value, aux = split(fn(args))
            grads = torch.autograd.grad(value, args, allow_unused=True)
        return value.detach(), list(grads), aux

    return torch_value_and_grad


def missing_gradient(grads, names):
    """Raise `ValueError` naming the first tensor whose gradient is `None`."""
    for grad, name in zip(grads, names):
        if grad is None:
            raise ValueError(f"The loss does not depend on {name}: its gradient is missing "
                             "(a layer outside the graph from the inputs to the outputs, or "
                             "an operation without a gradient).")


def hvp(fn):
    """`(w, v) -> H(w) v` for a scalar function `fn` of one flat vector `w`."""
    _require_differentiable()
    if backend() == "tensorflow":
        import tensorflow as tf

        def tf_hvp(w, v):
            with tf.autodiff.ForwardAccumulator(w, v) as acc:
                with tf.GradientTape() as tape:
                    tape.watch(w)
                    f = fn(w)
                g = tape.gradient(f, w)
            return acc.jvp(g)

        return tf_hvp
    if backend() == "jax":
        import jax

        return lambda w, v: jax.jvp(jax.grad(fn), (w,), (v,))[1]
    import torch

    def torch_hvp(w, v):
        w = w.detach().requires_grad_(True)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(fn(w), w, create_graph=True)
            (hv,) = torch.autograd.grad(g, w, grad_outputs=v)
        return hv.detach()

    return torch_hvp


def hessian(fn, chunk=64):
    """`w -> H(w)` (n x n) for a scalar function `fn` of one flat vector.

    TensorFlow: Hessian-vector products with the basis vectors, `chunk` at a
    time (vectorized by `tf.vectorized_map`, traced once); JAX: `jax.hessian`;
    PyTorch: `torch.autograd.functional.hessian`. Not symmetrized.
    """
    _require_differentiable()
    if backend() == "tensorflow":
        import tensorflow as tf

        product = hvp(fn)
        block_fn = tf.function(lambda w, basis: tf.vectorized_map(lambda v: product(w, v),
                                                                  basis),
                               reduce_retracing=True)

        def tf_hessian(w):
            n = int(w.shape[0])
            eye = tf.eye(n, dtype=w.dtype)
            rows = []
            for i in range(0, n, chunk):
                block = eye[i:i + chunk]
                if block.shape[0] < chunk:  # one shape for every block: traced once
                    block = tf.concat([block, tf.zeros((chunk - block.shape[0], n), w.dtype)], 0)
                rows.append(block_fn(w, block)[:min(chunk, n - i)])
            return tf.concat(rows, 0)

        return tf_hessian
    if backend() == "jax":
        import jax

        return jax.hessian(fn)
    import torch

    return lambda w: torch.autograd.functional.hessian(fn, w.detach())


def model_function(model, loss_fn, x, y, *, training=False, regularization=True, chunks=None):
    """A model's loss as a pure function of its trainable values.

    Returns `f(trainable_values) -> (loss, outputs)` where `loss` is the mean of
    `loss_fn(y, model(x))` plus, with `regularization`, the losses the model
    adds during the call (weight and activity regularizers), all through
    `model.stateless_call`, so that nothing is assigned (batch normalization's
    moving statistics included, with `training=True`). With `chunks`, a list of
    `(start, stop)` rows, the mean is taken chunk by chunk (memory) and
    `outputs` is `None`.
    """
    frozen = [v.value for v in model.non_trainable_variables]
    options = {"training": training} if _takes_training(model) else {}
    x = ops.convert_to_tensor(x)
    y = ops.convert_to_tensor(y)
    n = int(x.shape[0])

    def call(trainable, lo, hi):
        out, _, losses = model.stateless_call(
            list(trainable), frozen, x if lo is None else x[lo:hi], return_losses=True,
            **options)
        target = y if lo is None else y[lo:hi]
        return mean(loss_fn(target, out)), out, losses

    def f(trainable):
        if chunks is None:
            value, out, losses = call(trainable, None, None)
        else:
            value, out = 0.0, None
            for lo, hi in chunks:
                part, _, losses = call(trainable, lo, hi)
                value = value + part * ((hi - lo) / n)
        if regularization and losses:
            value = value + sum(ops.cast(extra, value.dtype) for extra in losses)
        return value, out

    return f


def mean(tensor):
    """The mean of all entries, in the tensor's own precision (on JAX, `ops.mean` of a
    float64 tensor is rounded to float32)."""
    tensor = ops.convert_to_tensor(tensor)
    size = 1
    for dim in tensor.shape:
        size *= int(dim)
    return ops.sum(tensor) / max(size, 1)


def _takes_training(model):
    import inspect

    try:
        parameters = inspect.signature(model.call).parameters
    except (TypeError, ValueError):
        return True
    return "training" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def trainable_values(model):
    """The current values of `model.trainable_variables`, as backend tensors."""
    return [ops.convert_to_tensor(v.value) for v in model.trainable_variables]
