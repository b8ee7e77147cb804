"""Parameter constraints declared once per component (pure Python and NumPy).

In the spirit of scikit-learn's `_parameter_constraints`: a component states
the constraints of its arguments once, as a class (or function) attribute,

```python
class TanhLinear(keras.layers.Layer):
    _parameter_constraints = {"a": Real(low=0)}
```

and that one declaration drives everything else:

* `enforce(cls)` (applied by `registry.register` and `declare`) checks the
  declared arguments before the original `__init__` runs, and passes it the
  normalized values; Keras's `from_config` goes through `__init__`, so a saved
  file cannot build the component with a value its constructor refuses;
* `invalid_cases(constraints)` draws invalid values from the declaration (NaN,
  inf, out of range, wrong type, unknown names, empty) for the generated test
  in `tests/conformance/test_invalid_arguments.py`.

Every error is one sentence naming the argument, the allowed values and the
received value, `ValueError` for a wrong value, `TypeError` for a wrong type:

    `momentum` must be in [0, 1). Received: momentum=1.5

This module imports neither TensorFlow nor Keras: recipe options and CLI flags
declare and validate with it before a backend loads. Anything exposing a
`_parameter_constraints` dict (and, for the generated test, an `example`) can
join: see `declare`.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers

import numpy as np

from deeper.components.validation import (
    check_bool,
    check_choice,
    check_number,
    interval,
)

SEED_HIGH = 2**32
_NAN, _INF = float("nan"), float("inf")


def _received(name, value):
    return f"Received: {name}={value!r}"


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


class Constraint:
    """One allowed set of values; subclasses fill in `check`, `describe`, `invalid`."""

    allow_none = False

    def describe(self) -> str:  # e.g. "a number in [0, 1)"
        raise NotImplementedError

    def type_ok(self, value) -> bool:
        """Whether `value` has the right type (a wrong value is then a `ValueError`)."""
        return True

    def check(self, name, value):
        """Return `value` (normalized) or raise the one-sentence error naming `name`."""
        raise NotImplementedError

    def invalid(self) -> list:
        """Values this constraint refuses, for the generated invalid-argument test."""
        return []

    def accepts(self, value) -> bool:
        try:
            self.check("x", value)
        except (TypeError, ValueError):
            return False
        return True


class Real(Constraint):
    """A finite real number (not a bool) in an interval; `None` if `allow_none`."""

    def __init__(self, low=None, high=None, *, low_open=False, high_open=False,
                 allow_none=False):
        self.low, self.high, self.low_open, self.high_open = low, high, low_open, high_open
        self.allow_none = allow_none

    def _span(self):
        return interval(self.low, self.high, low_open=self.low_open, high_open=self.high_open)

    def describe(self):
        return f"a number in {self._span()}"

    def type_ok(self, value):
        return isinstance(value, numbers.Real) and not _is_bool(value)

    def check(self, name, value):
        return check_number(name, value, low=self.low, high=self.high, low_open=self.low_open,
                            high_open=self.high_open, allow_none=self.allow_none)

    def _edges(self):
        out = []
        if self.low is not None:
            out += [self.low] if self.low_open else []
            out += [self.low - 1, self.low - 1e-3]
        if self.high is not None:
            out += [self.high] if self.high_open else []
            out += [self.high + 1, self.high + 1e-3]
        return out

    def invalid(self):
        bad = [_NAN, _INF, -_INF, "0.5", True, [0.5], *self._edges()]
        return bad if self.allow_none else [*bad, None]


class Integer(Real):
    """An integer (not a float, not a bool) in an interval; `None` if `allow_none`."""

    def describe(self):
        return f"an integer in {self._span()}"

    def type_ok(self, value):
        return isinstance(value, numbers.Integral) and not _is_bool(value)

    def check(self, name, value):
        if value is None and self.allow_none:
            return None
        if not self.type_ok(value):
            none = " or None" if self.allow_none else ""
            raise TypeError(f"`{name}` must be an integer in {self._span()}{none}. "
                            f"{_received(name, value)} (of type {type(value).__name__})")
        return check_number(name, int(value), low=self.low, high=self.high,
                            low_open=self.low_open, high_open=self.high_open, integer=True)

    def _edges(self):
        out = []
        if self.low is not None:
            low = math.floor(self.low)
            out += [low] if self.low_open and low == self.low else []
            out += [low - 1]
        if self.high is not None:
            high = math.ceil(self.high)
            out += [high] if self.high_open and high == self.high else []
            out += [high + 1]
        return out

    def invalid(self):
        bad = [_NAN, _INF, 1.5, 2.0, True, "3", *self._edges()]
        return bad if self.allow_none else [*bad, None]


class Seed(Integer):
    """A seed: an integer in [0, 2**32) (NumPy's, scikit-learn's and TensorFlow's range)."""

    def __init__(self, *, allow_none=False):
        super().__init__(low=0, high=SEED_HIGH, high_open=True, allow_none=allow_none)

    def describe(self):
        return "an integer seed in [0, 2**32)"

    def invalid(self):
        return [*super().invalid(), 2**40]


class Boolean(Constraint):
    """`True` or `False` (NumPy bools too): never 1, "yes" or "False"."""

    def __init__(self, *, allow_none=False):
        self.allow_none = allow_none

    def describe(self):
        return "True or False"

    def type_ok(self, value):
        return _is_bool(value)

    def check(self, name, value):
        if value is None and self.allow_none:
            return None
        return check_bool(name, value)

    def invalid(self):
        bad = ["yes", "False", 1, 0, 1.0]
        return bad if self.allow_none else [*bad, None]


class Options(Constraint):
    """One of a fixed set of strings (the error lists them); `None` if `allow_none`."""

    def __init__(self, *choices, allow_none=False):
        self.choices = tuple(choices)
        self.allow_none = allow_none

    def describe(self):
        return "one of " + ", ".join(repr(c) for c in self.choices)

    def type_ok(self, value):
        return isinstance(value, str)

    def check(self, name, value):
        if value is None and self.allow_none:
            return None
        if isinstance(value, str) and value in self.choices:
            return value
        # check_choice raises ValueError listing the choices; a non-string is a TypeError.
        try:
            return check_choice(name, value, self.choices, allow_none=self.allow_none)
        except ValueError as err:
            if isinstance(value, str):
                raise
            raise TypeError(f"{err} (of type {type(value).__name__})") from None

    def invalid(self):
        bad = ["no_such_option", "", 3, ["x"]]
        return bad if self.allow_none else [*bad, None]


class String(Constraint):
    """A non-empty string (a metric name, a file name, ...); `None` if `allow_none`."""

    def __init__(self, *, allow_none=False):
        self.allow_none = allow_none

    def describe(self):
        return "a non-empty string"

    def type_ok(self, value):
        return isinstance(value, str)

    def check(self, name, value):
        if value is None and self.allow_none:
            return None
        none = " or None" if self.allow_none else ""
        if not isinstance(value, str):
            raise TypeError(f"`{name}` must be a non-empty string{none}. "
                            f"{_received(name, value)} (of type {type(value).__name__})")
        if not value:
            raise ValueError(f"`{name}` must be a non-empty string{none}. "
                             f"{_received(name, value)}")
        return value

    def invalid(self):
        bad = ["", 3, 1.5, True, ["x"]]
        return bad if self.allow_none else [*bad, None]


class InstanceOf(Constraint):
    """An instance of `types` (described as `description` in the error)."""

    def __init__(self, types, description, *, allow_none=False):
        self.types, self.description, self.allow_none = types, description, allow_none

    def describe(self):
        return self.description

    def type_ok(self, value):
        return isinstance(value, self.types)

    def check(self, name, value):
        if (value is None and self.allow_none) or isinstance(value, self.types):
            return value
        raise TypeError(f"`{name}` must be {self.description}. {_received(name, value)} "
                        f"(of type {type(value).__name__})")

    def invalid(self):
        bad = [3, "x", [1]]
        return bad if self.allow_none else [*bad, None]


class Satisfies(Constraint):
    """Any custom check: `fn(name, value)` returns the value or raises the error.

    `bad` lists values it must refuse (for the generated test); `types`, a
    type, tuple of types or predicate, tells a wrong type from a wrong value
    (defaults to every type fitting).
    """

    def __init__(self, fn, description, *, bad=(), allow_none=False, types=None):
        self.fn, self.description, self.bad, self.allow_none = fn, description, bad, allow_none
        self.types = types

    def describe(self):
        return self.description

    def type_ok(self, value):
        if self.types is None:
            return True
        if isinstance(self.types, (type, tuple)):
            return isinstance(value, self.types)
        return bool(self.types(value))

    def check(self, name, value):
        if value is None and self.allow_none:
            return None
        return self.fn(name, value)

    def invalid(self):
        return list(self.bad)


class AnyOf(Constraint):
    """The value satisfies one of several constraints ("a number in (0, inf) or a schedule")."""

    def __init__(self, *members):
        self.members = members
        self.allow_none = any(m.allow_none for m in members)

    def describe(self):
        return " or ".join(m.describe() for m in self.members)

    def type_ok(self, value):
        return any(m.type_ok(value) for m in self.members)

    def check(self, name, value):
        fitting = [m for m in self.members if m.type_ok(value)]
        for member in fitting or self.members:
            try:
                return member.check(name, value)
            except (TypeError, ValueError) as err:
                error = err
        if len(fitting) == 1 and isinstance(fitting[0], Satisfies):
            raise error  # e.g. a nested schedule's own, more precise error
        kind = ValueError if fitting else TypeError
        raise kind(f"`{name}` must be {self.describe()}. {_received(name, value)}")

    def invalid(self):
        out = []
        for member in self.members:
            out += [v for v in member.invalid() if not self.accepts(v)]
        return out


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
