"""`augment` and `augment_1d`: seeded, per-example, label-preserving; Keras's quirks checked."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from deeper.components import data

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0.0, 1.0, (24, 8, 10, 3)).astype("float32")
LABELS = np.arange(24)
ONLY = {"flip": None, "crop_padding": 0, "contrast": 0.0, "tint": 0.0}


def _batches(x=IMAGES, y=LABELS, batch_size=8, seed=0):
    return data.pipeline(x, y, batch_size=batch_size, seed=seed)


def _epoch(dataset):
    xs, ys = zip(*((x.numpy(), y.numpy()) for x, y in dataset))
    return np.concatenate(xs), np.concatenate(ys)


def test_same_seed_same_stream_new_draws_each_epoch():
    first = data.augment(_batches(), seed=3)
    again = data.augment(_batches(), seed=3)
    other = data.augment(_batches(), seed=4)
    a1, a2 = _epoch(first), _epoch(first)
    b1, b2 = _epoch(again), _epoch(again)
    np.testing.assert_array_equal(a1[0], b1[0])
    np.testing.assert_array_equal(a2[0], b2[0])
    assert not np.allclose(a1[0], a2[0])  # epoch 2 draws anew
    assert not np.allclose(a1[0], _epoch(other)[0])


def test_labels_pass_through_with_their_images():
    # Image i is constant at 1.5 ** i: after flip, crop and a tint of
    # at most 10%, its brightest pixel still names it.
    levels = np.broadcast_to((1.5 ** LABELS)[:, None, None, None], IMAGES.shape)
    plain_y = _epoch(_batches(x=levels, seed=5))[1]
    x, y = _epoch(data.augment(_batches(x=levels, seed=5), contrast=0.0, tint=0.1,
                                 seed=0))
    np.testing.assert_array_equal(y, plain_y)
    ratio = x.max(axis=(1, 2, 3)) / 1.5 ** y
    assert ratio.min() >= 0.9 and ratio.max() <= 1.1


def test_labels_and_sample_weights_unchanged_with_weights():
    weights = RNG.uniform(size=24).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices((IMAGES, LABELS, weights)).batch(8)
    out = list(data.augment(ds, seed=0))
    np.testing.assert_array_equal(np.concatenate([o[1] for o in out]), LABELS)
    np.testing.assert_array_equal(np.concatenate([o[2] for o in out]), weights)


def _offsets(out, source, pad):
    """The (row, column) offset of each output window inside the zero-padded source."""
    padded = np.pad(source, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    h, w = source.shape[1:3]
    found = []
    for i, image in enumerate(out):
        hits = [(r, c) for r in range(2 * pad + 1) for c in range(2 * pad + 1)
                if np.array_equal(padded[i, r:r + h, c:c + w], image)]
        assert len(hits) == 1, f"example {i} is no pad-and-crop window of its source"
        found.append(hits[0])
    return found


def test_crop_location_differs_per_example():
    same = np.repeat(IMAGES[:1] + 0.5, 24, axis=0)  # every example the same image
    ds = tf.data.Dataset.from_tensor_slices((same, LABELS)).batch(24)
    out = next(iter(data.augment(ds, **{**ONLY, "crop_padding": 2}, seed=0)))[0].numpy()
    offsets = _offsets(out, same, pad=2)
    assert len(set(offsets)) >= 8  # 25 possible locations, 24 draws
    assert len({r for r, _ in offsets}) >= 3 and len({c for _, c in offsets}) >= 3


def test_keras_random_crop_uses_one_location_per_batch():
    # Why `augment` crops on its own: keras.layers.RandomCrop (Keras 3.15)
    # draws one offset for the whole batch. If this fails, Keras changed.
    same = np.repeat(IMAGES[:1], 16, axis=0)
    out = keras.ops.convert_to_numpy(keras.layers.RandomCrop(4, 4, seed=1)(same, training=True))
    assert all(np.array_equal(out[0], o) for o in out)


def test_flip_mirrors_the_width_axis_only_by_default():
    ds = tf.data.Dataset.from_tensor_slices((IMAGES, LABELS)).batch(24)
    out = next(iter(data.augment(ds, **{**ONLY, "flip": "horizontal"}, seed=0)))[0].numpy()
    kept = [np.array_equal(o, x) for o, x in zip(out, IMAGES)]
    mirrored = [np.array_equal(o, x[:, ::-1]) for o, x in zip(out, IMAGES)]
    assert all(k or m for k, m in zip(kept, mirrored))
    assert 4 <= sum(mirrored) <= 20
    vertical = next(iter(data.augment(ds, **{**ONLY, "flip": "vertical"}, seed=0)))[0].numpy()
    assert all(np.array_equal(o, x) or np.array_equal(o, x[::-1]) for o, x in
               zip(vertical, IMAGES))
    # Keras's own default flips both axes, which is why `augment` passes the mode.
    assert keras.layers.RandomFlip().mode == "horizontal_and_vertical"


def test_contrast_and_tint_follow_their_formulas():
    ds = tf.data.Dataset.from_tensor_slices((IMAGES.astype("float64"), LABELS)).batch(24)
    out = next(iter(data.augment(ds, **{**ONLY, "contrast": 0.4}, seed=0)))[0].numpy()
    mean = IMAGES.astype("float64").mean(axis=(1, 2), keepdims=True)
    factor = ((out - mean) / (IMAGES - mean)).reshape(24, -1)
    np.testing.assert_allclose(factor, factor[:, :1] * np.ones_like(factor), rtol=1e-6)
    f = factor[:, 0]
    assert f.min() >= 0.6 and f.max() <= 1.4 and f.min() < 1 < f.max()
    out = next(iter(data.augment(ds, **{**ONLY, "tint": 0.3}, seed=0)))[0].numpy()
    gains = (out / IMAGES).reshape(24, -1, 3)
    np.testing.assert_allclose(gains, gains[:, :1] * np.ones_like(gains), rtol=1e-6)
    g = gains[:, 0]
    assert g.min() >= 0.7 and g.max() <= 1.3 and (g.std(axis=1) > 0).all()


def test_keras_random_contrast_only_raises_contrast():
    # Keras 3.15 reads RandomContrast(0.5) as factor (0, 0.5): f ~ U(1, 1.5), never < 1.
    layer = keras.layers.RandomContrast(0.5, seed=0)
    f = keras.ops.convert_to_numpy(layer.get_random_transformation(IMAGES)["contrast_factor"])
    assert f.min() >= 1.0


def test_value_range_clips_and_integer_images_become_float():
    ints = (IMAGES * 255).astype("uint8")
    ds = tf.data.Dataset.from_tensor_slices((ints, LABELS)).batch(8)
    out = _epoch(data.augment(ds, contrast=0.9, tint=0.5, value_range=(0, 255), seed=0))[0]
    assert out.dtype == np.float32 and out.min() >= 0 and out.max() <= 255


def test_bad_input_is_one_sentence():
    signals = tf.data.Dataset.from_tensor_slices((np.zeros((4, 40), "float32"), LABELS[:4]))
    with pytest.raises(ValueError, match=r"image batches .* Received: x of shape \(None, 40\)"):
        data.augment(signals.batch(2))
    with pytest.raises(ValueError, match="image batches"):
        data.augment(tf.data.Dataset.from_tensor_slices((IMAGES, LABELS)))  # unbatched
    with pytest.raises(TypeError, match="`dataset` must be a batched tf.data.Dataset"):
        data.augment(IMAGES)
    with pytest.raises(ValueError, match=r"\(x, y\)"):
        data.augment(tf.data.Dataset.from_tensor_slices(IMAGES).batch(2))
    for kwargs, name in (({"flip": "diagonal"}, "flip"), ({"crop_padding": -1}, "crop_padding"),
                         ({"contrast": 1.0}, "contrast"), ({"tint": -0.1}, "tint"),
                         ({"value_range": (1, 0)}, "value_range"), ({"seed": -1}, "seed")):
        with pytest.raises((ValueError, TypeError), match=f"`{name}` must"):
            data.augment(_batches(), **kwargs)
    with pytest.raises(ValueError, match="signal batches"):
        data.augment_1d(_batches())


def test_augment_1d_shift_and_scale_per_example():
    signals = RNG.normal(size=(32, 40)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices((signals, np.arange(32)))
    out, y = _epoch(data.augment_1d(ds.batch(16), max_shift=3, scale=0.0, seed=0))
    np.testing.assert_array_equal(y, np.arange(32))
    padded = np.pad(signals, ((0, 0), (3, 3)))
    shifts = []
    for o, p in zip(out, padded):
        hits = [s for s in range(7) if np.array_equal(p[s:s + 40], o)]
        assert len(hits) == 1
        shifts.append(hits[0] - 3)
    assert len(set(shifts)) >= 4
    scaled, _ = _epoch(data.augment_1d(ds.batch(16), max_shift=0, scale=0.2, seed=0))
    gain = scaled / signals
    np.testing.assert_allclose(gain, gain[:, :1] * np.ones_like(gain), rtol=1e-5)
    assert 0.8 <= gain.min() and gain.max() <= 1.2 and gain[:, 0].std() > 0.01


def test_augment_1d_deterministic_and_channels():
    signals = RNG.normal(size=(16, 40, 2)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices((signals, np.arange(16))).batch(8)
    a = _epoch(data.augment_1d(ds, seed=7))[0]
    b = _epoch(data.augment_1d(ds, seed=7))[0]
    np.testing.assert_array_equal(a, b)
    assert a.shape == signals.shape


def test_trains_with_fit():
    ds = data.load("mnist1d", seed=0)
    train = data.augment_1d(data.pipeline(ds.x_train[:512], ds.y_train[:512], batch_size=64))
    model = keras.Sequential([keras.Input((40,)), keras.layers.Dense(ds.num_classes,
                                                                     activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert int(train.cardinality()) == 8  # known, so Keras sizes the epoch (and progress bar)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Your input ran out of data"
        history = model.fit(train, epochs=2, verbose=0, shuffle=False)
    assert np.isfinite(history.history["loss"]).all()


def test_channels_last_whatever_the_keras_image_data_format():
    old = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_first")
    try:
        ds = tf.data.Dataset.from_tensor_slices((IMAGES, LABELS)).batch(24)
        out = next(iter(data.augment(ds, **{**ONLY, "flip": "horizontal", "contrast": 0.3},
                                     seed=0)))[0].numpy()
    finally:
        keras.config.set_image_data_format(old)
    mean = IMAGES.mean(axis=(1, 2), keepdims=True)
    for o, x, m in zip(out, IMAGES, mean):
        fits = []
        for c in (x, x[:, ::-1]):  # kept or mirrored along the width axis
            f = np.sum((o - m) * (c - m)) / np.sum((c - m) ** 2)  # least-squares factor
            fits.append(np.allclose(o, (c - m) * f + m, atol=1e-5))
        assert any(fits)


def test_a_cnn_learns_digits_through_augmentation():
    # Labels stay with their images: a CNN trained only on augmented digits
    # classifies the plain validation images well.
    ds = data.load("digits", seed=0)
    x_train, x_val = ds.x_train.reshape(-1, 8, 8, 1), ds.x_val.reshape(-1, 8, 8, 1)
    train = data.augment(data.pipeline(x_train, ds.y_train, batch_size=32, seed=0), flip=None,
                         crop_padding=1, contrast=0.2, tint=0.1, value_range=(0, 16), seed=0)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((8, 8, 1)), keras.layers.Rescaling(1 / 16),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(train, epochs=8, verbose=0, shuffle=False)
    accuracy = model.evaluate(x_val, ds.y_val, verbose=0, return_dict=True)["accuracy"]
    assert accuracy > 0.85
