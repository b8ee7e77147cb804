"""`data.pipeline(..., batching="stratified")`: class-diverse batches in class proportions."""

import keras
import numpy as np
import pytest

from deeper.components import data


def _labelled(y):
    """x holds each example's id, so order, pairing and coverage are visible."""
    return np.arange(len(y), dtype="float32")[:, None], np.asarray(y)


def _epochs(ds, k=3):
    """`k` passes: per pass, the list of (ids, labels) batches."""
    return [[(xb.numpy()[:, 0].astype(int), yb.numpy()) for xb, yb in ds] for _ in range(k)]


def _counts(labels, num_classes):
    return np.bincount(np.asarray(labels).reshape(-1).astype(int), minlength=num_classes)


@pytest.mark.parametrize("batch_size", [4, 8, 10, 16, 30])
def test_balanced_classes_give_min_b_k_distinct_classes_and_floor_ceil_counts(batch_size):
    y = np.tile(np.arange(10), 30)  # 10 classes x 30
    x, y = _labelled(y)
    ds = data.pipeline(x, y, batch_size=batch_size, batching="stratified", seed=3)
    for epoch in _epochs(ds):
        ids = np.concatenate([i for i, _ in epoch])
        np.testing.assert_array_equal(np.sort(ids), np.arange(300))  # every example once
        for i, labels in epoch:
            np.testing.assert_array_equal(labels, y[i])  # x and y stay paired
            counts = _counts(labels, 10)
            if len(labels) < batch_size:
                continue  # the last, smaller batch
            assert (counts > 0).sum() == min(batch_size, 10)
            share = batch_size / 10
            assert counts.min() >= np.floor(share) and counts.max() <= np.ceil(share)


@pytest.mark.parametrize("batch_size", [8, 20, 50])
def test_imbalanced_classes_are_served_in_proportion(batch_size):
    sizes = np.array([250, 100, 75, 50, 25])
    y = np.random.default_rng(0).permutation(np.repeat(np.arange(5), sizes))
    x, y = _labelled(y)
    ds = data.pipeline(x, y, batch_size=batch_size, batching="stratified", seed=0)
    expected = batch_size * sizes / sizes.sum()
    plain_distinct, distinct = [], []
    for epoch in _epochs(ds, 2):
        for _, labels in epoch[:-1]:
            counts = _counts(labels, 5)
            assert np.abs(counts - expected).max() <= 1.0 + 1e-9
            distinct.append((counts > 0).sum())
    for epoch in _epochs(data.pipeline(x, y, batch_size=batch_size, seed=0), 2):
        plain_distinct += [(_counts(lab, 5) > 0).sum() for _, lab in epoch[:-1]]
    assert np.mean(distinct) >= np.mean(plain_distinct)


def test_nearly_balanced_random_labels_stay_close_to_proportion():
    y = np.random.default_rng(1).integers(0, 10, 997)  # MNIST-1D-like class sizes
    x, y = _labelled(y)
    props = np.bincount(y) / len(y)
    for b in (8, 32):
        for epoch in _epochs(data.pipeline(x, y, batch_size=b, batching="stratified"), 2):
            for _, labels in epoch[:-1]:
                assert np.abs(_counts(labels, 10) - b * props).max() < 1.5


def test_a_new_order_every_epoch_and_the_same_orders_for_the_same_seed():
    x, y = _labelled(np.tile(np.arange(4), 25))
    a = _epochs(data.pipeline(x, y, batch_size=8, batching="stratified", seed=5))
    b = _epochs(data.pipeline(x, y, batch_size=8, batching="stratified", seed=5))
    c = _epochs(data.pipeline(x, y, batch_size=8, batching="stratified", seed=6))
    order = [np.concatenate([i for i, _ in e]) for e in a]
    for ea, eb in zip(a, b, strict=True):
        np.testing.assert_array_equal(np.concatenate([i for i, _ in ea]),
                                      np.concatenate([i for i, _ in eb]))
    assert not np.array_equal(order[0], order[1]) and not np.array_equal(order[1], order[2])
    for ea, ec in zip(a, c, strict=True):
        assert not np.array_equal(np.concatenate([i for i, _ in ea]),
                                  np.concatenate([i for i, _ in ec]))
    # which examples share a batch changes too, not only the class order
    first = [frozenset(i.tolist()) for i, _ in a[0]]
    second = [frozenset(i.tolist()) for i, _ in a[1]]
    assert set(first) != set(second)


def test_one_hot_labels_and_arbitrary_class_values():
    ids = np.tile(np.arange(3), 20)
    one_hot = np.eye(3, dtype="float32")[ids]
    x = np.arange(60, dtype="float32")[:, None]
    for y in (one_hot, ids * 7 + 100, ids.astype("float32")):
        ds = data.pipeline(x, y, batch_size=3, batching="stratified", seed=0)
        for xb, _ in ds:
            assert len(set(ids[xb.numpy()[:, 0].astype(int)].tolist())) == 3


def test_drop_remainder_and_full_batch():
    x, y = _labelled(np.tile(np.arange(5), 21))
    ds = data.pipeline(x, y, batch_size=10, batching="stratified", drop_remainder=True)
    assert [int(yb.shape[0]) for _, yb in ds] == [10] * 10
    ds = data.pipeline(x, y, batch_size="full", batching="stratified")
    (xb, yb), = list(ds)
    np.testing.assert_array_equal(np.sort(xb.numpy()[:, 0]), np.arange(105))


def test_works_with_model_fit():
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(4, 6)) * 3
    y = rng.integers(0, 4, 400)
    x = (centers[y] + rng.normal(size=(400, 6))).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    train = data.pipeline(x, y, batch_size=8, batching="stratified", seed=0)
    history = model.fit(train, epochs=3, shuffle=False, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


@pytest.mark.parametrize("y", [
    np.linspace(0.0, 1.0, 20),                  # regression targets
    np.zeros((20, 2, 2)),                       # not labels
    np.array([0, 1, np.nan] + [0] * 17),        # NaN
])
def test_targets_that_are_not_class_labels_are_rejected(y):
    x = np.zeros((20, 2), "float32")
    with pytest.raises(ValueError, match=r"^`y` must hold class labels \(integers, or one-hot "
                                         r"rows\) for batching='stratified'\. Received: y of "
                                         r"shape .* and dtype .*$"):
        data.pipeline(x, y, batch_size=4, batching="stratified")
