"""`effective_precision`: the precision a function of a model's weights is really computed
in, measured from its round-off (a helper of `gradient_check`)."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def effective_precision(objective, weights, dtype, *, seed=0, directions=3):
    """`dtype`, or `"float32"` where `objective` carries float32 round-off although its
    tensors are `dtype`.

    Some Keras operations compute a float64 tensor in float32 and return it as
    float64: on the JAX backend, `BatchNormalization` (it computes in
    `result_type(dtype, "float32")`, float32 there), `ops.tanh` and the other
    operations whose `result_type` demotes 64-bit types (keras-team/keras#23223);
    on the PyTorch backend, `ops.matmul` (so `Dense`), `ops.maximum`, `ops.var`
    and `ops.divide_no_nan` (so every Keras loss's mean) among others. There a
    demoting `ops.matmul` is enough to answer "float32".
    A "float64" copy of such a model is float32-accurate, and float64 finite
    differences (a step of 1e-6) drown in its round-off.

    The round-off shows in the fourth difference of the objective along a
    random direction, L(w+2h) - 4 L(w+h) + 6 L(w) - 4 L(w-h) + L(w-2h): the
    smooth part, h^4 times the fourth derivative, is negligible (each entry
    moves by about 1e-6 of the weights' RMS), and the round-off of five
    evaluations is about 10 eps |L|: 1e-15 |L| in float64, 1e-6 |L| in float32
    (the moves are far above float32's resolution, so its rounding is
    effectively random). Above 1e-11 |L| on every sampled direction (one may
    straddle a kink of a ReLU), the objective is float32-accurate. Only
    measured on the JAX and PyTorch backends, the ones whose operations demote.

    Args:
        objective: `values -> scalar loss` on a list of tensors like `weights`.
        weights: the point, a list of NumPy arrays.
        dtype: the dtype of the tensors.
        seed: seed of the directions. Defaults to 0.
        directions: directions sampled. Defaults to 3.

    Returns:
        `"float32"` or `dtype`.
    """
    if str(dtype) != "float64" or keras.backend.backend() not in ("jax", "torch"):
        # TensorFlow computes a float64 model in float64: no probe there (a direction
        # that crosses a ReLU kink would read as round-off).
        return str(dtype)
    if keras.backend.backend() == "torch" and _matmul_demotes():
        # Every Dense and convolution multiplies in float32 there; the probe below can
        # miss it (a float32 loss that moves by whole ulps has a fourth difference of 0).
        return "float32"
    rng = np.random.default_rng(seed)
    size = sum(w.size for w in weights)
    rms = float(np.sqrt(sum(np.sum(np.square(w)) for w in weights) / max(size, 1))) or 1.0
    center = float(objective([ops.convert_to_tensor(w) for w in weights]))
    if not np.isfinite(center):
        return str(dtype)
    scale = max(abs(center), 1e-300)
    for _ in range(directions):
        moves = [rng.normal(size=w.shape) for w in weights]
        norm = float(np.sqrt(sum(np.sum(np.square(m)) for m in moves))) or 1.0
        step = 1e-6 * rms * np.sqrt(size) / norm  # each entry moves by ~1e-6 RMS(w)
        values = [float(objective([ops.convert_to_tensor(w + k * step * m)
                                   for w, m in zip(weights, moves)])) if k else center
                  for k in (-2, -1, 0, 1, 2)]
        fourth = values[0] - 4 * values[1] + 6 * values[2] - 4 * values[3] + values[4]
        if abs(fourth) <= 1e-11 * scale:
            return str(dtype)
    return "float32"


def _matmul_demotes():
    """Whether `ops.matmul` computes two float64 tensors in float32 (Keras's PyTorch
    backend: its `result_type` maps 64-bit types to 32-bit ones off TensorFlow)."""
    one = ops.ones((1, 1), dtype="float64")
    return keras.backend.standardize_dtype(ops.matmul(one, one).dtype) != "float64"
