"""Constraints of Keras's own classes, and checks of objects and serialized configs.

Keras accepts `SGD(momentum=nan)`, `Adam(learning_rate=-1)` or
`ReLU(max_value=nan)` without a word. `KERAS` declares the constraints of the
Keras classes `deeper`'s getters return (every optimizer, schedule, loss,
regularizer, initializer and the activation layers), in the same form as a
`deeper` component's `_parameter_constraints`; `declaration(cls)` finds either.

* `check_object(name, obj)` checks a live object's config (Keras objects;
  `deeper` objects were checked when built);
* `check_config(config)` walks a serialized object (a model's `config.json`,
  a nested optimizer inside `ProximalL1`, ...) and checks every object in it
  against its declaration without building anything;
* `Component(kind)` is the constraint of an argument that takes a component
  (a name, a serialized config or an instance), e.g. `ProximalL1(optimizer=...)`.
"""

from __future__ import annotations

import keras

from deeper.components.backend_classes import public_class, public_module
from deeper.components.constraints import (
    AnyOf,
    Boolean,
    Constraint,
    Integer,
    Options,
    Real,
    Satisfies,
    Seed,
    validate,
)

_UNIT = Real(0, 1, high_open=True)
_UNIT_CLOSED = Real(0, 1)
_POS = Real(0, low_open=True)
_NONNEG = Real(0)
_POS_INT = Integer(1)


def _is_schedule(name, value):
    if isinstance(value, dict) and "class_name" in value:
        return check_config(value, name)  # a serialized schedule (inside a config)
    if isinstance(value, keras.optimizers.schedules.LearningRateSchedule):
        return check_object(name, value)
    if callable(value) and not isinstance(value, (str, type)):
        return value
    raise TypeError(f"`{name}` must be a number in (0, inf) or a keras.optimizers.schedules."
                    f"LearningRateSchedule. Received: {name}={value!r} "
                    f"(of type {type(value).__name__})")


_SCHEDULE = Satisfies(_is_schedule, "a LearningRateSchedule", bad=["fast"],
                      types=lambda v: isinstance(v, dict) or (
                          callable(v) and not isinstance(v, (str, type))))
LEARNING_RATE = AnyOf(_POS, _SCHEDULE)
"""A rate > 0 or a schedule (live, or serialized inside a config)."""

OPTIMIZER_COMMON = {
    "learning_rate": LEARNING_RATE,
    "weight_decay": Real(0, allow_none=True),
    "clipnorm": Real(0, low_open=True, allow_none=True),
    "clipvalue": Real(0, low_open=True, allow_none=True),
    "global_clipnorm": Real(0, low_open=True, allow_none=True),
    "use_ema": Boolean(),
    "ema_momentum": _UNIT,
    "ema_overwrite_frequency": Integer(1, allow_none=True),
    "loss_scale_factor": Real(0, low_open=True, allow_none=True),
    "gradient_accumulation_steps": Integer(1, allow_none=True),
}
_ADAM = {"beta_1": _UNIT, "beta_2": _UNIT, "epsilon": _POS}
_O = keras.optimizers
_S = keras.optimizers.schedules
_L = keras.losses
REDUCTIONS = Options("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "none",
                      allow_none=True)
_LOSS = {"reduction": REDUCTIONS}
_XENT = {**_LOSS, "from_logits": Boolean(), "label_smoothing": _UNIT_CLOSED, "axis": Integer()}
_FOCAL = {**_XENT, "alpha": _UNIT_CLOSED, "gamma": _NONNEG}
_SEEDED = {"seed": Seed(allow_none=True)}
_I = keras.initializers
_STEPS = {"initial_learning_rate": _POS, "decay_steps": _POS}
_SLOPE = Real(0)

KERAS = {
    _O.SGD: {**OPTIMIZER_COMMON, "momentum": _UNIT, "nesterov": Boolean()},
    _O.Adam: {**OPTIMIZER_COMMON, **_ADAM, "amsgrad": Boolean()},
    _O.AdamW: {**OPTIMIZER_COMMON, **_ADAM, "amsgrad": Boolean()},
    _O.Nadam: {**OPTIMIZER_COMMON, **_ADAM},
    _O.Adamax: {**OPTIMIZER_COMMON, **_ADAM},
    _O.Lamb: {**OPTIMIZER_COMMON, **_ADAM},
    _O.Lion: {**OPTIMIZER_COMMON, "beta_1": _UNIT_CLOSED, "beta_2": _UNIT},
    _O.Adadelta: {**OPTIMIZER_COMMON, "rho": _UNIT, "epsilon": _POS},
    _O.Adagrad: {**OPTIMIZER_COMMON, "initial_accumulator_value": _NONNEG, "epsilon": _POS},
    _O.RMSprop: {**OPTIMIZER_COMMON, "rho": _UNIT, "momentum": _UNIT, "epsilon": _POS,
                 "centered": Boolean()},
    _O.Ftrl: {**OPTIMIZER_COMMON, "learning_rate_power": Real(high=0),
              "initial_accumulator_value": _NONNEG, "l1_regularization_strength": _NONNEG,
              "l2_regularization_strength": _NONNEG,
              "l2_shrinkage_regularization_strength": _NONNEG, "beta": _NONNEG},
    _O.Adafactor: {**OPTIMIZER_COMMON, "beta_2_decay": Real(high=0), "epsilon_1": _POS,
                   "epsilon_2": _POS, "clip_threshold": _POS, "relative_step": Boolean()},
    _O.Muon: {**OPTIMIZER_COMMON, "adam_beta_1": _UNIT, "adam_beta_2": _UNIT,
              "adam_weight_decay": _NONNEG, "epsilon": _POS},
    _O.ScheduleFreeAdamW: {**OPTIMIZER_COMMON, **_ADAM, "warmup_steps": Integer(0)},
    _S.ExponentialDecay: {**_STEPS, "decay_rate": _POS, "staircase": Boolean()},
    _S.InverseTimeDecay: {**_STEPS, "decay_rate": _NONNEG, "staircase": Boolean()},
    _S.PolynomialDecay: {**_STEPS, "end_learning_rate": _NONNEG, "power": _POS,
                         "cycle": Boolean()},
    # Warm-up starts from 0 (Keras's own example: initial 0, warmup_target the peak).
    _S.CosineDecay: {**_STEPS, "initial_learning_rate": Real(0), "alpha": _UNIT_CLOSED,
                     "warmup_target": Real(0, allow_none=True), "warmup_steps": Real(0)},
    _S.CosineDecayRestarts: {"initial_learning_rate": _POS, "first_decay_steps": _POS,
                             "t_mul": _POS, "m_mul": _POS, "alpha": _UNIT_CLOSED},
    _L.BinaryCrossentropy: _XENT,
    _L.CategoricalCrossentropy: _XENT,
    _L.SparseCategoricalCrossentropy: {**_LOSS, "from_logits": Boolean(), "axis": Integer(),
                                       "ignore_class": Integer(allow_none=True)},
    _L.BinaryFocalCrossentropy: {**_FOCAL, "apply_class_balancing": Boolean()},
    _L.CategoricalFocalCrossentropy: _FOCAL,
    _L.CategoricalGeneralizedCrossEntropy: {**_LOSS, "q": Real(0, 1, low_open=True)},
    _L.Huber: {**_LOSS, "delta": _POS},
    _L.Tversky: {**_LOSS, "alpha": _NONNEG, "beta": _NONNEG},
    _L.Circle: {**_LOSS, "gamma": _POS, "margin": Real(), "remove_diagonal": Boolean()},
    _L.CosineSimilarity: {**_LOSS, "axis": Integer()},
    **{cls: _LOSS for cls in (_L.MeanSquaredError, _L.MeanAbsoluteError, _L.Hinge,
                              _L.SquaredHinge, _L.CategoricalHinge, _L.KLDivergence,
                              _L.Poisson, _L.LogCosh, _L.MeanAbsolutePercentageError,
                              _L.MeanSquaredLogarithmicError)},
    keras.regularizers.L1: {"l1": _NONNEG},
    keras.regularizers.L2: {"l2": _NONNEG},
    keras.regularizers.L1L2: {"l1": _NONNEG, "l2": _NONNEG},
    keras.regularizers.OrthogonalRegularizer: {"factor": _NONNEG,
                                               "mode": Options("rows", "columns")},
    _I.Constant: {"value": Real()},
    _I.RandomNormal: {**_SEEDED, "mean": Real(), "stddev": _POS},
    _I.TruncatedNormal: {**_SEEDED, "mean": Real(), "stddev": _POS},
    _I.RandomUniform: {**_SEEDED, "minval": Real(), "maxval": Real()},
    _I.VarianceScaling: {**_SEEDED, "scale": _POS,
                         "mode": Options("fan_in", "fan_out", "fan_avg"),
                         "distribution": Options("truncated_normal", "untruncated_normal",
                                                 "uniform")},
    _I.Orthogonal: {**_SEEDED, "gain": Real()},
    _I.Identity: {"gain": Real()},
    **{cls: _SEEDED for cls in (_I.GlorotNormal, _I.GlorotUniform, _I.HeNormal, _I.HeUniform,
                                _I.LecunNormal, _I.LecunUniform)},
    keras.layers.ReLU: {"max_value": Real(0, allow_none=True), "negative_slope": _SLOPE,
                        "threshold": Real()},
    keras.layers.LeakyReLU: {"negative_slope": _SLOPE},
    keras.layers.ELU: {"alpha": Real()},
    keras.layers.Softmax: {"axis": Integer()},
    keras.layers.Dropout: {"rate": _UNIT, "seed": Seed(allow_none=True)},
    keras.layers.BatchNormalization: {"momentum": _UNIT_CLOSED, "epsilon": _POS,
                                      "center": Boolean(), "scale": Boolean()},
}
"""Keras class -> `{argument: Constraint}` (the arguments `deeper`'s users reach)."""

_MODULES = {"optimizers": _O, "schedules": _S, "losses": _L, "regularizers": keras.regularizers,
            "initializers": _I, "layers": keras.layers}
_BY_NAME = {}
for _kind, _module in _MODULES.items():
    _path = {"schedules": "keras.optimizers.schedules"}.get(_kind, f"keras.{_kind}")
    for _cls in KERAS:
        if getattr(_module, _cls.__name__, None) is _cls:
            _BY_NAME[(_path, _cls.__name__)] = _cls


def keras_classes(kind):
    """The declared Keras classes of `kind` ("optimizers", "losses", ...)."""
    module = _MODULES.get(kind)
    return [c for c in KERAS if module is not None and getattr(module, c.__name__, None) is c]


def declaration(obj):
    """The `{argument: Constraint}` of a class or factory, or `None` if it declares none."""
    if isinstance(obj, type):
        for klass in obj.__mro__:
            if "_parameter_constraints" in vars(klass):
                return klass._parameter_constraints
            if klass in KERAS:
                return KERAS[klass]
        return None
    return getattr(obj, "_parameter_constraints", None)


def check_object(name, obj):
    """Check a Keras object's configuration against `KERAS`; returns `obj`."""
    cls = public_class(obj)  # Keras's SGD, not its PyTorch backend subclass
    if KERAS.get(cls) is not None and hasattr(obj, "get_config"):
        check_config({"class_name": cls.__name__, "config": obj.get_config(),
                      "module": _module_of(cls)}, name)
    return obj


def _module_of(cls):
    return next((path for (path, n), c in _BY_NAME.items() if c is cls), None)


def _class_of(serialized):
    registered = serialized.get("registered_name")
    if isinstance(registered, str) and registered.startswith("deeper>"):
        return keras.saving.get_registered_object(registered)
    return _BY_NAME.get((public_module(serialized.get("module")), serialized.get("class_name")))


def check_config(config, name="config"):
    """Check every serialized object inside `config` against its declaration.

    Nothing is built or imported: a class is looked up among `deeper`'s
    registered components and the Keras classes of `KERAS`; other objects
    (`Dense`, `Functional`, ...) are walked into but not checked. Returns
    `config`.
    """
    if isinstance(config, dict):
        if "class_name" in config and isinstance(config.get("config"), dict):
            cls = _class_of(config)
            constraints = declaration(cls) if cls is not None else None
            if constraints:
                validate(constraints, config["config"])
        for key, value in config.items():
            if isinstance(value, (dict, list)):
                check_config(value, key)
    elif isinstance(config, list):
        for value in config:
            if isinstance(value, (dict, list)):
                check_config(value, name)
    return config


_BASES = {"layers": (keras.layers.Layer,), "initializers": (keras.initializers.Initializer,),
          "regularizers": (keras.regularizers.Regularizer,), "losses": (keras.losses.Loss,),
          "optimizers": (keras.optimizers.Optimizer,),
          "schedules": (keras.optimizers.schedules.LearningRateSchedule,),
          "callbacks": (keras.callbacks.Callback,)}
_CALLABLE_OK = ("layers", "initializers", "regularizers", "losses")


def is_object_of(kind, value):
    """Whether `value` is an object `get` may return as is for `kind`."""
    if isinstance(value, _BASES[kind]):
        return True
    return kind in _CALLABLE_OK and callable(value) and not isinstance(value, (str, type))


class Component(Constraint):
    """An argument taking a component of `kind`: a name, a serialized config or an object."""

    def __init__(self, kind, *, allow_none=False):
        self.kind, self.allow_none = kind, allow_none

    def describe(self):
        from deeper.components.registry import SINGULAR

        return f"a {SINGULAR[self.kind]} name, config or object"

    def check(self, name, value):
        from deeper.components import registry

        if value is None and self.allow_none:
            return None
        if isinstance(value, str):
            registry.resolve(self.kind, value, name)  # raises naming `name` if unknown
            return value
        if isinstance(value, dict):
            return check_config(value, name)
        if is_object_of(self.kind, value):
            return check_object(name, value)
        raise TypeError(f"`{name}` must be {self.describe()}. Received: {name}={value!r} "
                        f"(of type {type(value).__name__})")

    def invalid(self):
        bad = [3, 1.5, True, "no_such_name", "", ["sgd"]]
        return bad if self.allow_none else [*bad, None]
