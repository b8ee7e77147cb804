"""Preprocessing layers vs NumPy float64 references written from the formulas.

Tolerances: a layer run in float64 (`dtype="float64"`) must match the float64
reference to 1e-8 (closed forms, only round-off differs); the default float32
layer to 1e-4 absolute on whitened outputs of order 1 (float32 inputs with a
mean offset of ~20, eigenvalues down to ~0.25). Covariance of whitened
training data: identity to atol 1e-3 in float32 (epsilon=1e-5 shrinks a
variance lambda to lambda / (lambda + epsilon) >= 1 - 4e-5 here).
"""

import importlib.util
import pathlib

import keras
import numpy as np
import pytest

from deeper.components.data import Centering, PCAWhitening, standardization

try:
    import tensorflow as tf
except ImportError:  # a JAX-only machine (benchmarks/gpu_check.py): the tf.data cases skip
    tf = None
needs_tf_data = pytest.mark.skipif(tf is None, reason="adapting on tf.data needs TensorFlow")

_spec = importlib.util.spec_from_file_location(
    "numpy_refs", pathlib.Path(__file__).with_name("numpy_refs.py"))
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)

F32_ATOL = 1e-4
F64_ATOL = 1e-8
COV_ATOL = 1e-3


@pytest.fixture(scope="module")
def x6():
    """2000 x 6 float32 samples, mean (3, 6, ..., 18), eigenvalues from 9 down to 0.25."""
    return ref.correlated_data(2000, 6, seed=1).astype("float32")


def _fit(layer, x, **kwargs):
    layer.adapt(x, **kwargs)
    return keras.ops.convert_to_numpy(layer(x))


# --- Centering ---------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [-1, None, (1, 2), 1])
def test_centering_matches_reference(axis):
    x = ref.correlated_data(300, 12, seed=2).reshape(300, 4, 3)
    out64 = _fit(Centering(axis=axis, dtype="float64"), x)
    np.testing.assert_allclose(out64, ref.centering(x, x, axis), rtol=0, atol=F64_ATOL)
    x32 = x.astype("float32")
    out32 = _fit(Centering(axis=axis), x32)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, ref.centering(x32, x32, axis), rtol=0, atol=F32_ATOL)


def test_centering_subtracts_mean_only():
    x = np.array([[1.0, 10.0], [3.0, 30.0]], dtype="float32")  # means (2, 20), by hand
    np.testing.assert_array_equal(_fit(Centering(), x), [[-1.0, -10.0], [1.0, 10.0]])


@needs_tf_data
def test_centering_tf_data_and_batch_size_equal_numpy():
    x = ref.correlated_data(500, 5, seed=3).astype("float32")
    full = Centering()
    full.adapt(x)
    chunked = Centering()
    chunked.adapt(x, batch_size=7)
    ds = Centering()
    ds.adapt(tf.data.Dataset.from_tensor_slices((x, np.zeros(len(x)))).batch(64))
    for other in (chunked, ds):
        np.testing.assert_allclose(other.mean.numpy(), full.mean.numpy(), rtol=1e-6)


def test_centering_errors():
    with pytest.raises(ValueError, match="Centering must be adapted"):
        Centering()(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"`axis` must be in \[-2, 2\) .*Received: axis=3"):
        Centering(axis=3).adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match="`axis` must not include 0"):
        Centering(axis=-2).adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match="`data` must be finite"):
        Centering().adapt(np.array([[1.0, np.nan]]))


# --- PCA / ZCA whitening -----------------------------------------------------------------


@pytest.mark.parametrize("n_components", [None, 3])
@pytest.mark.parametrize("zca", [False, True])
def test_whitening_matches_reference(x6, zca, n_components):
    reference = ref.zca_whiten if zca else ref.pca_whiten
    layer64 = PCAWhitening(n_components=n_components, zca=zca, dtype="float64")
    out64 = _fit(layer64, x6.astype("float64"))
    np.testing.assert_allclose(out64, reference(x6, x6, n_components), rtol=0, atol=F64_ATOL)
    out32 = _fit(PCAWhitening(n_components=n_components, zca=zca), x6)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, reference(x6, x6, n_components), rtol=0, atol=F32_ATOL)
    expected_features = 6 if zca or n_components is None else n_components
    assert out32.shape == (len(x6), expected_features)


@pytest.mark.parametrize("zca", [False, True])
def test_whitened_training_data_has_identity_covariance(x6, zca):
    k = None if zca else 4
    out = _fit(PCAWhitening(n_components=k, zca=zca), x6)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=COV_ATOL)
    np.testing.assert_allclose(ref.covariance(out), np.eye(out.shape[1]), atol=COV_ATOL)


def test_centering_happens_before_covariance():
    # A mean offset of 50 dwarfs the unit-scale spread: whitening the uncentered
    # second moment x^T x / N (keras-team/keras#7792) is far from whitening.
    x = ref.correlated_data(2000, 4, offset=50.0, seed=4)
    out = _fit(PCAWhitening(dtype="float64"), x)
    np.testing.assert_allclose(ref.covariance(out), np.eye(4), atol=COV_ATOL)
    wrong = ref.pca_whiten(x, x, center=False)
    assert np.abs(ref.covariance(wrong) - np.eye(4)).max() > 0.5  # the test can tell


def test_zca_is_symmetric_and_closest_to_input(x6):
    layer = PCAWhitening(zca=True, dtype="float64")
    x = x6.astype("float64")
    out = _fit(layer, x)
    mean = layer.mean.numpy()
    w = keras.ops.convert_to_numpy(layer(mean + np.eye(6)))  # rows of W: y = (x - mean) W
    np.testing.assert_allclose(w, w.T, rtol=0, atol=F64_ATOL)
    np.testing.assert_allclose(w, ref.zca_matrix(x6), rtol=0, atol=F64_ATOL)
    # Every whitening of the centered data is out @ Q for an orthogonal Q; ZCA is closest.
    centered = x - mean
    best = np.sum((out - centered) ** 2)
    rng = np.random.default_rng(0)
    for _ in range(20):
        q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
        assert np.sum((out @ q - centered) ** 2) > best
    pca = _fit(PCAWhitening(dtype="float64"), x)
    assert np.sum((pca - centered) ** 2) > best


@needs_tf_data
def test_adapt_tf_data_equals_numpy(x6):
    base = PCAWhitening(n_components=4)
    base.adapt(x6)
    y = np.arange(len(x6)) % 3
    datasets = [
        tf.data.Dataset.from_tensor_slices((x6, y)).batch(37),  # (x, y) batches
        tf.data.Dataset.from_tensor_slices(x6).batch(100),  # x batches
    ]
    for data in datasets:
        layer = PCAWhitening(n_components=4)
        layer.adapt(data)
        for a, b in zip(layer.weights, base.weights):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    chunked = PCAWhitening(n_components=4)
    chunked.adapt(x6, batch_size=7)
    np.testing.assert_allclose(chunked(x6), base(x6), rtol=0, atol=F32_ATOL)


def test_n_components_reduces_dimension(x6):
    full = _fit(PCAWhitening(), x6)
    reduced = _fit(PCAWhitening(n_components=2), x6)
    assert full.shape == (len(x6), 6) and reduced.shape == (len(x6), 2)
    np.testing.assert_allclose(reduced, full[:, :2], rtol=0, atol=F32_ATOL)
    model = keras.Sequential([keras.Input((6,)), PCAWhitening(n_components=2)])
    assert model.output_shape == (None, 2)


@pytest.mark.parametrize("zca", [False, True])
def test_images(zca):
    x = ref.correlated_data(400, 64, seed=5, spread=(0.7, 2.0)).reshape(400, 8, 8, 1)
    x = x.astype("float32")
    k = None if zca else 10
    layer = PCAWhitening(n_components=k, zca=zca)
    model = keras.Sequential([keras.Input((8, 8, 1)), layer])  # built before adapt
    layer.adapt(x)
    out = model.predict(x, verbose=0)
    assert out.shape == ((400, 8, 8, 1) if zca else (400, 10))
    reference = ref.zca_whiten(x, x) if zca else ref.pca_whiten(x, x, k)
    np.testing.assert_allclose(out, reference, rtol=0, atol=F32_ATOL)
    np.testing.assert_allclose(ref.covariance(out), np.eye(64 if zca else 10), atol=COV_ATOL)


def test_whitening_errors(x6):
    with pytest.raises(ValueError, match="PCAWhitening must be adapted before it is called"):
        PCAWhitening()(x6)
    with pytest.raises(ValueError, match=r"`n_components` must be in \[1, 6\].*n_components=7"):
        PCAWhitening(n_components=7).adapt(x6)
    with pytest.raises(ValueError, match="`epsilon` must be > 0"):
        PCAWhitening(epsilon=0).adapt(np.repeat(x6[:, :1], 2, axis=1))  # rank-1 covariance
    with pytest.raises(ValueError, match="at least 2 samples"):
        PCAWhitening().adapt(x6[:1])
    layer = PCAWhitening()
    layer.adapt(x6)
    with pytest.raises(ValueError, match=r"`data` batches must have shape"):
        layer.adapt(x6[:, :5])


@needs_tf_data
def test_whitening_errors_on_tf_data(x6):
    with pytest.raises(ValueError, match="`batch_size` must be None"):
        PCAWhitening().adapt(tf.data.Dataset.from_tensor_slices(x6).batch(8), batch_size=8)
    with pytest.raises(ValueError, match=r"`data` must be batched"):
        PCAWhitening().adapt(tf.data.Dataset.from_tensor_slices(x6))  # unbatched


# --- standardization (Keras's Normalization) ---------------------------------------------


@pytest.mark.parametrize(
    "mode, axis", [("feature", (1, 2, 3)), ("channel", -1), ("global", None)])
def test_standardization_is_population_zscore(mode, axis):
    # 5 samples only, so that the sample variance (ddof=1) is 25% larger and distinguishable.
    rng = np.random.default_rng(6)
    x = (rng.normal(size=(5, 4, 4, 3)) * 2.0 + 7.0).astype("float32")
    layer = standardization(mode, input_shape=(4, 4, 3))
    assert type(layer) is keras.layers.Normalization
    out = _fit(layer, x)
    np.testing.assert_allclose(out, ref.standardize(x, x, axis), rtol=1e-5, atol=1e-5)
    assert not np.allclose(out, ref.standardize(x, x, axis, ddof=1), rtol=1e-3, atol=1e-3)


def test_standardization_flat_features_default():
    x = ref.correlated_data(50, 5, seed=7).astype("float32")
    out = _fit(standardization(), x)
    np.testing.assert_allclose(out, ref.standardize(x, x, -1), rtol=1e-5, atol=1e-5)


def test_standardization_errors():
    with pytest.raises(ValueError, match=r"`mode` must be one of .*Received: mode='pixel'"):
        standardization("pixel")
    with pytest.raises(ValueError, match=r"`input_shape` must be .*Received: input_shape=\(0, 3\)"):
        standardization(input_shape=(0, 3))
    with pytest.raises(TypeError, match=r"`input_shape` must be .*Received: input_shape=5"):
        standardization(input_shape=5)


@pytest.mark.parametrize("mode", ["feature", "channel", "global"])
def test_standardization_fitted_on_data_matches_reference_and_spares_constant_features(mode):
    rng = np.random.default_rng(8)
    x = (rng.normal(size=(40, 3, 3, 2)) * 3.0 + 2.0).astype("float32")
    x[:, 0, 0, 0] = 5.0  # constant in training: variance 0
    layer = standardization(mode, input_shape=x.shape[1:], data=x)
    keep = {"feature": (1, 2, 3), "channel": (3,), "global": ()}[mode]
    reduce = tuple(a for a in range(4) if a not in keep)
    x64 = x.astype("float64")
    mean = x64.mean(axis=reduce, keepdims=True)
    var = x64.var(axis=reduce, keepdims=True)
    expected = (x64 - mean) / np.sqrt(np.where(var > 1e-12, var, 1.0))
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-5)
    x_new = x[:2].copy()
    x_new[:, 0, 0, 0] = 6.0  # a value never seen in training stays O(1), not 1e7
    assert np.abs(np.asarray(layer(x_new))).max() < 100
