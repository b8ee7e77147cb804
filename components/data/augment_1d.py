"""`augment_1d`: seeded random shift and scale of 1-D signals (MNIST-1D) inside `tf.data`."""

from __future__ import annotations

from deeper.components.constraints import Integer, Real, Seed, declare
from deeper.components.data import augmentation_ops as ops
from deeper.components.data.lazy_tensorflow import tf


@declare({"max_shift": Integer(low=0), "scale": Real(0, 1, high_open=True), "seed": Seed()},
         example=lambda: {"dataset": tf.data.Dataset.from_tensor_slices(
             (tf.zeros((4, 10)), tf.zeros(4, "int64"))).batch(2)})
def augment_1d(dataset, *, max_shift=3, scale=0.1, seed=0):
    """Augments a batched dataset of 1-D signals: random shift and amplitude scale.

    For each signal `x` of length `L` (shape `(L,)` or `(L, channels)`), with
    its own random draws: shift it by `s` samples, `s` uniform in
    `{-max_shift, ..., max_shift}`, filling with zeros (zero-pad `max_shift`
    on both ends and crop back to `L`), then multiply it by
    `a ~ U(1 - scale, 1 + scale)`:

        x'[t] = a * x[t - s]    (0 where t - s is outside [0, L))

    MNIST-1D's own generator places each digit template at a random offset
    and scale, so both transforms keep the class (Greydanus & Kobak 2024).
    Draws are keyed on `(seed, epoch, batch index)` with stateless ops: the
    same seed gives the same stream whatever the parallelism, each epoch new
    draws. The work runs in `Dataset.map(num_parallel_calls=AUTOTUNE,
    deterministic=True)`; labels (and sample weights) pass through unchanged.

    Args:
        dataset: a batched `tf.data.Dataset` of `(signals, labels)` (or with
            sample weights) with signals of shape `(batch, length)` or
            `(batch, length, channels)`, e.g. `data.pipeline(...)`.
        max_shift: largest shift in samples, an integer >= 0. Defaults to 3.
        scale: amplitude spread, in [0, 1); 0 disables it. Defaults to 0.1.
        seed: seed of every draw. Defaults to 0.

    Returns:
        A `tf.data.Dataset` with the same element structure, prefetched.

    Example:

    ```python
    ds = data.load("mnist1d")
    train = data.augment_1d(data.pipeline(ds.x_train, ds.y_train, batch_size=64), seed=0)
    ```

    Reference:
        Greydanus & Kobak, "Scaling down deep learning with MNIST-1D", ICML 2024.
    """
    x_spec = ops.check_dataset(
        dataset, (2, 3), "signal batches of shape (batch, length) or (batch, length, channels): "
        "use data.augment for images")
    max_shift = max_shift
    scale = scale
    seed = seed
    dtype = x_spec.dtype if x_spec.dtype.is_floating else tf.float32

    def transform(key, element):
        x, rest = tf.cast(element[0], dtype), element[1:]
        shift_key, scale_key = ops.subkeys(key, 2)
        if max_shift:
            x = ops.shift_crop(x, shift_key, max_shift, axes=(1,))
        if scale:
            gains = ops.uniform(scale_key, (tf.shape(x)[0],) + (1,) * (x_spec.shape.rank - 1),
                                1 - scale, 1 + scale)
            x = x * tf.cast(gains, dtype)
        return (tf.ensure_shape(x, x_spec.shape), *rest)

    keyed = ops.keyed_batches(dataset, seed)
    return ops.with_counters(keyed.map(
        transform, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    ).prefetch(tf.data.AUTOTUNE), keyed)
