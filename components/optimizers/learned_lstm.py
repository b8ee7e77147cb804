"""`LearnedOptimizer`: the coordinatewise LSTM optimizer of "learning to learn"."""

from __future__ import annotations

import importlib.resources
import json

import keras
import numpy as np
from keras import ops

from deeper.components import registry
from deeper.components.constraints import Options, Real, Satisfies, Seed
from deeper.components.keras_constraints import OPTIMIZER_COMMON
from deeper.components.optimizers import learned_lstm_math as lstm
from deeper.components.validation import check_choice

PRESETS = ("quadratic", "mlp")


def load_preset(name):
    """The preset `name` shipped with the package: a dict with `phi` (float32 NumPy),
    `p`, `output_scale` and the recipe that produced it (`recipe`, `seed`, ...)."""
    check_choice("preset", name, PRESETS)
    path = importlib.resources.files("deeper.components.optimizers") / "presets" / f"{name}.json"
    preset = json.loads(path.read_text())
    preset["phi"] = np.asarray(preset["phi"], dtype="float32")
    return preset


def _phi_constraint(name, phi):
    _check_phi(phi)
    return phi  # checked, kept as given (get_config returns it as a list)


def _check_phi(phi):
    try:
        array = np.asarray(phi, dtype="float64")
    except (TypeError, ValueError):
        raise TypeError(f"`phi` must be a flat list of {lstm.PHI_SIZE} numbers. "
                        f"Received: phi of type {type(phi).__name__}") from None
    if array.shape != (lstm.PHI_SIZE,) or not np.isfinite(array).all():
        raise ValueError(f"`phi` must be a flat list of {lstm.PHI_SIZE} finite numbers. "
                         f"Received: phi of shape {array.shape}")
    return array.astype("float32")


@registry.register(
    "optimizers", "learned_lstm",
    example={"preset": "quadratic", "p": 10.0, "output_scale": 0.1},
    invalid=[({"p": 0.0}, "p"), ({"p": -1.0}, "p"), ({"p": float("nan")}, "p"),
             ({"output_scale": 0.0}, "output_scale"), ({"preset": "no_such"}, "preset"),
             ({"preset": None, "phi": [0.0, 1.0]}, "phi"), ({"phi": [0.0]}, "phi"),
             ({"preset": None, "seed": -1}, "seed")],
)
class LearnedOptimizer(keras.optimizers.Optimizer):
    """A learned optimizer: a two-layer LSTM, shared by all coordinates, proposes each step.

    For every coordinate of every weight, with its own LSTM state (h, c):

        x_t = (log|g_t| / p, sign g_t)  if |g_t| >= e^-p,  else  (-1, e^p g_t)
        (out_t, state_t+1) = LSTM_phi(x_t, state_t)        (two layers of 20 units)
        theta_t+1 = theta_t + learning_rate * output_scale * (w_out . out_t + b_out)

    The LSTM weights phi are shared by all coordinates; the per-coordinate states
    are optimizer variables (shape `(variable.size, 80)`), so a compiled model saves
    and reloads (`safe_mode=True`) and resumes exactly. phi itself is an optimizer
    variable too, initialized from `preset`, from `phi`, or at random from `seed`.
    `recipes.meta_train` learns phi (see `deeper.components.optimizers.learned_lstm_math`
    for the equations, shared by both).

    Args:
        preset: the name of learned parameters shipped with `deeper`:
            `"quadratic"` (10-dimensional quadratics ||W theta - y||^2, meta-trained
            by BPTT) or `"mlp"` (MNIST-1D, one hidden layer of 20 sigmoid units:
            fitted to tuned Nesterov momentum, output scale chosen on validation
            networks; `deeper.recipes.learn.presets`); `None` to use `phi` or a
            random phi. Defaults to `"quadratic"`.
        phi: flat list of the `learned_lstm_math.PHI_SIZE` LSTM parameters (e.g.
            `recipes.meta_train(...).phi`), with `preset=None`. Defaults to `None`.
        p: the preprocessing constant, > 0. Defaults to the preset's (10).
        output_scale: the factor on the LSTM's linear output, > 0. Defaults to the
            preset's (0.1 for `"quadratic"`, 1.259 for `"mlp"`; 0.1 without a preset).
        seed: seed of the random phi when neither `preset` nor `phi` is given.
            Defaults to 0.
        learning_rate: an extra factor on every update (1.0 is the meta-trained
            optimizer as it was learned). Defaults to 1.0.
        name: Defaults to `"learned_lstm"`.

    Example:

    ```python
    from deeper.components import optimizers
    model.compile(optimizer=optimizers.get("learned_lstm", preset="mlp"),
                  loss="sparse_categorical_crossentropy")
    ```

    The `mlp` preset takes the large steps of tuned Nesterov momentum on MNIST-1D
    (learning rate 1.78, times 1.26): on other problems scale them with `learning_rate`.

    Reference:
        Andrychowicz et al. 2016, "Learning to learn by gradient descent by gradient
        descent" (NeurIPS). Unlike DeepMind's code the update is added (theta + g),
        as in the paper, and the preset is read from a JSON file inside the package
        (never from a user path), so loading stays offline and safe.
    """

    _parameter_constraints = {
        **OPTIMIZER_COMMON,
        "preset": Options(*PRESETS, allow_none=True),
        "seed": Seed(),
        "p": Real(0, low_open=True, allow_none=True),
        "output_scale": Real(0, low_open=True, allow_none=True),
        "phi": Satisfies(_phi_constraint, "a flat list of numbers", allow_none=True,
                         bad=[[0.0]]),
    }

    def __init__(self, preset="quadratic", phi=None, p=None, output_scale=None, seed=0,
                 learning_rate=1.0, name="learned_lstm", **kwargs):
        # Every argument was checked by the declared constraints (`register`).
        defaults = {"p": 10.0, "output_scale": 0.1}
        if phi is not None:
            if preset is not None:
                raise ValueError("`phi` must be None when a `preset` is given (use "
                                 f"preset=None with your own phi). Received: preset={preset!r}"
                                 " and a phi")
            values = np.asarray(phi, dtype="float32")
        elif preset is not None:
            loaded = load_preset(preset)
            values = loaded["phi"]
            defaults = {"p": loaded["p"], "output_scale": loaded["output_scale"]}
        else:
            values = lstm.initial_phi(seed)
        p = defaults["p"] if p is None else p
        output_scale = defaults["output_scale"] if output_scale is None else output_scale
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.preset, self.seed, self.p, self.output_scale = preset, seed, p, output_scale
        self.phi = None if phi is None else [float(v) for v in values]
        self._initial_phi = values

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._phi = self.add_variable(shape=(lstm.PHI_SIZE,), dtype="float32", name="phi",
                                      initializer=_Values(self._initial_phi))
        self._index, self._states = {}, []
        for i, variable in enumerate(var_list):
            self._index[id(variable)] = i
            value = getattr(variable, "value", None)  # the backend's own variable (TF)
            if value is not None:
                self._index[id(value)] = i
            size = int(np.prod(variable.shape))
            self._states.append(self.add_variable(
                shape=(size, lstm.STATE_SIZE), dtype=variable.dtype,
                name=f"lstm_state_{_clean(variable.path)}"))

    def update_step(self, gradient, variable, learning_rate):
        state = self._states[self._index[id(variable)]]
        flat = ops.reshape(ops.cast(ops.convert_to_tensor(gradient), variable.dtype), (-1,))
        update, new_state = lstm.lstm_update(self._phi, flat, state, self.p, self.output_scale)
        self.assign(state, new_state)
        lr = ops.cast(learning_rate, variable.dtype)
        self.assign_add(variable, ops.reshape(update * lr, variable.shape))

    def get_config(self):
        config = super().get_config()
        config.update({"preset": self.preset, "phi": self.phi, "p": self.p,
                       "output_scale": self.output_scale, "seed": self.seed})
        return config


class _Values(keras.initializers.Initializer):
    """Initializes a variable to fixed values (phi), also when built inside a trace."""

    def __init__(self, values):
        self.values = values

    def __call__(self, shape, dtype=None):
        return ops.cast(ops.convert_to_tensor(self.values), dtype)


def _clean(path):
    return "".join(c if c.isalnum() else "_" for c in path)
