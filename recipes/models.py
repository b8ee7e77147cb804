"""Model builders for the recipes: an MLP and a CNN assembled from Keras layers
and `deeper` components, with the course's good practice as defaults.

Both builders return a functional `keras.Model` whose first layer standardizes
the input with statistics fitted on the training split only, whose hidden
layers follow the given dtype policy (for mixed precision), and whose output
layer and softmax stay in float32 so the loss is computed in float32.
"""

from __future__ import annotations

import keras

from deeper.components import data, initializers, layers, regularizers

RELU_FAMILY = ("relu", "leaky_relu", "elu", "gelu", "silu", "swish", "relu6")


def default_init(activation) -> str:
    """The course's initialization for an activation: He for the ReLU family,
    LeCun normal for SELU (its self-normalizing fixed point needs variance
    1 / fan_in), Glorot otherwise."""
    if activation == "selu":
        return "lecun_normal"
    return "he_normal" if activation in RELU_FAMILY else "glorot_uniform"


def activation_layer(activation, dtype):
    """A layer applying `activation`, given by a `deeper` or Keras name."""
    obj = layers.get(activation) if isinstance(activation, str) else activation
    if isinstance(obj, keras.layers.Layer):
        return obj
    return keras.layers.Activation(obj, dtype=dtype)


def _block(h, make_linear, *, activation, batch_norm, dropout, dtype, seed):
    h = make_linear()(h)
    if batch_norm:
        h = keras.layers.BatchNormalization(dtype=dtype)(h)
    h = activation_layer(activation, dtype)(h)
    if dropout:
        h = keras.layers.Dropout(dropout, seed=seed, dtype=dtype)(h)
    return h


def kernel_regularizer(l2, l1=0.0):
    """The weight penalty `l1 * sum(|w|) + l2 * sum(w ** 2)` (Keras's conventions),
    or `None` when both amounts are 0."""
    if l1 and l2:
        return regularizers.get("L1L2", l1=l1, l2=l2)
    if l1:
        return regularizers.get("l1", l1=l1)
    return regularizers.get("l2", l2=l2) if l2 else None


def inputs_and_preprocessing(x_train, standardize):
    """An `Input` for `x_train`'s shape and, unless `standardize` is None, a
    Keras `Normalization` adapted on `x_train` applied to it."""
    inputs = keras.Input(shape=x_train.shape[1:], name="inputs")
    if standardize is None:
        return inputs, inputs
    norm = data.standardization(standardize, input_shape=x_train.shape[1:], data=x_train)
    return inputs, norm(inputs)


def _head(h, num_classes, *, init, l2, l1=0.0):
    logits = keras.layers.Dense(
        num_classes,
        kernel_initializer=initializers.get(init),
        kernel_regularizer=kernel_regularizer(l2, l1),
        dtype="float32",
        name="logits",
    )(h)
    return keras.layers.Activation("softmax", dtype="float32", name="probabilities")(logits)


def build_mlp(
    x_train,
    num_classes,
    *,
    width=512,
    depth=2,
    activation="relu",
    init=None,
    l2=1e-4,
    l1=0.0,
    dropout=0.2,
    batch_norm=True,
    standardize="feature",
    dtype=None,
    seed=0,
):
    """A multilayer perceptron: [Dense -> BatchNorm -> activation -> Dropout] x depth -> softmax."""
    init = init or default_init(activation)
    inputs, h = inputs_and_preprocessing(x_train, standardize)
    if len(x_train.shape) > 2:
        h = keras.layers.Flatten()(h)
    for i in range(depth):
        h = _block(
            h,
            lambda: keras.layers.Dense(
                width,
                use_bias=not batch_norm,
                kernel_initializer=initializers.get(init),
                kernel_regularizer=kernel_regularizer(l2, l1),
                dtype=dtype,
            ),
            activation=activation,
            batch_norm=batch_norm,
            dropout=dropout,
            dtype=dtype,
            seed=seed + i,
        )
    return keras.Model(inputs, _head(h, num_classes, init=init, l2=l2, l1=l1), name="mlp")


def build_cnn(
    x_train,
    num_classes,
    *,
    width=32,
    depth=4,
    activation="relu",
    init=None,
    l2=1e-4,
    l1=0.0,
    dropout=0.2,
    batch_norm=True,
    standardize="feature",
    dtype=None,
    seed=0,
):
    """A convolutional network for 1-D signals or images.

    `depth` convolution blocks [Conv -> BatchNorm -> activation]; every second
    block has stride 2 and doubles the channels, starting from `width`; then
    flatten (1-D signals, which are short) or global average pooling
    (images), dropout and a softmax layer. A 2-D input `(n, length)` is read as
    a one-channel signal; `(n, length, channels)` as a multi-channel signal;
    `(n, height, width, channels)` as images.
    """
    init = init or default_init(activation)
    inputs, h = inputs_and_preprocessing(x_train, standardize)
    rank = len(x_train.shape) - 1
    if rank == 1:
        h = keras.layers.Reshape((x_train.shape[1], 1))(h)
        rank = 2
    conv = keras.layers.Conv1D if rank == 2 else keras.layers.Conv2D
    filters = width
    for i in range(depth):
        strides = 2 if i % 2 == 1 else 1
        h = _block(
            h,
            lambda f=filters, s=strides, k=(5 if i == 0 and rank == 2 else 3): conv(
                f,
                k,
                strides=s,
                padding="same",
                use_bias=not batch_norm,
                kernel_initializer=initializers.get(init),
                kernel_regularizer=kernel_regularizer(l2, l1),
                dtype=dtype,
            ),
            activation=activation,
            batch_norm=batch_norm,
            dropout=0.0,
            dtype=dtype,
            seed=seed + i,
        )
        if i % 2 == 1:
            filters *= 2
    if rank == 2:
        h = keras.layers.Flatten(dtype=dtype)(h)
    else:
        h = keras.layers.GlobalAveragePooling2D(dtype=dtype)(h)
    if dropout:
        h = keras.layers.Dropout(dropout, seed=seed + depth, dtype=dtype)(h)
    return keras.Model(inputs, _head(h, num_classes, init=init, l2=l2, l1=l1), name="cnn")


BUILDERS = {"mlp": build_mlp, "cnn": build_cnn}
