"""The recipes' options, declared once: `Option`, and the checks, defaults and
signatures that come from a table of them.

An `Option` states a name, a kind, a default, its constraint and a help text.
From one table of options (`deeper.recipes.options.declared`) come the
recipes' keyword interfaces and their validation, the tuning space's bounds
and the command line's flags. This module imports neither TensorFlow nor
Keras: the command line validates every value before loading them.

```python
from deeper.recipes.options import declared, validate
validate(declared.TRAIN, {"epochs": -1})
# ValueError: `epochs` must be an integer in [1, inf). Received: epochs=-1
```
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import sys
from pathlib import Path


def _load_validation():
    """`deeper.components.validation` without executing `deeper.components` (which loads
    Keras): the checks are pure Python and NumPy. The module is registered under its own
    name, so the components package uses this very module when it is imported later."""
    name = "deeper.components.validation"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec("deeper.components")  # finds the folder, runs nothing
    path = Path(next(iter(spec.submodule_search_locations))) / "validation.py"
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module


validation = _load_validation()
KINDS = ("int", "float", "bool", "choice", "text", "switch")


@dataclasses.dataclass(frozen=True)
class Option:
    """One declared option.

    Args:
        name: the keyword argument's name (the flag is `--name-with-dashes`).
        default: the default value.
        help: one phrase for the command line's help and the docstrings.
        kind: `"int"`, `"float"`, `"bool"`, `"choice"`, `"text"` or `"switch"`
            (a command-line flag without value).
        low, high, low_open, high_open: the interval of a number.
        choices: the names a `"choice"` accepts.
        allow_none: `None` is accepted (`none` and `off` on the command line).
        words: strings a number option accepts too (`learning_rate="find"`).
        objects: values that are not strings pass to the recipe unchecked
            (a callable model, an optimizer instance, a layer).
        refuse: `{value: sentence}`: accepted names that this option refuses, with why.
        flag: the command-line flag. Defaults to `--` and the name with dashes.
        default_text: how the help states a `None` default.
        space: `(kind, low, high, keyword arguments)` of the tuning space, or `None`.
    """

    name: str
    default: object
    help: str
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple = ()
    allow_none: bool = False
    words: tuple = ()
    objects: bool = False
    refuse: tuple = ()
    flag: str | None = None
    default_text: str | None = None
    space: tuple | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"`kind` must be one of {KINDS}. Received: kind={self.kind!r}")

    @property
    def cli_flag(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    def but(self, **changes) -> Option:
        """This option with some fields changed (another default, another help)."""
        return dataclasses.replace(self, **changes)

    def check(self, value):
        """The value, validated and normalized; `ValueError` or `TypeError` in one sentence."""
        if value is None and self.allow_none:
            return None
        if isinstance(value, str) and value in self.words:
            return value
        for refused, sentence in self.refuse:
            if isinstance(value, str) and value == refused:
                raise ValueError(f"{sentence} Received: {self.name}={value!r}")
        if self.objects and value is not None and not isinstance(value, str):
            return value
        if self.kind == "bool":
            return validation.check_bool(self.name, value)
        if self.kind == "switch":
            return validation.check_bool(self.name, value)
        if self.kind == "choice":
            return validation.check_choice(self.name, value, self.choices)
        if self.kind == "text":
            return validation.check_type(self.name, value, str, description="a string")
        if self.words and isinstance(value, str):
            words = " or ".join(repr(w) for w in self.words)
            raise ValueError(f"`{self.name}` must be a number or {words}. "
                             f"Received: {self.name}={value!r}")
        return validation.check_number(
            self.name, value, low=self.low, high=self.high, low_open=self.low_open,
            high_open=self.high_open, integer=self.kind == "int")

    def parse(self, text: str):
        """A command-line string as the value `check` validates (never raises)."""
        if self.allow_none and text.lower() in ("none", "off"):
            return None
        if self.kind == "bool":
            lowered = text.lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            return text
        if self.kind in ("int", "float") and text not in self.words:
            for number in ((int, float) if self.kind == "int" else (float,)):
                try:
                    return number(text)
                except ValueError:
                    pass
        return text

    def help_text(self) -> str:
        text = self.help
        if self.kind == "choice" and len(self.choices) > 6:
            text += f" (one of {', '.join(self.choices)})"
        if self.kind != "switch":
            shown = self.default_text if self.default is None else self.default
            if shown is not None:
                text += f" (default: {shown})"
        return text.replace("%", "%%")


def table(*groups) -> dict:
    """`{name: Option}` from options and groups of options; a later one replaces an earlier."""
    merged = {}
    for group in groups:
        for option in (group.values() if isinstance(group, dict) else
                       [group] if isinstance(group, Option) else group):
            merged[option.name] = option
    return merged


def defaults(options: dict) -> dict:
    """`{name: default}` of a table."""
    return {name: option.default for name, option in options.items()}


def validate(options: dict, values: dict, *, recipe: str = "recipe", fill: bool = True) -> dict:
    """Check `values` against the table `options`.

    A name the table lacks is a `TypeError` (as for an unexpected keyword
    argument); a wrong value a `ValueError`, a wrong type a `TypeError`, in the
    one-sentence form of DESIGN.md. Returns the checked values, with the
    defaults of the options not given when `fill` is true.
    """
    unknown = sorted(set(values) - set(options))
    if unknown:
        raise TypeError(f"{recipe}() got an unexpected option {unknown[0]!r}; its options are "
                        f"{', '.join(options)}. Received: {unknown[0]}={values[unknown[0]]!r}")
    checked = defaults(options) if fill else {}
    for name, value in values.items():
        checked[name] = options[name].check(value)
    return checked


def signature(options: dict, *leading: str) -> inspect.Signature:
    """A keyword-only signature from the table, after the positional `leading` names."""
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in leading]
    params += [inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=o.default)
               for o in options.values() if o.kind != "switch"]
    return inspect.Signature(params)


def describe(options: dict, indent: str = "        ") -> str:
    """The table as docstring lines: `name: help (default: ...)`."""
    return "\n".join(f"{indent}{o.name}: {o.help_text().replace('%%', '%')}."
                     for o in options.values() if o.kind != "switch")


def declare(options: dict, *leading: str):
    """Decorator: give a recipe the table's signature and an "Options" docstring section."""

    def decorate(function):
        function.__signature__ = signature(options, *leading)
        function.__doc__ = (function.__doc__ or "").rstrip() + (
            "\n\n    Options (declared in `deeper.recipes.options.declared`):\n\n"
            + describe(options) + "\n")
        function.options = options
        return function

    return decorate

