"""`load_model`: Keras's `load_model`, after checking the file and before trusting it.

`keras.saving.load_model(path, safe_mode=True)` never runs code from the file,
but it loads whatever values the file holds: a Keras optimizer with
`momentum: NaN`, a weights file full of NaN, and for a truncated archive it
says "File not found" about a file that exists. `load_model` checks, in order:

1. the path: an existing `.keras` file (`FileNotFoundError`, `ValueError`);
2. the archive: a complete zip whose members pass their CRC check, holding
   `config.json` and the weights (a truncated or corrupt file is a
   `ValueError` naming it);
3. the configuration: every serialized object in `config.json` (layers,
   initializers, regularizers, losses, the optimizer, optimizers and schedules
   nested inside it) against its declared constraints
   (`keras_constraints.check_config`), before anything is built;
4. the weights, after loading: every model and optimizer variable finite.

Each failure is one sentence naming the file. Then Keras's own
`load_model(..., safe_mode=True)` does the loading (`safe_mode=True` is kept:
no lambda or other code in the file is ever executed).

Example:

```python
from deeper.components.saving import load_model
model = load_model("run/model.keras")   # or a ValueError saying what is wrong with it
```
"""

from __future__ import annotations

import json
import os
import zipfile

import keras
import numpy as np

from deeper.components.keras_constraints import check_config

REQUIRED = ("config.json", "model.weights.h5")


def _broken(path, what):
    return ValueError(f"`filepath` must be a complete .keras archive, but {path} {what}. "
                      f"Received: filepath={path!r}")


def check_archive(filepath):
    """Check a `.keras` file's path and zip structure; returns its parsed `config.json`."""
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"`filepath` must be a path to a .keras file. Received: "
                        f"filepath={filepath!r} (of type {type(filepath).__name__})")
    path = os.fspath(filepath)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"`filepath` must be an existing .keras file, but {path} "
                                f"does not exist. Received: filepath={path!r}")
    if not path.endswith(".keras"):
        raise ValueError(f"`filepath` must end in .keras (Keras 3's archive format). "
                         f"Received: filepath={path!r}")
    if not zipfile.is_zipfile(path):
        raise _broken(path, f"is not a zip archive ({os.path.getsize(path)} bytes: truncated "
                            "or corrupt)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = [m for m in REQUIRED if m not in names]
            if missing:
                raise _broken(path, f"lacks {', '.join(missing)} (truncated or not saved by "
                                    "Keras 3)")
            bad = archive.testzip()
            if bad is not None:
                raise _broken(path, f"has a corrupt member {bad} (its CRC check fails)")
            text = archive.read("config.json")
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        raise _broken(path, f"cannot be read as a zip archive ({err}: truncated or "
                            "corrupt)") from None
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as err:
        raise _broken(path, f"holds a config.json that is not JSON ({err})") from None


def check_weights(model, path="the model"):
    """Raise the one-sentence `ValueError` if a model or optimizer variable is not finite."""
    variables = list(model.weights)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "built", False):
        variables += list(optimizer.variables)
    bad = []
    for variable in variables:
        value = keras.ops.convert_to_numpy(variable.value)
        if np.issubdtype(value.dtype, np.floating):
            count = int(np.size(value) - np.isfinite(value).sum())
            if count:
                bad.append((variable.path, count))
    if bad:
        first, count = bad[0]
        more = f" (and {len(bad) - 1} more variables)" if len(bad) > 1 else ""
        raise ValueError(f"`filepath` must hold finite weights, but {path} has {count} NaN or "
                         f"inf values in {first!r}{more}. Received: filepath={path!r}")
    return model


def load_model(filepath, *, custom_objects=None, compile=True, safe_mode=True,
               finite_weights=True):
    """Load a `.keras` model after checking its archive, its configuration and its weights.

    Args:
        filepath: path to a `.keras` file.
        custom_objects: as in `keras.saving.load_model`. Defaults to `None`
            (`deeper`'s components are registered already).
        compile: compile the model with its saved optimizer and loss.
            Defaults to `True`.
        safe_mode: refuse to deserialize code (lambdas). Defaults to `True`;
            set it to `False` only for files you wrote yourself.
        finite_weights: refuse NaN or inf weights (model and optimizer
            variables). Defaults to `True`.

    Returns:
        The `keras.Model`.

    Raises:
        FileNotFoundError: no file at `filepath`.
        ValueError: not a `.keras` file, a truncated or corrupt archive, an
            out-of-range value in the configuration (e.g. an optimizer's
            `momentum: NaN`, nested optimizers and schedules included), NaN or
            inf weights, or a file Keras refuses (code under `safe_mode=True`).
        TypeError: a value of the wrong type in the configuration.
    """
    config = check_archive(filepath)
    path = os.fspath(filepath)
    try:
        check_config(config)
    except (ValueError, TypeError) as err:
        raise type(err)(f"{err} (in {path})") from None
    try:
        model = keras.saving.load_model(path, custom_objects=custom_objects, compile=compile,
                                        safe_mode=safe_mode)
    except Exception as err:  # Keras's errors (code refused by safe_mode, bad HDF5, ...)
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"`filepath` must be a .keras file Keras can load, but loading {path} "
                         f"failed: {first} Received: filepath={path!r}") from None
    return check_weights(model, path) if finite_weights else model
