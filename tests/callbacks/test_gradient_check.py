"""`gradient_check` and the `GradientCheck` callback: against NumPy, on a wrong custom
gradient, on kinks, in float32 when float64 is impossible, and during `fit`."""

import importlib.util
import pathlib
import warnings

import keras
import numpy as np
import pytest

from deeper.components import callbacks
from deeper.components.callbacks import GradientCheck, GradientCheckError, gradient_check

_spec = importlib.util.spec_from_file_location(
    "babysit_refs", pathlib.Path(__file__).parents[1] / "references" / "babysit_refs.py")
refs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refs)


def data(n=8, d=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype("float32"), rng.integers(0, classes, n)


def two_layer(d=5, hidden=4, classes=3):
    """x -> Dense(hidden, linear, no bias) -> Dense(classes, softmax), names fixed."""
    keras.utils.set_random_seed(1)
    return keras.Sequential([keras.Input((d,)), keras.layers.Dense(hidden, use_bias=False,
                                                                    name="first"),
                             keras.layers.Dense(classes, activation="softmax", name="second")],
                            name="two_layer")


def with_layer(middle, *, seed=0):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((5,))
    h = keras.layers.Dense(16, name="below")(inputs)
    h = middle(h)
    h = keras.layers.Dense(16, activation="relu", name="above")(h)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="head")(h))


def test_autodiff_and_finite_differences_match_numpy():
    x, y = data()
    model = two_layer()
    params = [w.astype("float64") for w in model.get_weights()]
    expected = refs.two_layer_gradients(x, y, *params)
    paths = ("first/kernel", "second/kernel", "second/bias")
    result = gradient_check(model, x, y, num_params=100)  # every entry of these small variables
    assert result.passed and result.dtype == "float64" and result.skipped == 0
    assert result.checked == sum(p.size for p in params) == len(result.entries)
    for path, index, analytic, numeric in result.entries:
        k = paths.index(path)

        def loss(w, k=k):
            return refs.cross_entropy(refs.two_layer_forward(
                x, *[w if j == k else p for j, p in enumerate(params)])[1], y)

        assert analytic == pytest.approx(expected[k][index], rel=1e-6, abs=1e-12)
        assert numeric == pytest.approx(refs.central_difference(loss, params[k], index, 1e-6),
                                        rel=1e-6, abs=1e-10)
    assert result.max_error < 1e-6


@pytest.fixture(scope="module")
def wrong_tanh(helper_module):
    """tanh with a deliberately wrong hand-written gradient, on every backend."""
    return helper_module("planted_layers.py").WrongTanh


def test_wrong_custom_gradient_fails_below_the_broken_layer_only(wrong_tanh):
    x, y = data()
    result = gradient_check(with_layer(wrong_tanh()), x, y)
    assert not result.passed
    assert result.failing_layers == ["below"]
    assert result.errors["above"] < 1e-6 and result.errors["head"] < 1e-6
    assert result.errors["below"] > 0.05
    assert "wrong in or after layer 'below'" in result.summary()


def test_a_correct_model_with_relu_kinks_passes_and_is_left_unchanged():
    x, y = data(n=64)
    model = with_layer(keras.layers.Activation("relu"))
    before = [w.copy() for w in model.get_weights()]
    result = gradient_check(model, x, y, num_params=10)
    assert result.passed, result.summary()
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


class Subclassed(keras.Model):
    """No get_config: cannot be rebuilt in float64."""

    def __init__(self, middle):
        super().__init__()
        self.below, self.middle = keras.layers.Dense(16), middle
        self.head = keras.layers.Dense(3, activation="softmax")

    def call(self, x):
        return self.head(self.middle(self.below(x)))


def test_float32_fallback_when_the_model_cannot_be_rebuilt(wrong_tanh):
    x, y = data(n=16)
    keras.utils.set_random_seed(0)
    good, bad = Subclassed(keras.layers.Activation("tanh")), Subclassed(wrong_tanh())
    good(x), bad(x)
    before = [w.copy() for w in bad.get_weights()]
    with pytest.warns(UserWarning, match="not float64"):
        passed = gradient_check(good, x, y)
    with pytest.warns(UserWarning, match="not float64"):
        failed = gradient_check(bad, x, y)
    assert passed.dtype == failed.dtype == "float32"
    assert passed.passed and not failed.passed
    for a, b in zip(before, bad.get_weights()):  # perturbed in place, then restored exactly
        np.testing.assert_array_equal(a, b)


def test_nan_in_the_inputs_fails():
    x, y = data()
    x[0, 0] = np.nan
    assert not gradient_check(two_layer(), x, y).passed


@pytest.mark.parametrize("kwargs, message", [
    ({"threshold": -1}, "`threshold` must be in (0, inf). Received: threshold=-1.0"),
    ({"threshold": 0}, "`threshold` must be in (0, inf). Received: threshold=0.0"),
    ({"epsilon": 0}, "`epsilon` must be in (0, inf). Received: epsilon=0.0"),
    ({"epsilon": -1e-3}, "`epsilon` must be in (0, inf). Received: epsilon=-0.001"),
    ({"num_params": 0}, "`num_params` must be an integer in [1, inf). Received: num_params=0"),
])
def test_invalid_arguments_of_the_function_and_the_callback(kwargs, message):
    x, y = data()
    with pytest.raises(ValueError) as info:
        gradient_check(two_layer(), x, y, **kwargs)
    assert str(info.value) == message
    with pytest.raises(ValueError) as info:
        GradientCheck(x, y, **kwargs)
    assert str(info.value) == message


def _fit(model, callback, epochs=4):
    x, y = data(n=32)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=epochs, batch_size=8, verbose=0, callbacks=[callback])


def test_callback_checks_at_train_begin_and_every_n_epochs():
    x, y = data()
    check = callbacks.get("gradient_check", x=x, y=y, every_epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a correct model: no warning
        _fit(two_layer(), check)
    assert [epoch for epoch, _ in check.results] == [None, 1, 3]
    assert all(result.passed for _, result in check.results)


def test_callback_warns_or_raises_on_a_wrong_gradient(wrong_tanh):
    x, y = data()
    with pytest.warns(UserWarning, match="train begin: gradient check FAILED"):
        _fit(with_layer(wrong_tanh()), GradientCheck(x, y, every_epochs=10), epochs=1)
    with pytest.raises(GradientCheckError, match="wrong in or after layer 'below'"):
        _fit(with_layer(wrong_tanh()), GradientCheck(x, y, on_failure="raise"), epochs=1)
