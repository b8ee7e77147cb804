"""String-addressable registry of `deeper` components.

Every component is registered twice:

* with Keras serialization under the package ``deeper`` (so a saved model
  that uses it reloads with ``keras.saving.load_model(..., safe_mode=True)``),
* in a per-kind string registry (``"layers"``, ``"optimizers"``, ...), so that
  ``deeper.components.<kind>.get("name")`` returns it.

``get`` falls back to Keras's own objects of that kind (``get("adam")`` on the
optimizers returns Keras's ``Adam``), so a user names a Keras built-in and a
`deeper` component the same way.

Each registered class declares the constraints of its arguments once, as
``_parameter_constraints`` (see ``deeper.components.constraints``);
``register`` makes its ``__init__`` check them, so building it by name, by
hand or from a saved file (``from_config``) all refuse the same values, and
``tests/conformance/test_invalid_arguments.py`` draws its invalid cases from
them. Keras's own classes reached through ``get`` are checked against
``keras_constraints.KERAS``.

Each registration may also carry a *conformance spec*: the constructor
arguments of a representative instance and a list of invalid arguments that
the declarations cannot express (one argument against another, e.g.
``max_lr <= min_lr``). The conformance suite in ``tests/conformance`` runs
over every registered entry with a spec, so a new component is covered
without editing the suite.

Example:

```python
from deeper.components.registry import register

@register("layers", "scaled_tanh", example={})
class ScaledTanh(keras.layers.Layer):
    _parameter_constraints = {}
    ...
```
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import keras

from deeper.components.constraints import enforce, enforced, validate

KINDS = (
    "layers",
    "initializers",
    "regularizers",
    "losses",
    "optimizers",
    "schedules",
    "callbacks",
)

_KERAS_GETTERS: dict[str, Callable[[Any], Any]] = {
    # Keras 3 has no `keras.layers.get`; a layer name falls back to Keras's
    # activation of that name ("relu", "softplus", ...).
    "layers": keras.activations.get,
    "initializers": keras.initializers.get,
    "regularizers": keras.regularizers.get,
    "losses": keras.losses.get,
    "optimizers": keras.optimizers.get,
    "schedules": lambda name: getattr(keras.optimizers.schedules, name, None),
}


@dataclasses.dataclass(frozen=True)
class Entry:
    """One registered name.

    Attributes:
        kind: one of `KINDS`.
        name: the string users pass to `get`.
        obj: the class or factory function `get` resolves to.
        defaults: keyword arguments `get(name)` applies (lets one class serve
            several names, e.g. `"nesterov"` is Keras's SGD with
            `momentum=0.9, nesterov=True`).
        example: constructor arguments of a representative instance, used by
            the conformance suite; `None` excludes the entry from the suite.
        invalid: list of `(kwargs, argument_name)` pairs that must raise a
            `ValueError`/`TypeError` naming `argument_name`.
        input_shape: input shape (without batch) for layer conformance checks.
    """

    kind: str
    name: str
    obj: Any
    defaults: dict = dataclasses.field(default_factory=dict)
    example: dict | None = None
    invalid: tuple = ()
    input_shape: tuple | None = None

    def build(self, **kwargs):
        """Instantiate with `defaults` overridden by `kwargs`, checked first.

        The arguments are checked against the object's declared constraints
        (`_parameter_constraints`, or `keras_constraints.KERAS` for Keras's own
        classes), so a Keras class gets the same checks as a `deeper` one.
        """
        from deeper.components.keras_constraints import declaration

        arguments = {**self.defaults, **kwargs}
        constraints = declaration(self.obj)
        if constraints and not enforced(self.obj):
            arguments = validate(constraints, arguments)
        return self.obj(**arguments)


_REGISTRY: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}
SINGULAR = {"layers": "layer", "initializers": "initializer", "regularizers": "regularizer",
            "losses": "loss", "optimizers": "optimizer", "schedules": "schedule",
            "callbacks": "callback"}


def _check_kind(kind):
    if kind not in _REGISTRY:
        raise ValueError(
            f"`kind` must be one of {', '.join(repr(k) for k in KINDS)}. Received: kind={kind!r}"
        )


def register(
    kind: str,
    name: str,
    *,
    example: dict | None = None,
    invalid=(),
    input_shape=None,
    serializable: bool = True,
):
    """Class decorator: register a component for Keras serialization and `get`.

    Args:
        kind: the component kind, one of `KINDS`.
        name: the string name for `get`. Must be unique within `kind`.
        example: constructor arguments of a representative instance for the
            conformance suite. Defaults to `None` (not covered by the suite).
        invalid: `(kwargs, argument_name)` pairs the constructor must reject.
            Defaults to `()`.
        input_shape: for layers, the input shape (no batch dimension) the
            conformance suite feeds. Defaults to `None`.
        serializable: register with `keras.saving.register_keras_serializable`
            under package `"deeper"`. Defaults to `True`.
    """
    _check_kind(kind)

    def decorator(obj):
        obj = enforce(obj)  # its `_parameter_constraints` checked on every construction
        if serializable:
            obj = keras.saving.register_keras_serializable(package="deeper")(obj)
        add(
            kind,
            name,
            obj,
            example=example,
            invalid=invalid,
            input_shape=input_shape,
        )
        return obj

    return decorator


def add(kind, name, obj, *, defaults=None, example=None, invalid=(), input_shape=None):
    """Register `obj` (a `deeper` component or a Keras object) under `name`.

    Use this to expose Keras's own classes under the course's names with the
    course's defaults, e.g. `add("optimizers", "nesterov", keras.optimizers.SGD,
    defaults={"momentum": 0.9, "nesterov": True})`.
    """
    _check_kind(kind)
    if isinstance(obj, type):
        enforce(obj)  # a `deeper` class's `_parameter_constraints` checked in `__init__`
    if not isinstance(name, str) or not name:
        raise TypeError(f"`name` must be a non-empty string. Received: name={name!r}")
    if name in _REGISTRY[kind] and _REGISTRY[kind][name].obj is not obj:
        raise ValueError(
            f"{kind} name {name!r} is already registered to {_REGISTRY[kind][name].obj}"
        )
    _REGISTRY[kind][name] = Entry(
        kind=kind,
        name=name,
        obj=obj,
        defaults=dict(defaults or {}),
        example=example,
        invalid=tuple(invalid),
        input_shape=input_shape,
    )
    return obj


def entries(kind: str | None = None) -> list[Entry]:
    """All registered entries, of one kind or of every kind."""
    if kind is not None:
        _check_kind(kind)
        return list(_REGISTRY[kind].values())
    return [e for k in KINDS for e in _REGISTRY[k].values()]


def names(kind: str) -> list[str]:
    """Sorted names registered for `kind`."""
    _check_kind(kind)
    return sorted(_REGISTRY[kind])


def get(kind: str, identifier, **kwargs):
    """Resolve `identifier` to a component instance of `kind`.

    Args:
        kind: one of `KINDS`.
        identifier: a registered name (instantiated with its defaults, then
            `kwargs`), a Keras name (resolved by Keras's own `get`), a config
            dict, or an object that is returned as is.
        **kwargs: constructor arguments overriding the registered defaults,
            checked against the component's declared constraints (or, for
            Keras's own classes, `keras_constraints.KERAS`) before it is built.

    Returns:
        An instance (for names), or `identifier` itself when it is already an
        object.

    Raises:
        ValueError: if the name is unknown both to `deeper` and to Keras, or a
            value is out of its range (NaN, inf, negative rate, ...).
        TypeError: if `identifier` is neither a name, a config dict nor an
            object of `kind`, or an argument has the wrong type.
    """
    from deeper.components import resolving  # it imports this module

    _check_kind(kind)
    return resolving.get(kind, identifier, **kwargs)


def resolve(kind: str, identifier: str, argument: str = "identifier", **kwargs):
    """The component of `kind` named `identifier`, built with `kwargs` (checked first).

    The error for an unknown name names `argument` and lists the known names.
    """
    from deeper.components import resolving

    _check_kind(kind)
    return resolving.resolve(kind, identifier, argument, **kwargs)
