"""`augment`: seeded, label-preserving image augmentation inside `tf.data`."""

from __future__ import annotations

import numbers

import keras
import numpy as np

from deeper.components.constraints import Integer, Options, Real, Seed, declare
from deeper.components.data import augmentation_ops as ops
from deeper.components.data.lazy_tensorflow import tf

FLIPS = ("horizontal", "vertical", "horizontal_and_vertical")


def _value_range(value_range):
    if value_range is None:
        return None
    if (not isinstance(value_range, (tuple, list)) or len(value_range) != 2
            or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) and np.isfinite(v)
                       for v in value_range)
            or value_range[0] >= value_range[1]):
        raise ValueError("`value_range` must be None or a pair (low, high) of finite numbers "
                         f"with low < high. Received: value_range={value_range!r}")
    return float(value_range[0]), float(value_range[1])


def _images():
    return {"dataset": tf.data.Dataset.from_tensor_slices(
        (np.zeros((4, 8, 8, 3), "float32"), np.zeros(4, "int64"))).batch(2)}


@declare({"flip": Options(*FLIPS, allow_none=True), "crop_padding": Integer(low=0),
          "contrast": Real(0, 1, high_open=True), "tint": Real(0, 1, high_open=True),
          "seed": Seed()}, example=_images)
def augment(dataset, *, flip="horizontal", crop_padding=4, contrast=0.2, tint=0.1,
            value_range=None, seed=0):
    """Augments a batched image dataset: flip, random crop, contrast and tint.

    For each image `x` of shape `(height, width, channels)`, with its own
    random draws, in this order:

    * flip: mirror with probability 1/2 (`flip="horizontal"` mirrors the width
      axis, left-right; Keras's `RandomFlip` defaults to both axes, which turns
      a "6" into a "9");
    * crop: zero-pad `crop_padding` pixels on every side and crop back to
      `(height, width)` at an offset drawn uniformly in
      `{0, ..., 2 * crop_padding}` per axis and per example (Keras's
      `RandomCrop` crops the whole batch at one location);
    * contrast: `x <- (x - m) * f + m`, `m` the per-channel mean of the image,
      `f ~ U(1 - contrast, 1 + contrast)` (Keras's `RandomContrast(c)` draws
      only from `[1, 1 + c]`);
    * tint, a colour cast: `x[..., k] <- x[..., k] * g_k` with one gain
      `g_k ~ U(1 - tint, 1 + tint)` per channel;

    then clip to `value_range` when given. Flip and contrast are computed by
    Keras's `RandomFlip` and `RandomContrast` layers (`transform_images`), fed
    transformations drawn here with stateless ops: each batch's draws are
    keyed on `(seed, epoch, batch index)`, so the stream is the same for the
    same seed whatever the parallelism, and new each epoch. The work runs in
    `Dataset.map(num_parallel_calls=AUTOTUNE, deterministic=True)`; labels
    (and sample weights) pass through unchanged.

    Args:
        dataset: a batched `tf.data.Dataset` of `(images, labels)` (or
            `(images, labels, sample_weights)`) with images of shape
            `(batch, height, width, channels)` (channels last, whatever
            `keras.config.image_data_format()` says), e.g. `data.pipeline(...)`.
        flip: `"horizontal"`, `"vertical"`, `"horizontal_and_vertical"` or
            `None` (no flip). Defaults to `"horizontal"`.
        crop_padding: pixels of zero padding for the random crop, an integer
            >= 0; 0 disables it. Defaults to 4 (the CIFAR-10 convention).
        contrast: contrast factor spread, in [0, 1); 0 disables it.
            Defaults to 0.2.
        tint: per-channel gain spread, in [0, 1); 0 disables it. Defaults to 0.1.
        value_range: `(low, high)` to clip the output to, or `None`.
            Defaults to `None`.
        seed: seed of every draw. Defaults to 0.

    Returns:
        A `tf.data.Dataset` with the same element structure, prefetched.

    Example:

    ```python
    train = data.pipeline(x_train, y_train, batch_size=128, seed=0)
    model.fit(data.augment(train, crop_padding=4, seed=0), epochs=30)
    ```

    Reference:
        Krizhevsky, Sutskever & Hinton, "ImageNet classification with deep
        convolutional neural networks", NeurIPS 2012 (crops, flips, colour).
    """
    x_spec = ops.check_dataset(
        dataset, (4,), "image batches of shape (batch, height, width, channels): use "
        "data.augment_1d for signals such as MNIST-1D")
    flip = flip
    crop_padding = crop_padding
    contrast = contrast
    tint = tint
    value_range = _value_range(value_range)
    seed = seed
    dtype = x_spec.dtype if x_spec.dtype.is_floating else tf.float32
    flipper = keras.layers.RandomFlip(flip, data_format="channels_last",
                                      dtype=dtype.name) if flip else None
    big = float(np.finfo("float32").max)
    contraster = keras.layers.RandomContrast(contrast or 0.5, value_range=(-big, big),
                                             data_format="channels_last", dtype=dtype.name)
    for layer in (flipper, contraster):  # their math runs on tf.data's tensors, whatever
        if layer is not None:  # Keras's backend (what their __call__ does inside tf.data)
            layer.backend.set_backend("tensorflow")

    def transform(key, element):
        x, rest = tf.cast(element[0], dtype), element[1:]
        flip_key, crop_key, contrast_key, tint_key = ops.subkeys(key, 4)
        batch = tf.shape(x)[0]
        if flipper is not None:
            flips = ops.uniform(flip_key, (batch, 1, 1, 1), 0.0, 1.0) < 0.5
            x = flipper.transform_images(x, {"flips": flips, "input_shape": tf.shape(x)})
        if crop_padding:
            x = ops.shift_crop(x, crop_key, crop_padding, axes=(1, 2))
        if contrast:
            factor = tf.cast(ops.uniform(contrast_key, (batch, 1, 1, 1), 1 - contrast,
                                         1 + contrast), dtype)
            x = contraster.transform_images(x, {"contrast_factor": factor})
        if tint:
            gains = ops.uniform(tint_key, (batch, 1, 1, tf.shape(x)[-1]), 1 - tint, 1 + tint)
            x = x * tf.cast(gains, dtype)
        if value_range is not None:
            x = tf.clip_by_value(x, *value_range)
        return (tf.ensure_shape(x, x_spec.shape), *rest)

    keyed = ops.keyed_batches(dataset, seed)
    return ops.with_counters(keyed.map(
        transform, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    ).prefetch(tf.data.AUTOTUNE), keyed)
