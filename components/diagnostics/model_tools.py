"""Helpers shared by the babysitting checks: rebuild a model in float64 or without
its regularization, resolve its loss, and map variables and layers.

These are not components (nothing here is registered); they use only Keras's
public serialization API. A model is rebuilt from its own config
(`keras.saving.serialize_keras_object`), so functional and Sequential models,
and subclassed models that implement `get_config`, can be rebuilt; any other
model raises a `TypeError` that says so.
"""

from __future__ import annotations

import warnings

import keras
import numpy as np

FLOAT_POLICIES = frozenset(
    {"float16", "bfloat16", "float32", "float64", "mixed_float16", "mixed_bfloat16"}
)
# Layers whose only job is regularization, and the argument that turns each off.
NOISE_LAYERS = {
    "Dropout": "rate",
    "SpatialDropout1D": "rate",
    "SpatialDropout2D": "rate",
    "SpatialDropout3D": "rate",
    "AlphaDropout": "rate",
    "GaussianDropout": "rate",
    "GaussianNoise": "stddev",
}


def _rewrite(obj, fn):
    """Apply `fn` to every dict of a nested config, innermost first."""
    if isinstance(obj, dict):
        return fn({k: _rewrite(v, fn) for k, v in obj.items()})
    if isinstance(obj, list):
        return [_rewrite(v, fn) for v in obj]
    return obj


def _to_float64(node):
    value = node.get("dtype")
    if isinstance(value, str) and value in FLOAT_POLICIES:
        node["dtype"] = "float64"
    elif isinstance(value, dict) and "DTypePolicy" in str(value.get("class_name", "")):
        node["dtype"] = "float64"
    return node


def _strip_regularization(node, found):
    config = node.get("config")
    if isinstance(config, dict):
        for key in list(config):
            if key.endswith("_regularizer") and config[key] is not None:
                config[key] = None
                found.append(f"{config.get('name', node.get('class_name'))}.{key}")
        argument = NOISE_LAYERS.get(node.get("class_name"))
        if argument is not None and config.get(argument):
            config[argument] = 0.0
            found.append(f"{config.get('name', node['class_name'])}.{argument}")
    return node


def rebuild(model, *, dtype=None, regularization=True):
    """A fresh copy of `model` with the same weights.

    Args:
        model: a `keras.Model` that serializes (functional, Sequential, or a
            subclass implementing `get_config`).
        dtype: `"float64"` rebuilds every floating-point layer in float64.
            Defaults to `None` (dtypes kept).
        regularization: `False` removes every `*_regularizer` and sets the rate
            of dropout and noise layers to 0. Defaults to `True`.

    Returns:
        `(copy, removed)`: the new model, built and holding `model`'s weights,
        and the list of regularizers removed (`"layer.argument"` strings).

    Raises:
        TypeError: if the model cannot be rebuilt from its config.
    """
    removed = []
    try:
        with warnings.catch_warnings():  # Keras's Variable.numpy() under JAX's x64 mode
            warnings.simplefilter("ignore", DeprecationWarning)
            config = keras.saving.serialize_keras_object(model)
        if dtype == "float64":
            config = _rewrite(config, _to_float64)
        if not regularization:
            config = _rewrite(config, lambda node: _strip_regularization(node, removed))
        copy = keras.saving.deserialize_keras_object(config, safe_mode=False)
        if not copy.built:
            copy.build(model.inputs[0].shape if model.inputs else None)
        copy.set_weights(numpy_values(model.weights))
    except Exception as err:  # Keras raises many types for an unserializable model
        raise TypeError(
            f"`model` must rebuild from its config (a functional or Sequential model, or a "
            f"subclass implementing get_config): rebuilding {model.name!r} failed with "
            f"{type(err).__name__}: {err}"
        ) from err
    return copy, removed


def numpy_values(variables):
    """The values of `variables` as NumPy arrays, on every backend (`Variable.numpy()`
    warns on JAX in x64 mode, `convert_to_numpy` on PyTorch: NumPy's `__array__` copy
    keyword)."""
    if keras.backend.backend() == "tensorflow":
        return [np.array(v.numpy()) for v in variables]
    with warnings.catch_warnings():  # PyTorch's Tensor.__array__ has no copy keyword either
        warnings.simplefilter("ignore", DeprecationWarning)
        return [np.array(keras.ops.convert_to_numpy(v.value)) for v in variables]


def resolve_loss(model, loss=None, dtype=None):
    """The loss to check: `loss`, else the compiled one, else sparse categorical
    cross-entropy; as a callable `(y_true, y_pred) -> per-example losses` computed in `dtype`.

    A name resolves through `deeper.components.losses.get` (ours, then Keras's,
    Keras's snake-case names as their `Loss` class), so that targets of shape
    `(n,)` meet outputs of shape `(n, 1)` as they do in `compile` (one sigmoid
    unit with `binary_crossentropy`).
    """
    from deeper.components import losses

    if loss is None:
        loss = getattr(model, "loss", None)
    if loss is None:
        loss = "sparse_categorical_crossentropy"
    if isinstance(loss, str):
        loss = losses.get(loss)
    if isinstance(loss, keras.losses.Loss) and dtype is not None:
        try:
            loss = type(loss)(**{**loss.get_config(), "dtype": dtype})
        except TypeError:
            pass  # a custom loss without a `dtype` argument: computed in its own dtype
    if not callable(loss):
        raise TypeError(f"`loss` must be a Keras loss, a loss name or a callable. "
                        f"Received: loss={loss!r}")
    return loss


def layer_name(variable):
    """The name of the layer that owns `variable` (its path without the last part)."""
    path = getattr(variable, "path", variable.name)
    return path.rsplit("/", 1)[0] if "/" in path else path


def layers_in_order(model):
    """Names of the layers owning trainable variables, in the model's order."""
    names = []
    for variable in model.trainable_variables:
        name = layer_name(variable)
        if name not in names:
            names.append(name)
    return names


def single_input(model, x):
    """`x` in the structure the model's inputs expect (a list for several inputs)."""
    if isinstance(x, (list, tuple, dict)):
        return x
    return [x] if len(getattr(model, "inputs", None) or []) == 1 else x


def as_float(x, dtype):
    """`x` as a NumPy array of `dtype` when it is floating point, unchanged otherwise."""
    array = np.asarray(x)
    return array.astype(dtype) if np.issubdtype(array.dtype, np.floating) else array


def copy_callback(callback, memo):
    """`copy.deepcopy` of a callback without the model it was last attached to.

    Keras attaches the model to a callback during `fit`; a deep copy would copy
    the whole model (KerasTuner deep-copies the callbacks for every trial).
    The copy gets every other attribute deep-copied and no model: the next
    `fit` attaches one.
    """
    import copy

    clone = type(callback).__new__(type(callback))
    memo[id(callback)] = clone
    for key, value in vars(callback).items():
        setattr(clone, key, None if isinstance(value, keras.Model) else copy.deepcopy(value, memo))
    return clone


def trace_layers(model, input_shape, before=None):
    """Rebuild the graph of `model` on a fresh input, its own layers (shared weights), in order.

    A Sequential model's layers are called one after the other; a functional
    model is re-run through its own graph (`keras.models.clone_model` with the
    same layers). This never reads `layer.input`/`layer.output`, which in a
    model rebuilt from its config (or reloaded) can belong to a stale graph.

    Args:
        model: a Sequential or functional `keras.Model`.
        input_shape: the shape of a batch (its first entry is ignored).
        before: `None`, or `before(layer, tensor) -> tensor`, applied to the
            single-tensor input of every layer before it is called (to watch it).

    Returns:
        `(inputs, outputs, calls)`: the fresh input tensors, the model's
        outputs on them, and `[(layer, input tensor, output tensor)]` in call order.

    Raises:
        TypeError: for another kind of model.
    """
    calls = []

    def call(layer, *args, **kwargs):
        if before is not None and args and isinstance(args[0], keras.KerasTensor):
            args = (before(layer, args[0]), *args[1:])
        out = layer(*args, **kwargs)
        calls.append((layer, args[0] if args else None, out))
        return out

    if isinstance(model, keras.Sequential):
        inputs = keras.Input(shape=tuple(input_shape[1:]), dtype=model.inputs[0].dtype
                             if getattr(model, "inputs", None) else None)
        tensor = inputs
        for layer in model.layers:
            tensor = call(layer, tensor)
        return [inputs], [tensor], calls
    if getattr(model, "inputs", None) and getattr(model, "outputs", None):
        try:
            twin = keras.models.clone_model(model, clone_function=lambda layer: layer,
                                            call_function=call)
        except (ValueError, TypeError) as err:
            raise TypeError(f"`model` must be a functional or Sequential model: {err}") from None
        return list(twin.inputs), list(twin.outputs), calls
    raise TypeError(f"`model` must be a functional or Sequential model (layer by layer "
                    f"probes need its graph). Received: model of type {type(model).__name__}")
