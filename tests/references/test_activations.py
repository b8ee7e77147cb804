"""The course's activations against their NumPy formulas: values and derivatives,
function and layer forms, by name; Keras's ReLU family under the course's names."""

import importlib.util
import pathlib

import keras
import numpy as np
import pytest

from deeper.components import layers
from deeper.components.diagnostics import autodiff

_spec = importlib.util.spec_from_file_location(
    "numpy_refs", pathlib.Path(__file__).with_name("numpy_refs.py"))
refs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refs)

X = np.linspace(-6.0, 6.0, 241)


def _np(tensor):
    """A layer's output as NumPy on every backend (PyTorch refuses `np.asarray` on a tensor
    that requires grad)."""
    return keras.ops.convert_to_numpy(tensor)


def _value_and_grad(fn, x):
    """fn(x) and its elementwise derivative (the gradient of the sum), on any backend."""
    with autodiff.precision("float64"):
        x = keras.ops.convert_to_tensor(x, dtype="float64")
        _, (grad,), y = autodiff.value_and_grad(
            lambda a: (keras.ops.sum(fn(a[0])), fn(a[0])), has_aux=True)([x])
        return keras.ops.convert_to_numpy(y), keras.ops.convert_to_numpy(grad)


def test_scaled_tanh_function_layer_and_derivative():
    value, grad = _value_and_grad(layers.scaled_tanh, X)
    ref_value, ref_grad = refs.scaled_tanh(X)
    np.testing.assert_allclose(value, ref_value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layers.get("scaled_tanh", dtype="float64")(X), ref_value,
                               atol=1e-12)
    # LeCun's design points: f(+-1) = +-1, and the asymptote is +-1.7159.
    np.testing.assert_allclose(refs.scaled_tanh(np.array([1.0, -1.0]))[0], [1.0, -1.0],
                               atol=1e-4)


@pytest.mark.parametrize("a", [0.0, 0.5, 0.1])
def test_tanh_linear_function_layer_and_derivative(a):
    layer = layers.get("tanh_linear", a=a, dtype="float64")
    value, grad = _value_and_grad(layer, X)
    ref_value, ref_grad = refs.tanh_linear(X, a)
    np.testing.assert_allclose(value, ref_value, atol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, atol=1e-12)
    assert grad.min() >= a - 1e-12  # the linear term keeps the slope off zero
    if a == 0.5:  # the function's default is the course's example
        np.testing.assert_allclose(layers.tanh_linear(X), ref_value, atol=1e-12)


def test_keras_relu_family_by_course_names():
    np.testing.assert_array_equal(_np(layers.get("relu", dtype="float64")(X)), np.maximum(X, 0))
    np.testing.assert_allclose(_np(layers.get("softplus", dtype="float64")(X)), refs.softplus(X),
                               rtol=1e-12)
    leaky = layers.get("leaky_relu", dtype="float64")
    assert isinstance(leaky, keras.layers.LeakyReLU) and leaky.negative_slope == 0.01
    np.testing.assert_allclose(_np(leaky(X)), refs.leaky_relu(X, 0.01), atol=1e-12)
    # Keras's defaults differ from the course's 0.01: the layer 0.3, the function 0.2.
    assert keras.layers.LeakyReLU().negative_slope == pytest.approx(0.3)
    np.testing.assert_allclose(_np(keras.activations.leaky_relu(X)), refs.leaky_relu(X, 0.2),
                               atol=1e-6)
    prelu = layers.get("prelu", dtype="float64")
    x2 = X.reshape(-1, 1)
    np.testing.assert_array_equal(_np(prelu(x2)), np.maximum(x2, 0))  # slope starts at 0
    prelu.alpha.assign([0.25])
    np.testing.assert_allclose(_np(prelu(x2)), refs.leaky_relu(x2, 0.25), atol=1e-12)
    assert "alpha" in prelu.trainable_variables[0].path


@pytest.mark.parametrize("name", ["scaled_tanh", "tanh_linear"])
def test_usable_as_activation_argument_and_reloads(name, tmp_path):
    fn = getattr(layers, name)
    inputs = keras.Input((3,))
    outputs = keras.layers.Dense(2, activation=fn)(inputs)
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    assert loaded.layers[1].activation is fn
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_noisy_relu_inference_is_relu_and_training_noise_has_the_papers_variance():
    layer = layers.get("noisy_relu", seed=3, dtype="float64")
    x = np.array([-8.0, -1.0, 0.0, 1.0, 3.0, 8.0])
    np.testing.assert_array_equal(layer(x), np.maximum(x, 0))
    np.testing.assert_array_equal(layer(x, training=False), np.maximum(x, 0))
    # Far above 0, max(0, x + eps) = x + eps: eps has mean 0 and variance sigmoid(x).
    n = 20000
    xs = np.full((n,), 4.0)
    eps = _np(layer(xs, training=True)) - 4.0
    var = refs.sigmoid(4.0)
    assert abs(eps.mean()) < 5 * np.sqrt(var / n)
    assert abs(eps.var() - var) < 5 * np.sqrt(2 * var ** 2 / n)
    # Far below 0 the unit stays off: P(x + eps > 0) is ~ 1e-15 at x = -8.
    assert np.all(_np(layer(np.full((n,), -8.0), training=True)) == 0)
    # noise_scale multiplies the standard deviation.
    eps2 = np.asarray(layers.get("noisy_relu", noise_scale=2.0, seed=3, dtype="float64")(
        xs, training=True)) - 4.0
    assert abs(eps2.var() / eps.var() - 4.0) < 0.2


def test_noisy_relu_is_seeded_and_passes_the_gradient_of_the_noisy_unit():
    x = np.linspace(-2, 2, 101)
    a = np.asarray(layers.get("noisy_relu", seed=5)(x, training=True))
    b = np.asarray(layers.get("noisy_relu", seed=5)(x, training=True))
    c = np.asarray(layers.get("noisy_relu", seed=6)(x, training=True))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    layer = layers.get("noisy_relu", seed=1, dtype="float64")
    layer.build(x.shape)
    state = [v.value for v in layer.non_trainable_variables]  # the noise's seed

    def noisy(a):  # one draw of the noise, without advancing the layer's seed
        y, _ = layer.stateless_call([], state, a[0], training=True)
        return keras.ops.sum(y), y

    _, (grad,), y = autodiff.value_and_grad(noisy, has_aux=True)(
        [keras.ops.convert_to_tensor(x, dtype="float64")])
    y = keras.ops.convert_to_numpy(y)
    assert 0 < (y > 0).sum() < len(x)  # some units on, some off
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(grad), (y > 0).astype("float64"))


def test_noisy_relu_as_activation_argument_gets_the_training_flag():
    inputs = keras.Input((5,))
    outputs = keras.layers.Dense(5, activation=layers.NoisyReLU(seed=0),
                                 kernel_initializer="identity")(inputs)
    model = keras.Model(inputs, outputs)
    x = np.full((2, 5), 2.0, "float32")
    np.testing.assert_array_equal(_np(model(x, training=False)), x)
    assert not np.allclose(_np(model(x, training=True)), x)


def test_rbf_layer_matches_formula():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 3))
    layer = layers.get("rbf", units=4, beta=0.7, dtype="float64")
    out = _np(layer(x))
    centers = layer.centers.numpy()
    np.testing.assert_allclose(out, refs.rbf(x, centers, np.full(4, 0.7)), rtol=1e-10)
    layer.log_betas.assign(np.log([0.1, 0.5, 1.0, 3.0]))
    np.testing.assert_allclose(_np(layer(x)), refs.rbf(x, centers, [0.1, 0.5, 1.0, 3.0]),
                               rtol=1e-10)
    np.testing.assert_allclose(_np(layer(centers)), np.exp(  # 1 at its own center
        -_np(layer.betas) * ((centers[:, None] - centers[None]) ** 2).sum(-1)),
        rtol=1e-10)
    np.testing.assert_allclose(np.diag(_np(layer(centers))), 1.0, atol=1e-12)


def test_rbf_centers_from_data_by_kmeans_and_trainable():
    rng = np.random.default_rng(1)
    blobs = np.array([[5.0, 0.0], [-5.0, 0.0], [0.0, 5.0]])
    x = np.concatenate([b + 0.1 * rng.normal(size=(50, 2)) for b in blobs])
    layer = layers.RBF(3, seed=0, dtype="float64").adapt(x)
    layer(x[:1])  # build: the pending centers are assigned
    found = layer.centers.numpy()
    # each blob's mean is one center (the k-means fixed point)
    for b in range(3):
        member = x[b * 50:(b + 1) * 50].mean(0)
        assert np.min(np.linalg.norm(found - member, axis=1)) < 1e-9
    raw = layers.RBF(3, seed=0, dtype="float64").adapt(x, iterations=0)
    raw(x[:1])
    assert all(any(np.array_equal(c, row) for row in x) for c in raw.centers.numpy())
    _, grads, _ = autodiff.value_and_grad(lambda values: keras.ops.sum(
        layer.stateless_call(values, [], x[:10] + 0.5)[0]))(
        [v.value for v in layer.trainable_variables])
    assert [v.name for v in layer.trainable_variables] == ["centers", "log_betas"]
    assert all(np.abs(keras.ops.convert_to_numpy(g)).sum() > 0 for g in grads)
    with pytest.raises(ValueError, match="`data` must be a finite array"):
        layers.RBF(200).adapt(x)


def test_unknown_name_is_one_clear_sentence():
    with pytest.raises(ValueError, match="Received: identifier='scaled_tahn'"):
        layers.get("scaled_tahn")
