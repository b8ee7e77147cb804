"""`gradient_check`: autodiff gradients against central finite differences."""

from __future__ import annotations

import dataclasses
import math
import warnings

import keras
import numpy as np
from keras import ops

from deeper.components.diagnostics import autodiff, model_tools, round_off
from deeper.components.validation import check_bool, check_number, check_seed

DEFAULTS = {  # (epsilon, threshold) per precision; see the docstring
    "float64": (1e-6, 1e-4),
    "float32": (1e-3, 5e-2),
}


@dataclasses.dataclass
class GradientCheckResult:
    """What `gradient_check` measured.

    Attributes:
        errors: `{layer name: maximum relative error}` over the checked entries
            of that layer's trainable variables, layers in the model's order.
        threshold: the largest relative error that passes.
        epsilon: the finite-difference step.
        dtype: the precision the check ran at (`"float64"` unless the model
            could not be rebuilt in float64, or its float64 copy computes in
            float32 somewhere: see `round_off.effective_precision`).
        checked: number of parameter entries compared.
        skipped: entries skipped because the loss has a kink within `epsilon`
            of them (a ReLU unit switching), where finite differences are wrong.
        worst: `(variable path, index, autodiff, finite difference)` of the
            largest error.
        entries: `(variable path, index, autodiff, finite difference)` of
            every compared entry.
    """

    errors: dict
    threshold: float
    epsilon: float
    dtype: str
    checked: int
    skipped: int
    worst: tuple | None = None
    entries: list = dataclasses.field(default_factory=list)

    @property
    def max_error(self) -> float:
        """The largest relative error over all layers (NaN if any is NaN)."""
        values = list(self.errors.values())
        if any(math.isnan(v) for v in values):
            return math.nan
        return max(values, default=0.0)

    @property
    def failing_layers(self) -> list:
        """Layers whose error is above the threshold (or NaN), in the model's order."""
        return [name for name, e in self.errors.items() if not e <= self.threshold]

    @property
    def passed(self) -> bool:
        """Every layer at or below the threshold, and at least one entry compared."""
        return self.checked > 0 and not self.failing_layers

    def summary(self) -> str:
        """One line: the verdict and the worst layer."""
        if self.checked == 0:
            return "gradient check: no parameter could be compared (all at kinks?)"
        verdict = "passed" if self.passed else "FAILED"
        worst = max(self.errors, key=lambda k: math.inf if math.isnan(self.errors[k])
                    else self.errors[k])
        text = (f"gradient check {verdict}: max relative error {self.max_error:.2e} in layer "
                f"{worst!r} (threshold {self.threshold:g}, {self.dtype}, {self.checked} entries)")
        if self.failing_layers and not self.passed:
            last = self.failing_layers[-1]
            text += (f"; the backward pass is wrong in or after layer {last!r}, the last "
                     "failing layer in forward order")
        return text


def gradient_check(model, x, y, *, loss=None, num_params=3, epsilon=None, threshold=None,
                   float64=True, seed=0):
    """Compare autodiff gradients with central finite differences.

    For a sample of `num_params` entries `w` of every trainable variable, the
    gradient `g` from automatic differentiation (on any Keras backend, see
    `deeper.components.diagnostics.autodiff`) is compared with

        n = (L(w + eps) - L(w - eps)) / (2 eps)

    through the relative error `|g - n| / max(|g|, |n|, floor)`, where `L` is
    the loss on `(x, y)` plus the model's regularization losses, in inference
    mode (dropout off, batch normalization on its moving statistics), and
    `floor = 1e-3 * RMS(g)` over the sampled entries keeps entries with a
    negligible gradient from dominating. An entry where the estimates at `eps`
    and `eps / 2` disagree sits at a kink of the loss (a ReLU unit switching
    between the two evaluations) and is skipped: there the finite difference
    is wrong, not the gradient.

    The check runs on a float64 copy of the model where it can be rebuilt from
    its config; otherwise on the model itself, in its own precision, with
    looser defaults (float32 finite differences carry errors near 1e-2). The
    model's weights are left as they were.

    Args:
        model: a built `keras.Model`.
        x: a few inputs (a handful of examples is enough and keeps it fast).
        y: their targets.
        loss: the loss. Defaults to `None`: the model's compiled loss, or
            sparse categorical cross-entropy on probabilities if not compiled.
        num_params: entries sampled per trainable variable, >= 1. Defaults to 3.
        epsilon: finite-difference step, > 0. Defaults to `None`: 1e-6 in
            float64, 1e-3 in float32.
        threshold: largest relative error that passes, > 0. Defaults to
            `None`: 1e-4 in float64, 5e-2 in float32.
        float64: check a float64 copy of the model. Defaults to `True`.
        seed: seed of the sampled entries. Defaults to 0.

    Returns:
        A `GradientCheckResult` (`.passed`, `.errors` per layer, `.summary()`).

    Example:

    ```python
    result = gradient_check(model, x_train[:8], y_train[:8])
    print(result.summary())   # gradient check passed: max relative error 3.1e-07 ...
    ```

    Reference:
        CS231n, "Neural Networks Part 3: Learning and Evaluation", gradient
        checks (central differences, relative error, float64, kinks).
        Note: `tf.test.compute_gradient` does the same for a single function
        of tensors, not for a Keras model's variables.
    """
    num_params = check_number("num_params", num_params, low=1, integer=True)
    epsilon = check_number("epsilon", epsilon, low=0, low_open=True, allow_none=True)
    threshold = check_number("threshold", threshold, low=0, low_open=True, allow_none=True)
    float64 = check_bool("float64", float64)
    seed = check_seed("seed", seed)
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model. Received: model of type "
                        f"{type(model).__name__}")
    with autodiff.precision("float64" if float64 else model.compute_dtype):
        return _check(model, x, y, loss, num_params, epsilon, threshold, float64, seed)


def _check(model, x, y, loss, num_params, epsilon, threshold, float64, seed):
    target, dtype = model, str(model.compute_dtype)
    if float64:
        try:
            target, _ = model_tools.rebuild(model, dtype="float64")
            dtype = "float64"
        except TypeError as err:
            warnings.warn(f"gradient check in {dtype}, not float64: {err}", stacklevel=3)
    loss_fn = model_tools.resolve_loss(model, loss, dtype)
    x = model_tools.as_float(x, dtype)
    y = model_tools.as_float(y, dtype)

    variables = target.trainable_variables
    loss_of = autodiff.model_function(target, loss_fn, x, y, training=False)
    objective = autodiff.compile(lambda values: ops.cast(loss_of(values)[0], dtype))
    gradient = autodiff.compile(autodiff.value_and_grad(objective))
    weights = model_tools.numpy_values(variables)
    precision = round_off.effective_precision(objective, weights, dtype, seed=seed)
    if precision != dtype:
        warnings.warn(f"gradient check at {precision} precision: the {dtype} copy of the model "
                      f"computes in {precision} somewhere (on Keras's JAX backend, "
                      "BatchNormalization and ops.tanh do, on its PyTorch backend ops.matmul "
                      "does, keras-team/keras#23223)",
                      stacklevel=3)
    default_epsilon, default_threshold = DEFAULTS.get(precision, DEFAULTS["float32"])
    epsilon = default_epsilon if epsilon is None else epsilon
    threshold = default_threshold if threshold is None else threshold
    value, grads, _ = gradient(autodiff.trainable_values(target))
    autodiff.missing_gradient(grads, [v.path for v in variables])
    rng = np.random.default_rng(seed)
    samples = []  # (variable index, flat index, autodiff)
    for i, (variable, grad) in enumerate(zip(variables, grads)):
        with warnings.catch_warnings():  # PyTorch's Tensor.__array__: no copy keyword
            warnings.simplefilter("ignore", DeprecationWarning)
            grad = np.asarray(keras.ops.convert_to_numpy(grad), dtype=np.float64)
        size = int(np.prod(variable.shape))
        for flat in rng.choice(size, size=min(num_params, size), replace=False):
            samples.append((i, int(flat), float(grad.reshape(-1)[flat])))

    def numeric(i, flat, step):
        values = [ops.convert_to_tensor(w) for w in weights]
        moved = weights[i].copy().reshape(-1)
        moved[flat] += step
        values[i] = ops.convert_to_tensor(moved.reshape(weights[i].shape))
        plus = float(objective(values))
        moved[flat] -= 2 * step
        values[i] = ops.convert_to_tensor(moved.reshape(weights[i].shape))
        minus = float(objective(values))
        return (plus - minus) / (2 * step)

    # (variable index, flat index, autodiff, estimate at eps, estimate at eps / 2)
    rows = [(i, flat, analytic, numeric(i, flat, epsilon), numeric(i, flat, epsilon / 2))
            for i, flat, analytic in samples]

    finite = [abs(r[2]) for r in rows if math.isfinite(r[2])]
    rms = float(np.sqrt(np.mean(np.square(finite)))) if finite else 0.0
    # Round-off makes a finite difference uncertain by about eps_machine * |L| / epsilon;
    # below `floor`, errors are measured against it instead of the entry's own size.
    noise = float(np.finfo(precision).eps) * max(abs(float(value)), 1.0) / epsilon
    floor = max(1e-3 * rms, noise / threshold, 1e-300)
    errors = {name: 0.0 for name in model_tools.layers_in_order(target)}
    worst, worst_error, checked, skipped, entries = None, -1.0, 0, 0, []
    for i, flat, analytic, estimate, half in rows:
        scale = max(abs(analytic), abs(estimate), floor)
        if abs(estimate - half) > 0.5 * threshold * max(abs(estimate), abs(half), floor):
            skipped += 1  # a kink between the two steps: finite differences are wrong here
            continue
        checked += 1
        index = tuple(int(k) for k in np.unravel_index(flat, variables[i].shape))
        entries.append((variables[i].path, index, analytic, estimate))
        error = abs(analytic - estimate) / scale
        if not math.isfinite(error):
            error = math.nan
        name = model_tools.layer_name(variables[i])
        if math.isnan(error) or math.isnan(errors[name]):
            errors[name] = math.nan
        else:
            errors[name] = max(errors[name], error)
        ranked = math.inf if math.isnan(error) else error
        if ranked > worst_error:
            worst_error = ranked
            worst = (variables[i].path, index, analytic, estimate)
    return GradientCheckResult(errors=errors, threshold=threshold, epsilon=epsilon,
                               dtype=precision,
                               checked=checked, skipped=skipped, worst=worst,
                               entries=entries)
