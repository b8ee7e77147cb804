"""`drifting_gaussians`: a seeded stream whose class-conditional distribution moves over time."""

from __future__ import annotations

import numpy as np

from deeper.components.constraints import Integer, Real, Seed, declare
from deeper.components.data.drifting_stream import DriftingStream


class GaussianStream(DriftingStream):
    """A `DriftingStream` of Gaussian classes; `means(step)` gives their centers."""

    def means(self, step):
        """Class means at `step` (fractional steps allowed), shape `(num_classes, 2)`."""
        c = self.config
        angle = (2 * np.pi * np.arange(self.num_classes) / self.num_classes
                 + 2 * np.pi * c["revolutions"] * step / max(c["steps"] - 1, 1))
        return c["radius"] * np.stack([np.cos(angle), np.sin(angle)], axis=1)

    def _draw(self, rng, step, n):
        y = rng.integers(0, self.num_classes, n)
        x = self.means(step)[y] + self.config["noise"] * rng.standard_normal((n, 2))
        return x.astype("float32"), y.astype("int64")


@declare({"steps": Integer(low=2), "batch_size": Integer(low=1), "num_classes": Integer(low=2),
          "radius": Real(low=0, low_open=True), "noise": Real(low=0, low_open=True),
          "revolutions": Real(), "seed": Seed()}, example=lambda: {"steps": 10})
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
        A `DriftingStream` (`x`, `y`, `sample(step, n)`, `dataset()`) with
        `means(step)`, the class means at `step`.

    Example:

    ```python
    stream = data.drifting_gaussians(300, seed=0)
    x_now, y_now = stream.sample(step=150, n=500)     # the distribution at step 150
    ```

    Reference:
        LeCun, Bottou, Orr & Mueller, "Efficient BackProp", 1998, section 4.1.
    """
    config = {
        "steps": steps,
        "batch_size": batch_size,
        "num_classes": num_classes,
        "radius": radius,
        "noise": noise,
        "revolutions": revolutions,
        "seed": seed,
    }
    return GaussianStream(None, None, config["num_classes"], config)._fill()
