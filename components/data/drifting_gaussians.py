"""`drifting_gaussians`: a seeded stream whose class-conditional distribution moves over time."""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from deeper.components.validation import check_number, check_seed


@dataclasses.dataclass
class DriftingStream:
    """A data stream in time order, and the distribution it was drawn from.

    Attributes:
        x: inputs, shape `(steps, batch_size, 2)`: `x[t]` arrives at step `t`.
        y: labels, shape `(steps, batch_size)`.
        num_classes: number of classes.
        config: the arguments of `drifting_gaussians`.
    """

    x: np.ndarray
    y: np.ndarray
    num_classes: int
    config: dict

    @property
    def steps(self):
        """Number of time steps."""
        return len(self.x)

    def means(self, step):
        """Class means at `step` (fractional steps allowed), shape `(num_classes, 2)`."""
        c = self.config
        angle = (2 * np.pi * np.arange(self.num_classes) / self.num_classes
                 + 2 * np.pi * c["revolutions"] * step / max(c["steps"] - 1, 1))
        return c["radius"] * np.stack([np.cos(angle), np.sin(angle)], axis=1)

    def sample(self, step, n, seed=0):
        """`n` fresh labelled examples from the distribution at `step` (not part of the stream)."""
        n = check_number("n", n, low=1, integer=True)
        rng = np.random.default_rng([check_seed("seed", seed), 1, int(step)])
        return _draw(rng, self.means(step), n, self.config["noise"])

    def dataset(self):
        """The stream as a `tf.data.Dataset` of `(x[t], y[t])` batches in time order."""
        return tf.data.Dataset.from_tensor_slices((self.x, self.y))


def _draw(rng, means, n, noise):
    y = rng.integers(0, len(means), n)
    x = means[y] + noise * rng.standard_normal((n, 2))
    return x.astype("float32"), y.astype("int64")


def drifting_gaussians(steps=300, *, batch_size=10, num_classes=3, radius=2.0, noise=0.6,
                       revolutions=1.0, seed=0):
    """A stream of 2-D Gaussian classes whose means rotate about the origin.

    At step `t` (of `T = steps`), class `k` of `K = num_classes` is
    `N(mu_k(t), noise^2 I)` with

        mu_k(t) = radius * (cos a_k(t), sin a_k(t)),
        a_k(t) = 2 pi k / K + 2 pi * revolutions * t / (T - 1),

    and `batch_size` examples with uniformly drawn labels arrive per step.
    The classes stay separable at every instant (a linear softmax
    classifier through the origin separates them), but the separating
    directions turn: after a full revolution the data seen so far cover every
    direction for every class, so a model fitted to all of it is near
    chance on the current distribution, while one that follows the stream
    is not (LeCun et al. 1998, section 4.1).

    Args:
        steps: number of time steps, an integer >= 2. Defaults to 300.
        batch_size: examples arriving per step, an integer >= 1. Defaults to 10.
        num_classes: number of classes, an integer >= 2. Defaults to 3.
        radius: distance of the class means from the origin, > 0. Defaults to 2.
        noise: standard deviation of each class, > 0. Defaults to 0.6.
        revolutions: total turn of the means over the stream, in turns
            (0 gives a stationary stream). Defaults to 1.
        seed: seed of the draws. Defaults to 0.

    Returns:
        A `DriftingStream` (`x`, `y`, `means(step)`, `sample(step, n)`, `dataset()`).

    Example:

    ```python
    stream = data.drifting_gaussians(300, seed=0)
    x_now, y_now = stream.sample(step=150, n=500)     # the distribution at step 150
    ```

    Reference:
        LeCun, Bottou, Orr & Mueller, "Efficient BackProp", 1998, section 4.1.
    """
    config = {
        "steps": check_number("steps", steps, low=2, integer=True),
        "batch_size": check_number("batch_size", batch_size, low=1, integer=True),
        "num_classes": check_number("num_classes", num_classes, low=2, integer=True),
        "radius": check_number("radius", radius, low=0, low_open=True),
        "noise": check_number("noise", noise, low=0, low_open=True),
        "revolutions": check_number("revolutions", revolutions),
        "seed": check_seed("seed", seed),
    }
    stream = DriftingStream(np.empty((0,)), np.empty((0,)), config["num_classes"], config)
    rng = np.random.default_rng([config["seed"], 0])
    xs, ys = zip(*(_draw(rng, stream.means(t), config["batch_size"], config["noise"])
                   for t in range(config["steps"])))
    stream.x, stream.y = np.stack(xs), np.stack(ys)
    return stream
