"""A disk cache for generated datasets (MNIST-1D is generated, not downloaded).

Generating MNIST-1D (`mnist1d.data.make_dataset`) takes 7-11 s of CPU, paid by
every process that loads it: each `deeper` command, each notebook kernel, each
worker of a search. `cached_arrays` keeps the generated arrays in
`$DEEPER_CACHE_DIR` (default: `$XDG_CACHE_HOME/deeper`, else `~/.cache/deeper`)
as one `.npz` file per name and generator version, written atomically (a
temporary file, then a rename), so concurrent processes and a kill never leave
a half-written file. A file that cannot be read, or holds other keys, is
generated again; a cache directory that cannot be written is skipped (the
arrays are then generated in every process, as without a cache).
`DEEPER_CACHE_DIR=""` turns the cache off.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import zipfile

import numpy as np


def cache_dir():
    """The cache directory, or `None` when `DEEPER_CACHE_DIR` is set to the empty string."""
    chosen = os.environ.get("DEEPER_CACHE_DIR")
    if chosen is not None:
        return chosen or None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "deeper")


def cached_arrays(name, version, keys, make):
    """The arrays `make()` returns (a dict holding `keys`), from the cache when there.

    Args:
        name: the dataset's name (part of the file name).
        version: the generator's version (part of the file name: a new version
            generates again).
        keys: the names of the arrays (a file missing one is generated again).
        make: a function returning a dict of NumPy arrays with at least `keys`.
    """
    directory = cache_dir()
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{name}-{version}")
    path = None if directory is None else os.path.join(directory, f"{safe}.npz")
    if path is not None and os.path.exists(path):
        try:
            with np.load(path, allow_pickle=False) as stored:
                return {k: stored[k] for k in keys}
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError):
            pass  # unreadable or from an older layout: generate again
    arrays = {k: np.asarray(v) for k, v in make().items() if k in keys}
    if path is not None:
        _write(path, arrays)
    return arrays


def _write(path, arrays):
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-", suffix=".npz")
    except OSError:
        return  # read-only or missing home: no cache
    try:
        with os.fdopen(handle, "wb") as f:
            np.savez(f, **arrays)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(temporary)
