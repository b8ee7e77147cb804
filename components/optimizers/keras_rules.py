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

import keras

from deeper.components.constraints import declare
from deeper.components.keras_constraints import KERAS, LEARNING_RATE, OPTIMIZER_COMMON
from deeper.components.validation import check_number

_UNIT = {"low": 0, "high": 1, "high_open": True}


def check_learning_rate(learning_rate, name="learning_rate"):
    """A finite rate > 0, or a `LearningRateSchedule` (or callable of the step)."""
    return LEARNING_RATE.check(name, learning_rate)


def check_common(kwargs):
    """Check the arguments every Keras optimizer shares; returns `kwargs`."""
    checked = {}
    for key, value in kwargs.items():
        constraint = OPTIMIZER_COMMON.get(key)
        checked[key] = value if constraint is None else constraint.check(key, value)
    if checked.get("ema_momentum") is not None:  # historical: a float in [0, 1)
        checked["ema_momentum"] = check_number("ema_momentum", checked["ema_momentum"], **_UNIT)
    return checked


# Each factory declares the constraints of the Keras class it returns (one table,
# `keras_constraints.KERAS`, also used for Keras's optimizers reached by their own
# names and for optimizers inside a saved file).


@declare(KERAS[keras.optimizers.SGD])
def sgd(learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
    """Keras's `SGD`: w <- w - eta g (plain), with `momentum` and `nesterov` as above.

    Args:
        learning_rate: eta > 0 (a float or a schedule). Defaults to 0.01.
        momentum: mu in [0, 1). Defaults to 0.
        nesterov: Nesterov's look-ahead. Defaults to `False`.
        **kwargs: Keras's common optimizer arguments (`weight_decay`,
            `clipnorm`, ...), checked too.
    """
    return keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum,
                                nesterov=nesterov, **kwargs)


@declare(KERAS[keras.optimizers.SGD])
def momentum(learning_rate=0.01, momentum=0.9, nesterov=False, **kwargs):
    """Classical momentum, v <- mu v - eta g; w <- w + v (Keras's `SGD(momentum=0.9)`)."""
    return sgd(learning_rate, momentum=momentum, nesterov=nesterov, **kwargs)


@declare(KERAS[keras.optimizers.SGD])
def nesterov(learning_rate=0.01, momentum=0.9, nesterov=True, **kwargs):
    """Nesterov momentum (Keras's `SGD(momentum=0.9, nesterov=True)`; see the module notes)."""
    return sgd(learning_rate, momentum=momentum, nesterov=nesterov, **kwargs)


@declare(KERAS[keras.optimizers.Adam])
def adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
    """Keras's `Adam` (Kingma & Ba 2015), eps in the paper's "epsilon hat" position.

    Args:
        learning_rate: eta > 0. Defaults to 0.001.
        beta_1, beta_2: decay of the first and second moments, in [0, 1).
            Defaults to 0.9 and 0.999.
        epsilon: > 0. Defaults to 1e-7 (Keras's; the paper's is 1e-8).
        amsgrad: keep the maximum of v (Reddi et al. 2018). Defaults to `False`.
    """
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                                 epsilon=epsilon, amsgrad=amsgrad, **kwargs)


@declare(KERAS[keras.optimizers.RMSprop])
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
    return keras.optimizers.RMSprop(learning_rate=learning_rate, rho=rho, momentum=momentum,
                                    epsilon=epsilon, centered=centered, **kwargs)


@declare(KERAS[keras.optimizers.Adagrad])
def adagrad(learning_rate=0.01, initial_accumulator_value=0.0, epsilon=1e-7, **kwargs):
    """Keras's `Adagrad` (Duchi et al. 2011), accumulator started at the course's 0.

    G <- G + g^2; w <- w - eta g / sqrt(G + eps).

    Args:
        learning_rate: eta > 0. Defaults to 0.01.
        initial_accumulator_value: G_0 >= 0. Defaults to 0 (Keras's own default is 0.1).
        epsilon: > 0. Defaults to 1e-7.
    """
    return keras.optimizers.Adagrad(learning_rate=learning_rate,
                                    initial_accumulator_value=initial_accumulator_value,
                                    epsilon=epsilon, **kwargs)


RULES = {
    "sgd": (sgd, {"learning_rate": 0.05}),
    "momentum": (momentum, {"learning_rate": 0.05, "momentum": 0.8}),
    "nesterov": (nesterov, {"learning_rate": 0.05, "momentum": 0.8}),
    "adam": (adam, {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99}),
    "rmsprop": (rmsprop, {"learning_rate": 0.01, "rho": 0.8}),
    "adagrad": (adagrad, {"learning_rate": 0.05, "initial_accumulator_value": 0.0}),
}
"""name -> (factory, conformance example); the invalid arguments come from the declarations."""
