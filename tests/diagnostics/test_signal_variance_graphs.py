"""`signal_variance` on the model's own graph: Sequential models saved, reloaded and
rebuilt give the gradient norms of the original (issue: `[3.07, 0.0, 2.91]` after
reloading a Sequential He/ReLU MLP, against `[3.07, 3.15, 2.91]` before)."""

import keras
import numpy as np
import pytest

from deeper.components.diagnostics import model_tools, signal_variance


def _data(n=128, d=20, classes=5):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, d)).astype("float32"), rng.integers(0, classes, n)


def _sequential(d=20, classes=5):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input((d,))]
        + [keras.layers.Dense(64, activation="relu", kernel_initializer="he_normal")
           for _ in range(2)]
        + [keras.layers.Dense(classes, activation="softmax")])


def _functional(d=20, classes=5):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((d,))
    h = keras.layers.Dense(64, activation="relu", kernel_initializer="he_normal")(inputs)
    skip = keras.layers.Dense(64, activation="relu", kernel_initializer="he_normal")(h)
    h = keras.layers.Add()([h, skip])
    return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(h))


def _numpy_gradient_norms(model, x, y):
    """Per-example ||d loss_i / d a_l||^2 at the input of each Dense, by hand (NumPy)."""
    (w1, b1), (w2, b2), (w3, b3) = [(layer.get_weights()[0].astype("float64"),
                                      layer.get_weights()[1].astype("float64"))
                                     for layer in model.layers]
    a1 = x.astype("float64")
    z1 = a1 @ w1 + b1
    a2 = np.maximum(z1, 0)
    z2 = a2 @ w2 + b2
    a3 = np.maximum(z2, 0)
    z3 = a3 @ w3 + b3
    p = np.exp(z3 - z3.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    dz3 = p.copy()
    dz3[np.arange(len(y)), y] -= 1
    da3 = dz3 @ w3.T
    da2 = (da3 * (z2 > 0)) @ w2.T
    da1 = (da2 * (z1 > 0)) @ w1.T
    return [float(np.mean(np.sum(g ** 2, axis=1))) for g in (da1, da2, da3)]


def test_sequential_gradient_norms_match_numpy():
    x, y = _data()
    model = _sequential()
    result = signal_variance(model, x, y)
    np.testing.assert_allclose(result.gradient_norm, _numpy_gradient_norms(model, x, y),
                               rtol=1e-4)
    assert all(g > 0 for g in result.gradient_norm)


@pytest.mark.parametrize("build", [_sequential, _functional])
def test_saved_reloaded_and_rebuilt_models_give_the_same_signals(build, tmp_path):
    x, y = _data()
    model = build()
    before = signal_variance(model, x, y)
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    rebuilt, _ = model_tools.rebuild(model)
    from_config = type(model).from_config(model.get_config())
    from_config.set_weights(model.get_weights())
    for other in (reloaded, rebuilt, from_config):
        after = signal_variance(other, x, y)
        np.testing.assert_allclose(after.gradient_norm, before.gradient_norm, rtol=1e-5)
        np.testing.assert_allclose(after.activation_variance, before.activation_variance,
                                   rtol=1e-5)
        assert after.passed == before.passed
        assert "dead units" not in after.diagnosis()


def test_a_model_without_a_graph_is_refused():
    class Plain(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, x):
            return self.dense(x)

    model = Plain()
    x, y = _data(d=4, classes=3)
    model(x[:1])
    with pytest.raises(TypeError, match="functional or Sequential"):
        signal_variance(model, x, y)
