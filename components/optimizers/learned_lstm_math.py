"""The pure math of the learned LSTM optimizer, shared by `LearnedOptimizer` and meta-training.

Everything here is a function of arrays (`keras.ops`), with no state of its own, so
that the optimizer's `update_step` and `recipes.meta_train`'s compiled unrolls run
exactly the same update:

    x_t         = preprocess(g_t, p)                       (2 inputs per coordinate)
    z           = x W_1 + h_1 U_1 + b_1                    (Keras LSTM gate order i, f, c, o)
    c_1', h_1'  = f * c_1 + i * tanh(z_c),  o * tanh(c_1')
    (the same for the second layer, input h_1')
    u_t         = output_scale * (h_2' w_out + b_out)      theta_{t+1} = theta_t + u_t

The parameters phi are one flat float vector (`PHI_SIZE` numbers), cut into the
pieces of `SHAPES` in that order. The per-coordinate state is an array of shape
(n, 4 * UNITS): h_1, c_1, h_2, c_2 side by side.
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

UNITS = 20
INPUTS = 2
SHAPES = (
    ("kernel_1", (INPUTS, 4 * UNITS)),
    ("recurrent_1", (UNITS, 4 * UNITS)),
    ("bias_1", (4 * UNITS,)),
    ("kernel_2", (UNITS, 4 * UNITS)),
    ("recurrent_2", (UNITS, 4 * UNITS)),
    ("bias_2", (4 * UNITS,)),
    ("output_kernel", (UNITS, 1)),
    ("output_bias", (1,)),
)
PHI_SIZE = sum(math.prod(shape) for _, shape in SHAPES)
STATE_SIZE = 4 * UNITS


def unpack(phi):
    """The pieces of the flat `phi`, as a dict name -> array of its shape."""
    pieces, start = {}, 0
    for name, shape in SHAPES:
        size = math.prod(shape)
        pieces[name] = ops.reshape(phi[start:start + size], shape)
        start += size
    return pieces


def initial_phi(seed=0):
    """A random phi as float32 NumPy: Keras's LSTM defaults (Glorot kernels, orthogonal
    recurrent kernels, forget-gate bias 1) and a small output layer (std 0.01)."""
    rng = np.random.default_rng(seed)
    parts = []
    for name, shape in SHAPES:
        if name.startswith("kernel"):
            limit = math.sqrt(6.0 / (shape[0] + shape[1]))
            parts.append(rng.uniform(-limit, limit, shape))
        elif name.startswith("recurrent"):
            q, r = np.linalg.qr(rng.normal(size=(shape[1], shape[0])))
            parts.append((q * np.sign(np.diag(r))).T)
        elif name.startswith("bias"):
            bias = np.zeros(shape)
            bias[UNITS:2 * UNITS] = 1.0
            parts.append(bias)
        elif name == "output_kernel":
            parts.append(rng.normal(scale=0.01, size=shape))
        else:
            parts.append(np.zeros(shape))
    return np.concatenate([np.ravel(x) for x in parts]).astype("float32")


def preprocess(gradient, p):
    """The paper's two inputs per coordinate, shape (n, 2) from a flat gradient (n,):
    (log|g| / p, sign g) if |g| >= e^-p, otherwise (-1, e^p g)."""
    threshold = math.exp(-p)
    magnitude = ops.abs(gradient)
    big = magnitude >= threshold
    log_part = ops.log(ops.maximum(magnitude, threshold)) / p
    first = ops.where(big, log_part, -ops.ones_like(gradient))
    second = ops.where(big, ops.sign(gradient), gradient * math.exp(p))
    return ops.stack([first, second], axis=-1)


def _cell(x, h, c, kernel, recurrent, bias):
    z = ops.matmul(x, kernel) + ops.matmul(h, recurrent) + bias
    i, f, g, o = ops.split(z, 4, axis=-1)
    c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
    return ops.sigmoid(o) * ops.tanh(c), c


def lstm_update(phi, gradient, state, p=10.0, output_scale=0.1):
    """One step of the coordinatewise LSTM: (update (n,), new state (n, 4 * UNITS)).

    Args:
        phi: flat parameters (`PHI_SIZE`,), cast to the gradient's dtype.
        gradient: flat gradient (n,).
        state: (n, 4 * UNITS) array of h_1, c_1, h_2, c_2.
        p: the preprocessing constant. Defaults to 10.
        output_scale: the factor on the linear output. Defaults to 0.1.
    """
    w = unpack(ops.cast(phi, gradient.dtype))
    h1, c1, h2, c2 = ops.split(state, 4, axis=-1)
    x = preprocess(gradient, p)
    h1, c1 = _cell(x, h1, c1, w["kernel_1"], w["recurrent_1"], w["bias_1"])
    h2, c2 = _cell(h1, h2, c2, w["kernel_2"], w["recurrent_2"], w["bias_2"])
    update = (ops.matmul(h2, w["output_kernel"]) + w["output_bias"])[:, 0] * output_scale
    return update, ops.concatenate([h1, c1, h2, c2], axis=-1)
