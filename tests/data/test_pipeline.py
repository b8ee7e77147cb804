"""`data.pipeline`: every example once per epoch, a new order each epoch, reproducible."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from deeper.components import data

N = 103


def _ids(n=N):
    """x holds each example's id in every feature, y the same id: order and pairing are visible."""
    x = np.arange(n, dtype="float32")[:, None] * np.ones((1, 3), "float32")
    y = np.arange(n, dtype="int64")
    return x, y


def _epoch(ds):
    """One pass: the ids in the order served, checking x and y stay paired."""
    ids = []
    for xb, yb in ds:
        xb, yb = xb.numpy(), yb.numpy()
        np.testing.assert_array_equal(xb, yb[:, None].astype("float32") * np.ones((1, 3)))
        ids.append(yb)
    return np.concatenate(ids)


def _epochs(ds, k=3):
    return [_epoch(ds) for _ in range(k)]


def test_each_epoch_visits_every_example_exactly_once():
    x, y = _ids()
    ds = data.pipeline(x, y, batch_size=10, seed=0)
    for order in _epochs(ds):
        assert len(order) == N
        np.testing.assert_array_equal(np.sort(order), np.arange(N))
    sizes = [int(yb.shape[0]) for _, yb in ds]
    assert sizes == [10] * 10 + [3]


def test_same_seed_gives_the_same_sequence_of_orders():
    x, y = _ids()
    a = _epochs(data.pipeline(x, y, batch_size=16, seed=5))
    b = _epochs(data.pipeline(x, y, batch_size=16, seed=5))
    for ea, eb in zip(a, b, strict=True):
        np.testing.assert_array_equal(ea, eb)


def test_consecutive_epochs_and_other_seeds_give_other_orders():
    x, y = _ids()
    a = _epochs(data.pipeline(x, y, batch_size=16, seed=5))
    assert not np.array_equal(a[0], a[1]) and not np.array_equal(a[1], a[2])
    assert not np.array_equal(a[0], a[2])
    assert not np.array_equal(a[0], np.arange(N))  # actually shuffled
    c = _epochs(data.pipeline(x, y, batch_size=16, seed=6))
    for ea, ec in zip(a, c, strict=True):
        assert not np.array_equal(ea, ec)


def test_without_shuffle_the_order_is_kept_every_epoch():
    x, y = _ids()
    for order in _epochs(data.pipeline(x, y, batch_size=10, shuffle=False), 2):
        np.testing.assert_array_equal(order, np.arange(N))


@pytest.mark.parametrize("batch_size", ["full", N])
def test_full_batch_is_one_batch_of_everything(batch_size):
    x, y = _ids()
    ds = data.pipeline(x, y, batch_size=batch_size, seed=0)
    batches = [yb.numpy() for _, yb in ds]
    assert len(batches) == 1 and len(batches[0]) == N
    np.testing.assert_array_equal(np.sort(batches[0]), np.arange(N))


def test_drop_remainder_serves_only_full_batches_of_distinct_examples():
    x, y = _ids()
    ds = data.pipeline(x, y, batch_size=10, seed=0, drop_remainder=True)
    seen = set()
    for order in _epochs(ds):
        assert len(order) == 100 and len(set(order.tolist())) == 100
        seen |= set(order.tolist())
    assert [int(yb.shape[0]) for _, yb in ds] == [10] * 10
    assert len(seen) > 100  # the dropped examples change with the epoch's order


@pytest.mark.parametrize(
    "x_dtype, y_dtype", [("float32", "int64"), ("float64", "int32"), ("uint8", "float32")])
def test_element_dtypes_and_shapes_are_preserved(x_dtype, y_dtype):
    x = np.arange(24 * 4).reshape(24, 2, 2).astype(x_dtype)
    y = np.arange(24).astype(y_dtype)
    ds = data.pipeline(x, y, batch_size=5, seed=0)
    assert ds.element_spec[0].dtype.name == x_dtype
    assert ds.element_spec[1].dtype.name == y_dtype
    assert tuple(ds.element_spec[0].shape) == (None, 2, 2)
    xb, yb = next(iter(ds))
    assert xb.dtype.name == x_dtype and yb.dtype.name == y_dtype
    assert tuple(xb.shape) == (5, 2, 2) and tuple(yb.shape) == (5,)
    np.testing.assert_array_equal(xb.numpy(), x[yb.numpy().astype(int)])


def test_static_batch_dimension_with_drop_remainder():
    x, y = _ids()
    ds = data.pipeline(x, y, batch_size=10, drop_remainder=True)
    assert tuple(ds.element_spec[0].shape) == (10, 3)


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"batch_size": 0}, ValueError,
         r"^`batch_size` must be an integer in \[1, inf\)\. Received: batch_size=0$"),
        ({"batch_size": -1}, ValueError,
         r"^`batch_size` must be an integer in \[1, inf\)\. Received: batch_size=-1$"),
        ({"batch_size": 2.5}, TypeError, r"^`batch_size` must be an integer in \[1, inf\) or "
                                         r"one of 'full'\. Received: batch_size=2\.5$"),
        ({"batch_size": "half"}, ValueError, r"^`batch_size` must be an integer in \[1, inf\) "
                                             r"or one of 'full'\. Received: batch_size='half'$"),
        ({"batch_size": None}, TypeError, r"^`batch_size` must be an integer in \[1, inf\) or "
                                          r"one of 'full'\. Received: batch_size=None"),
        ({"batch_size": True}, TypeError, r"^`batch_size` must be an integer in \[1, inf\) or "
                                          r"one of 'full'\. Received: batch_size=True"),
        ({"batch_size": 4, "shuffle": "yes"}, TypeError,
         r"^`shuffle` must be True or False\. Received: shuffle='yes' \(of type str\)$"),
        ({"batch_size": 4, "seed": -1}, ValueError,
         r"^`seed` must be an integer in \[0, 2\*\*32\)\. Received: seed=-1$"),
        ({"batch_size": 4, "seed": 0.5}, TypeError, r"^`seed` must be an integer in "
                                                    r"\[0, 2\*\*32\)\. Received: seed=0\.5 "),
        ({"batch_size": 4, "drop_remainder": 1}, TypeError,
         r"^`drop_remainder` must be True or False\. Received: drop_remainder=1"),
        ({"batch_size": 200, "drop_remainder": True}, ValueError,
         r"^`batch_size` must be at most the number of examples \(103\), or 'full' for one "
         r"batch of all of them\. Received: batch_size=200$"),
        ({"batch_size": 104}, ValueError,
         r"^`batch_size` must be at most the number of examples \(103\), or 'full' for one "
         r"batch of all of them\. Received: batch_size=104$"),
        ({"batch_size": 4, "batching": "balanced"}, ValueError,
         r"^`batching` must be one of 'shuffle', 'stratified'\. Received: batching='balanced'$"),
        ({"batch_size": 4, "batching": "stratified", "shuffle": False}, ValueError,
         r"^`shuffle` must be True with batching='stratified' \(it draws a new class-diverse "
         r"order every epoch\)\. Received: shuffle=False$"),
    ],
)
def test_bad_arguments_name_the_argument_and_what_was_received(kwargs, error, pattern):
    x, y = _ids()
    with pytest.raises(error, match=pattern):
        data.pipeline(x, y, **kwargs)


@pytest.mark.parametrize("shuffle, drop_remainder, batches", [
    (True, False, 11), (False, False, 11), (True, True, 10)])
def test_number_of_batches_is_known_before_iterating(shuffle, drop_remainder, batches):
    # Keras reads it to show "k/11" in the first epoch's progress bar instead of "Unknown".
    x, y = _ids()
    ds = data.pipeline(x, y, batch_size=10, shuffle=shuffle, drop_remainder=drop_remainder)
    assert int(ds.cardinality()) == batches


def test_bad_arrays():
    x, y = _ids()
    with pytest.raises(ValueError, match=r"^`y` must be an array with a leading example axis\. "
                                         r"Received: y=array\(None, dtype=object\)$"):
        data.pipeline(x, None, batch_size=4)
    with pytest.raises(ValueError, match=r"^`x` and `y` must have the same length\. "
                                         r"Received: len\(x\)=103, len\(y\)=102$"):
        data.pipeline(x, y[:-1], batch_size=4)
    with pytest.raises(ValueError, match=r"^`x` must hold at least one example\. "
                                         r"Received: an empty array$"):
        data.pipeline(x[:0], y[:0], batch_size=4)
    with pytest.raises(ValueError, match=r"^`x` must hold at least one example"):
        data.pipeline(x[:0], y[:0], batch_size="full")


# ------------------------------------------------- determinism across separate Python processes

_ORDER_SCRIPT = """
import hashlib, json
import numpy as np
from deeper.components import data

def digest():
    x = np.arange(103, dtype="float32")[:, None]
    y = np.arange(103, dtype="int64")
    ds = data.pipeline(x, y, batch_size=16, seed=7)
    orders = [np.concatenate([yb.numpy() for _, yb in ds]) for _ in range(2)]
    return hashlib.sha256(np.concatenate(orders).tobytes()).hexdigest()

plain = digest()
import tensorflow as tf
tf.random.set_seed(1234)  # what keras.utils.set_random_seed does, as training scripts do
print(json.dumps({"plain": plain, "after_global_seed": digest()}))
"""


@pytest.fixture(scope="module")
def two_processes():
    """Run the order script in two fresh interpreters at once (one import's worth of time)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    procs = [subprocess.Popen([sys.executable, "-c", _ORDER_SCRIPT], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


@pytest.mark.timeout(300)
def test_same_seed_gives_the_same_orders_in_separate_processes(two_processes):
    a, b = two_processes
    assert a["plain"] == b["plain"]
    assert a["after_global_seed"] == b["after_global_seed"]


@pytest.mark.timeout(300)
def test_orders_do_not_depend_on_tensorflows_global_seed(two_processes):
    a, _ = two_processes
    assert a["plain"] == a["after_global_seed"]
