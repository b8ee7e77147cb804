"""Datasets as train / validation / test arrays: `load` and `from_arrays`."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from deeper.components.data import checks, tfds_loader
from deeper.components.validation import check_number, check_seed

MNIST1D_PUBLISHED = {
    # Greydanus 2020, "Scaling down deep learning", table 1 (test accuracy).
    "logistic regression": 0.32,
    "mlp": 0.68,
    "cnn": 0.94,
    "gru": 0.91,
    "human": 0.96,
}
NAMES = ("mnist1d", "digits", *tfds_loader.NAMES)


@dataclasses.dataclass(frozen=True, repr=False)
class Dataset:
    """A classification dataset split into train, validation and test arrays.

    Attributes:
        x_train, y_train, x_val, y_val, x_test, y_test: float32 inputs and
            int64 labels in `[0, num_classes)`.
        num_classes: number of classes.
        name: the dataset's name.
        published: published test accuracies on this dataset, by model name.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    name: str
    published: dict = dataclasses.field(default_factory=dict)

    @property
    def input_shape(self) -> tuple:
        """Shape of one example."""
        return tuple(self.x_train.shape[1:])

    def summary(self) -> str:
        """One line: name, split sizes, input shape and classes."""
        return (f"{self.name}: {len(self.x_train)} train / {len(self.x_val)} validation / "
                f"{len(self.x_test)} test examples of shape {self.input_shape}, "
                f"{self.num_classes} classes")

    def __repr__(self):
        return f"Dataset({self.summary()})"


def _split(x, y, fraction, seed, num_classes, what):
    """Stratified, seeded split of `fraction` of (x, y) into a held-out part."""
    from sklearn.model_selection import train_test_split

    held_out = int(np.ceil(fraction * len(y)))
    counts = np.bincount(y, minlength=num_classes)
    present = int(np.count_nonzero(counts))
    if held_out < present or len(y) - held_out < present or counts[counts > 0].min() < 2:
        raise ValueError(
            f"The {what} split is too small to hold every class: {fraction:g} of {len(y)} "
            f"examples gives {held_out} {what} examples for {present} classes (smallest class: "
            f"{counts[counts > 0].min()} examples); use more data or a fraction that leaves "
            f"at least one example of each class on both sides."
        )
    x_kept, x_held, y_kept, y_held = train_test_split(x, y, test_size=held_out, stratify=y,
                                                      random_state=seed)
    # sklearn's stratified allocation can round a rare class's share down to 0:
    # move one of its examples across so that both sides hold every class.
    missing = np.setdiff1d(np.unique(y_kept), np.unique(y_held))
    if len(missing):
        rng = np.random.default_rng(seed)
        moved = np.array([rng.choice(np.flatnonzero(y_kept == c)) for c in missing])
        x_held = np.concatenate([x_held, x_kept[moved]])
        y_held = np.concatenate([y_held, y_kept[moved]])
        x_kept, y_kept = np.delete(x_kept, moved, axis=0), np.delete(y_kept, moved)
    return x_kept, x_held, y_kept, y_held


def from_arrays(x, y, *, x_test=None, y_test=None, val_fraction=0.1, test_fraction=0.2, seed=0,
                name="arrays", num_classes=None, published=None):
    """Make a `Dataset` from your own arrays, checking them first.

    The validation split (and, when no test arrays are given, the test split)
    is carved from `(x, y)` stratified by class and seeded, so every split
    holds every class and the same seed gives the same split.

    Args:
        x: inputs, numeric, shape `(n, ...)`.
        y: integer class labels, shape `(n,)`.
        x_test: test inputs. Defaults to `None` (carved from `x`).
        y_test: test labels, given together with `x_test`. Defaults to `None`.
        val_fraction: fraction of the training data held out for validation,
            in (0, 1). Defaults to 0.1.
        test_fraction: fraction held out for testing when `x_test` is not
            given, in (0, 1). Defaults to 0.2.
        seed: seed of the splits. Defaults to 0.
        name: the dataset's name. Defaults to `"arrays"`.
        num_classes: number of classes. Defaults to `max(label) + 1`.
        published: published accuracies by model name. Defaults to `None`.

    Raises:
        ValueError: NaN or inf inputs, labels that are not integers or are out
            of `[0, num_classes)`, mismatched lengths, empty arrays, or a split
            too small to hold every class.

    Example:

    ```python
    ds = from_arrays(x, y, val_fraction=0.1, seed=0)
    ```
    """
    val_fraction = check_number("val_fraction", val_fraction, low=0, high=1, low_open=True,
                                high_open=True)
    test_fraction = check_number("test_fraction", test_fraction, low=0, high=1, low_open=True,
                                 high_open=True)
    seed = check_seed("seed", seed)
    if (x_test is None) != (y_test is None):
        raise ValueError("`x_test` and `y_test` must be given together. Received: only "
                         f"{'x_test' if y_test is None else 'y_test'}")
    x = checks.inputs("x", x)
    y = checks.labels("y", y, len(x))
    if x_test is not None:
        x_test = checks.inputs("x_test", x_test)
        y_test = checks.labels("y_test", y_test, len(x_test))
        if x_test.shape[1:] != x.shape[1:]:
            raise ValueError(f"`x_test` examples must have the shape of `x` examples, "
                             f"{x.shape[1:]}. Received: x_test of shape {x_test.shape}")
    all_labels = y if y_test is None else np.concatenate([y, y_test])
    if num_classes is None:
        num_classes = int(all_labels.max()) + 1
    num_classes = check_number("num_classes", num_classes, low=2, integer=True)
    checks.label_range("y", y, num_classes)
    if y_test is not None:
        checks.label_range("y_test", y_test, num_classes)
    else:
        x, x_test, y, y_test = _split(x, y, test_fraction, seed, num_classes, "test")
    x_train, x_val, y_train, y_val = _split(x, y, val_fraction, seed, num_classes, "validation")
    return Dataset(x_train, y_train, x_val, y_val, x_test, y_test, num_classes, str(name),
                   dict(published or {}))


@functools.lru_cache(maxsize=1)
def _mnist1d_arrays():
    from mnist1d.data import get_dataset_args, make_dataset

    d = make_dataset(get_dataset_args())  # generated offline; never get_dataset (it downloads)
    return d["x"], d["y"], d["x_test"], d["y_test"]


def load(name, *, seed=0, val_fraction=0.1, data_dir=None, download=True):
    """Load a named dataset as a `Dataset`.

    * `"mnist1d"`: MNIST-1D generated offline by the `mnist1d` package
      (`make_dataset(get_dataset_args())`), the published 4000 train / 1000
      test split; inputs are 40-sample signals.
    * `"digits"`: scikit-learn's bundled 8x8 digits (1797 examples, 64 pixel
      values in 0..16); 20% is held out for testing.
    * `"mnist"`, `"fashion_mnist"`, `"cifar10"`: through tensorflow-datasets,
      images scaled to [0, 1]; needs network or a prepared `data_dir`.

    The validation split is carved from the training split (stratified, seeded).

    Args:
        name: one of `"mnist1d"`, `"digits"`, `"mnist"`, `"fashion_mnist"`, `"cifar10"`.
        seed: seed of the validation (and digits' test) split. Defaults to 0.
        val_fraction: fraction of the training split for validation, in
            (0, 1). Defaults to 0.1.
        data_dir: tensorflow-datasets data directory. Defaults to `None` (its default).
        download: let tensorflow-datasets download missing data. Defaults to `True`.

    Example:

    ```python
    ds = load("mnist1d")
    ds.x_train.shape, ds.num_classes   # ((3600, 40), 10)
    ```
    """
    if name not in NAMES:
        raise ValueError(f"`name` must be one of {', '.join(repr(n) for n in NAMES)}. "
                         f"Received: name={name!r}")
    if name == "mnist1d":
        x, y, x_test, y_test = _mnist1d_arrays()
        return from_arrays(x, y, x_test=x_test, y_test=y_test, val_fraction=val_fraction,
                           seed=seed, name=name, num_classes=10, published=MNIST1D_PUBLISHED)
    if name == "digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        return from_arrays(digits.data, digits.target, val_fraction=val_fraction, seed=seed,
                           name=name, num_classes=10)
    x, y, x_test, y_test = tfds_loader.load_arrays(name, data_dir=data_dir, download=download)
    return from_arrays(x, y, x_test=x_test, y_test=y_test, val_fraction=val_fraction, seed=seed,
                       name=name, num_classes=10)
