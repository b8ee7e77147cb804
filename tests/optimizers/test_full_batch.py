"""`fit_full_batch`: the model's compiled loss, and scipy's minimum on every backend.

Backend-neutral: CI runs this file under TensorFlow and again under KERAS_BACKEND=jax.
"""

import keras
import numpy as np
import pytest
import scipy.optimize
from sklearn.datasets import load_breast_cancer

from deeper import recipes
from deeper.components.optimizers import FullBatchLBFGS, HessianFree, Newton, Objective

L2 = 1e-2


def _breast_cancer():
    data = load_breast_cancer()
    x = data.data[:300]
    x = (x - x.mean(0)) / x.std(0)  # standardized, as the issue asks
    return x.astype("float32").astype("float64"), data.target[:300].astype("float64")


def _scipy_logistic(x, y, l2):
    """The L-BFGS-B minimum of mean binary cross-entropy + l2 * |w|^2 (NumPy)."""

    def fun(theta):
        w, b = theta[:-1], theta[-1]
        z = x @ w + b
        value = np.mean(np.logaddexp(0.0, z) - y * z) + l2 * w @ w
        p = 1.0 / (1.0 + np.exp(-z))
        return value, np.append(x.T @ (p - y) / len(y) + 2 * l2 * w, np.mean(p - y))

    return scipy.optimize.minimize(fun, np.zeros(x.shape[1] + 1), jac=True,
                                   method="L-BFGS-B",
                                   options={"maxiter": 10000, "ftol": 1e-15, "gtol": 1e-12})


def _logistic(d):
    model = keras.Sequential([keras.Input((d,)), keras.layers.Dense(
        1, activation="sigmoid", kernel_regularizer=keras.regularizers.L2(L2),
        kernel_initializer="zeros")])
    model.compile(loss="binary_crossentropy")
    return model


@pytest.mark.parametrize("method", ["lbfgs", "newton", "hessian_free"])
def test_compiled_binary_crossentropy_reaches_scipy_minimum(method):
    x, y = _breast_cancer()
    best = _scipy_logistic(x, y, L2)
    assert best.success
    model = _logistic(x.shape[1])
    result = recipes.fit_full_batch(model, (x, y), method=method, max_iterations=200)
    assert not result.diverged
    assert result.final_loss == pytest.approx(best.fun, abs=1e-6), method
    # the model holds the minimizer: Keras's own evaluation of its compiled loss agrees
    assert model.evaluate(x, y, verbose=0, batch_size=1000) == pytest.approx(best.fun,
                                                                              abs=1e-5)


def test_an_explicit_loss_overrides_the_compiled_one():
    x, y = _breast_cancer()
    model = _logistic(x.shape[1])
    compiled = Objective.from_model(model, x, y)
    mse = Objective.from_model(model, x, y, loss="mse")
    w = compiled.w0
    # 1e-7: on JAX, Keras's `ops.mean` inside its losses reduces float64 in float32
    assert compiled.value(w) == pytest.approx(np.log(2.0), rel=1e-7)  # zero weights: p = 1/2
    assert mse.value(w) == pytest.approx(0.25, rel=1e-7)  # (y - 1/2)^2


def test_multilabel_outputs_with_compiled_loss():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5))
    y = (x @ rng.normal(size=(5, 3)) + 0.5 * rng.normal(size=(120, 3)) > 0).astype("float64")
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(
        3, activation="sigmoid", kernel_regularizer=keras.regularizers.L2(L2))])
    model.compile(loss="binary_crossentropy")
    result = recipes.fit_full_batch(model, (x, y), max_iterations=300)
    # Keras's mean over the 3 labels: f = (1/3) sum_k [BCE_k + 3 L2 |w_k|^2], separable,
    # so the minimum is the mean of three logistic regressions with penalty 3 L2.
    expected = np.mean([_scipy_logistic(x, y[:, k], 3 * L2).fun for k in range(3)])
    assert result.final_loss == pytest.approx(expected, abs=1e-6)


def test_the_three_methods_share_one_step_interface():
    f = Objective(lambda w: keras.ops.sum((w - 1.0) ** 2) + keras.ops.sum(w ** 4), np.zeros(3))
    for method in (FullBatchLBFGS(), Newton(damping=0.0), HessianFree()):
        method.reset()
        value, grad = f.value_and_grad(f.w0)
        step = method.step(f, f.w0, value, grad)
        assert step.accepted and step.value < value
        assert type(method).from_config(method.get_config()).get_config() == \
            method.get_config()
