"""The run-directory contract: one run per directory, atomic artifacts, strict JSON.

A run directory (`--out`, `output_dir`) holds one run. `prepare_run_dir` refuses
a directory that already holds something unless the caller asks to resume or
to overwrite it, and checks that it is writable before any training starts.
`atomic_write` (and `atomic_path`, for writers that need a file name) writes
every artifact to a temporary file in the same directory and renames it over
the target (`os.replace`), so a kill at any moment leaves
either the old file or the new one, never a truncated one. `strict_json` turns
non-finite numbers into `null` (a strict JSON parser rejects `NaN`), and
`metrics_record` adds a `status` field and the versions of what produced it.

```python
mode = rundir.prepare_run_dir("runs/cnn", resume=False, overwrite=False)  # "new"
rundir.write_json("runs/cnn/metrics.json",
                  rundir.metrics_record({"test_loss": float("nan")}, config={"lr": 0.1}))
# {"status": "non_finite", "non_finite": ["test_loss"], "metrics": {"test_loss": null}, ...}
```
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import shutil
import tempfile

import numpy as np

from deeper.components.validation import check_bool

MODES = ("new", "resume", "overwrite")


def _check_path(name, path):
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise TypeError(f"`{name}` must be a non-empty path (str or os.PathLike). "
                        f"Received: {name}={path!r}")
    return os.fspath(path)


def holds_run(directory):
    """True when `directory` exists and is not empty (anything in it counts as a run)."""
    directory = _check_path("directory", directory)
    return os.path.isdir(directory) and bool(os.listdir(directory))


def check_writable(directory):
    """Create `directory` if needed and prove it writable with a probe file, or raise.

    Raises:
        PermissionError: with one sentence naming the directory, when a file
            cannot be created there (read-only, no permission, full disk).
    """
    directory = _check_path("directory", directory)
    try:
        os.makedirs(directory, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-probe-") as probe:
            probe.write(b"\0" * 4096)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as err:
        raise PermissionError(f"`output_dir` must be a writable directory: writing a file in "
                              f"it failed with {err.strerror or err}. "
                              f"Received: output_dir={directory!r}") from err
    return directory


def prepare_run_dir(directory, *, resume=False, overwrite=False, resumable=True):
    """Claim `directory` for a run; returns `"new"`, `"resume"` or `"overwrite"`.

    * empty or missing: `"new"` (also with `resume=True`: there is nothing to resume);
    * holding a run: refused with `FileExistsError` unless `resume=True` (keep it,
      return `"resume"`) or `overwrite=True` (delete its contents, `"overwrite"`).

    In every case the directory is then checked writable (`check_writable`),
    so a read-only or full output fails before the first training step.

    Args:
        directory: the run directory.
        resume: continue the run found there. Defaults to False.
        overwrite: replace the run found there. Defaults to False.
        resumable: whether the caller can resume a run (the refusal then names
            `resume=True` as a way out). Defaults to True.
    """
    directory = _check_path("output_dir", directory)
    resume = check_bool("resume", resume)
    overwrite = check_bool("overwrite", overwrite)
    if resume and overwrite:
        raise ValueError("`resume` and `overwrite` cannot both be True (continue the run, or "
                         "replace it). Received: resume=True, overwrite=True")
    mode = "new"
    if holds_run(directory):
        if resume:
            mode = "resume"
        elif overwrite:
            mode = "overwrite"
            for name in os.listdir(directory):
                path = os.path.join(directory, name)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.remove(path)
        else:
            way_out = ("pass resume=True (--resume) to continue it or overwrite=True "
                       "(--overwrite) to replace it" if resumable else
                       "pass overwrite=True (--overwrite) to replace it, or choose another "
                       "directory")
            raise FileExistsError(
                f"`output_dir` already holds a run ({len(os.listdir(directory))} entries): "
                f"{way_out}. Received: output_dir={directory!r}")
    check_writable(directory)
    return mode


def _fsync_directory(directory):
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:  # not supported here (e.g. Windows): the rename is still atomic
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


@contextlib.contextmanager
def atomic_path(path):
    """A temporary path next to `path`, with its suffix, renamed over `path` on success.

    For writers that want a file name (`model.save` needs one ending in
    `.keras`, `figure.savefig` picks the format from it):

    ```python
    with rundir.atomic_path("run/model.keras") as temporary:
        model.save(temporary)
    ```

    On an exception the temporary file is removed and `path` is left as it was.
    """
    path = _check_path("path", path)
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.",
                                         suffix=os.path.splitext(name)[1])
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 would make artifacts private
    try:
        yield temporary
        with open(temporary, "rb+") as file:
            os.fsync(file.fileno())
        os.replace(temporary, path)
        _fsync_directory(directory)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def atomic_write(path, content):
    """Write `content` to `path` atomically: a temporary file, fsync, then `os.replace`.

    Args:
        path: the target file; its directory must exist.
        content: `bytes`, `str` (UTF-8), or a callable `write(file)` given the
            temporary file opened in binary mode (e.g. `lambda f: np.savez(f, ...)`).
    """
    with atomic_path(path) as temporary, open(temporary, "wb") as file:
        if callable(content):
            content(file)
        else:
            file.write(content.encode("utf-8") if isinstance(content, str) else content)
    return os.fspath(path)


def strict_json(value, _where="", _found=None):
    """`(clean, non_finite)`: `value` with NaN and +-inf replaced by None, and their paths.

    NumPy scalars and arrays become Python numbers and lists; tuples become lists.
    """
    found = [] if _found is None else _found
    if isinstance(value, dict):
        clean = {str(k): strict_json(v, f"{_where}.{k}" if _where else str(k), found)[0]
                 for k, v in value.items()}
    elif isinstance(value, (list, tuple, np.ndarray)):
        clean = [strict_json(v, f"{_where}[{i}]", found)[0] for i, v in enumerate(value)]
    elif isinstance(value, (bool, np.bool_)):
        clean = bool(value)
    elif isinstance(value, (int, np.integer)):
        clean = int(value)
    elif isinstance(value, (float, np.floating)):
        clean = float(value) if math.isfinite(value) else None
        if clean is None:
            found.append(_where)
    else:
        clean = value
    return clean, found


def dumps(value, **kwargs):
    """Strict JSON text of `value` (non-finite numbers as null; `allow_nan=False`)."""
    return json.dumps(strict_json(value)[0], allow_nan=False, **kwargs)


def write_json(path, value):
    """Atomically write `value` as strict, indented JSON (see `dumps`)."""
    return atomic_write(path, dumps(value, indent=2) + "\n")


def versions():
    """The versions of deeper, Keras, TensorFlow (None if absent), Python, and the backend."""
    from importlib import metadata

    import keras

    def version(package):
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    return {"deeper": version("deeper"), "keras": keras.__version__,
            "tensorflow": version("tensorflow"), "python": platform.python_version(),
            "backend": keras.backend.backend()}


def metrics_record(metrics, *, config=None, status=None, **extra):
    """The content of a strict `metrics.json`: status, metrics, configuration, versions.

    `status` defaults to `"ok"`, or `"non_finite"` when a metric is NaN or inf
    (stored as null, its path listed in `"non_finite"`). `extra` entries (a
    divergence report, the resume history, ...) are added as given.
    """
    clean, non_finite = strict_json(metrics)
    record = {"status": status or ("non_finite" if non_finite else "ok"),
              "non_finite": non_finite, "metrics": clean}
    if config is not None:
        record["config"] = strict_json(config)[0]
    record.update({key: strict_json(value)[0] for key, value in extra.items()})
    record["versions"] = versions()
    return record
