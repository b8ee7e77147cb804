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

This module imports neither TensorFlow nor Keras (only NumPy and
`validation`): recipe options and CLI flags can declare and validate with it.

How other callables join (recipe options, CLI flags, a new data function):

* a function or class: decorate it with `declare({...}, example=...)`; it is
  then checked on every call and listed by `declared()`, which the generated
  test walks (it imports `deeper.components` and `deeper.recipes`);
* a set of options without a function (a tuning space, CLI flags): declare a
  function that only validates, e.g.
  `@declare(OPTIONS, example=lambda: {"depth": 2})` on
  `def check_options(**options): return options`, and call it (or
  `validate(OPTIONS, values)`) wherever the options enter; a CLI flag's
  `type=` can be `lambda text: OPTIONS[name].check(name, int(text))`.

`example` returns valid arguments that do no work (the test calls it with one
argument at a time replaced by an invalid value, and once as it is).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from deeper.components.validation import (
    SEED_HIGH,
    check_bool,
    check_number,
    check_seed,
    interval,
)

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
        return "an integer in [0, 2**32)"

    def check(self, name, value):
        return check_seed(name, value, allow_none=self.allow_none)

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


# The other kinds and the declaration machinery live in two sibling modules
# (files stay short); they are part of this module's interface.
from deeper.components.constraint_kinds import (  # noqa: E402
    AnyOf,
    InstanceOf,
    Options,
    Satisfies,
    String,
)
from deeper.components.declaring import (  # noqa: E402
    declare,
    declared,
    enforce,
    enforced,
    invalid_cases,
    validate,
)

__all__ = ["AnyOf", "Boolean", "Constraint", "InstanceOf", "Integer", "Options", "Real",
           "Satisfies", "Seed", "String", "declare", "declared", "enforce", "enforced",
           "invalid_cases", "validate"]
