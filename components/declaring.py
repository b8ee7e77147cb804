"""Declared constraints checked on every call: `validate`, `enforce`, `declare`.

See `deeper.components.constraints` for the constraint kinds and how a new
callable (a recipe option, a CLI flag) joins the generated invalid-argument test.
"""

from __future__ import annotations

import functools
import inspect


def validate(constraints, values):
    """Check every declared argument present in `values`; return them normalized.

    Args:
        constraints: `{argument name: Constraint}`.
        values: `{argument name: received value}`; names without a
            constraint pass through unchanged.
    """
    out = dict(values)
    for name, constraint in constraints.items():
        if name in values:
            out[name] = constraint.check(name, values[name])
    return out


def invalid_cases(constraints):
    """`(argument name, invalid value)` pairs drawn from a declaration."""
    return [(name, value) for name, constraint in constraints.items()
            for value in constraint.invalid()]


def _checked_call(fn, constraints, signature, args, kwargs):
    bound = signature.bind(*args, **kwargs)
    arguments = bound.arguments
    var_keyword = next((p.name for p in signature.parameters.values()
                        if p.kind is inspect.Parameter.VAR_KEYWORD), None)
    extra = arguments.get(var_keyword, {}) if var_keyword else {}
    flat = {k: v for k, v in arguments.items() if k != var_keyword}
    checked = validate(constraints, {**flat, **extra})
    for key in constraints:
        if key in extra:
            extra[key] = checked[key]
        elif key in flat:
            arguments[key] = checked[key]
    return fn(*bound.args, **bound.kwargs)


def enforce(obj):
    """Make `obj` (a class or a function) validate its `_parameter_constraints` on call.

    For a class, `__init__` is wrapped (once: an inherited wrapped `__init__`
    with the same constraints is kept). Returns `obj` (a function comes back
    wrapped).
    """
    constraints = getattr(obj, "_parameter_constraints", None)
    if constraints is None:
        return obj
    if isinstance(obj, type):
        original = obj.__init__
        if getattr(original, "_parameter_constraints", None) is constraints:
            return obj
        signature = inspect.signature(original)

        @functools.wraps(original)
        def __init__(self, *args, **kwargs):
            _checked_call(original, constraints, signature, (self, *args), kwargs)

        __init__._parameter_constraints = constraints
        __init__.__signature__ = signature  # Keras reads the arguments with getfullargspec
        obj.__init__ = __init__
        return obj
    if getattr(obj, "_constraints_enforced", False):
        return obj
    signature = inspect.signature(obj)

    @functools.wraps(obj)
    def wrapper(*args, **kwargs):
        return _checked_call(obj, constraints, signature, args, kwargs)

    wrapper._parameter_constraints = constraints
    wrapper._constraints_enforced = True
    wrapper.__signature__ = signature
    return wrapper


def enforced(obj):
    """Whether calling `obj` already checks its declared constraints."""
    if isinstance(obj, type):
        return getattr(obj.__init__, "_parameter_constraints", None) is not None
    return getattr(obj, "_constraints_enforced", False)


_DECLARED: list = []


def declare(constraints, *, example=None):
    """Decorator: declare `constraints` on a function or class, and enforce them.

    Args:
        constraints: `{argument name: Constraint}`.
        example: a function returning valid keyword arguments (the
            generated test overrides one argument at a time with an invalid
            value). Defaults to `None` (not in the generated test).

    Example:

    ```python
    @declare({"batch_size": Integer(low=1), "seed": Seed()},
             example=lambda: {"x": np.zeros((4, 2)), "y": np.zeros(4), "batch_size": 2})
    def pipeline(x, y, *, batch_size, seed=0): ...
    ```
    """

    def decorator(obj):
        obj._parameter_constraints = constraints
        obj = enforce(obj)
        obj.example = example
        _DECLARED.append(obj)
        return obj

    return decorator


def declared():
    """Every function or class declared with `declare` (imported so far)."""
    return list(_DECLARED)
