"""`find_nonfinite`: where NaN or inf first appears in data, layer outputs or gradients."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from deeper.components.diagnostics import autodiff, model_tools


@dataclasses.dataclass
class NonFiniteResult:
    """Where `find_nonfinite` found the first NaN or inf.

    Attributes:
        where: `None` (everything finite), `"data"`, `"output"` (a layer's
            output, forward order), `"loss"`, or `"gradient"` (a layer's weight
            gradient, backward order: the layer nearest the loss first).
        layer: the layer's name (or the array's name for `"data"`), or `None`.
        count: how many values are not finite there.
    """

    where: str | None = None
    layer: str | None = None
    count: int = 0

    @property
    def passed(self) -> bool:
        """Nothing non-finite was found."""
        return self.where is None

    def summary(self) -> str:
        """One sentence."""
        if self.where is None:
            return "data, layer outputs, loss and gradients are finite"
        if self.where == "data":
            return f"{self.count} NaN or inf values in `{self.layer}`"
        if self.where == "loss":
            return "the layer outputs are finite but the loss is not"
        return f"{self.count} NaN or inf values in the {self.where} of layer {self.layer!r}"


def count_nonfinite(array) -> int:
    """Number of NaN or inf entries of a floating-point array (0 for other dtypes)."""
    array = np.asarray(array)
    if not np.issubdtype(array.dtype, np.floating):
        return 0
    return int(array.size - np.count_nonzero(np.isfinite(array)))


def find_nonfinite(model, x, y, *, loss=None, training=False):
    """Find the first NaN or inf along the forward and backward pass.

    Looks, in this order, at the inputs `x`; every layer's output in the
    model's order (the first layer that produces a non-finite value from
    finite inputs is the culprit); the loss; then the weight gradients from
    the last layer back to the first (the layer nearest the loss whose
    gradient goes non-finite is where backpropagation broke).

    Args:
        model: a built `keras.Model`; layer outputs are inspected for
            functional and Sequential models (other models: the model's output).
        x: inputs.
        y: targets.
        loss: the loss. Defaults to `None`: the compiled loss, else sparse
            categorical cross-entropy.
        training: run in training mode. Defaults to `False`.

    Returns:
        A `NonFiniteResult`.

    Example:

    ```python
    result = find_nonfinite(model, x_train[:256], y_train[:256])
    result.passed, result.summary()   # True, 'data, layer outputs, loss and gradients are finite'
    ```
    """
    count = count_nonfinite(x)
    if count:
        return NonFiniteResult("data", "x", count)
    loss_fn = model_tools.resolve_loss(model, loss)
    x = np.asarray(x)
    try:
        inputs, _, calls = model_tools.trace_layers(model, x.shape)
        calls = [(layer, out) for layer, _, out in calls
                 if not isinstance(layer, keras.layers.InputLayer)]
        probe = keras.Model(inputs[0] if len(inputs) == 1 else inputs, [out for _, out in calls])
    except (AttributeError, ValueError, TypeError):
        probe, calls = None, []
    loss_of = autodiff.model_function(model, loss_fn, x, y, training=training,
                                      regularization=False)
    value, grads, output = autodiff.value_and_grad(loss_of, has_aux=True)(
        autodiff.trainable_values(model))
    if probe is not None:
        outputs = probe(x, training=training)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        for (layer, _), out in zip(calls, outputs):
            count = sum(count_nonfinite(keras.ops.convert_to_numpy(t))
                        for t in keras.tree.flatten(out))
            if count:
                return NonFiniteResult("output", layer.name, count)
    else:
        count = count_nonfinite(keras.ops.convert_to_numpy(output))
        if count:
            return NonFiniteResult("output", model.name, count)
    if not np.isfinite(float(value)):
        return NonFiniteResult("loss", None, 1)
    bad = {}
    for variable, grad in zip(model.trainable_variables, grads):
        if grad is not None:
            count = count_nonfinite(keras.ops.convert_to_numpy(grad))
            if count:
                name = model_tools.layer_name(variable)
                bad[name] = bad.get(name, 0) + count
    for name in reversed(model_tools.layers_in_order(model)):
        if name in bad:
            return NonFiniteResult("gradient", name, bad[name])
    return NonFiniteResult()
