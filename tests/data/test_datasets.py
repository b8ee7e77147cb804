"""`data.load`, `data.from_arrays` and `data.Dataset`: splits, offline loading, bad data.

The reference arrays are the generators' own outputs: MNIST-1D from
`mnist1d.data.make_dataset(get_dataset_args())` (the published 4000 / 1000
split), digits from `sklearn.datasets.load_digits()`, the image sets from
`tfds.testing.mock_data`.
"""

import collections
import dataclasses

import numpy as np
import pytest
import tensorflow_datasets as tfds

from deeper.components import data
from deeper.components.data import tfds_loader


def _pairs(x, y):
    """Multiset of (example bytes, label): equal multisets mean the same examples, paired."""
    x = np.ascontiguousarray(x, dtype="float32")
    return collections.Counter((row.tobytes(), int(label)) for row, label in zip(x, y))


def _rows(x):
    return {row.tobytes() for row in np.ascontiguousarray(x, dtype="float32")}


def _proportions(y, k=10):
    return np.bincount(y, minlength=k) / len(y)


# --------------------------------------------------------------------------------------- mnist1d


@pytest.fixture(scope="module")
def mnist1d_raw():
    from mnist1d.data import get_dataset_args, make_dataset

    return make_dataset(get_dataset_args())


@pytest.fixture(scope="module")
def mnist1d():
    return data.load("mnist1d", seed=0, val_fraction=0.1)


def test_mnist1d_shapes_dtypes_classes_and_published_table(mnist1d):
    ds = mnist1d
    assert isinstance(ds, data.Dataset)
    assert ds.x_train.shape == (3600, 40) and ds.y_train.shape == (3600,)
    assert ds.x_val.shape == (400, 40) and ds.y_val.shape == (400,)
    assert ds.x_test.shape == (1000, 40) and ds.y_test.shape == (1000,)
    for x, y in ((ds.x_train, ds.y_train), (ds.x_val, ds.y_val), (ds.x_test, ds.y_test)):
        assert x.dtype == np.float32 and y.dtype == np.int64
        assert set(np.unique(y).tolist()) == set(range(10))
    assert ds.num_classes == 10 and ds.name == "mnist1d" and ds.input_shape == (40,)
    # Greydanus 2020, "Scaling down deep learning", table 1.
    assert ds.published["cnn"] == 0.94 and ds.published["mlp"] == 0.68
    assert ds.summary() == ("mnist1d: 3600 train / 400 validation / 1000 test examples of "
                            "shape (40,), 10 classes")
    assert repr(ds) == f"Dataset({ds.summary()})"


def test_mnist1d_train_and_val_are_the_package_training_set_and_test_is_its_test_set(
        mnist1d, mnist1d_raw):
    ds, raw = mnist1d, mnist1d_raw
    assert raw["x"].shape == (4000, 40) and raw["x_test"].shape == (1000, 40)
    assert _pairs(np.concatenate([ds.x_train, ds.x_val]), np.concatenate([ds.y_train, ds.y_val])
                  ) == _pairs(raw["x"], raw["y"])
    assert not _rows(ds.x_train) & _rows(ds.x_val)
    np.testing.assert_array_equal(ds.x_test, raw["x_test"].astype("float32"))
    np.testing.assert_array_equal(ds.y_test, raw["y_test"])


def test_mnist1d_validation_split_is_stratified(mnist1d):
    train_p, val_p = _proportions(mnist1d.y_train), _proportions(mnist1d.y_val)
    assert (np.bincount(mnist1d.y_val, minlength=10) > 0).all()
    # A plain random 400-example split typically misses by ~0.02-0.03 on some class.
    np.testing.assert_allclose(val_p, train_p, atol=0.005)


def test_mnist1d_is_deterministic_per_seed_and_another_seed_splits_differently(mnist1d):
    again = data.load("mnist1d", seed=0, val_fraction=0.1)
    for field in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(again, field), getattr(mnist1d, field))
    other = data.load("mnist1d", seed=1, val_fraction=0.1)
    assert other.x_val.shape == (400, 40)
    assert _rows(other.x_val) != _rows(mnist1d.x_val)
    np.testing.assert_array_equal(other.x_test, mnist1d.x_test)  # the test split never moves
    assert _rows(np.concatenate([other.x_train, other.x_val])) == _rows(
        np.concatenate([mnist1d.x_train, mnist1d.x_val]))


def test_mnist1d_val_fraction_sets_the_validation_size():
    ds = data.load("mnist1d", val_fraction=0.25)
    assert len(ds.x_val) == 1000 and len(ds.x_train) == 3000


def test_loaded_datasets_do_not_share_mutable_state(mnist1d_raw):
    a = data.load("mnist1d")
    a.x_test[:] = 0.0
    a.published["cnn"] = 0.0
    b = data.load("mnist1d")
    np.testing.assert_array_equal(b.x_test, mnist1d_raw["x_test"].astype("float32"))
    assert b.published["cnn"] == 0.94
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.num_classes = 3


# ---------------------------------------------------------------------------------------- digits


def test_digits_splits_are_disjoint_cover_all_1797_and_hold_every_class():
    from sklearn.datasets import load_digits

    raw = load_digits()
    ds = data.load("digits")
    assert ds.num_classes == 10 and ds.input_shape == (64,) and ds.name == "digits"
    splits = ((ds.x_train, ds.y_train), (ds.x_val, ds.y_val), (ds.x_test, ds.y_test))
    assert [len(x) for x, _ in splits] == [1293, 144, 360]
    for x, y in splits:
        assert x.dtype == np.float32 and y.dtype == np.int64 and len(x) == len(y)
        assert set(np.unique(y).tolist()) == set(range(10))
    # every original example (with its label) lands in exactly one split
    everything = _pairs(np.concatenate([x for x, _ in splits]),
                        np.concatenate([y for _, y in splits]))
    assert everything == _pairs(raw.data, raw.target) and sum(everything.values()) == 1797
    train, val, test = (_rows(x) for x, _ in splits)
    assert not (train & val) and not (train & test) and not (val & test)
    assert ds.x_train.min() == 0.0 and ds.x_train.max() == 16.0


def test_digits_seed_moves_the_splits():
    a, b = data.load("digits", seed=0), data.load("digits", seed=3)
    assert _rows(a.x_test) != _rows(b.x_test) and _rows(a.x_val) != _rows(b.x_val)
    np.testing.assert_array_equal(a.x_test, data.load("digits", seed=0).x_test)


# ------------------------------------------------------------------------- tensorflow-datasets


def _mock_raw(name, data_dir, split):
    """The mocked split as tfds serves it: uint8 images and labels."""
    ds = tfds.load(name, split=split, as_supervised=True, data_dir=data_dir, download=False)
    images, labels = zip(*tfds.as_numpy(ds))
    return np.stack(images), np.asarray(labels)


@pytest.mark.timeout(120)
def test_mnist_loads_through_tensorflow_datasets_mock_data(tmp_path):
    with tfds.testing.mock_data(num_examples=100):
        ds = data.load("mnist", data_dir=str(tmp_path), download=False, val_fraction=0.1)
        raw_x, raw_y = _mock_raw("mnist", str(tmp_path), "train")
        raw_xt, raw_yt = _mock_raw("mnist", str(tmp_path), "test")
    assert ds.name == "mnist" and ds.num_classes == 10 and ds.input_shape == (28, 28, 1)
    assert ds.x_train.shape == (90, 28, 28, 1) and ds.x_val.shape == (10, 28, 28, 1)
    assert ds.x_test.shape == (100, 28, 28, 1)
    for x, y in ((ds.x_train, ds.y_train), (ds.x_val, ds.y_val), (ds.x_test, ds.y_test)):
        assert x.dtype == np.float32 and y.dtype == np.int64
        assert x.min() >= 0.0 and x.max() <= 1.0
        assert y.min() >= 0 and y.max() < 10
    assert ds.x_train.max() > 0.5  # scaled by 1/255, not left in 0..255 nor squashed
    # exactly the served images divided by 255, labels kept paired
    assert raw_x.dtype == np.uint8
    scaled = raw_x.astype("float32") / 255.0
    assert _pairs(np.concatenate([ds.x_train, ds.x_val]), np.concatenate([ds.y_train, ds.y_val])
                  ) == _pairs(scaled, raw_y)
    np.testing.assert_array_equal(ds.x_test, raw_xt.astype("float32") / 255.0)
    np.testing.assert_array_equal(ds.y_test, raw_yt)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name, shape", [("fashion_mnist", (28, 28, 1)),
                                         ("cifar10", (32, 32, 3))])
def test_other_image_sets_load_through_mock_data(tmp_path, name, shape):
    with tfds.testing.mock_data(num_examples=100):
        ds = data.load(name, data_dir=str(tmp_path), download=False)
    assert ds.input_shape == shape and ds.num_classes == 10 and ds.name == name
    assert len(ds.x_train) + len(ds.x_val) == 100 and len(ds.x_test) == 100
    assert ds.x_train.dtype == np.float32 and 0.5 < ds.x_train.max() <= 1.0


def _one_sentence(message):
    return message.endswith(".") and ". " not in message and "\n" not in message


@pytest.mark.timeout(60)
def test_unprepared_dataset_without_download_raises_one_sentence(tmp_path):
    with pytest.raises(tfds_loader.DatasetUnavailableError) as info:
        data.load("mnist", data_dir=str(tmp_path), download=False)
    message = str(info.value)
    assert "'mnist'" in message and repr(str(tmp_path)) in message
    assert "download=False" in message and "`tfds build mnist`" in message
    assert _one_sentence(message), message
    assert info.value.__cause__ is not None  # the tfds error stays reachable


@pytest.mark.timeout(60)
def test_unprepared_dataset_with_download_but_no_network_raises_one_sentence(
        tmp_path, monkeypatch):
    # The network probe is forced offline so this never downloads on a machine with network.
    probed = []
    monkeypatch.setattr(tfds_loader, "_online", lambda url, *a, **k: probed.append(url) or False)
    with pytest.raises(tfds_loader.DatasetUnavailableError) as info:
        data.load("mnist", data_dir=str(tmp_path), download=True)
    message = str(info.value)
    assert probed and probed[0].startswith("http")
    assert "'mnist'" in message and repr(str(tmp_path)) in message
    assert "no network" in message and "`tfds build mnist`" in message
    assert _one_sentence(message), message


def test_unknown_name_lists_the_known_names():
    with pytest.raises(ValueError, match=r"^`name` must be one of 'mnist1d', 'digits', 'mnist', "
                                         r"'fashion_mnist', 'cifar10'\. "
                                         r"Received: name='imagenet'$"):
        data.load("imagenet")


# ------------------------------------------------------------------------------- from_arrays


def _xy(n=100, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), np.arange(n) % classes


def test_from_arrays_carves_stratified_seeded_test_and_validation_splits():
    x, y = _xy()
    ds = data.from_arrays(x, y, seed=0, name="toy")
    assert [len(ds.x_train), len(ds.x_val), len(ds.x_test)] == [72, 8, 20]
    assert ds.num_classes == 4 and ds.name == "toy" and ds.published == {}
    for labels in (ds.y_train, ds.y_val, ds.y_test):
        assert labels.dtype == np.int64
        np.testing.assert_array_equal(np.bincount(labels, minlength=4), [len(labels) // 4] * 4)
    assert _pairs(np.concatenate([ds.x_train, ds.x_val, ds.x_test]),
                  np.concatenate([ds.y_train, ds.y_val, ds.y_test])) == _pairs(x, y)
    same = data.from_arrays(x, y, seed=0)
    np.testing.assert_array_equal(same.x_val, ds.x_val)
    np.testing.assert_array_equal(same.x_test, ds.x_test)
    assert _rows(data.from_arrays(x, y, seed=1).x_test) != _rows(ds.x_test)


def test_from_arrays_keeps_given_test_arrays_and_accepts_column_labels():
    x, y = _xy()
    ds = data.from_arrays(x, y.reshape(-1, 1), x_test=x[:8], y_test=y[:8],
                          published={"mlp": 0.5})
    np.testing.assert_array_equal(ds.x_test, x[:8].astype("float32"))
    assert len(ds.x_train) + len(ds.x_val) == 100 and ds.published == {"mlp": 0.5}


def _with(x, index, value):
    x = x.copy()
    x.flat[index] = value
    return x


@pytest.mark.parametrize(
    "change, error, pattern",
    [
        (lambda x, y: (_with(x, 7, np.nan), y), ValueError,
         r"^`x` contains 1 NaN or inf values \(first in example 2\); clean or impute them"),
        (lambda x, y: (_with(_with(x, 40, np.inf), 50, -np.inf), y), ValueError,
         r"^`x` contains 2 NaN or inf values \(first in example 13\)"),
        (lambda x, y: (x.astype(str), y), TypeError,
         r"^`x` must hold numbers\. Received: x of dtype <U"),
        (lambda x, y: (np.array([["a", 1.0]] * 100, dtype=object), y), TypeError,
         r"^`x` must hold numbers\. Received: x of dtype object"),
        (lambda x, y: (x, np.eye(4)[y]), ValueError,
         r"^`y` must be a 1-D array of integer class labels\. Received: y of shape \(100, 4\) "
         r"\(one-hot\? pass y\.argmax\(axis=1\)\)"),
        (lambda x, y: (x, _with(y.astype("float64"), 5, 1.5)), ValueError,
         r"^`y` must hold integer class labels\. Received: y of dtype float64 with values such "
         r"as \[1\.5\]"),
        (lambda x, y: (x, _with(y.astype("float64"), 5, np.nan)), ValueError,
         r"^`y` must hold integer class labels\. Received: y of dtype float64 with values such "
         r"as \[nan\]"),
        (lambda x, y: (x, _with(y, 5, -1)), ValueError,
         r"^`y` labels must be in \[0, 4\)\. Received: 1 labels outside, e\.g\. y=-1"),
        (lambda x, y: (x, y[:-1]), ValueError,
         r"^`y` must have one label per example \(100\)\. Received: 99 labels"),
        (lambda x, y: (x[:0], y[:0]), ValueError,
         r"^`x` must hold at least one example\. Received: x of shape \(0, 3\)"),
        (lambda x, y: (x[:, 0], y), ValueError,
         r"^`x` must have shape \(examples, features\.\.\.\), at least 2-D\. "
         r"Received: x of shape \(100,\)"),
    ],
    ids=["nan", "inf", "strings", "object", "one-hot", "float-1.5", "float-nan", "negative",
         "length", "empty", "1-d"],
)
def test_bad_data_is_rejected_naming_the_argument_and_what_was_received(change, error, pattern):
    x, y = change(*_xy())
    with pytest.raises(error, match=pattern):
        data.from_arrays(x, y)


def test_integral_float_labels_are_accepted_as_int64():
    x, _ = _xy()
    y = np.tile([1.0, 2.0, 0.0, 3.0], 25)
    ds = data.from_arrays(x, y)
    for labels in (ds.y_train, ds.y_val, ds.y_test):
        assert labels.dtype == np.int64
    assert ds.num_classes == 4
    assert _pairs(np.concatenate([ds.x_train, ds.x_val, ds.x_test]),
                  np.concatenate([ds.y_train, ds.y_val, ds.y_test])) == _pairs(x, y.astype(int))


def test_labels_out_of_range_of_the_given_num_classes():
    x, y = _xy()
    with pytest.raises(ValueError, match=r"^`y` labels must be in \[0, 3\)\. Received: 25 labels "
                                         r"outside, e\.g\. y=3$"):
        data.from_arrays(x, y, num_classes=3)
    with pytest.raises(ValueError, match=r"^`y_test` labels must be in \[0, 4\)\. Received: 1 "
                                         r"labels outside, e\.g\. y_test=7$"):
        data.from_arrays(x, y, x_test=x[:4], y_test=[0, 1, 7, 3], num_classes=4)


def test_num_classes_must_be_at_least_two():
    with pytest.raises(ValueError, match=r"^`num_classes` must be an integer in \[2, inf\)\. "
                                         r"Received: num_classes=1$"):
        data.from_arrays(*_xy(), num_classes=1)


def test_test_arrays_come_together_and_with_the_shape_of_x():
    x, y = _xy()
    with pytest.raises(ValueError, match=r"^`x_test` and `y_test` must be given together\. "
                                         r"Received: only x_test$"):
        data.from_arrays(x, y, x_test=x)
    with pytest.raises(ValueError, match=r"Received: only y_test$"):
        data.from_arrays(x, y, y_test=y)
    with pytest.raises(ValueError, match=r"^`x_test` examples must have the shape of `x` "
                                         r"examples, \(3,\)\. Received: x_test of shape "
                                         r"\(10, 5\)$"):
        data.from_arrays(x, y, x_test=np.zeros((10, 5)), y_test=np.zeros(10, int))
    with pytest.raises(ValueError, match=r"^`y_test` must have one label per example \(10\)"):
        data.from_arrays(x, y, x_test=x[:10], y_test=y[:9])


@pytest.mark.parametrize(
    "value, error, received",
    [
        (0, ValueError, "0.0"),
        (1, ValueError, "1.0"),
        (1.5, ValueError, "1.5"),
        (float("nan"), ValueError, "nan"),
        (-0.1, ValueError, "-0.1"),
    ],
)
@pytest.mark.parametrize("argument", ["val_fraction", "test_fraction"])
def test_fractions_must_be_strictly_between_zero_and_one(argument, value, error, received):
    with pytest.raises(error, match=rf"^`{argument}` must be in \(0, 1\)\. "
                                    rf"Received: {argument}={received}$"):
        data.from_arrays(*_xy(), **{argument: value})


def test_fraction_of_the_wrong_type():
    with pytest.raises(TypeError, match=r"^`val_fraction` must be a number\. "
                                        r"Received: val_fraction='a' \(of type str\)$"):
        data.from_arrays(*_xy(), val_fraction="a")
    with pytest.raises(ValueError, match=r"^`seed` must be an integer in \[0, 2\*\*32\)\. "
                                         r"Received: seed=-1$"):
        data.from_arrays(*_xy(), seed=-1)


def test_split_too_small_to_hold_every_class():
    x, y = _xy(n=50, classes=10)  # 5 examples of each class
    with pytest.raises(ValueError, match=r"^The validation split cannot hold every class on both "
                                         r"sides: 0\.1 of 50 examples gives 5 validation "
                                         r"examples and leaves 45 for 10 classes \(smallest "
                                         r"class: 5 examples\); use more data or a "
                                         r"`val_fraction` in \[0\.2, 0\.8\]\.$"):
        data.from_arrays(x, y, x_test=x, y_test=y, val_fraction=0.1)
    x, y = _xy(n=12, classes=10)  # classes 0 and 1 twice, the others once
    with pytest.raises(ValueError, match=r"^The test split cannot hold every class on both "
                                         r"sides: 0\.2 of 12 examples gives 3 test examples and "
                                         r"leaves 9 for 10 classes \(smallest class: 1 "
                                         r"examples\)"):
        data.from_arrays(x, y, val_fraction=0.1)
    x, y = _xy(n=40, classes=2)
    with pytest.raises(ValueError, match=r"gives 1 validation examples and leaves 39 for 2 "
                                         r"classes"):
        data.from_arrays(x, y, x_test=x, y_test=y, val_fraction=0.01)


def test_validation_split_after_a_carved_test_split_says_so():
    x, y = _xy(n=40, classes=4)  # 10 of each: a 0.5 test split leaves 5 of each
    with pytest.raises(ValueError, match=r"^The validation split .*: 0\.1 of 20 examples left "
                                         r"after the test split gives 2 validation examples"):
        data.from_arrays(x, y, test_fraction=0.5, val_fraction=0.1)
    x, y = _xy(n=12, classes=4)  # 3 of each: the test split takes 1, leaving 2 of each
    ds = data.from_arrays(x, y, test_fraction=1 / 3, val_fraction=0.5)
    assert [len(ds.y_train), len(ds.y_val), len(ds.y_test)] == [4, 4, 4]


def test_a_class_with_a_single_example_cannot_be_split():
    x, y = _xy(n=101, classes=4)
    y[-1] = 4  # one example of class 4: it cannot be on both sides of a split
    with pytest.raises(ValueError, match=r"^The test split cannot hold every class.*"
                                         r"\(smallest class: 1 examples\)"):
        data.from_arrays(x, y)
    with pytest.raises(ValueError, match=r"^The validation split .*\(smallest class: 1 "):
        data.from_arrays(x, y, x_test=x[:8], y_test=y[:8])


@pytest.mark.parametrize("val_fraction", [0.1, 0.5, 0.9])
def test_an_imbalanced_set_never_yields_a_split_missing_a_class(val_fraction):
    # sklearn alone gives 13 validation examples at 0.1 and a training split of class 0 only
    # at 0.9 here: its stratified allocation rounds the rare classes' shares down to 0.
    x, _ = _xy(n=100)
    y = np.array([0] * 94 + [1, 1, 2, 2, 3, 3])
    ds = data.from_arrays(x, y, x_test=x[:8], y_test=np.tile([0, 1, 2, 3], 2),
                          val_fraction=val_fraction, seed=0)
    held = int(np.ceil(val_fraction * 100))
    assert len(ds.y_val) == held and len(ds.y_train) == 100 - held
    assert set(ds.y_val.tolist()) == set(ds.y_train.tolist()) == {0, 1, 2, 3}
    assert _pairs(np.concatenate([ds.x_train, ds.x_val]),
                  np.concatenate([ds.y_train, ds.y_val])) == _pairs(x, y)
    again = data.from_arrays(x, y, x_test=x[:8], y_test=np.tile([0, 1, 2, 3], 2),
                             val_fraction=val_fraction, seed=0)
    np.testing.assert_array_equal(again.x_val, ds.x_val)


def test_split_errors_say_what_to_change():
    x, y = _xy(n=40, classes=4)
    with pytest.raises(ValueError, match=r"gives 1 validation examples and leaves 39 for 4 "
                                         r"classes \(smallest class: 10 examples\); use more "
                                         r"data or a `val_fraction` in \[0\.1, 0\.9\]\.$"):
        data.from_arrays(x, y, x_test=x, y_test=y, val_fraction=0.01)
    with pytest.raises(ValueError, match=r"gives 36 test examples .*`test_fraction` in "
                                         r"\[0\.1, 0\.8\]\.$"):  # 0.8: 2 of each class left
        data.from_arrays(x, y, test_fraction=0.9)
    y = y.copy()
    y[-1] = 7
    with pytest.raises(ValueError, match=r"a class with a single example \(class 7\) cannot be "
                                         r"on both sides of a split: add examples of it or "
                                         r"drop it\.$"):
        data.from_arrays(x, y, x_test=x, y_test=y)
    with pytest.raises(ValueError, match=r"^The test split .*\(smallest class: 1 examples\); "
                                         r"a class with fewer than 3 examples \(class 7\) "
                                         r"cannot be in all of the training, validation and "
                                         r"test splits: add examples of it or drop it\.$"):
        data.from_arrays(x, y)
    with pytest.raises(ValueError, match=r"\(smallest class: 2 examples\); a class with fewer "
                                         r"than 3 examples \(class 1, 2\) cannot be in all"):
        data.from_arrays(x[:24], np.array([0] * 20 + [1, 1, 2, 2]))


def test_a_single_class_is_not_a_classification_problem():
    x, _ = _xy()
    with pytest.raises(ValueError, match=r"^`y` must hold at least 2 classes to classify\. "
                                         r"Received: only label 0$"):
        data.from_arrays(x, np.zeros(100, int))


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"val_fraction": 1.5}, ValueError,
         r"^`val_fraction` must be in \(0, 1\)\. Received: val_fraction=1\.5$"),
        ({"seed": -2}, ValueError, r"^`seed` must be an integer in \[0, 2\*\*32\)\. "
                                   r"Received: seed=-2$"),
        ({"download": "no"}, TypeError, r"^`download` must be True or False\. "
                                        r"Received: download='no'"),
        ({"data_dir": 3}, TypeError, r"^`data_dir` must be a path or None\. "
                                     r"Received: data_dir=3 \(of type int\)$"),
    ],
)
@pytest.mark.parametrize("name", ["mnist1d", "mnist"])
def test_load_checks_its_arguments_before_generating_or_downloading(name, kwargs, error,
                                                                     pattern):
    with pytest.raises(error, match=pattern):
        data.load(name, **kwargs)


@pytest.mark.timeout(60)
def test_data_dir_may_be_a_path_object(tmp_path):
    with pytest.raises(tfds_loader.DatasetUnavailableError, match=repr(str(tmp_path))):
        data.load("fashion_mnist", data_dir=tmp_path, download=False)
