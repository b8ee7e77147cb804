"""The course's first-order rules, as `optimizers.get(name)` returns them, step by step
against NumPy float64 references (`optimizer_refs.py`) on 50 steps of softmax
regression on scikit-learn's digits; argument checks Keras lacks."""

import importlib.util
import math
import pathlib

import keras
import numpy as np
import pytest
from sklearn.datasets import load_digits

from deeper.components import optimizers
from deeper.components.backend_classes import public_class
from deeper.components.diagnostics import autodiff

_spec = importlib.util.spec_from_file_location(
    "optimizer_refs", pathlib.Path(__file__).with_name("optimizer_refs.py"))
refs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refs)

STEPS = 50
_digits = load_digits()
X = _digits.data[:256] / 16.0
Y = _digits.target[:256]
LOSS_AND_GRAD = refs.softmax_regression(X, Y, 10)
_rng = np.random.default_rng(0)
PARAMS0 = [_rng.normal(scale=0.05, size=(64, 10)), np.zeros(10)]
# Learning rates exactly representable in float32: Keras keeps the rate in a
# float32 variable, so 0.05 would reach the float64 update as 0.0500000007.
ETA = 0.125


def f32(value):
    """Keras casts some Python-float constants to the variable's dtype with
    `ops.cast`: SGD's momentum, Adam's betas in the bias corrections 1 - beta^t, and
    Adagrad's initial accumulator (a constant initializer). On TensorFlow that goes
    through a float32 tensor (`ops.cast(0.9, "float64")` is 0.8999999761581421); on JAX
    (x64) it is exact. The references use the backend's value there, and the exact ones
    elsewhere."""
    with autodiff.precision("float64"):
        return float(keras.ops.convert_to_numpy(keras.ops.cast(value, "float64")))


MU = f32(0.9)
EPS = 1e-7


def adam_ref(eta, eps=EPS, **kwargs):
    return refs.Adam(eta, 0.9, 0.999, eps, bias_betas=(f32(0.9), f32(0.999)), **kwargs)


def run_keras(optimizer, steps=STEPS, params0=PARAMS0):
    """`steps` Keras updates on float64 variables, fed the NumPy gradient at their value."""
    variables = [keras.Variable(p.copy(), dtype="float64") for p in params0]
    losses = []
    for _ in range(steps):
        loss, grads = LOSS_AND_GRAD([v.numpy() for v in variables])
        losses.append(loss)
        optimizer.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], variables))
    return [v.numpy() for v in variables], losses


def assert_same(keras_params, ref_params, rtol=1e-10, atol=1e-12):
    for got, want in zip(keras_params, ref_params):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


CASES = {
    "sgd": (dict(learning_rate=ETA), lambda: refs.SGD(ETA)),
    "momentum": (dict(learning_rate=ETA / 4), lambda: refs.Momentum(ETA / 4, MU)),
    "adagrad": (dict(learning_rate=ETA), lambda: refs.Adagrad(ETA, EPS, g0=0.0)),
    "rmsprop": (dict(learning_rate=2 ** -7), lambda: refs.RMSprop(2 ** -7, 0.9, EPS)),
    "adam": (dict(learning_rate=2 ** -8), lambda: adam_ref(2 ** -8)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_rule_matches_the_course_formula_for_50_steps(name):
    kwargs, make_ref = CASES[name]
    got, keras_losses = run_keras(optimizers.get(name, **kwargs))
    want, ref_losses = refs.run(make_ref(), LOSS_AND_GRAD, PARAMS0, STEPS)
    assert_same(got, want)
    assert ref_losses[-1] < 0.6 * ref_losses[0]  # a real problem, really optimized


def test_nesterov_is_sutskevers_rule_on_the_look_ahead_point():
    """Keras stores phi = w + mu v; the course's (w_t, v_t) give phi_t = w_t + mu v_t."""
    eta, mu = ETA / 4, MU
    trajectory = refs.nesterov_trajectory(LOSS_AND_GRAD, PARAMS0, eta, mu, STEPS)
    for steps in (1, 7, STEPS):
        got, _ = run_keras(optimizers.get("nesterov", learning_rate=eta), steps=steps)
        w, v = trajectory[steps]
        assert_same(got, [wi + mu * vi for wi, vi in zip(w, v)])


def test_nesterov_differs_from_classical_momentum():
    got, _ = run_keras(optimizers.get("nesterov", learning_rate=ETA / 4))
    classical, _ = refs.run(refs.Momentum(ETA / 4, MU), LOSS_AND_GRAD, PARAMS0, STEPS)
    assert np.abs(got[0] - classical[0]).max() > 1e-4


def test_adagrad_starts_at_the_courses_zero_and_keras_default_differs():
    assert float(optimizers.get("adagrad").initial_accumulator_value) == 0.0
    got, _ = run_keras(keras.optimizers.Adagrad(ETA))  # Keras's own default G_0 = 0.1
    assert_same(got, refs.run(refs.Adagrad(ETA, EPS, g0=f32(0.1)), LOSS_AND_GRAD, PARAMS0,
                              STEPS)[0])
    course, _ = refs.run(refs.Adagrad(ETA, EPS, g0=0.0), LOSS_AND_GRAD, PARAMS0, STEPS)
    assert np.abs(got[0] - course[0]).max() > 1e-3


def test_epsilon_positions_are_the_documented_ones():
    """Adam: eps-hat form (not eps added to sqrt(v_hat)); Adagrad: inside the root."""
    eps = 1e-2  # large, so that the positions differ visibly
    got, _ = run_keras(optimizers.get("adam", learning_rate=2 ** -8, epsilon=eps))
    hat, _ = refs.run(adam_ref(2 ** -8, eps, eps_hat=True), LOSS_AND_GRAD,
                      PARAMS0, STEPS)
    plain, _ = refs.run(adam_ref(2 ** -8, eps, eps_hat=False), LOSS_AND_GRAD,
                        PARAMS0, STEPS)
    assert_same(got, hat)
    assert np.abs(got[0] - plain[0]).max() > 1e-5
    got, _ = run_keras(optimizers.get("adagrad", learning_rate=ETA, epsilon=eps))
    outside, _ = refs.run(refs.Adagrad(ETA, eps, eps_inside=False), LOSS_AND_GRAD, PARAMS0,
                          STEPS)
    assert_same(got, refs.run(refs.Adagrad(ETA, eps), LOSS_AND_GRAD, PARAMS0, STEPS)[0])
    assert np.abs(got[0] - outside[0]).max() > 1e-5


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_weight_decay_is_the_courses_l2_inside_the_update(name):
    """Keras's `weight_decay=lam`: w <- (1 - lam eta) w - eta * step(g), decoupled."""
    lam = 0.5
    got, _ = run_keras(optimizers.get(name, learning_rate=2 ** -8, weight_decay=lam))
    if name == "adam":
        ref = adam_ref(2 ** -8, weight_decay=lam)
    elif name == "sgd":
        ref = refs.SGD(2 ** -8, weight_decay=lam)
    else:  # decay first, then the momentum step
        momentum = refs.Momentum(2 ** -8, MU)
        ref = refs.SGD(2 ** -8, weight_decay=lam)
        ref.step = lambda p, g, m=momentum, lam=lam: m.step(
            [(1 - lam * 2 ** -8) * w for w in p], g)
    assert_same(got, refs.run(ref, LOSS_AND_GRAD, PARAMS0, STEPS)[0])


def test_names_resolve_to_keras_own_classes_with_the_course_defaults():
    expected = {"sgd": (keras.optimizers.SGD, 0.01), "momentum": (keras.optimizers.SGD, 0.01),
                "nesterov": (keras.optimizers.SGD, 0.01), "adam": (keras.optimizers.Adam, 1e-3),
                "rmsprop": (keras.optimizers.RMSprop, 1e-3),
                "adagrad": (keras.optimizers.Adagrad, 0.01)}
    for name, (cls, rate) in expected.items():
        opt = optimizers.get(name)
        assert public_class(opt) is cls  # on PyTorch, Keras builds a backend subclass
        assert math.isclose(float(opt.learning_rate), rate, rel_tol=1e-6)
    assert float(optimizers.get("momentum").momentum) == 0.9
    assert optimizers.get("nesterov").nesterov and not optimizers.get("momentum").nesterov


@pytest.mark.parametrize("name, kwargs, argname", [
    ("sgd", {"learning_rate": float("nan")}, "learning_rate"),
    ("adam", {"learning_rate": -1e-3}, "learning_rate"),
    ("momentum", {"momentum": 1.0}, "momentum"),
    ("adam", {"beta_1": 1.5}, "beta_1"),
    ("rmsprop", {"rho": float("inf")}, "rho"),
    ("adagrad", {"epsilon": 0}, "epsilon"),
])
def test_keras_accepts_silently_ours_rejects_in_one_sentence(name, kwargs, argname):
    cls = type(optimizers.get(name))
    cls(**kwargs)  # Keras: no error
    with pytest.raises(ValueError) as info:
        optimizers.get(name, **kwargs)
    message = str(info.value)
    assert message.startswith(f"`{argname}` must be") and f"Received: {argname}=" in message


def test_a_schedule_is_accepted_as_learning_rate():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    assert optimizers.get("nesterov", learning_rate=schedule)._learning_rate is schedule
