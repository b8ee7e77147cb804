"""The backend derivative layer: value and gradient, Hessian-vector products and the
Hessian against closed forms, on the backend in use (TensorFlow, and JAX in CI)."""

import keras
import numpy as np
import pytest

from deeper.components.diagnostics import autodiff


def _quartic(w):  # f(w) = sum w^4 + w0 w1: gradient 4 w^3 + (w1, w0, 0), H = 12 diag(w^2) + J
    return keras.ops.sum(w ** 4) + w[0] * w[1]


def _closed_forms(w):
    grad = 4 * w ** 3 + np.array([w[1], w[0], 0.0])
    hess = np.diag(12 * w ** 2)
    hess[0, 1] = hess[1, 0] = 1.0
    return grad, hess


def test_value_and_grad_hvp_and_hessian_match_closed_forms():
    w = np.array([0.5, -1.5, 2.0])
    grad, hess = _closed_forms(w)
    v = np.array([1.0, 2.0, -0.5])
    with autodiff.precision("float64"):
        t = keras.ops.convert_to_tensor(w, dtype="float64")
        value, grads, aux = autodiff.value_and_grad(lambda a: (_quartic(a[0]), 7),
                                                    has_aux=True)([t])
        np.testing.assert_allclose(float(value), np.sum(w ** 4) + w[0] * w[1], rtol=1e-12)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(grads[0]), grad, rtol=1e-12)
        assert aux == 7
        hv = autodiff.compile(autodiff.hvp(_quartic))(
            t, keras.ops.convert_to_tensor(v, dtype="float64"))
        np.testing.assert_allclose(keras.ops.convert_to_numpy(hv), hess @ v, rtol=1e-12)
        h = autodiff.compile(autodiff.hessian(_quartic, chunk=2))(t)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(h), hess, rtol=1e-12)


def test_model_function_is_the_mean_loss_plus_regularization():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
        2, kernel_regularizer=keras.regularizers.L2(0.1))])
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    y = np.zeros((5, 2), "float32")
    kernel, bias = model.get_weights()
    expected = np.mean((x @ kernel + bias) ** 2) + 0.1 * np.sum(kernel ** 2)
    f = autodiff.model_function(model, keras.losses.MeanSquaredError(), x, y)
    value, out = f(autodiff.trainable_values(model))
    assert float(value) == pytest.approx(expected, rel=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), x @ kernel + bias, rtol=1e-5)
    chunked = autodiff.model_function(model, keras.losses.MeanSquaredError(), x, y,
                                      chunks=[(0, 2), (2, 5)])
    assert float(chunked(autodiff.trainable_values(model))[0]) == pytest.approx(expected,
                                                                               rel=1e-5)


def test_a_missing_gradient_is_an_error_naming_the_tensor():
    with pytest.raises(ValueError, match="does not depend on the input of layer 'dense'"):
        autodiff.missing_gradient([np.ones(2), None], ["x", "the input of layer 'dense'"])
    if autodiff.backend() in ("tensorflow", "torch"):  # JAX gives zeros, not None
        x, unused = (keras.ops.ones((2,)), keras.ops.ones((2,)))
        _, grads, _ = autodiff.value_and_grad(lambda a: keras.ops.sum(a[0] ** 2))([x, unused])
        assert grads[1] is None
