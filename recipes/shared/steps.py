"""A compiled plain gradient-descent loop on one batch, shared by the SGD-vs-GD recipes."""

from __future__ import annotations

import keras
import tensorflow as tf


def gradient_steps(model, learning_rate, loss=None):
    """A compiled `train(x, y, iterations)` taking `iterations` SGD steps on the batch `(x, y)`.

    Each step is `w <- w - learning_rate * grad L(w; x, y)` with Keras's `SGD`
    (no momentum) and `loss` (default: sparse categorical cross-entropy on
    logits), the mean over the batch. Returns the loss before the last step.
    """
    optimizer = keras.optimizers.SGD(learning_rate)
    optimizer.build(model.trainable_variables)
    loss_fn = loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function(reduce_retracing=True)
    def train(x, y, iterations):
        value = tf.constant(0.0)
        for _ in tf.range(iterations):
            with tf.GradientTape() as tape:
                value = loss_fn(y, model(x, training=True))
            grads = tape.gradient(value, model.trainable_variables)
            optimizer.apply(grads, model.trainable_variables)
        return value

    return train


def gradient(model, x, y, loss=None):
    """The gradient of the mean loss on `(x, y)`, as a list of NumPy arrays."""
    loss_fn = loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        value = loss_fn(y, model(x, training=True))
    return [g.numpy() for g in tape.gradient(value, model.trainable_variables)]
