"""`signal_variance`: forward activation variance and back-propagated gradient size per layer."""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np

from deeper.components.diagnostics import autodiff, model_tools
from deeper.components.validation import check_bool, check_number


@dataclasses.dataclass
class SignalVarianceResult:
    """What `signal_variance` measured at the input of each linear layer.

    Attributes:
        layers: names of the linear layers (a kernel of rank >= 2: Dense,
            Conv...), in the model's order.
        activation_variance: variance over the examples of each unit of the
            layer's input, averaged over its units.
        gradient_norm: mean over the examples of the squared norm of the
            per-example loss gradient with respect to the layer's input.
        max_ratio: the largest spread (max / min) across depth that passes.
    """

    layers: list
    activation_variance: list
    gradient_norm: list
    max_ratio: float

    @staticmethod
    def _spread(values):
        values = np.asarray(values, dtype=np.float64)
        if values.size == 0:
            return 1.0
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            return math.inf
        return float(values.max() / values.min())

    @property
    def activation_ratio(self) -> float:
        """max / min of the hidden activations' variance (the data, the first layer's
        input, excluded: its scale is the data's); inf if one is 0 or not finite."""
        return self._spread(self.activation_variance[1:])

    @property
    def gradient_ratio(self) -> float:
        """max / min of the gradient's squared norm at the hidden activations."""
        return self._spread(self.gradient_norm[1:])

    @property
    def passed(self) -> bool:
        """Both spreads at most `max_ratio` (and every signal nonzero and finite)."""
        return self.activation_ratio <= self.max_ratio and self.gradient_ratio <= self.max_ratio

    def diagnosis(self) -> str:
        """Which signal vanishes or explodes, in words."""
        words = []
        for what, values, ratio, forward in (
            ("activations", self.activation_variance[1:], self.activation_ratio, True),
            ("gradients", self.gradient_norm[1:], self.gradient_ratio, False),
        ):
            if ratio <= self.max_ratio:
                continue
            values = np.asarray(values, dtype=np.float64)
            if not np.all(np.isfinite(values)):
                words.append(f"{what} are not finite")
                continue
            if np.any(values <= 0):
                dead = [self.layers[1 + i] for i in np.flatnonzero(values <= 0)]
                words.append(f"{what} are exactly 0 at the input of {dead[0]!r} (dead units)")
                continue
            # Along the direction the signal travels: forward for activations, backward
            # (from the last layer to the first) for gradients.
            first, last = (values[0], values[-1]) if forward else (values[-1], values[0])
            trend = "vanish" if last < first else "explode"
            words.append(f"{what} {trend} ({ratio:.1e}x across depth)")
        return "; ".join(words) or "signals keep their scale across depth"


def linear_layers(model):
    """Layers of `model` (top level) that own a kernel of rank >= 2, in order."""
    return [layer for layer in model.layers
            if any(len(w.shape) >= 2 for w in layer.trainable_weights)]


def signal_variance(model, x, y, *, loss=None, training=True, max_ratio=100.0):
    """Measure how the signal's scale changes across depth, forward and backward.

    At the input `a_l` of every linear layer `l` (Dense, Conv, ...), on a batch:

        activation variance  v_l = mean over units of Var_examples(a_l)
        gradient size        g_l = mean over examples of ||d loss_i / d a_l||^2

    where `loss_i` is one example's loss. A well-initialized network keeps
    both roughly constant across depth (He initialization for ReLU, Glorot for
    tanh); a spread larger than `max_ratio` across the hidden layers means
    vanishing or exploding signals (a sigmoid stack, tiny or huge weights,
    Glorot with ReLU halving the variance at every layer); a variance of 0
    means dead units. The first layer's input is reported but not compared:
    its scale is the data's.

    Args:
        model: a functional or Sequential `keras.Model`.
        x: a batch of inputs (a few hundred examples give stable variances).
        y: their targets.
        loss: the loss. Defaults to `None`: the compiled loss, else sparse
            categorical cross-entropy.
        training: run the model in training mode (batch normalization on batch
            statistics, as during training). Defaults to `True`: pass a model
            without dropout to measure the signal rather than the noise.
        max_ratio: the largest max/min spread that passes, > 1. Defaults to 100.

    Returns:
        A `SignalVarianceResult` (`.passed`, `.diagnosis()`, per-layer lists).

    Example:

    ```python
    result = signal_variance(model, x_train[:256], y_train[:256])
    result.activation_ratio, result.gradient_ratio, result.diagnosis()
    ```

    Reference:
        Glorot & Bengio, "Understanding the difficulty of training deep
        feedforward neural networks", AISTATS 2010 (activation and
        back-propagated gradient variance per layer); He et al., "Delving Deep
        into Rectifiers", ICCV 2015.
    """
    training = check_bool("training", training)
    max_ratio = check_number("max_ratio", max_ratio, low=1, low_open=True)
    layers = linear_layers(model)
    if not layers:
        raise ValueError(f"`model` has no layer with a kernel (Dense, Conv...) to probe. "
                         f"Received: model={model.name!r}")
    x = np.asarray(x)
    n = int(x.shape[0])
    watched = {id(layer) for layer in layers}
    probes = {}  # id(layer) -> the _Watch layer in front of it

    def before(layer, tensor):
        if id(layer) not in watched:
            return tensor
        if id(layer) in probes:
            raise TypeError(f"`model` must use each linear layer once: {layer.name!r} is "
                            "called twice.")
        probes[id(layer)] = _Watch(n, tensor.shape[1:], dtype=tensor.dtype)
        return probes[id(layer)](tensor)

    inputs, outputs, _ = model_tools.trace_layers(model, x.shape, before=before)
    watches = [probes[id(layer)] for layer in layers if id(layer) in probes]
    if len(watches) != len(layers):
        raise TypeError("`model` must be a functional or Sequential model whose linear layers "
                        "are called on one tensor each.")
    probe = keras.Model(inputs[0] if len(inputs) == 1 else inputs,
                        [outputs[0], *[w.output for w in watches]])
    loss_fn = model_tools.resolve_loss(model, loss)
    loss_of = autodiff.model_function(probe, lambda t, o: loss_fn(t, o[0]), x, y,
                                      training=training,
                                      regularization=False)
    positions = [next(i for i, v in enumerate(probe.trainable_variables) if v is w.delta)
                 for w in watches]

    def objective(deltas):
        values = autodiff.trainable_values(probe)
        for i, delta in zip(positions, deltas):
            values[i] = delta
        value, out = loss_of(values)
        return value * n, out  # n * mean: the per-example gradients

    _, grads, out = autodiff.value_and_grad(objective, has_aux=True)(
        [autodiff.trainable_values(probe)[i] for i in positions])
    autodiff.missing_gradient(grads, [f"the input of layer {layer.name!r}" for layer in layers])
    variances, norms = [], []
    for a, g in zip(out[1:], grads):
        a = np.asarray(keras.ops.convert_to_numpy(a), dtype=np.float64).reshape(n, -1)
        g = np.asarray(keras.ops.convert_to_numpy(g), dtype=np.float64).reshape(n, -1)
        variances.append(float(a.var(axis=0).mean()))
        norms.append(float(np.square(g).sum(axis=1).mean()))
    return SignalVarianceResult(layers=[layer.name for layer in layers],
                                activation_variance=variances, gradient_norm=norms,
                                max_ratio=max_ratio)


class _Watch(keras.layers.Layer):
    """Adds a zero variable of the batch's shape to its input, so that the gradient of the
    loss with respect to that variable is the gradient with respect to the input."""

    def __init__(self, batch, shape, **kwargs):
        super().__init__(**kwargs)
        self.delta = self.add_weight(shape=(batch, *shape), initializer="zeros",
                                     name="delta")

    def call(self, inputs):
        return inputs + keras.ops.cast(self.delta, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape
