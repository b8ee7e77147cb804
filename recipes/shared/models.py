"""Model builders for the recipes: an MLP and a CNN assembled from Keras layers
and `deeper` components, with the course's good practice as defaults.

Both builders return a functional `keras.Model` whose first layer standardizes
the input with statistics fitted on the training split only, whose hidden
layers (activations included) follow the given dtype policy (for mixed
precision), and whose output layer and softmax stay in float32 so the loss is
computed in float32. Their options are `deeper.recipes.options.declared.MODEL`.
"""

from __future__ import annotations

import types

import keras

from deeper.components import data, initializers, layers, regularizers
from deeper.recipes import options as options_
from deeper.recipes.options import declared

RELU_FAMILY = ("relu", "leaky_relu", "elu", "gelu", "silu", "swish", "relu6")
BUILD_OPTIONS = {name: o for name, o in declared.MODEL.items() if name != "model"}


def default_init(activation) -> str:
    """The course's initialization for an activation: He for the ReLU family,
    LeCun normal for SELU (its self-normalizing fixed point needs variance
    1 / fan_in), Glorot otherwise."""
    if activation == "selu":
        return "lecun_normal"
    return "he_normal" if activation in RELU_FAMILY else "glorot_uniform"


def activation_layer(activation, dtype):
    """A layer applying `activation` (a `deeper` or Keras name, a callable or a
    layer) that follows the dtype policy `dtype` (`None`: the global policy)."""
    obj = layers.get(activation) if isinstance(activation, str) else activation
    if isinstance(obj, keras.layers.Layer):
        if dtype is None or isinstance(activation, keras.layers.Layer):
            return obj
        return type(obj).from_config({**obj.get_config(), "dtype": dtype})
    return keras.layers.Activation(obj, dtype=dtype)


def resolve(model, options, *, dtype=None, seed=0):
    """The builder's settings: `options` validated against the declared model
    options, with the architecture's defaults for width, depth and init."""
    values = options_.validate(BUILD_OPTIONS, options, recipe=f"build_{model}")
    for name in ("width", "depth"):
        if values[name] is None:
            values[name] = declared.architecture(model, name)[0]
    values["init"] = values["init"] or default_init(values["activation"])
    seed = options_.validation.check_seed("seed", seed)
    return types.SimpleNamespace(**values, dtype=dtype, seed=seed)


def _block(h, linear, o, seed, dropout):
    h = linear(h)
    if o.batch_norm:
        h = keras.layers.BatchNormalization(dtype=o.dtype)(h)
    h = activation_layer(o.activation, o.dtype)(h)
    if dropout:
        h = keras.layers.Dropout(dropout, seed=seed, dtype=o.dtype)(h)
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


def _linear_options(o):
    return {"use_bias": not o.batch_norm, "kernel_initializer": initializers.get(o.init),
            "kernel_regularizer": kernel_regularizer(o.l2, o.l1), "dtype": o.dtype}


def _head(h, num_classes, o):
    logits = keras.layers.Dense(
        num_classes, kernel_initializer=initializers.get(o.init),
        kernel_regularizer=kernel_regularizer(o.l2, o.l1), dtype="float32", name="logits")(h)
    return keras.layers.Activation("softmax", dtype="float32", name="probabilities")(logits)


def build_mlp(x_train, num_classes, *, dtype=None, seed=0, **options):
    """A multilayer perceptron: [Dense -> BatchNorm -> activation -> Dropout] x depth -> softmax.

    `options` are the declared model options (`width` 512, `depth` 2,
    `activation`, `init`, `l2`, `l1`, `dropout`, `batch_norm`, `standardize`; the
    CNN's `kernel_size` and `pooling` are accepted and have no effect).
    """
    o = resolve("mlp", options, dtype=dtype, seed=seed)
    inputs, h = inputs_and_preprocessing(x_train, o.standardize)
    if len(x_train.shape) > 2:
        h = keras.layers.Flatten()(h)
    for i in range(o.depth):
        h = _block(h, keras.layers.Dense(o.width, **_linear_options(o)), o, o.seed + i,
                   o.dropout)
    return keras.Model(inputs, _head(h, num_classes, o), name="mlp")


def build_cnn(x_train, num_classes, *, dtype=None, seed=0, **options):
    """A convolutional network for 1-D signals or images.

    `depth` convolution blocks [Conv -> BatchNorm -> activation] with kernels of
    `kernel_size` (3; a 1-D signal's first block `kernel_size + 2`); every
    second block halves the length and doubles the channels, starting from
    `width`: with `pooling="stride"` its convolution has stride 2, with `"max"`
    or `"average"` a 2-wide pooling layer follows the block (same output
    shapes). Then flatten (1-D signals, which are short) or global average
    pooling (images), dropout and a softmax layer. A 2-D input `(n, length)`
    is read as a one-channel signal; `(n, length, channels)` as a multi-channel
    signal; `(n, height, width, channels)` as images. `options` are the
    declared model options (`width` 32, `depth` 4, ...).
    """
    o = resolve("cnn", options, dtype=dtype, seed=seed)
    inputs, h = inputs_and_preprocessing(x_train, o.standardize)
    rank = len(x_train.shape) - 1
    if rank == 1:
        h = keras.layers.Reshape((x_train.shape[1], 1))(h)
        rank = 2
    conv = keras.layers.Conv1D if rank == 2 else keras.layers.Conv2D
    filters = o.width
    for i in range(o.depth):
        kernel = o.kernel_size + 2 if i == 0 and rank == 2 else o.kernel_size
        halves = i % 2 == 1
        layer = conv(filters, kernel, strides=2 if halves and o.pooling == "stride" else 1,
                     padding="same", **_linear_options(o))
        h = _block(h, layer, o, o.seed + i, 0.0)
        if halves and o.pooling != "stride":
            h = POOLING_LAYERS[o.pooling][rank](2, padding="same", dtype=o.dtype)(h)
        if halves:
            filters *= 2
    if rank == 2:
        h = keras.layers.Flatten(dtype=o.dtype)(h)
    else:
        h = keras.layers.GlobalAveragePooling2D(dtype=o.dtype)(h)
    if o.dropout:
        h = keras.layers.Dropout(o.dropout, seed=o.seed + o.depth, dtype=o.dtype)(h)
    return keras.Model(inputs, _head(h, num_classes, o), name="cnn")


BUILDERS = {"mlp": build_mlp, "cnn": build_cnn}
POOLING_LAYERS = {
    "max": {2: keras.layers.MaxPooling1D, 3: keras.layers.MaxPooling2D},
    "average": {2: keras.layers.AveragePooling1D, 3: keras.layers.AveragePooling2D},
}


def build(model, x_train, num_classes, *, dtype=None, seed=0, **options):
    """The recipe model `model` ("mlp" or "cnn") for `x_train`, not compiled."""
    options_.validation.check_choice("model", model, tuple(BUILDERS))
    return BUILDERS[model](x_train, num_classes, dtype=dtype, seed=seed, **options)
