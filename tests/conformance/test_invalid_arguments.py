"""Generated invalid arguments: every declared constraint, every component, one sentence each.

The invalid values are drawn from the declarations themselves
(`deeper.components.constraints.invalid_cases`: NaN, inf, out of range, wrong
type, unknown names, empty), over

* every registered component (`registry.entries()`, any kind, its conformance
  `example` or no arguments), built by name through its kind's `get`;
* every Keras class `deeper`'s getters reach by name
  (`keras_constraints.KERAS`: all Keras optimizers, schedules, losses,
  regularizers, initializers, activation layers);
* every function or class declared with `constraints.declare` (the data
  functions, `step_decay`, ... and, once declared, recipe and CLI options);
* the getters themselves (`get(3)`, `get("no_such_name")`).

Each case must raise the one-sentence error of DESIGN.md that starts with the
argument's name and shows the received value; a wrong value is a `ValueError`,
a wrong type a `TypeError`. A new component, or a new declared argument, is
covered without editing this file.
"""

import inspect

import keras
import numpy as np
import pytest

import deeper.recipes  # noqa: F401  (recipe and CLI options join once declared)
from deeper.components import constraints, keras_constraints, registry  # registers all
from deeper.components.constraints import AnyOf, Satisfies
from deeper.components.keras_constraints import Component

# Required arguments of Keras's schedules (the others have defaults).
_KERAS_BASE = {
    keras.layers.Dropout: {"rate": 0.5},
    keras.optimizers.schedules.ExponentialDecay: {"initial_learning_rate": 0.1,
                                                  "decay_steps": 10, "decay_rate": 0.5},
    keras.optimizers.schedules.InverseTimeDecay: {"initial_learning_rate": 0.1,
                                                  "decay_steps": 10, "decay_rate": 0.5},
    keras.optimizers.schedules.PolynomialDecay: {"initial_learning_rate": 0.1,
                                                 "decay_steps": 10},
    keras.optimizers.schedules.CosineDecay: {"initial_learning_rate": 0.1, "decay_steps": 10},
    keras.optimizers.schedules.CosineDecayRestarts: {"initial_learning_rate": 0.1,
                                                     "first_decay_steps": 10},
}


def _sources():
    """(id, build, base kwargs factory, constraints) for everything declared."""
    out = []
    for entry in registry.entries():
        declared = keras_constraints.declaration(entry.obj)
        if declared:
            base = entry.example if entry.example is not None else {}
            out.append((f"{entry.kind}/{entry.name}",
                        lambda kw, e=entry: registry.get(e.kind, e.name, **kw),
                        lambda b=base: dict(b), declared))
    for kind in ("optimizers", "schedules", "losses", "regularizers", "initializers", "layers"):
        for cls in keras_constraints.keras_classes(kind):
            out.append((f"keras-{kind}/{cls.__name__}",
                        lambda kw, k=kind, c=cls: registry.get(k, c.__name__, **kw),
                        lambda c=cls: dict(_KERAS_BASE.get(c, {})), keras_constraints.KERAS[cls]))
    for fn in constraints.declared():
        if fn.example is not None:
            out.append((f"declared/{fn.__module__.split('.')[-1]}.{fn.__name__}",
                        lambda kw, f=fn: f(**kw), fn.example, fn._parameter_constraints))
    return out


SOURCES = _sources()
CASES = [(sid, build, base, name, declared[name], value)
         for sid, build, base, declared in SOURCES
         for name, value in constraints.invalid_cases(declared)]
# One test per (source, argument), all its invalid values inside: ~900 tests, not ~4,700.
GROUPS = {}
for _case in CASES:
    GROUPS.setdefault(f"{_case[0]}-{_case[3]}", []).append(_case)


def _expected_error(constraint, value):
    if isinstance(constraint, (Satisfies, Component)) or (
            isinstance(constraint, AnyOf) and constraint.type_ok(value)):
        return (ValueError, TypeError)
    return ValueError if constraint.type_ok(value) else TypeError


def test_enough_generated_cases():
    assert len(CASES) >= 2000, len(CASES)
    kinds = {sid.split("/")[0] for sid, *_ in SOURCES}
    assert {*registry.KINDS, "declared", "keras-optimizers"} <= kinds


@pytest.mark.parametrize("sid, build, base, declared",
                         [pytest.param(*s, id=s[0]) for s in SOURCES])
def test_example_is_accepted(sid, build, base, declared, tensorflow_or_skip):
    with tensorflow_or_skip():
        build(base())  # otherwise every invalid case of this source would prove nothing


def _refusal(build, base, name, constraint, value):
    """`None` if `value` is refused with the one-sentence error, else what went wrong."""
    try:
        build({**base(), name: value})
    except (ValueError, TypeError) as err:
        message = str(err)
        if not (message.startswith(f"`{name}`") and "Received:" in message):
            return f"{value!r}: the error does not start with `{name}`: {message}"
        if "\n" not in message and isinstance(err, _expected_error(constraint, value)):
            return None
        return f"{value!r}: {type(err).__name__} {message!r}"
    return f"{value!r}: accepted"


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_invalid_values_are_refused_with_one_sentence(group, tensorflow_or_skip):
    with tensorflow_or_skip():
        problems = [_refusal(build, base, name, constraint, value)
                    for _, build, base, name, constraint, value in GROUPS[group]]
    problems = [p for p in problems if p is not None]
    assert not problems, "\n".join(problems)


_BAD_IDENTIFIERS = [3, 1.5, True, ["sgd"], b"sgd", object()]


@pytest.mark.parametrize("kind", registry.KINDS)
@pytest.mark.parametrize("identifier", _BAD_IDENTIFIERS, ids=repr)
def test_get_refuses_a_non_name_naming_the_argument(kind, identifier):
    with pytest.raises(TypeError, match=r"^`identifier` must be a .* Received: identifier="):
        registry.get(kind, identifier)


@pytest.mark.parametrize("kind", registry.KINDS)
@pytest.mark.parametrize("identifier", ["no_such_name", ""])
def test_get_refuses_an_unknown_name_listing_the_known_ones(kind, identifier):
    with pytest.raises(ValueError) as info:
        registry.get(kind, identifier)
    message = str(info.value)
    assert message.startswith("`identifier` must be a `deeper`"), message
    assert all(repr(n) in message for n in registry.names(kind))


_CHECKED_INLINE = {"x", "y", "losses", "dataset", "value_range", "published"}
"""Arrays and datasets, checked in the body against each other (shapes, lengths)."""


@pytest.mark.parametrize("entry", [pytest.param(e, id=f"{e.kind}/{e.name}")
                                   for e in registry.entries()
                                   if getattr(e.obj, "__module__", "").startswith("deeper.")])
def test_every_constructor_argument_is_declared(entry):
    declared = keras_constraints.declaration(entry.obj)
    assert declared is not None, f"{entry.obj} declares no `_parameter_constraints`"
    target = entry.obj.__init__ if isinstance(entry.obj, type) else entry.obj
    params = [p.name for p in inspect.signature(target).parameters.values()
              if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    missing = [p for p in params if p not in declared
               and p not in {"self", "name", "dtype", *_CHECKED_INLINE}]
    assert not missing, f"undeclared arguments: {missing}"


def test_seed_range_and_strict_types():
    seed = constraints.Seed()
    assert seed.check("seed", 2**32 - 1) == 2**32 - 1
    assert seed.check("seed", np.int64(5)) == 5
    for bad, error in [(2**32, ValueError), (-1, ValueError), (1.0, TypeError),
                       (True, TypeError), ("0", TypeError)]:
        with pytest.raises(error, match=r"^`seed` must be an integer in \[0, 2\*\*32\)\. "):
            seed.check("seed", bad)
    with pytest.raises(TypeError, match=r"^`zca` must be True or False\. Received: zca=1"):
        constraints.Boolean().check("zca", 1)
    with pytest.raises(ValueError, match=r"^`mode` must be one of 'min', 'max'\. "
                                         r"Received: mode='up'$"):
        constraints.Options("min", "max").check("mode", "up")


def test_constraint_modules_import_neither_keras_nor_tensorflow():
    """Recipe options and CLI flags validate with them before a backend loads."""
    import ast
    import pathlib

    root = pathlib.Path(constraints.__file__).parent
    for name in ("constraints.py", "constraint_kinds.py", "declaring.py", "validation.py"):
        tree = ast.parse((root / name).read_text())
        modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                   for alias in node.names}
        modules |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        heavy = {m for m in modules if m.split(".")[0] in ("keras", "tensorflow", "jax")}
        heavy |= {m for m in modules if m.startswith("deeper.") and m not in {
            "deeper.components.validation", "deeper.components.constraint_kinds",
            "deeper.components.declaring", "deeper.components.constraints"}}
        assert not heavy, f"{name} imports {sorted(heavy)}"


_NAN = float("nan")


@pytest.mark.parametrize("build, error, message", [
    (lambda: registry.get("optimizers", keras.optimizers.SGD(momentum=_NAN)), ValueError,
     "`momentum` must be in [0, 1). Received: momentum=nan"),
    (lambda: registry.get("optimizers", {"module": "keras.optimizers", "class_name": "Adam",
                                         "config": {"beta_1": 1.5}, "registered_name": None}),
     ValueError, "`beta_1` must be in [0, 1). Received: beta_1=1.5"),
    (lambda: registry.get("optimizers", "proximal_l1", optimizer=keras.optimizers.SGD(
        learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, -0.5))), ValueError,
     "`decay_rate` must be in (0, inf). Received: decay_rate=-0.5"),
    (lambda: registry.get("layers", "relu", max_value=_NAN), ValueError,
     "`max_value` must be in [0, inf). Received: max_value=nan"),
    (lambda: registry.get("losses", "multilabel_crossentropy", label_smoothing=2), ValueError,
     "`label_smoothing` must be in [0, 1]. Received: label_smoothing=2.0"),
    (lambda: registry.get("optimizers", "adamw", learning_rate=-1), ValueError,
     "`learning_rate` must be in (0, inf). Received: learning_rate=-1.0"),
    (lambda: registry.get("optimizers", "nadam", learning_rate="fast"), TypeError,
     "`learning_rate` must be a number in (0, inf) or a LearningRateSchedule. "
     "Received: learning_rate='fast'"),
])
def test_keras_objects_get_deepers_checks(build, error, message):
    with pytest.raises(error) as info:
        build()
    assert str(info.value) == message
