"""Image datasets through tensorflow-datasets, with one clear error offline."""

from __future__ import annotations

import socket
import urllib.parse

import numpy as np

from deeper.components.data.lazy_tensorflow import require

NAMES = ("mnist", "fashion_mnist", "cifar10")


class DatasetUnavailableError(RuntimeError):
    """A named dataset is neither prepared locally nor downloadable."""


def _unavailable(name, data_dir, reason):
    where = data_dir if data_dir is not None else "~/tensorflow_datasets"
    return DatasetUnavailableError(
        f"Could not load {name!r} through tensorflow-datasets: it is not prepared in "
        f"data_dir={where!r} and {reason}; run `tfds build {name}` on a machine with network "
        f"access and pass its data_dir=..., or use load('mnist1d'), which needs no download."
    )


def _online(url, timeout=3.0):
    """Whether `url`'s host resolves and accepts a connection within `timeout` seconds."""
    host = urllib.parse.urlparse(url).hostname
    if not host:
        return True  # nothing to probe: let tensorflow-datasets try
    port = 443 if url.startswith("https") else 80
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def load_arrays(name, *, data_dir=None, download=True):
    """`(x_train, y_train, x_test, y_test)` of a tensorflow-datasets image set.

    Images are float32 in [0, 1] with shape `(n, height, width, channels)`;
    labels are int64.
    """
    require()  # one sentence where TensorFlow is missing
    import tensorflow_datasets as tfds

    def read(download):
        # Not batch_size=-1: it aborts the process under tfds.testing.mock_data.
        return tfds.load(name, split=["train", "test"], as_supervised=True,
                         data_dir=data_dir, download=download)

    try:
        splits = read(download=False)  # prepared already: no network needed
    except Exception as missing:  # noqa: BLE001 - tfds raises several kinds for "not prepared"
        if not download:
            raise _unavailable(name, data_dir, "download=False") from missing
        if not _online(tfds.builder(name, data_dir=data_dir).info.homepage):
            # tensorflow-datasets retries a failing download for minutes: fail fast.
            raise _unavailable(name, data_dir,
                               "this machine has no network to download it") from missing
        try:
            splits = read(download=True)
        except Exception as err:  # noqa: BLE001
            raise _unavailable(name, data_dir, f"downloading failed ({type(err).__name__})"
                               ) from err
    (x, y), (x_test, y_test) = (_arrays(split) for split in splits)
    return x, y, x_test, y_test


def _arrays(split):
    """A `(image, label)` tf.data split as float32 images in [0, 1] and int64 labels."""
    xs, ys = [], []
    for images, labels in split.batch(8192).as_numpy_iterator():
        xs.append(np.asarray(images, dtype="float32") / 255.0)
        ys.append(np.asarray(labels, dtype="int64"))
    return np.concatenate(xs), np.concatenate(ys)
