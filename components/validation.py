"""Argument checks that fail early with one clear sentence.

Every message has the shape of DESIGN.md:

    `momentum` must be in [0, 1). Received: momentum=1.5

A wrong value raises `ValueError`; a wrong type raises `TypeError`. Checks
return the (possibly normalized) value, so they read as assignments:

```python
self.momentum = check_number("momentum", momentum, low=0, high=1, high_open=True)
```
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np


def _received(name, value):
    return f"Received: {name}={value!r}"


def interval(low=None, high=None, *, low_open=False, high_open=False) -> str:
    """Format an interval as `[0, 1)`, `(0, inf)`, `[1, inf)`."""
    left = "(" if (low_open or low is None) else "["
    right = ")" if (high_open or high is None) else "]"
    lo = "-inf" if low is None else f"{low:g}" if isinstance(low, float) else str(low)
    hi = "inf" if high is None else f"{high:g}" if isinstance(high, float) else str(high)
    return f"{left}{lo}, {hi}{right}"


def check_number(
    name: str,
    value,
    *,
    low=None,
    high=None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
    allow_none: bool = False,
):
    """Check that `value` is a finite real number (or integer) in an interval.

    Args:
        name: the argument's name, as the user typed it.
        value: the received value.
        low: lower bound, or `None` for none. Defaults to `None`.
        high: upper bound, or `None` for none. Defaults to `None`.
        low_open: exclude `low` itself. Defaults to `False`.
        high_open: exclude `high` itself. Defaults to `False`.
        integer: require an integer (bools are rejected). Defaults to `False`.
        allow_none: accept `None` and return it. Defaults to `False`.

    Returns:
        `value` as a Python `int` or `float`.
    """
    if value is None and allow_none:
        return None
    kind = "an integer" if integer else "a number"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{name}` must be {kind}"
            f"{' or None' if allow_none else ''}. "
            f"{_received(name, value)} (of type {type(value).__name__})"
        )
    if integer:
        if not isinstance(value, numbers.Integral):
            if float(value).is_integer() and math.isfinite(value):
                value = int(value)
            else:
                raise TypeError(
                    f"`{name}` must be an integer in "
                    f"{interval(low, high, low_open=low_open, high_open=high_open)}. "
                    f"{_received(name, value)}"
                )
        value = int(value)
    else:
        value = float(value)
    below = low is not None and (value < low or (low_open and value == low))
    above = high is not None and (value > high or (high_open and value == high))
    if not math.isfinite(value) or below or above:
        span = interval(low, high, low_open=low_open, high_open=high_open)
        raise ValueError(f"`{name}` must be {'an integer ' if integer else ''}in {span}. "
                         f"{_received(name, value)}")
    return value


def check_choice(name: str, value, choices: Iterable, *, allow_callable: bool = False,
                 allow_none: bool = False):
    """Check that `value` is one of `choices` (or a callable, if allowed)."""
    choices = list(choices)
    if value is None and allow_none:
        return None
    if allow_callable and callable(value) and not isinstance(value, str):
        return value
    if value in choices:
        return value
    options = ", ".join(repr(c) for c in choices)
    if allow_callable:
        options += " or a callable"
    if allow_none:
        options += " or None"
    raise ValueError(f"`{name}` must be one of {options}. {_received(name, value)}")


def check_type(name: str, value, types, *, description: str | None = None):
    """Check `isinstance(value, types)`; `TypeError` otherwise."""
    if not isinstance(value, types):
        if description is None:
            types_ = types if isinstance(types, tuple) else (types,)
            description = " or ".join(t.__name__ for t in types_)
        raise TypeError(
            f"`{name}` must be {description}. "
            f"{_received(name, value)} (of type {type(value).__name__})"
        )
    return value


def check_bool(name: str, value):
    """Check that `value` is a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"`{name}` must be True or False. {_received(name, value)} "
            f"(of type {type(value).__name__})"
        )
    return bool(value)


SEED_HIGH = 2**32
"""Seeds are integers in [0, 2**32): NumPy's, scikit-learn's and TensorFlow's common range."""


def check_seed(name: str, value, *, allow_none: bool = False):
    """Check a seed: an integer (not a float, not a bool) in [0, 2**32), or None if allowed."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{name}` must be an integer in [0, 2**32){' or None' if allow_none else ''}. "
            f"{_received(name, value)} (of type {type(value).__name__})"
        )
    if not 0 <= value < SEED_HIGH:
        raise ValueError(f"`{name}` must be an integer in [0, 2**32). {_received(name, value)}")
    return int(value)
