"""Hierarchical softmax against explicit enumeration of its class tree, and trained."""

import importlib.util
import pathlib

import keras
import numpy as np
import pytest

from deeper.components import layers, losses

_spec = importlib.util.spec_from_file_location(
    "numpy_refs", pathlib.Path(__file__).with_name("numpy_refs.py"))
refs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refs)


def _layer_and_reference(num_classes, n_clusters, seed=0):
    rng = np.random.default_rng(seed)
    layer = layers.get("hierarchical_softmax", num_classes=num_classes, n_clusters=n_clusters,
                       dtype="float64")
    h = rng.normal(size=(6, 5))
    layer(h)
    for w in layer.weights:  # non-zero biases too
        w.assign(rng.normal(size=w.shape))
    expected = refs.hierarchical_softmax(
        h, *(w.numpy() for w in (layer.cluster_kernel, layer.cluster_bias,
                                 layer.class_kernel, layer.class_bias)),
        num_classes, layer.n_clusters)
    return layer, h, expected


@pytest.mark.parametrize("num_classes, n_clusters", [(10, 3), (10, None), (7, 7), (7, 1),
                                                      (12, 5)])
def test_matches_explicit_enumeration_of_the_tree(num_classes, n_clusters):
    layer, h, expected = _layer_and_reference(num_classes, n_clusters)
    probs = keras.ops.convert_to_numpy(layer(h))
    np.testing.assert_allclose(probs, expected, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-12)
    labels = np.arange(6) % num_classes
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(h, labels)),
                               np.log(expected[np.arange(6), labels]), rtol=1e-10)
    # the loss from either output: -mean log p(y | x)
    nll = -np.mean(np.log(expected[np.arange(6), labels]))
    loss = losses.get("hierarchical_softmax", dtype="float64")
    assert float(loss(labels, layer(h, labels))) == pytest.approx(nll, rel=1e-10)
    assert float(loss(labels, layer(h))) == pytest.approx(nll, rel=1e-7)  # Keras clips probs
    assert float(loss(np.eye(num_classes)[labels], layer(h))) == pytest.approx(nll, rel=1e-7)


def test_default_tree_is_sqrt_balanced():
    layer = layers.get("hierarchical_softmax", num_classes=10_000)
    assert layer.n_clusters == 100 and layer.cluster_size == 100
    layer = layers.get("hierarchical_softmax", num_classes=10, n_clusters=6)
    assert layer.cluster_size == 2 and layer._valid.sum() == 10  # no empty cluster
    assert layer._valid.sum(1).tolist() == [2, 2, 2, 2, 1, 1]


def test_trains_with_fit_on_the_label_path_and_predicts_with_the_full_distribution():
    rng = np.random.default_rng(0)
    num_classes, dim = 12, 8
    means = rng.normal(size=(num_classes, dim)) * 3
    y = rng.integers(0, num_classes, size=1200)
    x = (means[y] + rng.normal(size=(1200, dim))).astype("float32")
    keras.utils.set_random_seed(0)
    inputs = keras.Input((dim,))
    labels = keras.Input((), dtype="int32")
    tree = layers.HierarchicalSoftmax(num_classes)
    hidden = keras.layers.Dense(32, activation="relu")(inputs)
    train = keras.Model([inputs, labels], tree(hidden, labels))
    train.compile(keras.optimizers.Adam(0.01), loss=losses.get("hierarchical_softmax"))
    history = train.fit([x, y], y, batch_size=64, epochs=8, verbose=0).history["loss"]
    assert history[-1] < 0.3 * history[0]
    predict = keras.Model(inputs, tree(hidden))
    probs = predict.predict(x, verbose=0)
    assert probs.shape == (1200, num_classes)
    assert (probs.argmax(1) == y).mean() > 0.9


def test_invalid_arguments():
    with pytest.raises(ValueError, match=r"`n_clusters` must be an integer in \[1, 10\]\. "
                                         r"Received: n_clusters=11"):
        layers.HierarchicalSoftmax(10, n_clusters=11)
    with pytest.raises(ValueError, match="`num_classes`"):
        layers.HierarchicalSoftmax(1)
