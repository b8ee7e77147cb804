"""`signal_variance` (against NumPy; vanishing, exploding, dead and healthy signals) and
`find_nonfinite` (data, a layer's output, a layer's gradient)."""

import importlib.util
import pathlib

import keras
import numpy as np
import pytest

from deeper.components.callbacks import find_nonfinite, signal_variance

_spec = importlib.util.spec_from_file_location(
    "babysit_refs", pathlib.Path(__file__).parents[1] / "references" / "babysit_refs.py")
refs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refs)


def batch(n=256, d=32, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype("float32"), rng.integers(0, classes, n)


def stack(activation, init, *, depth=6, width=64, bias=0.0, d=32, dtype=None):
    keras.utils.set_random_seed(0)
    layers = [keras.Input((d,))]
    for i in range(depth):
        layers.append(keras.layers.Dense(
            width, activation=activation, kernel_initializer=init,
            bias_initializer=keras.initializers.Constant(bias), name=f"d{i}", dtype=dtype))
    layers.append(keras.layers.Dense(10, activation="softmax", name="out", dtype=dtype))
    return keras.Sequential(layers)


def test_matches_numpy_on_a_two_layer_network():
    x, y = batch(d=6)
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((6,)),
                              keras.layers.Dense(5, use_bias=False, name="a", dtype="float64"),
                              keras.layers.Dense(10, activation="softmax", name="b",
                                                 dtype="float64")])
    variances, norms = refs.two_layer_signal(x, y, *model.get_weights())
    result = signal_variance(model, x.astype("float64"), y)
    assert result.layers == ["a", "b"]
    np.testing.assert_allclose(result.activation_variance, variances, rtol=1e-6)
    np.testing.assert_allclose(result.gradient_norm, norms, rtol=1e-6)


def test_he_initialized_relu_stack_keeps_its_scale():
    x, y = batch()
    result = signal_variance(stack("relu", "he_normal", depth=8), x, y)
    assert result.passed, result.diagnosis()
    assert result.activation_ratio < 10 and result.gradient_ratio < 10


def test_sigmoid_stack_with_tiny_weights_vanishes_both_ways():
    x, y = batch()
    result = signal_variance(stack("sigmoid", keras.initializers.RandomNormal(stddev=0.01,
                                                                               seed=0)), x, y)
    assert not result.passed
    assert result.activation_ratio > 1e6 and result.gradient_ratio > 1e6
    assert "activations vanish" in result.diagnosis() and "gradients vanish" in \
        result.diagnosis()


def test_glorot_with_relu_halves_the_variance_at_every_layer():
    # The lecture's reason for He initialization: 12 layers lose about 2**12.
    x, y = batch()
    result = signal_variance(stack("relu", "glorot_normal", depth=12, width=256), x, y)
    assert not result.passed and result.activation_ratio > 100


def test_large_weights_explode():
    x, y = batch()
    result = signal_variance(stack(None, keras.initializers.RandomNormal(stddev=0.5, seed=0)),
                             x, y)
    assert not result.passed
    assert "activations explode" in result.diagnosis()
    assert "gradients explode" in result.diagnosis()


def test_dead_relus_are_zero_signal():
    x, y = batch()
    result = signal_variance(stack("relu", "he_normal", bias=-20.0), x, y)
    assert not result.passed and "exactly 0" in result.diagnosis()


def test_invalid_max_ratio():
    x, y = batch()
    with pytest.raises(ValueError, match=r"`max_ratio` must be in \(1, inf\)\. "
                                         r"Received: max_ratio=1.0"):
        signal_variance(stack("relu", "he_normal"), x, y, max_ratio=1)


def with_middle(middle):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((32,))
    h = keras.layers.Dense(16, name="below")(inputs)
    h = middle(h)
    h = keras.layers.Dense(16, activation="relu", name="above")(h)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax", name="head")(h))


def test_find_nonfinite_locates_data_outputs_and_gradients(helper_module):
    infinite_gradient = helper_module("planted_layers.py").InfiniteGradient  # inf backward
    x, y = batch(n=32)
    healthy = with_middle(keras.layers.Activation("tanh", name="middle"))
    assert find_nonfinite(healthy, x, y).passed
    bad = x.copy()
    bad[3, 1], bad[5, 2] = np.nan, np.inf
    assert (find_nonfinite(healthy, bad, y).where, find_nonfinite(healthy, bad, y).count) == (
        "data", 2)
    result = find_nonfinite(with_middle(keras.layers.Lambda(keras.ops.log, name="middle")), x, y)
    assert (result.where, result.layer) == ("output", "middle")
    result = find_nonfinite(with_middle(infinite_gradient(name="middle")), x, y)
    # The layer nearest the loss whose gradient is non-finite: the one below the inf.
    assert (result.where, result.layer) == ("gradient", "below")
    assert "gradient of layer 'below'" in result.summary()
