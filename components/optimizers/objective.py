"""A differentiable objective on a flat weight vector: `Objective` (TensorFlow autodiff)."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from deeper.components.validation import check_choice, check_number

_CHUNK = 64  # Hessian columns formed at once (memory grows with it)


class Objective:
    """f(w), its gradient, Hessian-vector products and the Hessian, on a flat vector w.

    The second-order methods (`Newton`, `HessianFree`) and the full-batch
    trainer work on one flat vector of weights. `Objective` wraps a function
    of that vector written with TensorFlow ops and gives them, as float64
    NumPy values:

    - `value(w)`, `value_and_grad(w)`;
    - `hvp(w, v)` = H(w) v, by forward-over-reverse differentiation
      (`tf.autodiff.ForwardAccumulator` around a `tf.GradientTape`): one
      gradient's cost, H is never formed (Pearlmutter 1994);
    - `hessian(w)`: the n x n matrix, from Hessian-vector products with the
      basis vectors, 64 at a time (vectorized), for small n only.

    `Objective.from_model(model, x, y, loss)` builds one for the training loss
    of a Keras model (mean loss plus the model's regularization losses, with
    `training=False` so that Dropout is off and the objective deterministic),
    in float64 by default: the model is cloned with float64 layers and the
    result is written back with `assign(w)`.

    TensorFlow is required here (DESIGN.md: autodiff outside `fit`).

    Args:
        fn: a callable mapping a float tensor of shape (n,) to a scalar tensor.
        w0: the initial point, shape (n,).
        dtype: "float64" or "float32". Defaults to "float64".

    Example:

    >>> f = Objective(lambda w: tf.reduce_sum(w ** 4), np.ones(3))
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
        self._value = tf.function(self._value_impl, reduce_retracing=True)
        self._grad = tf.function(self._grad_impl, reduce_retracing=True)
        self._hvp = tf.function(self._hvp_impl, reduce_retracing=True)
        self._hessian = tf.function(self._hessian_impl, reduce_retracing=True)

    # TensorFlow graphs -------------------------------------------------------------
    def _value_impl(self, w):
        return self.fn(w)

    def _grad_impl(self, w):
        with tf.GradientTape() as tape:
            tape.watch(w)
            f = self.fn(w)
        return f, tape.gradient(f, w)

    def _hvp_impl(self, w, v):
        with tf.autodiff.ForwardAccumulator(w, v) as acc:
            with tf.GradientTape() as tape:
                tape.watch(w)
                f = self.fn(w)
            g = tape.gradient(f, w)
        return acc.jvp(g)

    def _hessian_impl(self, w, basis):
        # H applied to a block of basis vectors: Hessian-vector products vectorized by pfor.
        return tf.vectorized_map(lambda v: self._hvp_impl(w, v), basis)

    # NumPy interface ---------------------------------------------------------------
    def _tensor(self, w):
        w = np.asarray(w, dtype=self.dtype).reshape(-1)
        if w.size != self.size:
            raise ValueError(f"`w` must have {self.size} entries. Received: w of size {w.size}")
        return tf.constant(w)

    def value(self, w):
        """f(w) as a Python float."""
        self.evaluations += 1
        return float(self._value(self._tensor(w)))

    def value_and_grad(self, w):
        """(f(w), gradient) as (float, float64 array)."""
        self.evaluations += 1
        f, g = self._grad(self._tensor(w))
        return float(f), g.numpy().astype("float64")

    def hvp(self, w, v):
        """The Hessian-vector product H(w) v."""
        return self._hvp(self._tensor(w), self._tensor(v)).numpy().astype("float64")

    def hessian(self, w):
        """The Hessian H(w), shape (n, n), symmetrized; formed from blocks of 64 H e_i."""
        w = self._tensor(w)
        eye = np.eye(self.size, dtype=self.dtype)
        rows = []
        for i in range(0, self.size, _CHUNK):
            block = eye[i:i + _CHUNK]
            if len(block) < _CHUNK:  # one shape for every block: traced once
                block = np.concatenate([block, np.zeros((_CHUNK - len(block), self.size),
                                                        self.dtype)])
            rows.append(self._hessian(w, tf.constant(block)).numpy()[:self.size - i])
        h = np.concatenate(rows).astype("float64")
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
    def from_model(cls, model, x, y, loss="sparse_categorical_crossentropy", dtype="float64",
                   max_batch=None):
        """The mean training loss (plus regularization) of `model` on (x, y).

        Args:
            model: a built Keras model (Sequential or functional; a subclassed
                model is used in its own dtype).
            x, y: the full training set.
            loss: a Keras loss or its name. Defaults to "sparse_categorical_crossentropy".
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
        twin = _clone_in(model, dtype)
        dtype = keras.backend.standardize_dtype(twin.trainable_variables[0].dtype)
        loss_fn = keras.losses.get(loss)
        variables = twin.trainable_variables
        shapes = [tuple(v.shape) for v in variables]
        sizes = [int(np.prod(s)) for s in shapes]
        frozen = [v.value for v in twin.non_trainable_variables]
        xs = tf.constant(x.astype(dtype) if x.dtype.kind == "f" else x)
        ys = tf.constant(y.astype(dtype) if y.dtype.kind == "f" else y)
        n = len(x)
        chunks = [(i, min(n, i + (max_batch or n))) for i in range(0, n, max_batch or n)]

        def fn(w):
            parts = tf.split(w, sizes)
            trainable = [tf.reshape(p, s) for p, s in zip(parts, shapes)]
            total = tf.constant(0.0, dtype=w.dtype)
            penalty = None
            for lo, hi in chunks:
                out, _, losses = twin.stateless_call(trainable, frozen, xs[lo:hi],
                                                     training=False, return_losses=True)
                per = tf.reduce_mean(loss_fn(ys[lo:hi], out))
                total += tf.cast(per, w.dtype) * tf.cast((hi - lo) / n, w.dtype)
                if penalty is None:
                    penalty = tf.add_n([tf.cast(v, w.dtype) for v in losses]) if losses else 0.0
            return total + penalty

        w0 = np.concatenate([np.asarray(v.numpy(), "float64").reshape(-1)
                             for v in model.trainable_variables])
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
