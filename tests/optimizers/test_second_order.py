"""Second-order methods: LBFGS (Keras optimizer), LBFGSHistory, Objective, strong_wolfe,
Newton, HessianFree and the full-batch trainer, against NumPy references and scipy."""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
import scipy.optimize
from sklearn.datasets import load_digits

from deeper import recipes
from deeper.components import optimizers
from deeper.components.diagnostics import autodiff
from deeper.components.optimizers import (
    LBFGS,
    HessianFree,
    LBFGSHistory,
    Newton,
    Objective,
    strong_wolfe,
)

_spec = importlib.util.spec_from_file_location(
    "second_order_refs",
    pathlib.Path(__file__).parents[1] / "references" / "second_order_refs.py")
refs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refs)


def _linear_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)) @ (np.eye(4) + 0.5 * rng.normal(size=(4, 4)))
    y = x @ rng.normal(size=(4, 3)) + 0.3 * rng.normal(size=(32, 3))
    # float32-representable values: Keras's data adapter may cast inputs to floatx
    return x.astype("float32").astype("float64"), y.astype("float32").astype("float64")


# LBFGS as a Keras optimizer -----------------------------------------------------------


def _fit_lbfgs(damping):
    x, y = _linear_problem()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,), dtype="float64"),
                              keras.layers.Dense(3, dtype="float64")])
    w0 = np.concatenate([v.numpy().ravel() for v in model.trainable_variables])
    opt = LBFGS(learning_rate=1.0, history_size=3, damping=damping, max_step=0.5)
    # a float64 loss: Keras's Loss objects compute in floatx (float32) by default
    model.compile(optimizer=opt, loss=keras.losses.MeanSquaredError(dtype="float64"))
    model.fit(x, y, batch_size=8, epochs=12, shuffle=False, verbose=0)  # 48 steps
    got = np.concatenate([v.numpy().ravel() for v in model.trainable_variables])
    return got, w0, int(opt.iterations.numpy())


@pytest.mark.parametrize("damping", [0.2, 0.0])
def test_lbfgs_optimizer_matches_numpy_reference_over_48_steps(damping):
    with autodiff.precision("float64"):  # JAX computes float64 only in its x64 mode
        got, w0, iterations = _fit_lbfgs(damping)
    x, y = _linear_problem()

    def grad(k, w):
        xb, yb = x[(k % 4) * 8:(k % 4) * 8 + 8], y[(k % 4) * 8:(k % 4) * 8 + 8]
        kernel, bias = w[:12].reshape(4, 3), w[12:]
        r = 2 * (xb @ kernel + bias - yb) / yb.size
        return np.concatenate([(xb.T @ r).ravel(), r.sum(0)])

    expected, counts = refs.stochastic_lbfgs(grad, w0, 48, 1.0, 3, damping, 1e-8, 0.5)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    assert iterations == 48
    # the run exercises the ring buffer (more pairs than m) and the step clip
    assert counts["stored"] > 3 and counts["clipped"] > 0
    if damping:
        assert counts["damped"] > 0


def test_lbfgs_optimizer_trains_a_classifier():
    digits = load_digits()
    x, y = (digits.data / 16).astype("float32"), digits.target
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizers.get("lbfgs"), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=128, epochs=5, verbose=0).history
    assert history["accuracy"][-1] > 0.9 and history["loss"][-1] < history["loss"][0] / 3


def test_lbfgs_optimizer_rejects_gradient_accumulation():
    with pytest.raises(ValueError, match="`gradient_accumulation_steps`.*Received"):
        LBFGS(gradient_accumulation_steps=2)


# The deterministic pieces ---------------------------------------------------------------


def test_two_loop_equals_dense_bfgs_inverse():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(6, 6))
    hessian = a @ a.T + np.eye(6)
    memory = LBFGSHistory(history_size=4)
    pairs = []
    for _ in range(7):  # more pairs than m: only the last 4 count
        s = rng.normal(size=6)
        pairs.append((s, hessian @ s))
        assert memory.update(*pairs[-1])
    g = rng.normal(size=6)
    gamma = pairs[-1][0] @ pairs[-1][1] / (pairs[-1][1] @ pairs[-1][1])
    np.testing.assert_allclose(memory.direction(g), refs.bfgs_inverse(pairs[-4:], gamma) @ g,
                               rtol=1e-10)
    assert not memory.update(np.ones(6), -np.ones(6))  # negative curvature: skipped


def _rosenbrock(w):
    return keras.ops.sum(100.0 * (w[1:] - w[:-1] ** 2) ** 2 + (1.0 - w[:-1]) ** 2)


def test_objective_gradient_hvp_and_hessian_match_finite_differences():
    f = Objective(_rosenbrock, [-1.2, 1.0, 0.5, 2.0])
    w = f.w0
    value, g = f.value_and_grad(w)
    eps = 1e-6
    basis = np.eye(4)
    fd_grad = np.array([(f.value(w + eps * e) - f.value(w - eps * e)) / (2 * eps)
                        for e in basis])
    np.testing.assert_allclose(g, fd_grad, rtol=1e-6)
    v = np.array([0.3, -1.0, 2.0, 0.7])
    fd_hvp = (f.value_and_grad(w + eps * v)[1] - f.value_and_grad(w - eps * v)[1]) / (2 * eps)
    np.testing.assert_allclose(f.hvp(w, v), fd_hvp, rtol=1e-6)
    np.testing.assert_allclose(f.hessian(w) @ v, f.hvp(w, v), rtol=1e-10)


def test_model_objective_and_newton_step_match_the_numpy_formula():
    digits = load_digits()
    x, y = digits.data[:200, :12] / 16, digits.target[:200] % 3
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(
        3, activation="softmax", kernel_regularizer=keras.regularizers.L2(2 ** -7),
        kernel_initializer=keras.initializers.RandomNormal(seed=0),
        bias_initializer=keras.initializers.RandomNormal(seed=1))])
    f = Objective.from_model(model, x, y)
    value, g = f.value_and_grad(f.w0)
    ref_value, ref_grad, ref_hess = refs.softmax_regression(x, y, f.w0, 3, 2 ** -7)
    assert value == pytest.approx(ref_value, rel=1e-10)
    np.testing.assert_allclose(g, ref_grad, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(f.hessian(f.w0), ref_hess, rtol=1e-8, atol=1e-12)
    newton = Newton(damping=0.1)
    p, _, _ = newton.solve(f, f.w0, g, 0.1)
    np.testing.assert_allclose(p, np.linalg.solve(ref_hess + 0.1 * np.eye(39), -ref_grad),
                               rtol=1e-7, atol=1e-12)
    hf = HessianFree(cg_iterations=200, cg_tolerance=1e-12)
    p_cg, _, products = hf.solve(f, f.w0, g, 0.1)
    np.testing.assert_allclose(p_cg, p, rtol=1e-6, atol=1e-10)
    assert products <= 200


@pytest.mark.parametrize("start", [(-1.2, 1.0), (2.0, 2.0), (0.0, -1.0)])
def test_strong_wolfe_conditions_hold(start):
    f = Objective(_rosenbrock, start)
    w = f.w0
    value, g = f.value_and_grad(w)
    for d in (-g, -g / np.linalg.norm(g) * 1e-3, np.linalg.solve(f.hessian(w) + 10 * np.eye(2),
                                                                 -g)):
        found = strong_wolfe(f.value_and_grad, w, value, g, d, c1=1e-4, c2=0.9)
        assert found.converged
        assert found.value <= value + 1e-4 * found.step * (g @ d)
        assert abs(found.grad @ d) <= 0.9 * abs(g @ d)
        np.testing.assert_allclose(found.value, f.value(w + found.step * d), rtol=1e-12)
    with pytest.raises(ValueError, match="descent direction"):
        strong_wolfe(f.value_and_grad, w, value, g, g)


# Convex problem: the three methods find scipy's minimum ---------------------------------


def test_softmax_regression_on_digits_reaches_scipy_minimum():
    digits = load_digits()
    x, y = (digits.data[:600] / 16).astype("float32"), digits.target[:600]  # 600: test time
    l2 = 1e-3

    def fun(w):  # the NumPy value and gradient that scipy minimizes
        kernel, bias = w[:640].reshape(64, 10), w[640:]
        z = x.astype("float64") @ kernel + bias
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        value = -np.log(p[np.arange(len(x)), y]).mean() + l2 * np.sum(kernel ** 2)
        p[np.arange(len(x)), y] -= 1
        return value, np.concatenate([(x.T @ p / len(x) + 2 * l2 * kernel).ravel(), p.mean(0)])

    best = scipy.optimize.minimize(fun, np.zeros(650), jac=True, method="L-BFGS-B",
                                   options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
    for method in ("lbfgs", "newton", "hessian_free"):
        model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(
            10, activation="softmax", kernel_regularizer=keras.regularizers.L2(l2),
            kernel_initializer="zeros")])
        result = recipes.fit_full_batch(model, (x, y), method=method, max_iterations=400)
        assert result.final_loss == pytest.approx(best.fun, abs=1e-6), method
        assert not result.diverged
        # the Keras model holds the minimizer: its own evaluation gives the same loss
        model.compile(loss="sparse_categorical_crossentropy")
        assert model.evaluate(x, y, verbose=0, batch_size=2000) == pytest.approx(
            best.fun, abs=1e-4)


# Without a line search L-BFGS diverges; with strong Wolfe it does not --------------------


def test_lbfgs_without_line_search_diverges_ours_does_not():
    digits = load_digits()
    x, y = digits.data[:300].astype("float32"), digits.target[:300]  # raw pixels, 0..16

    def net():
        keras.utils.set_random_seed(0)
        return keras.Sequential([keras.Input((64,)), keras.layers.Dense(16, activation="tanh"),
                                 keras.layers.Dense(16, activation="tanh"),
                                 keras.layers.Dense(10, activation="softmax")])

    plain = recipes.fit_full_batch(net(), (x, y), line_search=None, max_iterations=100)
    ours = recipes.fit_full_batch(net(), (x, y), max_iterations=100)
    start = plain.history["loss"][0]
    # Without a line search nothing guarantees descent: on Keras 3.15's initialization the
    # unit steps raise the loss at some iterations (they blew it up on earlier versions) and
    # end far above the line-searched run.
    rises = [b > a for a, b in zip(plain.history["loss"], plain.history["loss"][1:])]
    assert plain.diverged or (any(rises) and plain.final_loss > 2 * ours.final_loss)
    assert not ours.diverged and ours.final_loss < 0.1 * start
    assert all(b <= a for a, b in zip(ours.history["loss"], ours.history["loss"][1:]))


# Arguments and serialization ------------------------------------------------------------


def test_newton_refuses_a_large_model_clearly():
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(100),
                              keras.layers.Dense(10)])
    with pytest.raises(ValueError, match=r"`max_params` must be .*7,510 weights.*Received: "
                                         r"max_params=5000"):
        recipes.fit_full_batch(model, (np.zeros((4, 64)), np.zeros(4, "int64")),
                               method="newton")


@pytest.mark.parametrize("cls, kwargs, arg", [
    (Newton, {"damping": -1.0}, "damping"), (Newton, {"max_params": 0}, "max_params"),
    (Newton, {"factor": 1.0}, "factor"), (HessianFree, {"damping": float("nan")}, "damping"),
    (HessianFree, {"cg_iterations": 0}, "cg_iterations"),
    (HessianFree, {"cg_tolerance": 0.0}, "cg_tolerance"),
    (LBFGSHistory, {"history_size": 0}, "history_size"),
])
def test_invalid_arguments_give_one_sentence(cls, kwargs, arg):
    with pytest.raises((ValueError, TypeError), match=f"`{arg}`.*Received: {arg}="):
        cls(**kwargs)


@pytest.mark.parametrize("kwargs, arg", [
    ({"method": "bfgs"}, "method"), ({"max_iterations": 0}, "max_iterations"),
    ({"line_search": "armijo"}, "line_search"), ({"learning_rate": -1.0}, "learning_rate"),
])
def test_fit_full_batch_rejects_bad_arguments(kwargs, arg):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=f"`{arg}`.*Received: {arg}="):
        recipes.fit_full_batch(model, (np.zeros((4, 2)), np.zeros(4, "int64")), **kwargs)


def test_second_order_methods_serialize_in_a_fresh_process():
    objects = [Newton(damping=0.5, max_params=100), HessianFree(cg_iterations=7, cg_tolerance=1e-3)]
    payload = json.dumps([keras.saving.serialize_keras_object(o) for o in objects])
    code = ("import json, sys, keras; import deeper.components.optimizers\n"
            "for c in json.loads(sys.argv[1]):\n"
            "    o = keras.saving.deserialize_keras_object(c, safe_mode=True)\n"
            "    print(type(o).__name__, json.dumps(o.get_config(), sort_keys=True))")
    out = subprocess.run([sys.executable, "-c", code, payload], capture_output=True, text=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
                         check=True).stdout.strip().splitlines()[-2:]
    assert out == [f"{type(o).__name__} {json.dumps(o.get_config(), sort_keys=True)}"
                   for o in objects]
    assert type(optimizers.get("newton")) is Newton
    assert type(optimizers.get("hessian_free")) is HessianFree
