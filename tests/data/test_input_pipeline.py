"""`data.pipeline`: every example once per epoch, a new order each epoch, reproducible."""

import numpy as np
import pytest

from deeper.components import data


def _ids(n=103):
    x = np.arange(n, dtype="float32").reshape(n, 1) * np.ones((1, 3), "float32")
    y = np.arange(n, dtype="int64")
    return x, y


def _epochs(ds, k=3):
    return [np.concatenate([yb.numpy() for _, yb in ds]) for _ in range(k)]


def test_each_epoch_visits_every_example_once_in_a_new_order():
    x, y = _ids()
    ds = data.pipeline(x, y, batch_size=10, seed=0)
    epochs = _epochs(ds)
    for order in epochs:
        assert sorted(order.tolist()) == list(range(103))
    assert not np.array_equal(epochs[0], epochs[1])
    assert not np.array_equal(epochs[1], epochs[2])
    xb, yb = next(iter(ds))
    assert xb.dtype == "float32" and yb.dtype == "int64" and tuple(xb.shape) == (10, 3)
    np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy())  # x and y stay paired


def test_same_seed_same_sequence_of_orders_other_seed_differs():
    x, y = _ids()
    a = _epochs(data.pipeline(x, y, batch_size=16, seed=5))
    b = _epochs(data.pipeline(x, y, batch_size=16, seed=5))
    c = _epochs(data.pipeline(x, y, batch_size=16, seed=6))
    for ea, eb in zip(a, b):
        np.testing.assert_array_equal(ea, eb)
    assert not np.array_equal(a[0], c[0])


def test_no_shuffle_full_batch_and_remainder():
    x, y = _ids()
    (order,) = _epochs(data.pipeline(x, y, batch_size=10, shuffle=False), 1)
    np.testing.assert_array_equal(order, np.arange(103))
    assert [int(b.shape[0]) for b, _ in data.pipeline(x, y, batch_size="full")] == [103]
    assert [int(b.shape[0]) for b, _ in data.pipeline(x, y, batch_size=500)] == [103]
    sizes = [int(b.shape[0]) for b, _ in data.pipeline(x, y, batch_size=10, drop_remainder=True)]
    assert sizes == [10] * 10


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"batch_size": 0}, ValueError, r"`batch_size` must be an integer in \[1, inf\)\. "
                                        r"Received: batch_size=0"),
        ({"batch_size": -1}, ValueError, r"Received: batch_size=-1"),
        ({"batch_size": 2.5}, TypeError, r"Received: batch_size=2.5"),
        ({"batch_size": "half"}, ValueError, r"or 'full'\. Received: batch_size='half'"),
        ({"batch_size": 4, "shuffle": "yes"}, TypeError, r"`shuffle` must be True or False"),
        ({"batch_size": 4, "seed": -1}, ValueError, r"`seed` must be an integer in \[0, inf\)"),
        ({"batch_size": 200, "drop_remainder": True}, ValueError, r"every batch is dropped"),
    ],
)
def test_bad_arguments(kwargs, error, pattern):
    x, y = _ids()
    with pytest.raises(error, match=pattern):
        data.pipeline(x, y, **kwargs)


def test_bad_arrays():
    x, y = _ids()
    with pytest.raises(ValueError, match=r"same length\. Received: len\(x\)=103, len\(y\)=102"):
        data.pipeline(x, y[:-1], batch_size=4)
    with pytest.raises(ValueError, match=r"`x` must hold at least one example"):
        data.pipeline(x[:0], y[:0], batch_size=4)
