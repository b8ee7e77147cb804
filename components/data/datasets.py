"""Datasets as train / validation / test arrays: `load` and `from_arrays`."""

from __future__ import annotations

import dataclasses
import functools
import os

import numpy as np

from deeper.components.constraints import (
    Boolean,
    Integer,
    Options,
    Real,
    Satisfies,
    Seed,
    String,
    declare,
)
from deeper.components.data import cache, checks, tfds_loader
from deeper.components.validation import check_number

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


def _split(x, y, fraction, seed, num_classes, what, *, per_class_kept=1, after_test=False):
    """Stratified, seeded split of `fraction` of (x, y) into a held-out part.

    Both parts hold every class present (the kept part room for
    `per_class_kept` examples of each) and the held-out part has exactly
    `ceil(fraction * len(y))` examples.
    """
    from sklearn.model_selection import train_test_split

    n = len(y)
    held_out = int(np.ceil(fraction * n))
    counts = np.bincount(y, minlength=num_classes)
    present = int(np.count_nonzero(counts))
    smallest = int(counts[counts > 0].min())
    kept_min = per_class_kept * present
    if held_out < present or n - held_out < kept_min or smallest < per_class_kept + 1:
        if smallest < per_class_kept + 1:
            rare = ", ".join(str(c) for c in np.flatnonzero(
                (counts > 0) & (counts <= per_class_kept))[:5])
            if per_class_kept == 1:
                advice = (f"a class with a single example (class {rare}) cannot be on both "
                          f"sides of a split")
            else:
                advice = (f"a class with fewer than 3 examples (class {rare}) cannot be in all "
                          f"of the training, validation and test splits")
            advice += ": add examples of it or drop it"
            advice += ", or lower `test_fraction`" if after_test else ""
        else:  # every class has enough examples, so this interval is not empty
            arg = "val_fraction" if what == "validation" else "test_fraction"
            advice = (f"use more data or a `{arg}` in [{present / n:.3g}, "
                      f"{(n - kept_min) / n:.3g}]")
        raise ValueError(
            f"The {what} split cannot hold every class on both sides: {fraction:g} of {n} "
            f"examples{' left after the test split' if after_test else ''} gives {held_out} "
            f"{what} examples and leaves {n - held_out} for {present} classes (smallest class: "
            f"{smallest} examples); {advice}."
        )
    kept, held = train_test_split(np.arange(n), test_size=held_out, stratify=y,
                                  random_state=seed)
    # sklearn's stratified allocation can round a rare class's share down to 0 on either
    # side: swap examples across until both sides hold every class, keeping the sizes.
    # Each swap fills one gap and opens none (a class missing on one side has >= 2
    # examples on the other; the class sent back has >= 2 where it leaves).
    rng = np.random.default_rng(seed)
    while True:
        gaps = [(a, b) for a, b in ((kept, held), (held, kept))
                if len(np.setdiff1d(y[a], y[b])) > 0]
        if not gaps:
            return x[kept], x[held], y[kept], y[held]
        src, dst = gaps[0]
        c = np.setdiff1d(y[src], y[dst])[0]
        d = int(np.argmax(np.bincount(y[dst], minlength=num_classes)))
        i = rng.choice(np.flatnonzero(y[src] == c))
        j = rng.choice(np.flatnonzero(y[dst] == d))
        src[i], dst[j] = dst[j], src[i]


_FRACTION = Real(0, 1, low_open=True, high_open=True)
INPUTS = Satisfies(checks.inputs, "a finite numeric array of shape (examples, ...)",
                   bad=[[], [[float("nan"), 1.0]], [[float("inf")]], [["a", "b"]], [1.0, 2.0], 3])


def _example_arrays():
    rng = np.random.default_rng(0)
    return {"x": rng.normal(size=(30, 3)), "y": np.arange(30) % 3}


@declare({"x": INPUTS, "x_test": Satisfies(checks.inputs, INPUTS.description, allow_none=True,
                                           bad=INPUTS.bad), "val_fraction": _FRACTION,
          "test_fraction": _FRACTION, "seed": Seed(), "name": String(),
          "num_classes": Integer(low=2, allow_none=True)}, example=_example_arrays)
def from_arrays(x, y, *, x_test=None, y_test=None, val_fraction=0.1, test_fraction=0.2, seed=0,
                name="arrays", num_classes=None, published=None):
    """Make a `Dataset` from your own arrays, checking them first.

    When no test arrays are given, a test split of `test_fraction` is carved
    from `(x, y)` first; the validation split is then carved from what remains
    (100 examples give 20 test, 8 validation and 72 training examples by
    default). Both splits are stratified by class (scikit-learn's
    `train_test_split(..., stratify=y, random_state=seed)`) and seeded: every
    split holds every class, with exactly `ceil(fraction * n)` examples, and
    the same seed gives the same splits. Everything is checked before any
    training; inputs become float32 and labels int64.

    Args:
        x: inputs, numeric, shape `(n, ...)`.
        y: integer class labels, shape `(n,)`.
        x_test: test inputs. Defaults to `None` (carved from `x`).
        y_test: test labels, given together with `x_test`. Defaults to `None`.
        val_fraction: fraction of the training data (after any test split)
            held out for validation, in (0, 1). Defaults to 0.1.
        test_fraction: fraction held out for testing when `x_test` is not
            given, in (0, 1). Defaults to 0.2.
        seed: seed of the splits. Defaults to 0.
        name: the dataset's name. Defaults to `"arrays"`.
        num_classes: number of classes. Defaults to `None` (`max(label) + 1`).
        published: published accuracies by model name. Defaults to `None`.

    Raises:
        ValueError: NaN or inf inputs, labels that are not integers (or are
            one-hot) or are out of `[0, num_classes)`, mismatched lengths,
            empty arrays, a fraction outside (0, 1), or a split too small to
            hold every class.
        TypeError: non-numeric inputs or arguments of the wrong type.

    Example:

    ```python
    ds = from_arrays(x, y, val_fraction=0.1, seed=0)
    ```
    """
    if (x_test is None) != (y_test is None):
        raise ValueError("`x_test` and `y_test` must be given together. Received: only "
                         f"{'x_test' if y_test is None else 'y_test'}")
    y = checks.labels("y", y, len(x))
    if x_test is not None:
        y_test = checks.labels("y_test", y_test, len(x_test))
        if x_test.shape[1:] != x.shape[1:]:
            raise ValueError(f"`x_test` examples must have the shape of `x` examples, "
                             f"{x.shape[1:]}. Received: x_test of shape {x_test.shape}")
    all_labels = y if y_test is None else np.concatenate([y, y_test])
    if num_classes is None:
        num_classes = int(all_labels.max()) + 1
        if num_classes < 2 and all_labels.min() == 0:
            raise ValueError("`y` must hold at least 2 classes to classify. Received: only "
                             "label 0")
        num_classes = max(num_classes, 2)  # negative labels are reported as out of range
    num_classes = check_number("num_classes", num_classes, low=2, integer=True)
    checks.label_range("y", y, num_classes)
    carved = y_test is None
    if not carved:
        checks.label_range("y_test", y_test, num_classes)
    else:
        # leave room for at least one training and one validation example of each class
        x, x_test, y, y_test = _split(x, y, test_fraction, seed, num_classes, "test",
                                      per_class_kept=2)
    x_train, x_val, y_train, y_val = _split(x, y, val_fraction, seed, num_classes, "validation",
                                            after_test=carved)
    return Dataset(x_train, y_train, x_val, y_val, x_test, y_test, num_classes, str(name),
                   dict(published or {}))


@functools.lru_cache(maxsize=1)
def _mnist1d_arrays():
    from importlib import metadata

    def make():
        from mnist1d.data import get_dataset_args, make_dataset

        return make_dataset(get_dataset_args())  # offline; never get_dataset (it downloads)

    keys = ("x", "y", "x_test", "y_test")
    d = cache.cached_arrays("mnist1d", metadata.version("mnist1d"), keys, make)  # disk cache
    return tuple(d[k] for k in keys)


def _path(name, value):
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        raise TypeError(f"`{name}` must be a path or None. Received: {name}={value!r} "
                        f"(of type {type(value).__name__})")
    return os.fspath(value)


@declare({"name": Options(*NAMES), "seed": Seed(), "val_fraction": _FRACTION,
          "data_dir": Satisfies(_path, "a path", allow_none=True, bad=[3, b"x", ["d"]]),
          "download": Boolean()}, example=lambda: {"name": "digits"})
def load(name, *, seed=0, val_fraction=0.1, data_dir=None, download=True):
    """Load a named dataset as a `Dataset`.

    * `"mnist1d"`: MNIST-1D generated offline by the `mnist1d` package
      (`make_dataset(get_dataset_args())`), the published 4000 train / 1000
      test split; inputs are 40-sample signals.
    * `"digits"`: scikit-learn's bundled 8x8 digits (1797 examples, 64 pixel
      values in 0..16); 20% is held out for testing.
    * `"mnist"`, `"fashion_mnist"`, `"cifar10"`: through tensorflow-datasets,
      images scaled to [0, 1]; needs network or a prepared `data_dir`.

    The validation split is carved from the training split (stratified,
    seeded); the published test split is kept as is. Arguments are checked
    before anything is generated or downloaded.

    Args:
        name: one of `"mnist1d"`, `"digits"`, `"mnist"`, `"fashion_mnist"`, `"cifar10"`.
        seed: seed of the validation (and digits' test) split. Defaults to 0.
        val_fraction: fraction of the training split for validation, in
            (0, 1). Defaults to 0.1.
        data_dir: tensorflow-datasets data directory. Defaults to `None` (its default).
        download: let tensorflow-datasets download missing data. Defaults to `True`.

    Raises:
        ValueError: an unknown `name` (the message lists the known ones) or a
            bad argument.
        DatasetUnavailableError: an image set neither prepared in `data_dir`
            nor downloadable (a `RuntimeError`; one sentence saying what to do).

    Example:

    ```python
    ds = load("mnist1d")
    ds.x_train.shape, ds.num_classes   # ((3600, 40), 10)
    ```
    """
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
