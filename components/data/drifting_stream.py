"""`DriftingStream`: a data stream in time order and the moving distribution it came from."""

from __future__ import annotations

import dataclasses

import numpy as np

from deeper.components.data.lazy_tensorflow import tf
from deeper.components.validation import check_number, check_seed


@dataclasses.dataclass
class DriftingStream:
    """A data stream in time order, and the distribution it was drawn from.

    Made by `data.drifting_gaussians(...)`; a new generator subclasses it and
    implements `_draw(rng, step, n)`.

    Attributes:
        x: inputs, shape `(steps, batch_size, features...)`: `x[t]` arrives at step `t`.
        y: labels, shape `(steps, batch_size)`.
        num_classes: number of classes.
        config: the arguments of the generator.
    """

    x: np.ndarray
    y: np.ndarray
    num_classes: int
    config: dict

    @property
    def steps(self):
        """Number of time steps."""
        return len(self.x)

    def sample(self, step, n, seed=0):
        """`n` fresh labelled examples from the distribution at `step` (not part of the stream)."""
        n = check_number("n", n, low=1, integer=True)
        rng = np.random.default_rng([check_seed("seed", seed), 1, int(step)])
        return self._draw(rng, step, n)

    def dataset(self):
        """The stream as a `tf.data.Dataset` of `(x[t], y[t])` batches in time order."""
        return tf.data.Dataset.from_tensor_slices((self.x, self.y))

    def _draw(self, rng, step, n):
        raise NotImplementedError

    def _fill(self):
        """Draw the stream itself, one batch per step, from the generator's seed."""
        rng = np.random.default_rng([self.config["seed"], 0])
        xs, ys = zip(*(self._draw(rng, t, self.config["batch_size"])
                       for t in range(self.config["steps"])))
        self.x, self.y = np.stack(xs), np.stack(ys)
        return self
