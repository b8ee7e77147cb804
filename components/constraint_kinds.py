"""Constraints on strings, types and custom checks, and their union (see `constraints`)."""

from __future__ import annotations

from deeper.components.constraints import Constraint, _received
from deeper.components.validation import check_choice


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
        if len(fitting) == 1 and not isinstance(fitting[0], Options):
            raise error  # the one kind it can be says best what is wrong (a range, a schedule)
        kind = ValueError if fitting else TypeError
        raise kind(f"`{name}` must be {self.describe()}. {_received(name, value)}")

    def invalid(self):
        out = []
        for member in self.members:
            out += [v for v in member.invalid() if not self.accepts(v)]
        return out
