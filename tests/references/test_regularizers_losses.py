"""Regularizers and losses against their NumPy formulas, and the convention
differences from Keras's own that the docstrings state."""

import importlib.util
import pathlib

import keras
import numpy as np
import pytest

from deeper.components import losses, regularizers
from deeper.components.backend_classes import public_class
from deeper.components.diagnostics import autodiff

_spec = importlib.util.spec_from_file_location(
    "numpy_refs", pathlib.Path(__file__).with_name("numpy_refs.py"))
refs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refs)

RNG = np.random.default_rng(0)
W = RNG.normal(size=(6, 5))
SCORES = RNG.normal(size=(9, 4)) * 2
LABELS = RNG.integers(0, 4, size=9)


def _f(x):
    return float(keras.ops.convert_to_numpy(x))


def _grad(fn, value):
    """The gradient of the scalar `fn(w)` at the float64 array `value`, on any backend."""
    _, (grad,), _ = autodiff.value_and_grad(lambda a: fn(a[0]))(
        [keras.ops.convert_to_tensor(value, dtype="float64")])
    return keras.ops.convert_to_numpy(grad)


def _keras_mean_rtol(rtol=1e-12):
    """The tolerance for Keras's own mean-reduced losses (`Hinge`, `MeanAbsoluteError`,
    `BinaryCrossentropy`) in float64: `rtol` where `ops.mean` keeps float64, 1e-6 where
    it does not. On Keras's JAX backend `ops.mean` reduces float64 in float32 (its
    `result_type` demotes 64-bit types there, keras-team/keras#23223), so Keras's losses
    are float32-accurate there; ours, reduced by `Loss`'s own sum, stay float64-accurate."""
    probe = keras.ops.convert_to_tensor(np.array([1.0, 1.0 + 2.0 ** -40]), dtype="float64")
    exact = _f(keras.ops.mean(probe)) == 1.0 + 2.0 ** -41
    return rtol if exact else 1e-6


# Regularizers ----------------------------------------------------------------------------


def test_l1_l2_are_keras_with_the_course_notation_mapped():
    assert type(regularizers.get("l1", l1=0.3)) is keras.regularizers.L1
    assert type(regularizers.get("l2", l2=0.3)) is keras.regularizers.L2
    # Keras keeps l1/l2 as float32 numbers: 4e-8 relative error on float64 weights.
    np.testing.assert_allclose(_f(regularizers.get("l1", l1=0.3)(W)), 0.3 * np.abs(W).sum(),
                               rtol=1e-6)
    np.testing.assert_allclose(_f(regularizers.get("l2", l2=0.3)(W)), 0.3 * (W ** 2).sum(),
                               rtol=1e-6)
    half = regularizers.get("half_l2", lam=0.3)
    np.testing.assert_allclose(_f(half(W)), 0.3 / 2 * (W ** 2).sum(), rtol=1e-6)
    assert _f(half(W)) == pytest.approx(_f(keras.regularizers.L2(0.15)(W)), rel=1e-6)
    # its gradient is lam * w: SGD on the penalty is the weight decay (1 - eta lam) w
    np.testing.assert_allclose(_grad(half, W), 0.3 * W, rtol=1e-6)


def test_decov_matches_formula_and_ignores_variances():
    h = RNG.normal(size=(32, 6)) @ RNG.normal(size=(6, 6))
    decov = regularizers.get("decov", strength=0.2)
    np.testing.assert_allclose(_f(decov.penalty(h)), refs.decov(h, 0.2), rtol=1e-10)
    # __call__ is N * penalty: Keras divides activity penalties by the batch size
    np.testing.assert_allclose(_f(decov(h)), 32 * refs.decov(h, 0.2), rtol=1e-10)
    independent = RNG.normal(size=(4000, 3)) * [1.0, 10.0, 100.0]  # large, unequal variances
    correlated = independent @ np.array([[1.0, 0, 0], [1, 1, 0], [1, 0, 1]])
    assert _f(decov(independent)) < 1e-3 * _f(decov(correlated))
    conv = RNG.normal(size=(8, 3, 3, 2))  # activations of any shape are flattened per example
    np.testing.assert_allclose(_f(decov.penalty(conv)), refs.decov(conv, 0.2), rtol=1e-10)


@pytest.mark.parametrize("batch", [16, 64])
def test_decov_as_activity_regularizer_adds_exactly_the_papers_penalty(batch):
    dense = keras.layers.Dense(3, activity_regularizer=regularizers.get("decov", strength=0.2),
                               dtype="float64")
    h = RNG.normal(size=(batch, 4))
    out = keras.ops.convert_to_numpy(dense(h))
    np.testing.assert_allclose(_f(dense.losses[0]), refs.decov(out, 0.2), rtol=1e-10)


def test_decov_as_activity_regularizer_decorrelates_units_in_training():
    x = (RNG.normal(size=(256, 4)) @ RNG.normal(size=(4, 4))).astype("float32")

    def corr(strength):
        keras.utils.set_random_seed(0)
        dense = keras.layers.Dense(4, activity_regularizer=regularizers.get(
            "decov", strength=strength), kernel_initializer=keras.initializers.GlorotUniform(0))
        model = keras.Sequential([keras.Input((4,)), dense])
        model.compile(keras.optimizers.SGD(0.01), loss=lambda y, p: 0.0 * keras.ops.sum(p))
        model.fit(x, x, batch_size=256, epochs=50, verbose=0)
        c = np.corrcoef(model.predict(x, verbose=0), rowvar=False)
        return np.abs(c[~np.eye(4, dtype=bool)]).mean()

    assert corr(1.0) < 0.5 * corr(0.0)


# Losses --------------------------------------------------------------------------------


@pytest.mark.parametrize("margin", [1.0, 0.3])
@pytest.mark.parametrize("squared", [False, True])
def test_multiclass_hinge_is_weston_watkins_sum(margin, squared):
    expected = refs.multiclass_hinge(SCORES, LABELS, margin, squared)
    name = "squared_multiclass_hinge" if squared else "multiclass_hinge"
    loss = losses.get(name, margin=margin, dtype="float64")
    assert loss.squared is squared
    assert _f(loss(LABELS, SCORES)) == pytest.approx(expected, rel=1e-12)
    one_hot = np.eye(4)[LABELS]
    assert _f(loss(one_hot, SCORES)) == pytest.approx(expected, rel=1e-12)
    assert _f(loss(LABELS[:, None], SCORES)) == pytest.approx(expected, rel=1e-12)


def test_keras_categorical_hinge_is_a_max_not_the_sum():
    """Keras's CategoricalHinge is max(0, 1 + max(0, max_{j != y} s_j) - s_y): Crammer-Singer's
    one worst term, with the wrong-class maximum floored at 0 (it maxes (1 - y) * s)."""
    one_hot = np.eye(4)[LABELS]
    keras_value = _f(keras.losses.CategoricalHinge(dtype="float64")(one_hot, SCORES))
    assert keras_value == pytest.approx(refs.keras_categorical_hinge(SCORES, LABELS), rel=1e-12)
    assert keras_value < refs.multiclass_hinge(SCORES, LABELS)
    negative = -np.abs(SCORES) - 1.0  # all wrong scores below 0: Keras's floor shows
    assert _f(keras.losses.CategoricalHinge(dtype="float64")(one_hot, negative)) > \
        refs.crammer_singer_hinge(negative, LABELS)


def test_multilabel_hinge_and_crossentropy():
    targets = RNG.integers(0, 2, size=(9, 4)).astype("float64")
    loss = losses.get("multilabel_hinge", margin=0.5, dtype="float64")
    assert _f(loss(targets, SCORES)) == pytest.approx(
        refs.multilabel_hinge(SCORES, targets, 0.5), rel=1e-12)
    keras_hinge = _f(keras.losses.Hinge(dtype="float64")(targets, SCORES))
    assert _f(losses.get("multilabel_hinge", dtype="float64")(targets, SCORES)) == \
        pytest.approx(4 * keras_hinge, rel=_keras_mean_rtol())  # Keras's: the mean of 4
    bce = losses.get("multilabel_crossentropy", from_logits=True, dtype="float64")
    assert type(bce) is keras.losses.BinaryCrossentropy
    p = refs.sigmoid(SCORES)
    assert 4 * _f(bce(targets, SCORES)) == pytest.approx(
        refs.binary_crossentropy_sum(targets, p), rel=_keras_mean_rtol(1e-9))


def test_euclidean_l1_and_rbf_euclidean():
    y = RNG.normal(size=(9, 3))
    h = RNG.normal(size=(9, 3))
    assert _f(losses.get("euclidean", dtype="float64")(y, h)) == pytest.approx(
        refs.euclidean(y, h), rel=1e-12)
    mse = _f(keras.losses.MeanSquaredError(dtype="float64")(y, h))
    assert _f(losses.get("euclidean", dtype="float64")(y, h)) == pytest.approx(3 / 2 * mse)
    l1 = losses.get("l1", dtype="float64")
    assert type(l1) is keras.losses.MeanAbsoluteError
    assert 3 * _f(l1(y, h)) == pytest.approx(refs.l1_loss_sum(y, h), rel=_keras_mean_rtol())
    for scale in (0.5, 2.0):
        loss = losses.get("rbf_euclidean", scale=scale, dtype="float64")
        assert _f(loss(y, h)) == pytest.approx(refs.rbf_euclidean(y, h, scale), rel=1e-12)


def test_rbf_euclidean_is_euclidean_near_zero_and_bounded_for_outliers():
    loss = losses.get("rbf_euclidean", scale=1.0, dtype="float64")
    euclid = losses.get("euclidean", dtype="float64")
    small = np.array([[1e-3]])
    assert _f(loss(np.zeros((1, 1)), small)) == pytest.approx(_f(euclid(np.zeros((1, 1)),
                                                                         small)), rel=1e-6)
    assert _f(loss(np.zeros((1, 1)), np.zeros((1, 1)))) == 0.0
    residuals = np.array([[0.5], [2.0], [10.0], [1e4]])
    values = [_f(loss(np.zeros((1, 1)), r[None])) for r in residuals]
    assert values == sorted(values) and values[-1] <= 1.0
    pull = _grad(lambda r: loss(np.zeros((1, 1)), r), [[1e3]])
    assert abs(pull[0, 0]) < 1e-12  # an outlier's pull fades


def test_losses_train_a_linear_classifier():
    """Each classification loss trains a linear model on separable data to > 90%."""
    x = RNG.normal(size=(300, 2)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int64")
    for name in ("multiclass_hinge", "squared_multiclass_hinge"):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
        model.compile(keras.optimizers.SGD(0.1), loss=losses.get(name))
        model.fit(x, y, epochs=20, batch_size=32, verbose=0)
        accuracy = (model.predict(x, verbose=0).argmax(1) == y).mean()
        assert accuracy > 0.9, (name, accuracy)


@pytest.mark.parametrize("module, name, kwargs, cls, attribute, value", [
    ("losses", "sparse_categorical_crossentropy", {"from_logits": True},
     keras.losses.SparseCategoricalCrossentropy, "from_logits", True),
    ("losses", "mse", {"reduction": "sum"}, keras.losses.MeanSquaredError, "reduction", "sum"),
    ("losses", "huber", {"delta": 2.0, "name": "h"}, keras.losses.Huber, "name", "h"),
    ("layers", "batch_normalization", {"momentum": 0.9}, keras.layers.BatchNormalization,
     "momentum", 0.9),
    ("initializers", "he_normal", {"seed": 3}, keras.initializers.HeNormal, "seed", 3),
    ("regularizers", "l1_l2", {"l1": 0.1}, keras.regularizers.L1L2, "l1", 0.1),
    ("optimizers", "adamw", {"learning_rate": 0.1}, keras.optimizers.AdamW, "learning_rate",
     0.1),
    ("schedules", "cosine_decay", {"initial_learning_rate": 0.1, "decay_steps": 10},
     keras.optimizers.schedules.CosineDecay, "decay_steps", 10),
    ("callbacks", "early_stopping", {"patience": 2}, keras.callbacks.EarlyStopping,
     "patience", 2),
])
def test_keras_snake_case_names_take_keyword_arguments(module, name, kwargs, cls, attribute,
                                                       value):
    import importlib

    getter = importlib.import_module(f"deeper.components.{module}").get
    obj = getter(name, **kwargs)
    assert public_class(obj) is cls  # on PyTorch, Keras builds a backend subclass
    config = obj.get_config() if hasattr(obj, "get_config") else vars(obj)
    found = config.get(attribute, getattr(obj, attribute, None))
    assert (pytest.approx(float(found)) if isinstance(value, float) else found) == value
