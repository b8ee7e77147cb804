"""Two-dimensional test surfaces for optimizers, in backend-neutral ops: `Surface`, `surface`."""

from __future__ import annotations

import dataclasses

import numpy as np
from keras import ops

from deeper.components.validation import check_choice, check_number


@dataclasses.dataclass(frozen=True)
class Surface:
    """A 2-D objective with its start, minimum and plotting window.

    Attributes:
        name: its name.
        formula: the formula, as text.
        fn: w (a tensor of shape (2,), any backend) -> scalar tensor, without noise.
        start: the common starting point.
        minimum: a global minimizer; `minimum_value` the value there.
        bounds: ((x_min, x_max), (y_min, y_max)) for the contour plot.
        noise: standard deviation of the seeded noise on the gradient (the
            objective at step t is fn(w) + xi_t . w, xi_t ~ N(0, noise^2 I)).
        learning_rates: a learning rate per first-order optimizer for this
            surface (Rosenbrock: the best of 1e-4, 3e-4, ..., 1 after 200 steps;
            the others: chosen by hand from a few tries).
    """

    name: str
    formula: str
    fn: object
    start: tuple
    minimum: tuple
    minimum_value: float
    bounds: tuple
    noise: float = 0.0
    learning_rates: dict = dataclasses.field(default_factory=dict)


def _rosenbrock(w):
    return (1.0 - w[0]) ** 2 + 100.0 * (w[1] - w[0] ** 2) ** 2


def _beale(w):
    x, y = w[0], w[1]
    return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2
            + (2.625 - x + x * y ** 3) ** 2)


def _saddle(w):
    return w[0] ** 2 + 0.25 * w[1] ** 4 - 0.5 * w[1] ** 2


def _quadratic(w):
    return 0.5 * (w[0] ** 2 + 10.0 * w[1] ** 2)


SURFACES = {
    "rosenbrock": Surface(
        "rosenbrock", "(1 - x)^2 + 100 (y - x^2)^2", _rosenbrock, (-1.5, 2.0), (1.0, 1.0), 0.0,
        ((-2.0, 2.0), (-1.0, 3.0)),
        learning_rates={"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 1.0,
                        "rmsprop": 0.3, "adam": 1.0, "lbfgs": 1.0}),
    "beale": Surface(
        "beale", "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2", _beale,
        (1.0, 1.5), (3.0, 0.5), 0.0, ((-1.0, 4.5), (-1.5, 2.0)),
        learning_rates={"sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.3,
                        "rmsprop": 0.01, "adam": 0.1, "lbfgs": 1.0}),
    "saddle": Surface(
        "saddle", "x^2 + y^4 / 4 - y^2 / 2 (saddle at 0, minima at (0, +-1))", _saddle,
        (-1.5, 1e-3), (0.0, 1.0), -0.25, ((-2.0, 2.0), (-1.6, 1.6)),
        learning_rates={"sgd": 0.1, "momentum": 0.03, "nesterov": 0.03, "adagrad": 0.3,
                        "rmsprop": 0.01, "adam": 0.1, "lbfgs": 1.0}),
    "noisy_quadratic": Surface(
        "noisy_quadratic", "(x^2 + 10 y^2) / 2 + xi_t . w, xi_t ~ N(0, 0.5^2 I)", _quadratic,
        (-2.0, 1.5), (0.0, 0.0), 0.0, ((-2.5, 2.5), (-2.0, 2.0)), noise=0.5,
        learning_rates={"sgd": 0.05, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.5,
                        "rmsprop": 0.01, "adam": 0.1, "lbfgs": 1.0}),
}


def surface(name):
    """The test surface called `name` ("rosenbrock", "beale", "saddle", "noisy_quadratic").

    Example:

    >>> s = surface("rosenbrock")
    >>> float(s.fn(ops.convert_to_tensor(s.minimum)))
    0.0

    Reference: Rosenbrock, The Computer Journal (1960); Beale (1958); the
    noisy quadratic of Schaul, Zhang & LeCun, "No More Pesky Learning Rates" (2013).
    """
    return SURFACES[check_choice("surface", name, tuple(SURFACES))]


def noisy(fn, noise_variable):
    """fn(w) + xi . w, with xi read from `noise_variable` (assign it each step)."""

    def objective(w):
        return fn(w) + ops.sum(ops.cast(noise_variable, w.dtype) * w)

    return objective


def noise_sequence(steps, scale, seed):
    """The seeded noise xi_0..xi_{steps-1}, shape (steps, 2)."""
    steps = check_number("steps", steps, low=1, integer=True)
    return np.random.default_rng(seed).normal(scale=scale, size=(steps, 2))
