"""A differentiable objective on a flat weight vector: `Objective` (any Keras backend)."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from deeper.components.diagnostics import autodiff, model_tools
from deeper.components.validation import check_choice, check_number


class Objective:
    """f(w), its gradient, Hessian-vector products and the Hessian, on a flat vector w.

    The second-order methods (`Newton`, `HessianFree`) and the full-batch
    trainer work on one flat vector of weights. `Objective` wraps a function
    of that vector written with `keras.ops` and gives them, as float64
    NumPy values, on the TensorFlow, JAX or PyTorch backend (through
    `deeper.components.diagnostics.autodiff`, compiled with `tf.function` or
    `jax.jit`; float64 on JAX runs in its x64 mode):

    - `value(w)`, `value_and_grad(w)`;
    - `hvp(w, v)` = H(w) v, by forward-over-reverse differentiation: one
      gradient's cost, H is never formed (Pearlmutter 1994);
    - `hessian(w)`: the n x n matrix (TensorFlow: from Hessian-vector products
      with the basis vectors, 64 at a time; JAX: `jax.hessian`), for small n only.

    `Objective.from_model(model, x, y, loss)` builds one for the training loss
    of a Keras model (mean loss plus the model's regularization losses, with
    `training=False` so that Dropout is off and the objective deterministic),
    in float64 by default: the model is cloned with float64 layers and the
    result is written back with `assign(w)`.

    `fn` must be pure: on JAX, a variable it reads is read once, when traced.

    Args:
        fn: a callable mapping a float tensor of shape (n,) to a scalar tensor.
        w0: the initial point, shape (n,).
        dtype: "float64" or "float32". Defaults to "float64".

    Example:

    >>> f = Objective(lambda w: keras.ops.sum(w ** 4), np.ones(3))
    >>> f.value_and_grad(f.w0)[1]
    array([4., 4., 4.])

    Reference: Pearlmutter, "Fast Exact Multiplication by the Hessian",
    Neural Computation (1994).
    """

    def __init__(self, fn, w0, dtype="float64"):
        if not callable(fn):
            raise TypeError(f"`fn` must be callable. Received: fn={fn!r}")
        self.dtype = check_choice("dtype", dtype, ("float64", "float32"))
        w0 = np.asarray(w0, dtype=self.dtype).reshape(-1)
        if w0.size == 0 or not np.isfinite(w0).all():
            raise ValueError(f"`w0` must be a non-empty finite vector. Received: w0={w0!r}")
        self.w0, self.size, self.fn = w0, int(w0.size), fn
        self.model = None
        self.evaluations = 0
        self._compiled = None

    # Compiled derivatives (the backend layer) -----------------------------------------
    def _functions(self):
        if self._compiled is None:
            gradient = autodiff.value_and_grad(lambda args: self.fn(args[0]))
            self._compiled = {
                "value": autodiff.compile(self.fn),
                "grad": autodiff.compile(lambda w: gradient([w])[:2]),
                "hvp": autodiff.compile(autodiff.hvp(self.fn)),
                "hessian": autodiff.compile(autodiff.hessian(self.fn)),
            }
        return self._compiled

    # NumPy interface ---------------------------------------------------------------
    def _tensor(self, w):
        w = np.asarray(w, dtype=self.dtype).reshape(-1)
        if w.size != self.size:
            raise ValueError(f"`w` must have {self.size} entries. Received: w of size {w.size}")
        return ops.convert_to_tensor(w, dtype=self.dtype)

    def _numpy(self, tensor):
        return np.asarray(ops.convert_to_numpy(tensor), dtype="float64")

    def value(self, w):
        """f(w) as a Python float."""
        self.evaluations += 1
        with autodiff.precision(self.dtype):
            return float(self._functions()["value"](self._tensor(w)))

    def value_and_grad(self, w):
        """(f(w), gradient) as (float, float64 array)."""
        self.evaluations += 1
        with autodiff.precision(self.dtype):
            f, (g,) = self._functions()["grad"](self._tensor(w))
            return float(f), self._numpy(g)

    def hvp(self, w, v):
        """The Hessian-vector product H(w) v."""
        with autodiff.precision(self.dtype):
            return self._numpy(self._functions()["hvp"](self._tensor(w), self._tensor(v)))

    def hessian(self, w):
        """The Hessian H(w), shape (n, n), symmetrized."""
        with autodiff.precision(self.dtype):
            h = self._numpy(self._functions()["hessian"](self._tensor(w)))
        return 0.5 * (h + h.T)

    def assign(self, w):
        """Write w into the model's weights (for `from_model` objectives)."""
        if self.model is None:
            raise ValueError("`assign` needs an objective built with `Objective.from_model`.")
        w = np.asarray(w, dtype="float64")
        offset = 0
        for variable in self.model.trainable_variables:
            n = int(np.prod(variable.shape))
            variable.assign(w[offset:offset + n].reshape(variable.shape).astype(
                keras.backend.standardize_dtype(variable.dtype)))
            offset += n

    @classmethod
    def from_model(cls, model, x, y, loss=None, dtype="float64", max_batch=None):
        """The mean training loss (plus regularization) of `model` on (x, y).

        Args:
            model: a built Keras model (Sequential or functional; a subclassed
                model is used in its own dtype).
            x, y: the full training set.
            loss: a Keras loss or its name. Defaults to `None`: the model's compiled
                loss, else "sparse_categorical_crossentropy".
            dtype: "float64" (clone the model in float64) or "float32".
                Defaults to "float64".
            max_batch: evaluate in chunks of this many samples (memory), or
                `None` for one batch. Defaults to `None`.
        """
        if not isinstance(model, keras.Model) or not model.built:
            raise TypeError(f"`model` must be a built keras.Model. Received: model={model!r}")
        x, y = np.asarray(x), np.asarray(y)
        if len(x) == 0 or len(x) != len(y):
            raise ValueError(f"`x` and `y` must be non-empty with as many rows. Received: "
                             f"x.shape={x.shape}, y.shape={y.shape}")
        max_batch = check_number("max_batch", max_batch, low=1, integer=True, allow_none=True)
        dtype = check_choice("dtype", dtype, ("float64", "float32"))
        with autodiff.precision(dtype):
            return cls._from_model(model, x, y, loss, dtype, max_batch)

    @classmethod
    def _from_model(cls, model, x, y, loss, dtype, max_batch):
        twin = _clone_in(model, dtype)
        dtype = keras.backend.standardize_dtype(twin.trainable_variables[0].dtype)
        loss_fn = model_tools.resolve_loss(model, loss, dtype)
        shapes = [tuple(v.shape) for v in twin.trainable_variables]
        bounds = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
        n = len(x)
        chunks = None if max_batch is None or max_batch >= n else [
            (i, min(n, i + max_batch)) for i in range(0, n, max_batch)]
        loss_of = autodiff.model_function(
            twin, loss_fn, x.astype(dtype) if x.dtype.kind == "f" else x,
            y.astype(dtype) if y.dtype.kind == "f" else y, training=False, chunks=chunks)

        def fn(w):
            trainable = [ops.reshape(w[lo:hi], s)
                         for lo, hi, s in zip(bounds[:-1], bounds[1:], shapes)]
            return ops.cast(loss_of(trainable)[0], w.dtype)

        w0 = np.concatenate([np.asarray(v, "float64").reshape(-1)
                             for v in model_tools.numpy_values(model.trainable_variables)])
        objective = cls(fn, w0, dtype=dtype)
        objective.model = model
        return objective


def _clone_in(model, dtype):
    """`model` itself if already in `dtype`, else a clone with `dtype` layers and its weights."""
    if all(keras.backend.standardize_dtype(v.dtype) == dtype for v in model.weights):
        return model
    try:
        twin = keras.models.clone_model(
            model, clone_function=lambda layer: layer.__class__.from_config(
                {**layer.get_config(), "dtype": dtype}))
        twin.set_weights([np.asarray(w, dtype) for w in model.get_weights()])
        return twin
    except Exception:  # a subclassed model cannot be cloned: use it in its own dtype
        return model
