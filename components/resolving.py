"""Name resolution behind `registry.get`: `deeper`'s names first, then Keras's, checked."""

from __future__ import annotations

import re

import keras

from deeper.components import registry
from deeper.components.keras_constraints import (
    check_config,
    check_object,
    is_object_of,
    keras_classes,
)
from deeper.components.registry import SINGULAR, Entry

_KERAS_GETTERS = registry._KERAS_GETTERS


def _keras_name(kind, cls):
    """The name users type for a Keras class: "adamw", "binary_crossentropy", "he_normal"."""
    if kind in ("optimizers", "schedules"):
        return cls.__name__.lower()
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", cls.__name__).lower()


def _keras_class(kind, identifier):
    """The declared Keras class of `kind` named `identifier` ("adamw", "BinaryCrossentropy")."""
    key = identifier.lower().replace("_", "")
    return next((c for c in keras_classes(kind) if c.__name__.lower() == key), None)


def _unknown(kind, identifier, argument):
    known = ", ".join(repr(n) for n in registry.names(kind))
    theirs = ", ".join(repr(_keras_name(kind, c)) for c in keras_classes(kind))
    theirs = f" or a Keras one ({theirs}, ...)" if theirs else ""
    return ValueError(
        f"`{argument}` must be a `deeper` {SINGULAR[kind]} name ({known}){theirs}. "
        f"Received: {argument}={identifier!r}")


def resolve(kind, identifier, argument="identifier", **kwargs):
    """The component of `kind` named `identifier`, built with `kwargs` (checked first).

    The error for an unknown name names `argument` and lists `deeper`'s names.
    """
    known = registry._REGISTRY[kind]
    entry = known.get(identifier) or known.get(identifier.lower())
    if entry is not None:
        return entry.build(**kwargs)
    cls = _keras_class(kind, identifier)
    if cls is not None and (kwargs or kind in ("optimizers", "schedules")):
        return Entry(kind, identifier, cls).build(**kwargs)
    getter = _KERAS_GETTERS.get(kind)
    obj = None
    if getter is not None and identifier:
        try:
            obj = getter(identifier)
        except (ValueError, TypeError, KeyError, AttributeError):
            obj = None
    if obj is None and cls is not None:
        return Entry(kind, identifier, cls).build()
    if obj is None:
        raise _unknown(kind, identifier, argument)
    if kwargs:
        if isinstance(obj, type):
            return Entry(kind, identifier, obj).build(**kwargs)
        if not hasattr(obj, "get_config"):
            raise TypeError(f"`{argument}` names Keras's function {identifier!r}, which takes "
                            f"no arguments. Received: {argument}={identifier!r} with "
                            f"{', '.join(sorted(kwargs))}")
        return Entry(kind, identifier, type(obj)).build(**{**obj.get_config(), **kwargs})
    return check_object(argument, obj)


def get(kind, identifier, **kwargs):
    """See `registry.get`."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return resolve(kind, identifier, **kwargs)
    if isinstance(identifier, dict):
        check_config(identifier, "identifier")
        return keras.saving.deserialize_keras_object(identifier)
    if not is_object_of(kind, identifier):
        raise TypeError(
            f"`identifier` must be a {SINGULAR[kind]} name, a config dict or a "
            f"{SINGULAR[kind]} object. Received: identifier={identifier!r} "
            f"(of type {type(identifier).__name__})")
    return check_object("identifier", identifier)
