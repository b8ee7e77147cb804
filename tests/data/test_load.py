"""`data.load` and `data.from_arrays`: splits, offline loading, and bad data caught early."""

import time

import numpy as np
import pytest
import tensorflow_datasets as tfds

from deeper.components import data
from deeper.components.data.tfds_loader import DatasetUnavailableError


def _rows(x):
    return {row.tobytes() for row in np.ascontiguousarray(x)}


def test_mnist1d_keeps_the_published_split_and_carves_validation_from_training():
    from mnist1d.data import get_dataset_args, make_dataset

    raw = make_dataset(get_dataset_args())
    ds = data.load("mnist1d", seed=0, val_fraction=0.1)
    assert ds.x_train.shape == (3600, 40) and ds.x_val.shape == (400, 40)
    assert ds.x_test.shape == (1000, 40)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.num_classes == 10 and ds.name == "mnist1d"
    assert ds.published["cnn"] == 0.94 and ds.published["mlp"] == 0.68
    assert _rows(np.concatenate([ds.x_train, ds.x_val])) == _rows(raw["x"].astype("float32"))
    np.testing.assert_array_equal(ds.x_test, raw["x_test"].astype("float32"))
    # stratified: every class in validation, proportions close to training's
    train_p = np.bincount(ds.y_train, minlength=10) / len(ds.y_train)
    val_p = np.bincount(ds.y_val, minlength=10) / len(ds.y_val)
    assert (val_p > 0).all() and np.abs(train_p - val_p).max() < 0.01


def test_splits_are_deterministic_per_seed():
    a, b, c = data.load("mnist1d", seed=0), data.load("mnist1d", seed=0), data.load("mnist1d",
                                                                                     seed=1)
    np.testing.assert_array_equal(a.x_val, b.x_val)
    assert not np.array_equal(a.y_val, c.y_val)


def test_digits_splits_are_disjoint_cover_everything_and_hold_every_class():
    ds = data.load("digits")
    assert ds.input_shape == (64,) and ds.num_classes == 10
    sizes = len(ds.x_train) + len(ds.x_val) + len(ds.x_test)
    assert sizes == 1797
    assert len(_rows(np.concatenate([ds.x_train, ds.x_val, ds.x_test]))) == len(
        _rows(np.concatenate([ds.x_train, ds.x_val, ds.x_test])))
    for y in (ds.y_train, ds.y_val, ds.y_test):
        assert set(np.unique(y)) == set(range(10))
    assert "1293 train / 144 validation / 360 test" in ds.summary()


def test_mnist_through_tensorflow_datasets_with_mock_data(tmp_path):
    with tfds.testing.mock_data(num_examples=60, data_dir=str(tmp_path)):
        ds = data.load("mnist", data_dir=str(tmp_path), val_fraction=0.2)
    assert ds.x_train.shape[1:] == (28, 28, 1) and ds.x_train.dtype == np.float32
    assert 0.0 <= ds.x_train.min() and ds.x_train.max() <= 1.0
    assert ds.y_train.dtype == np.int64 and ds.y_train.max() < 10
    assert len(ds.x_train) + len(ds.x_val) == 60 and len(ds.x_test) == 60


def test_unprepared_tfds_dataset_without_download_fails_at_once_in_one_sentence(tmp_path):
    start = time.perf_counter()
    with pytest.raises(DatasetUnavailableError) as info:
        data.load("mnist", data_dir=str(tmp_path), download=False)
    assert time.perf_counter() - start < 10
    message = str(info.value)
    assert "'mnist'" in message and str(tmp_path) in message and "tfds build mnist" in message
    assert message.count(". ") == 0 and "\n" not in message


def test_unknown_name_lists_known_names():
    with pytest.raises(ValueError, match=r"`name` must be one of 'mnist1d', 'digits'.*"
                                         r"Received: name='imagenet'"):
        data.load("imagenet")


def _xy(n=100, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), np.arange(n) % classes


@pytest.mark.parametrize(
    "change, error, pattern",
    [
        (lambda x, y: (np.where(np.arange(x.size).reshape(x.shape) == 7, np.nan, x), y),
         ValueError, r"`x` contains 1 NaN or inf values \(first in example 2\)"),
        (lambda x, y: (np.where(np.arange(x.size).reshape(x.shape) == 7, np.inf, x), y),
         ValueError, r"`x` contains 1 NaN or inf"),
        (lambda x, y: (x.astype(str), y), TypeError, r"`x` must hold numbers"),
        (lambda x, y: (x, np.eye(4)[y]), ValueError, r"one-hot\? pass y.argmax\(axis=1\)"),
        (lambda x, y: (x, y + 0.5), ValueError, r"`y` must hold integer class labels"),
        (lambda x, y: (x, y - 1), ValueError, r"`y` labels must be in \[0, 3\)"),
        (lambda x, y: (x, y[:-1]), ValueError, r"`y` must have one label per example \(100\)"),
        (lambda x, y: (x[:0], y[:0]), ValueError, r"`x` must hold at least one example"),
        (lambda x, y: (x[:, 0], y), ValueError, r"`x` must have shape \(examples, features"),
    ],
)
def test_bad_data_is_rejected_with_one_sentence(change, error, pattern):
    x, y = change(*_xy())
    with pytest.raises(error, match=pattern):
        data.from_arrays(x, y)


def test_integral_float_labels_are_accepted():
    x, y = _xy()
    ds = data.from_arrays(x, y.astype("float64"))
    assert ds.y_train.dtype == np.int64 and ds.num_classes == 4


def test_labels_out_of_range_of_the_given_num_classes():
    x, y = _xy()
    with pytest.raises(ValueError, match=r"`y` labels must be in \[0, 3\)\. Received: 25 labels "
                                         r"outside, e.g\. y=3"):
        data.from_arrays(x, y, num_classes=3)


@pytest.mark.parametrize("value", [0, 1, 1.5, float("nan")])
def test_val_fraction_out_of_range(value):
    with pytest.raises(ValueError, match=rf"`val_fraction` must be in \(0, 1\)\. "
                                         rf"Received: val_fraction={value}"):
        data.from_arrays(*_xy(), val_fraction=value)


def test_test_arrays_come_together_with_matching_shape():
    x, y = _xy()
    with pytest.raises(ValueError, match=r"`x_test` and `y_test` must be given together"):
        data.from_arrays(x, y, x_test=x)
    with pytest.raises(ValueError, match=r"`x_test` examples must have the shape of `x`"):
        data.from_arrays(x, y, x_test=np.zeros((10, 5)), y_test=np.zeros(10, int))


def test_split_too_small_to_hold_every_class():
    x, y = _xy(n=30, classes=10)
    with pytest.raises(ValueError, match=r"The validation split is too small to hold every "
                                         r"class: 0.1 of 30 examples gives 3 validation "
                                         r"examples for 10 classes"):
        data.from_arrays(x, y, x_test=x, y_test=y, val_fraction=0.1)
    with pytest.raises(ValueError, match=r"The test split is too small"):
        data.from_arrays(x, y, test_fraction=0.1)
    x, y = _xy(n=41, classes=4)
    y[-1] = 4  # a class with a single example cannot be on both sides of a split
    with pytest.raises(ValueError, match=r"smallest class: 1 examples"):
        data.from_arrays(x, y)
