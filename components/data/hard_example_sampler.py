"""`HardExampleSampler`: a `tf.data` input that draws examples with large losses more often."""

from __future__ import annotations

import numpy as np

from deeper.components.constraints import Boolean, Real, Satisfies, Seed, declare
from deeper.components.data import checks
from deeper.components.data.lazy_tensorflow import tf
from deeper.components.validation import check_number

_MIX = Real(0, 1)
_CAP = Real(0, 1, low_open=True, allow_none=True)


@declare({"mix": _MIX, "cap": _CAP}, example=lambda: {"losses": np.arange(4.0)})
def hard_example_probabilities(losses, *, mix=0.5, cap=0.95):
    """Sampling probabilities from per-example losses, capped and mixed with uniform.

        l~_i = min(l_i, q),  q = quantile(l, cap)   (no cap when `cap` is None)
        p_i  = (1 - mix) * l~_i / sum_j l~_j + mix / N

    The quantile interpolates linearly (NumPy's default); `cap=1` is the
    largest loss, so it caps nothing. When every loss is zero the losses carry
    no preference and `p` is uniform.

    Args:
        losses: the N per-example losses, finite and >= 0.
        mix: weight of the uniform distribution, in [0, 1]. Defaults to 0.5.
        cap: the quantile of the losses at which each loss is capped, in
            (0, 1], or None for no cap. Defaults to 0.95.

    Returns:
        A float64 NumPy array of N probabilities summing to 1.
    """
    losses = np.asarray(losses, dtype="float64")
    if losses.ndim != 1 or len(losses) == 0:
        raise ValueError("`losses` must be a non-empty 1-D array of per-example losses. "
                         f"Received: losses of shape {losses.shape}")
    if not np.all(np.isfinite(losses)) or np.any(losses < 0):
        bad = losses[~(np.isfinite(losses) & (losses >= 0))][:3]
        raise ValueError("`losses` must be finite and >= 0 (a per-example loss such as "
                         f"cross-entropy). Received: losses containing {bad.tolist()}")
    n = len(losses)
    if cap is not None:
        losses = np.minimum(losses, np.quantile(losses, cap))
    total = losses.sum()
    if total == 0:
        return np.full(n, 1.0 / n)
    return (1.0 - mix) * losses / total + mix / n


class HardExampleSampler:
    """A `tf.data` input that draws examples in proportion to their recorded loss.

    Each epoch draws N examples with replacement (N the number of examples, so
    an epoch has as many steps as a plain shuffled one) with probabilities

        p_i = (1 - mix) * min(l_i, q) / sum_j min(l_j, q) + mix / N,
        q   = quantile(l, cap),

    where l_i is example i's last recorded loss (`update`, called by the
    `deeper.components.callbacks.HardExampleMining` callback during `fit`).
    Before the first update p is uniform. Mixing with the uniform distribution
    keeps every example in play and bounds the importance weights by 1 / mix;
    the cap keeps a few huge losses (mislabeled examples, outliers) from
    taking over the sampling: each counts at most as much as the loss at the
    `cap` quantile.

    With `importance=True` each example also carries the sample weight
    `w_i = 1 / (N p_i)`, which has mean 1 under p (sum_i p_i w_i = 1), so the
    weighted mini-batch loss is an unbiased estimate of the mean training loss
    and its gradient of the full gradient (Katharopoulos & Fleuret, 2018).
    Without it (the default), training leans on the hard examples on purpose
    (Loshchilov & Hutter, 2015), which is what speeds it up, and is biased.

    The probabilities live in a `tf.Variable` that `dataset` reads when an
    epoch starts (Keras creates a new iterator each epoch, after the previous
    epoch's `on_epoch_end`); sampling is a cumulative sum and a binary search
    inside `tf.data`, with no Python per step. Draws are seeded: epoch e uses the
    stateless key (seed, e), counted per sampler. Do not pass `steps_per_epoch`
    to `fit` (it keeps one iterator across epochs).

    Args:
        x: inputs, an array with a leading example axis.
        y: labels (or targets), same length as `x`.
        batch_size: examples per batch, an integer in [1, N].
        mix: weight of the uniform distribution, in [0, 1]; 1 is uniform
            sampling with replacement. Defaults to 0.5.
        cap: the quantile of the losses at which each loss is capped, in
            (0, 1], or None for no cap. Defaults to 0.95.
        importance: yield `(x, y, w)` with importance weights w_i = 1/(N p_i)
            (needs mix > 0). Defaults to False.
        seed: seed of the draws. Defaults to 0.

    Example:

    ```python
    sampler = data.HardExampleSampler(ds.x_train, ds.y_train, batch_size=64, cap=0.95)
    mining = callbacks.HardExampleMining(sampler, every=1)
    model.fit(sampler.dataset, epochs=20, callbacks=[mining], shuffle=False)
    ```

    References:
        Loshchilov & Hutter, "Online Batch Selection for Faster Training of
        Neural Networks", ICLR workshop 2016 (arXiv 2015).
        Katharopoulos & Fleuret, "Not All Samples Are Created Equal: Deep
        Learning with Importance Sampling", ICML 2018.
    """

    _parameter_constraints = {"y": Satisfies(checks.nonnegative_labels, "class labels >= 0",
                                             bad=[[-3, 0, 1, 2], [0.5, 1, 0, 1], [[0, 1]]]),
                              "mix": _MIX, "cap": _CAP,  # batch_size: in [1, n] below
                              "importance": Boolean(), "seed": Seed()}

    def __init__(self, x, y, *, batch_size, mix=0.5, cap=0.95, importance=False, seed=0):
        x, y = np.asarray(x), np.asarray(y)
        for arg, array in (("x", x), ("y", y)):
            if array.ndim == 0:
                raise ValueError(f"`{arg}` must be an array with a leading example axis. "
                                 f"Received: {arg}={array!r}")
        if len(x) != len(y):
            raise ValueError("`x` and `y` must have the same length. "
                             f"Received: len(x)={len(x)}, len(y)={len(y)}")
        if len(x) == 0:
            raise ValueError("`x` must hold at least one example. Received: an empty array")
        self.x, self.y = x, y
        n = len(x)
        self.batch_size = check_number("batch_size", batch_size, low=1, high=n, integer=True)
        self.mix, self.cap, self.importance = mix, cap, importance
        if self.importance and self.mix == 0:
            raise ValueError("`mix` must be > 0 when importance=True (the weights 1 / (N p) "
                             "are unbounded otherwise). Received: mix=0")
        self.seed = seed
        self.probabilities = np.full(n, 1.0 / n)
        self._variable = None
        self._dataset = None
        self._tensors = None
        self._scoring = {}

    def __repr__(self):
        return (f"HardExampleSampler(N={len(self.x)}, batch_size={self.batch_size}, "
                f"mix={self.mix}, cap={self.cap}, importance={self.importance}, "
                f"seed={self.seed})")

    @property
    def num_examples(self):
        return len(self.x)

    @property
    def weights(self):
        """The importance weights 1 / (N p_i) for the current probabilities."""
        return 1.0 / (self.num_examples * self.probabilities)

    def update(self, losses):
        """Set the probabilities from the N per-example `losses` (the next epoch uses them)."""
        losses = np.asarray(losses, dtype="float64").reshape(-1)
        if len(losses) != self.num_examples:
            raise ValueError(f"`losses` must hold one loss per example ({self.num_examples}). "
                             f"Received: losses of shape {losses.shape}")
        self._set(hard_example_probabilities(losses, mix=self.mix, cap=self.cap))
        return self.probabilities

    def reset(self):
        """Back to uniform probabilities (a new training run starts here)."""
        self._set(np.full(self.num_examples, 1.0 / self.num_examples))

    def get_state(self):
        """The sampler's state for `callbacks.ExactCheckpoint`: the probabilities."""
        return {"probabilities": np.array(self.probabilities)}

    def set_state(self, state):
        """Restore what `get_state` returned."""
        self._set(np.asarray(state["probabilities"], dtype="float64"))

    def _set(self, probabilities):
        self.probabilities = probabilities
        if self._variable is not None:
            self._variable.assign(probabilities)

    @property
    def dataset(self):
        """The `tf.data.Dataset` of `(x, y)` batches, `(x, y, w)` with importance weights."""
        if self._dataset is None:
            self._dataset = self._build()
        return self._dataset

    def scoring_dataset(self, batch_size=1024):
        """The inputs `x` in their order, in batches, for a re-scoring pass (`model.predict`).

        About 6x faster to predict on than the NumPy array itself (Keras
        re-wraps an array in a new `tf.data` pipeline on every `predict`).
        """
        batch_size = check_number("batch_size", batch_size, low=1, integer=True)
        if batch_size not in self._scoring:
            xs, _ = self._constants()
            self._scoring[batch_size] = tf.data.Dataset.range(self.num_examples).batch(
                batch_size).map(lambda i: tf.gather(xs, i)).prefetch(tf.data.AUTOTUNE)
        return self._scoring[batch_size]

    def _constants(self):
        if self._tensors is None:
            with tf.device("/cpu:0"):  # the data stay in host memory, where tf.data runs
                self._tensors = (tf.constant(self.x), tf.constant(self.y))
        return self._tensors

    def _build(self):
        n, seed, importance = self.num_examples, self.seed, self.importance
        xs, ys = self._constants()
        with tf.device("/cpu:0"):
            self._variable = tf.Variable(self.probabilities, dtype=tf.float64, trainable=False)
            epoch = tf.Variable(-1, dtype=tf.int64, trainable=False)
        p = self._variable

        def epoch_draw(_):
            key = tf.stack([tf.constant(seed, tf.int64), epoch.assign_add(1)])
            probs = tf.identity(p)  # one snapshot for the whole epoch
            cdf = tf.cumsum(probs)
            u = tf.random.stateless_uniform([n], key, dtype=tf.float64) * cdf[-1]
            idx = tf.minimum(tf.searchsorted(cdf, u, side="right", out_type=tf.int64), n - 1)
            w = tf.cast(1.0 / (n * tf.gather(probs, idx)), tf.float32)
            return idx, w

        draws = tf.data.Dataset.range(1).map(epoch_draw).unbatch().batch(self.batch_size)

        def gather(idx, w):
            batch = (tf.gather(xs, idx), tf.gather(ys, idx))
            return (*batch, w) if importance else batch

        dataset = draws.map(gather, num_parallel_calls=tf.data.AUTOTUNE,
                            deterministic=True).prefetch(tf.data.AUTOTUNE)
        dataset.deeper_epoch_counters = (epoch,)  # set by callbacks.ExactCheckpoint
        return dataset


declare(HardExampleSampler._parameter_constraints, example=lambda: {
    "x": np.zeros((6, 2), "float32"), "y": np.arange(6) % 2, "batch_size": 2})(HardExampleSampler)
