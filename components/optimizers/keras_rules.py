"""The course's first-order rules: Keras's own optimizers, their arguments checked first.

Keras accepts a NaN learning rate, `momentum=1.5` or `beta_1=1.5` without a word
and trains to NaN; these factories reject them with one sentence, then return
Keras's own `SGD`, `Adam`, `RMSprop` or `Adagrad` (a model compiled with them
saves and loads with plain Keras, no `deeper` needed).

Parameter mapping, course (Bengio; LeCun et al.; Duchi et al.; Hinton;
Kingma & Ba) -> Keras 3, each checked step by step against a NumPy float64
reference in `tests/references/test_optimizer_rules.py`:

* momentum: the course's velocity v <- mu v - eta g; w <- w + v is exactly
  Keras's `SGD(momentum=mu)` (Keras stores v, negative-gradient sign included).
* Nesterov: the course (Sutskever et al. 2013) takes the gradient at the
  look-ahead point, v <- mu v - eta g(w + mu v); w <- w + v. Keras's
  `SGD(nesterov=True)` stores the look-ahead point phi = w + mu v instead and
  updates it as phi <- phi + mu v_new - eta g(phi) (Bengio et al. 2013's
  reformulation): the same trajectory, shifted by mu v.
* Adagrad: the course starts the accumulator at G = 0 and divides by
  sqrt(G) + eps; Keras starts at `initial_accumulator_value=0.1` and divides
  by sqrt(G + eps). Our `"adagrad"` sets `initial_accumulator_value=0.0` (the
  course's start); eps (1e-7) stays inside the root, as in Keras.
* RMSprop: r <- rho r + (1 - rho) g^2; w <- w - eta g / sqrt(r + eps), eps
  inside the root (the course writes sqrt(r) + eps; the difference is below
  eps / (2 sqrt(r))). Keras's default `rho=0.9` is Hinton's.
* Adam: m, v as in Kingma & Ba; Keras folds both bias corrections into the
  step, alpha_t = eta sqrt(1 - beta2^t) / (1 - beta1^t),
  w <- w - alpha_t m / (sqrt(v) + eps): the paper's "epsilon hat" form (end of
  its section 2), equal to the course's m_hat / (sqrt(v_hat) + eps) with eps
  scaled by sqrt(1 - beta2^t).
* L2 weight decay inside the update: every Keras optimizer's
  `weight_decay=lam` applies w <- w - eta lam w before the step, so
  `sgd(weight_decay=lam)` is the course's w <- (1 - lam eta) w - eta g
  (decoupled from the gradient: AdamW for Adam).
"""

from __future__ import annotations

import numbers

import keras

from deeper.components.validation import check_bool, check_number

_UNIT = {"low": 0, "high": 1, "high_open": True}


def check_learning_rate(learning_rate, name="learning_rate"):
    """A finite rate > 0, or a `LearningRateSchedule` (or callable of the step)."""
    if isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule) or (
        callable(learning_rate) and not isinstance(learning_rate, numbers.Number)
    ):
        return learning_rate
    if isinstance(learning_rate, (bool,)) or not isinstance(learning_rate, numbers.Real):
        raise TypeError(
            f"`{name}` must be a number > 0 or a keras.optimizers.schedules."
            f"LearningRateSchedule. Received: {name}={learning_rate!r}"
        )
    return check_number(name, learning_rate, low=0, low_open=True)


def check_common(kwargs):
    """Check the arguments every Keras optimizer shares; returns `kwargs`."""
    for key in ("clipnorm", "clipvalue", "global_clipnorm"):
        if key in kwargs:
            kwargs[key] = check_number(key, kwargs[key], low=0, low_open=True, allow_none=True)
    if "weight_decay" in kwargs:
        kwargs["weight_decay"] = check_number("weight_decay", kwargs["weight_decay"], low=0,
                                              allow_none=True)
    if "ema_momentum" in kwargs:
        kwargs["ema_momentum"] = check_number("ema_momentum", kwargs["ema_momentum"], **_UNIT)
    if "use_ema" in kwargs:
        kwargs["use_ema"] = check_bool("use_ema", kwargs["use_ema"])
    if kwargs.get("gradient_accumulation_steps") is not None:
        kwargs["gradient_accumulation_steps"] = check_number(
            "gradient_accumulation_steps", kwargs["gradient_accumulation_steps"], low=1,
            integer=True)
    return kwargs


def sgd(learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
    """Keras's `SGD`: w <- w - eta g (plain), with `momentum` and `nesterov` as above.

    Args:
        learning_rate: eta > 0 (a float or a schedule). Defaults to 0.01.
        momentum: mu in [0, 1). Defaults to 0.
        nesterov: Nesterov's look-ahead. Defaults to `False`.
        **kwargs: Keras's common optimizer arguments (`weight_decay`,
            `clipnorm`, ...), checked too.
    """
    return keras.optimizers.SGD(
        learning_rate=check_learning_rate(learning_rate),
        momentum=check_number("momentum", momentum, **_UNIT),
        nesterov=check_bool("nesterov", nesterov),
        **check_common(kwargs),
    )


def momentum(learning_rate=0.01, momentum=0.9, nesterov=False, **kwargs):
    """Classical momentum, v <- mu v - eta g; w <- w + v (Keras's `SGD(momentum=0.9)`)."""
    return sgd(learning_rate, momentum=momentum, nesterov=nesterov, **kwargs)


def nesterov(learning_rate=0.01, momentum=0.9, nesterov=True, **kwargs):
    """Nesterov momentum (Keras's `SGD(momentum=0.9, nesterov=True)`; see the module notes)."""
    return sgd(learning_rate, momentum=momentum, nesterov=nesterov, **kwargs)


def adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
    """Keras's `Adam` (Kingma & Ba 2015), eps in the paper's "epsilon hat" position.

    Args:
        learning_rate: eta > 0. Defaults to 0.001.
        beta_1, beta_2: decay of the first and second moments, in [0, 1).
            Defaults to 0.9 and 0.999.
        epsilon: > 0. Defaults to 1e-7 (Keras's; the paper's is 1e-8).
        amsgrad: keep the maximum of v (Reddi et al. 2018). Defaults to `False`.
    """
    return keras.optimizers.Adam(
        learning_rate=check_learning_rate(learning_rate),
        beta_1=check_number("beta_1", beta_1, **_UNIT),
        beta_2=check_number("beta_2", beta_2, **_UNIT),
        epsilon=check_number("epsilon", epsilon, low=0, low_open=True),
        amsgrad=check_bool("amsgrad", amsgrad),
        **check_common(kwargs),
    )


def rmsprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
            **kwargs):
    """Keras's `RMSprop` (Hinton's lecture 6e): w <- w - eta g / sqrt(r + eps).

    Args:
        learning_rate: eta > 0. Defaults to 0.001.
        rho: decay of the mean square r, in [0, 1). Defaults to 0.9.
        momentum: in [0, 1). Defaults to 0.
        epsilon: > 0. Defaults to 1e-7.
        centered: divide by the variance instead of the mean square. Defaults to `False`.
    """
    return keras.optimizers.RMSprop(
        learning_rate=check_learning_rate(learning_rate),
        rho=check_number("rho", rho, **_UNIT),
        momentum=check_number("momentum", momentum, **_UNIT),
        epsilon=check_number("epsilon", epsilon, low=0, low_open=True),
        centered=check_bool("centered", centered),
        **check_common(kwargs),
    )


def adagrad(learning_rate=0.01, initial_accumulator_value=0.0, epsilon=1e-7, **kwargs):
    """Keras's `Adagrad` (Duchi et al. 2011), accumulator started at the course's 0.

    G <- G + g^2; w <- w - eta g / sqrt(G + eps).

    Args:
        learning_rate: eta > 0. Defaults to 0.01.
        initial_accumulator_value: G_0 >= 0. Defaults to 0 (Keras's own default is 0.1).
        epsilon: > 0. Defaults to 1e-7.
    """
    return keras.optimizers.Adagrad(
        learning_rate=check_learning_rate(learning_rate),
        initial_accumulator_value=check_number("initial_accumulator_value",
                                               initial_accumulator_value, low=0),
        epsilon=check_number("epsilon", epsilon, low=0, low_open=True),
        **check_common(kwargs),
    )


_NAN, _INF = float("nan"), float("inf")
COMMON_INVALID = [
    *(({"learning_rate": bad}, "learning_rate") for bad in (0.0, -0.1, _NAN, _INF, "fast")),
    ({"clipnorm": -1.0}, "clipnorm"), ({"weight_decay": -1e-4}, "weight_decay"),
]
RULES = {
    "sgd": (sgd, {"learning_rate": 0.05}, []),
    "momentum": (momentum, {"learning_rate": 0.05, "momentum": 0.8},
                 [({"momentum": 1.0}, "momentum"), ({"momentum": -0.1}, "momentum"),
                  ({"momentum": _NAN}, "momentum")]),
    "nesterov": (nesterov, {"learning_rate": 0.05, "momentum": 0.8},
                 [({"momentum": 1.5}, "momentum"), ({"nesterov": "yes"}, "nesterov")]),
    "adam": (adam, {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99},
             [({"beta_1": 1.5}, "beta_1"), ({"beta_2": 1.0}, "beta_2"),
              ({"epsilon": 0.0}, "epsilon"), ({"epsilon": _NAN}, "epsilon")]),
    "rmsprop": (rmsprop, {"learning_rate": 0.01, "rho": 0.8},
                [({"rho": 1.0}, "rho"), ({"rho": -0.5}, "rho"), ({"epsilon": -1.0}, "epsilon")]),
    "adagrad": (adagrad, {"learning_rate": 0.05, "initial_accumulator_value": 0.0},
                [({"initial_accumulator_value": -0.1}, "initial_accumulator_value"),
                 ({"epsilon": _INF}, "epsilon")]),
}
"""name -> (factory, conformance example, extra invalid arguments)."""
