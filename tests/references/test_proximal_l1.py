"""`ProximalL1` against the NumPy soft-threshold reference, exact zeros where a plain
L1 penalty leaves none, and Keras's `weight_decay` composed with it."""

import importlib.util
import pathlib

import keras
import numpy as np
import pytest
from sklearn.datasets import load_digits

from deeper.components import optimizers
from deeper.components.backend_classes import public_class

_spec = importlib.util.spec_from_file_location(
    "test_optimizer_rules", pathlib.Path(__file__).with_name("test_optimizer_rules.py"))
rules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rules)
refs = rules.refs


def run_keras(optimizer, steps=rules.STEPS):
    """Like `rules.run_keras`, with variables named so that the bias is excluded."""
    variables = [keras.Variable(rules.PARAMS0[0].copy(), dtype="float64", name="kernel"),
                 keras.Variable(rules.PARAMS0[1].copy(), dtype="float64", name="bias")]
    for _ in range(steps):
        _, grads = rules.LOSS_AND_GRAD([v.numpy() for v in variables])
        optimizer.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], variables))
    return [v.numpy() for v in variables]


@pytest.mark.parametrize("inner", ["sgd", "momentum", "adam"])
def test_soft_threshold_after_the_inner_step_matches_numpy(inner):
    eta, lam = 2 ** -5, 0.05
    got = run_keras(optimizers.ProximalL1(optimizers.get(inner, learning_rate=eta), l1=lam))
    inner_ref = {"sgd": lambda: refs.SGD(eta), "momentum": lambda: refs.Momentum(eta, rules.MU),
                 "adam": lambda: rules.adam_ref(eta)}[inner]()
    want, _ = refs.run(refs.ProximalL1(inner_ref, eta, lam, regularized=[True, False]),
                       rules.LOSS_AND_GRAD, rules.PARAMS0, rules.STEPS)
    rules.assert_same(got, want)
    assert (got[0] == 0).mean() > 0.1  # exact zeros in the kernel
    assert (got[1] != 0).all()  # the excluded bias is not thresholded


def test_threshold_follows_the_inner_schedule():
    schedule = keras.optimizers.schedules.ExponentialDecay(2 ** -4, 10, 0.5)
    got = run_keras(optimizers.ProximalL1(optimizers.get("sgd", learning_rate=schedule),
                                          l1=0.05), steps=30)
    params = rules.PARAMS0
    for t in range(30):
        eta = float(np.float32(2 ** -4 * 0.5 ** (t / 10)))
        _, grads = rules.LOSS_AND_GRAD(params)
        params = [refs.soft_threshold(params[0] - eta * grads[0], eta * 0.05),
                  params[1] - eta * grads[1]]
    rules.assert_same(got, params, rtol=1e-6, atol=1e-9)  # float32 schedule arithmetic


def test_composes_with_keras_weight_decay_as_elastic_net():
    eta, lam1, lam2 = 2 ** -5, 0.02, 0.5
    got = run_keras(optimizers.ProximalL1(
        optimizers.get("sgd", learning_rate=eta, weight_decay=lam2), l1=lam1,
        exclude=()))  # everything thresholded, bias included
    want, _ = refs.run(refs.ProximalL1(refs.SGD(eta, weight_decay=lam2), eta, lam1,
                                       regularized=[True, True]),
                       rules.LOSS_AND_GRAD, rules.PARAMS0, rules.STEPS)
    rules.assert_same(got, want)


def _digits_fit(optimizer, regularizer=None, epochs=8):
    digits = load_digits()
    x, y = (digits.data / 16.0).astype("float32"), digits.target
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(
        10, activation="softmax", kernel_regularizer=regularizer,
        kernel_initializer=keras.initializers.GlorotUniform(0))])
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:1400], y[:1400], batch_size=32, epochs=epochs, verbose=0, shuffle=False)
    kernel = model.layers[0].kernel.numpy()
    accuracy = model.evaluate(x[1400:], y[1400:], verbose=0, return_dict=True)["accuracy"]
    return float((kernel == 0).mean()), accuracy


def test_prox_gives_exact_zeros_and_the_plain_penalty_does_not():
    lam = 3e-2  # 8 epochs of softmax regression: 47% zeros (acc 0.88) vs none (acc 0.72)
    prox_zeros, prox_accuracy = _digits_fit(
        optimizers.ProximalL1(optimizers.get("momentum", learning_rate=0.05), l1=lam))
    penalty_zeros, _ = _digits_fit(optimizers.get("momentum", learning_rate=0.05),
                                   regularizer=keras.regularizers.L1(lam))
    assert prox_zeros > 0.3 and prox_accuracy > 0.8
    assert penalty_zeros < 0.01


def test_saves_and_resumes_with_the_inner_state(tmp_path):
    x = np.random.default_rng(0).normal(size=(32, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")

    def model():
        keras.utils.set_random_seed(0)
        return keras.Sequential([keras.Input((5,)), keras.layers.Dense(
            2, activation="softmax", kernel_initializer=keras.initializers.GlorotUniform(0))])

    straight = model()
    straight.compile(optimizers.ProximalL1("adam", l1=1e-2), "sparse_categorical_crossentropy")
    straight.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    first = model()
    first.compile(optimizers.ProximalL1("adam", l1=1e-2), "sparse_categorical_crossentropy")
    first.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    assert type(loaded.optimizer) is optimizers.ProximalL1
    assert public_class(loaded.optimizer.inner_optimizer) is keras.optimizers.Adam
    assert int(loaded.optimizer.iterations) == 8
    loaded.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_invalid_arguments():
    with pytest.raises(ValueError, match=r"`l1` must be in \[0, inf\)\. Received: l1=nan"):
        optimizers.ProximalL1("sgd", l1=float("nan"))
    with pytest.raises(TypeError, match="`optimizer` must be"):
        optimizers.ProximalL1(keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD()))
    with pytest.raises(ValueError, match="`learning_rate` must be"):
        optimizers.get("proximal_l1", optimizer=optimizers.get("sgd", learning_rate=-1))
