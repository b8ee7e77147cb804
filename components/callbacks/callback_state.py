"""The state of a callback as JSON plus arrays, for `ExactCheckpoint` (not a component).

The protocol: a callback (or any object) with `get_state()` / `set_state(state)`
is saved through them. Any other callback (Keras's `EarlyStopping`,
`ReduceLROnPlateau`, `ModelCheckpoint`, deeper's `StepDecay`, `NaNGuard`,
`HardExampleMining`, ...) is saved attribute by attribute: every instance
attribute holding plain data (None, numbers, strings, NumPy arrays and
scalars, and lists, tuples and dicts of them; `EarlyStopping`'s `best`,
`wait`, `best_epoch`, `best_weights`, ...) and every attribute holding an
object with the protocol (`HardExampleMining.sampler`). Attributes holding
anything else (the model, functions, file handles) are left as they are.

`encode` turns such a value into JSON with the arrays set aside (referenced by
key); `decode` reverses it exactly: floats and arrays round-trip bit for bit,
tuples stay tuples, dict keys keep their types.
"""

from __future__ import annotations

import math

import keras
import numpy as np

SKIPPED_ATTRIBUTES = frozenset({"model", "_model", "params"})


class Unsupported(Exception):
    """Raised by `encode` for a value that is not plain data."""


def encode(value, arrays, prefix):
    """JSON-able form of `value`; arrays go into `arrays` under keys starting with `prefix`."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, (np.ndarray, np.generic)):
        key = f"{prefix}/{len(arrays)}"
        arrays[key] = np.asarray(value)
        return {"__array__": key, "scalar": isinstance(value, np.generic)}
    if isinstance(value, keras.Variable):
        raise Unsupported("a Keras variable")
    if isinstance(value, list):
        return [encode(v, arrays, prefix) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, arrays, prefix) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, arrays, prefix), encode(v, arrays, prefix)]
                             for k, v in value.items()]}
    if callable(getattr(value, "get_state", None)) and callable(getattr(value, "set_state",
                                                                        None)):
        return {"__state__": encode(value.get_state(), arrays, prefix)}
    raise Unsupported(type(value).__name__)


def decode(value, arrays):
    """The value `encode` was given (arrays read from `arrays`)."""
    if isinstance(value, list):
        return [decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if "__float__" in value:
        return float(value["__float__"])
    if "__array__" in value:
        array = np.array(arrays[value["__array__"]])
        return array[()] if value["scalar"] else array
    if "__tuple__" in value:
        return tuple(decode(v, arrays) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_hashable(decode(k, arrays)): decode(v, arrays) for k, v in value["__dict__"]}
    raise ValueError(f"`state` holds an unknown entry. Received: {sorted(value)}")


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def get_state(callback, arrays, prefix):
    """The JSON-able state of `callback` (its arrays added to `arrays`)."""
    if callable(getattr(callback, "get_state", None)):
        return {"protocol": encode(callback.get_state(), arrays, prefix)}
    attributes = {}
    for name, value in vars(callback).items():
        if name in SKIPPED_ATTRIBUTES or isinstance(value, keras.Model):
            continue
        found = {}
        try:
            attributes[name] = encode(value, found, f"{prefix}/{name}")
        except Unsupported:
            continue
        arrays.update(found)
    return {"attributes": attributes}


def set_state(callback, state, arrays):
    """Put back into `callback` what `get_state` returned."""
    if "protocol" in state:
        callback.set_state(decode(state["protocol"], arrays))
        return
    for name, value in state["attributes"].items():
        if isinstance(value, dict) and "__state__" in value:
            getattr(callback, name).set_state(decode(value["__state__"], arrays))
        else:
            setattr(callback, name, decode(value, arrays))
