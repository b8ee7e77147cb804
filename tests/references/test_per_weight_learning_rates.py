"""`PerWeightLearningRates` (on Keras's MultiOptimizer) against the NumPy rules run
with eta * multiplier per variable; LeCun's shared-weight factors; save and resume."""

import importlib.util
import math
import pathlib

import keras
import numpy as np
import pytest

from deeper.components import callbacks, optimizers

_spec = importlib.util.spec_from_file_location(
    "test_optimizer_rules", pathlib.Path(__file__).with_name("test_optimizer_rules.py"))
rules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rules)
refs = rules.refs


def run_keras(optimizer, steps=rules.STEPS):
    variables = [keras.Variable(rules.PARAMS0[0].copy(), dtype="float64", name="kernel"),
                 keras.Variable(rules.PARAMS0[1].copy(), dtype="float64", name="bias")]
    for _ in range(steps):
        _, grads = rules.LOSS_AND_GRAD([v.numpy() for v in variables])
        optimizer.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], variables))
    return [v.numpy() for v in variables]


def run_split(make_rule, eta, factor):
    """The NumPy rule with eta * factor on the kernel and eta on the bias."""
    kernel_rule, bias_rule = make_rule(eta * factor), make_rule(eta)
    params = rules.PARAMS0
    for _ in range(rules.STEPS):
        _, (gw, gb) = rules.LOSS_AND_GRAD(params)
        params = [kernel_rule.step([params[0]], [gw])[0], bias_rule.step([params[1]], [gb])[0]]
    return params


@pytest.mark.parametrize("name, make_rule", [
    ("sgd", lambda eta: refs.SGD(eta)),
    ("momentum", lambda eta: refs.Momentum(eta, rules.MU)),
    ("adam", lambda eta: rules.adam_ref(eta)),
])
def test_multiplier_scales_the_rate_of_matching_variables_only(name, make_rule):
    eta = 2 ** -6
    got = run_keras(optimizers.PerWeightLearningRates(
        optimizers.get(name, learning_rate=eta), {"kernel": 0.25}))
    rules.assert_same(got, run_split(make_rule, eta, 0.25))
    plain = run_keras(optimizers.get(name, learning_rate=eta))
    assert np.abs(plain[0] - got[0]).max() > 1e-4  # the multiplier did something


def test_a_schedule_is_scaled_too():
    schedule = keras.optimizers.schedules.ExponentialDecay(2 ** -4, 10, 0.5)
    got = run_keras(optimizers.PerWeightLearningRates(
        optimizers.get("sgd", learning_rate=schedule), {"kernel": 0.5}), steps=20)
    params = rules.PARAMS0
    for t in range(20):
        eta = 2 ** -4 * 0.5 ** (t / 10)
        _, (gw, gb) = rules.LOSS_AND_GRAD(params)
        params = [params[0] - 0.5 * eta * gw, params[1] - eta * gb]
    rules.assert_same(got, params, rtol=1e-6, atol=1e-9)  # schedule computed in float32


def test_learning_rate_sets_every_copy_so_epoch_callbacks_work():
    opt = optimizers.PerWeightLearningRates(optimizers.get("momentum", learning_rate=0.1),
                                            {".*kernel": 0.5})
    opt.learning_rate = 0.02
    rates = sorted(float(o.learning_rate) for o in opt.optimizers)
    assert rates == pytest.approx([0.01, 0.02]) and float(opt.learning_rate) == pytest.approx(0.02)
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(opt, "sparse_categorical_crossentropy")
    decay = callbacks.StepDecay(0.2, drop=2, every_epochs=1)
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[decay])
    assert sorted(float(o.learning_rate) for o in opt.optimizers) == pytest.approx([0.025, 0.05])


def _conv_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((20, 1)), keras.layers.Conv1D(4, 5, name="conv"),
                             keras.layers.Conv1D(2, 3, strides=2, name="conv2"),
                             keras.layers.Flatten(), keras.layers.Dense(
                                 2, activation="softmax", name="head")], name="net")


def test_shared_weight_multipliers_are_one_over_sqrt_of_the_sharing_connections():
    factors = optimizers.shared_weight_multipliers(_conv_model())
    # conv: 20 - 5 + 1 = 16 output positions share each weight; conv2: (16 - 3) // 2 + 1 = 7
    assert factors == {"(.*/)?conv/kernel": pytest.approx(1 / math.sqrt(16)),
                       "(.*/)?conv2/kernel": pytest.approx(1 / math.sqrt(7))}


def test_saves_reloads_with_safe_mode_and_resumes_like_an_uninterrupted_run(tmp_path):
    x = np.random.default_rng(0).normal(size=(32, 20, 1)).astype("float32")
    y = (x[:, :5, 0].sum(1) > 0).astype("int32")

    def compiled():
        model = _conv_model()
        model.compile(optimizers.PerWeightLearningRates(
            optimizers.get("adam", learning_rate=0.01),
            {**optimizers.shared_weight_multipliers(model), ".*head/bias": 2.0}),
            "sparse_categorical_crossentropy")
        return model

    straight = compiled()
    straight.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    first = compiled()
    first.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    assert type(loaded.optimizer) is optimizers.PerWeightLearningRates
    assert int(loaded.optimizer.iterations) == 8
    for a, b in zip(first.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a),
                                      keras.ops.convert_to_numpy(b))
    loaded.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_invalid_and_unmatched():
    with pytest.raises(ValueError, match="`multipliers` must have factors in"):
        optimizers.PerWeightLearningRates("sgd", {".*": 0.0})
    with pytest.raises(TypeError, match="`optimizer` must be"):
        optimizers.PerWeightLearningRates(keras.optimizers.MultiOptimizer(
            keras.optimizers.OptimizerMap(keras.optimizers.SGD())))
    opt = optimizers.PerWeightLearningRates("sgd", {"net/head/kernel": 0.5})
    with pytest.warns(UserWarning, match="matches no variable"):
        opt.build([keras.Variable(np.ones(3), name="kernel")])


def test_around_proximal_l1_the_threshold_follows_each_rate():
    eta, lam = 2 ** -5, 0.05
    got = run_keras(optimizers.PerWeightLearningRates(
        optimizers.ProximalL1(optimizers.get("sgd", learning_rate=eta), l1=lam, exclude=()),
        {"kernel": 0.5}))
    params = rules.PARAMS0
    for _ in range(rules.STEPS):
        _, (gw, gb) = rules.LOSS_AND_GRAD(params)
        params = [refs.soft_threshold(params[0] - 0.5 * eta * gw, 0.5 * eta * lam),
                  refs.soft_threshold(params[1] - eta * gb, eta * lam)]
    rules.assert_same(got, params)
    assert (got[0] == 0).any()
