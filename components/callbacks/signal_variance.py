"""`signal_variance`: forward activation variance and back-propagated gradient size per layer."""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np

from deeper.components.callbacks import model_tools
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
    import tensorflow as tf

    training = check_bool("training", training)
    max_ratio = check_number("max_ratio", max_ratio, low=1, low_open=True)
    layers = linear_layers(model)
    if not layers:
        raise ValueError(f"`model` has no layer with a kernel (Dense, Conv...) to probe. "
                         f"Received: model={model.name!r}")
    try:
        inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
        probe = keras.Model(inputs, [layer.input for layer in layers] + [model.outputs[0]])
    except (AttributeError, ValueError, TypeError) as err:
        raise TypeError(f"`model` must be a functional or Sequential model whose layers are "
                        f"each used once: {err}") from None
    loss_fn = model_tools.resolve_loss(model, loss)
    x = tf.convert_to_tensor(np.asarray(x))
    n = int(x.shape[0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        *activations, output = probe(x, training=training)
        value = tf.reduce_mean(loss_fn(y, output)) * n  # per-example gradients
    *grads, grad_x = tape.gradient(value, [*activations, x])
    if grads[0] is None:
        grads[0] = grad_x  # the first layer reads the model's input directly
    variances, norms = [], []
    for a, g in zip(activations, grads):
        a = np.asarray(a, dtype=np.float64).reshape(n, -1)
        g = np.zeros_like(a) if g is None else np.asarray(g, dtype=np.float64).reshape(n, -1)
        variances.append(float(a.var(axis=0).mean()))
        norms.append(float(np.square(g).sum(axis=1).mean()))
    return SignalVarianceResult(layers=[layer.name for layer in layers],
                                activation_variance=variances, gradient_norm=norms,
                                max_ratio=max_ratio)
