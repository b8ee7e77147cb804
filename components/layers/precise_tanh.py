"""`precise_tanh`: tanh in its input's own precision, on every Keras backend (a helper of
the tanh-based activations, not a component)."""

import keras
from keras import ops


def precise_tanh(x):
    """tanh(x) in the dtype of `x`.

    `keras.ops.tanh` on Keras's JAX backend rounds a float64 input to float32
    before computing (its `result_type` demotes 64-bit types there, JAX's x64
    mode or not; keras-team/keras#23223): a float64 model would lose half its
    digits in every tanh. Where `ops.tanh` keeps the dtype (TensorFlow,
    PyTorch, and every float32 input) its result is returned; otherwise

        tanh(x) = e / (e + 2),  e = expm1(2x),          for x <= 0,
        tanh(x) = -e / (e + 2), e = expm1(-2x),         for x > 0,

    which `expm1` keeps accurate to a few units in the last place (no
    cancellation near 0, no overflow: the exponent is never positive), with
    the right derivative everywhere (1 - tanh(x)^2, 1 at 0).

    Args:
        x: a floating-point tensor.

    Returns:
        tanh(x), a tensor of the same shape and dtype as `x`.
    """
    x = ops.convert_to_tensor(x)
    y = ops.tanh(x)
    dtype = keras.backend.standardize_dtype(x.dtype)
    if keras.backend.standardize_dtype(y.dtype) == dtype:
        return y
    positive = x > 0
    zero = ops.zeros_like(x)
    e_neg = ops.expm1(2 * ops.where(positive, zero, x))  # the x <= 0 branch
    e_pos = ops.expm1(-2 * ops.where(positive, x, zero))  # the x > 0 branch
    return ops.where(positive, -e_pos / (e_pos + 2), e_neg / (e_neg + 2))
