"""The course's hyperparameters as a KerasTuner search space: `CourseHyperModel`.

The default space (for `model="cnn"`; the MLP gets its own depth and width ranges, and
no kernel size or pooling):

| name             | values                                                  | default      |
|------------------|---------------------------------------------------------|--------------|
| architecture     | `depth`, `width`, `kernel_size`, `pooling`: see         | the recipe's |
|                  | `deeper.recipes.tuning.architecture`                    |              |
| `activation`     | relu, leaky_relu, elu, tanh, scaled_tanh                | relu         |
| `regularizer`    | l2, l1, l1_l2                                           | l2           |
| `l2`             | 1e-6..1e-2, log (when `regularizer` has l2)             | 1e-4         |
| `l1`             | 1e-7..1e-3, log (when `regularizer` has l1)             | 1e-6         |
| `dropout`        | 0.0..0.5, step 0.1                                      | 0.2          |
| `batch_norm`     | True / False                                            | True         |
| `optimizer`      | nesterov, momentum, adam, rmsprop, adagrad              | nesterov     |
| `learning_rate`  | 1e-4..0.3, log                                          | 0.05         |
| `momentum`       | 0.5..0.99 (only for momentum and nesterov)              | 0.9          |
| `rho`            | 0.8..0.99 (only for rmsprop)                            | 0.9          |
| `schedule`       | constant, step, inverse, exponential                    | step         |
| `lr_drop`        | 2, 5, 10: divisor at half the epochs (only for step)    | 10           |
| `decay_rate`     | 0.01..1, log: eta0 / (1 + k epoch) (only for inverse)   | 0.1          |
| `decay_factor`   | 0.8..0.99: eta0 * g ** epoch (only for exponential)     | 0.95         |
| `batch_size`     | 32, 64, 128, 256                                        | 64           |

and the input side (`inputs`): `standardize` (feature, channel, global, none) and
`augment` through `data.augment_1d` (`max_shift`, `augment_scale`), off by default.

The initializer is not searched: it is matched to the activation (`INIT_FOR`).
Conditional hyperparameters use KerasTuner's `parent_name`/`parent_values`,
so the oracle samples `momentum` only when the optimizer uses it.
"""

from __future__ import annotations

import math

import keras
import keras_tuner as kt

from deeper.components import callbacks as deeper_callbacks  # noqa: F401  (registers names)
from deeper.components import data
from deeper.recipes.options import declared
from deeper.recipes.shared import compiling, models
from deeper.recipes.shared.schedule import decay_schedule  # noqa: F401  (public here too)
from deeper.recipes.tuning import architecture, grid, inputs, reuse

ACTIVATIONS = declared.MODEL["activation"].space[1]
INIT_FOR = {"relu": "he_normal", "leaky_relu": "he_normal", "elu": "he_normal",
            "tanh": "glorot_uniform", "scaled_tanh": "glorot_uniform",
            "sigmoid": "sigmoid_glorot_uniform"}
OPTIMIZERS = declared.OPTIMIZER.space[1]
SCHEDULES = declared.LR_POLICY["schedule"].space[1]
_ARCH = declared.ARCHITECTURES
DEFAULT_SPACE = (*architecture.NAMES, "activation", "regularizer", "l2", "l1", "dropout",
                 "batch_norm", "optimizer", "learning_rate", "momentum", "rho", "schedule",
                 "lr_drop", "decay_rate", "decay_factor", "batch_size", *inputs.NAMES)


DIVERGENCE_FACTOR = 100.0
"""A trial diverged when its training loss ends above this many times log(classes), the
chance-level cross-entropy. Keras clips probabilities at 1e-7, so the cross-entropy
itself never exceeds -log(1e-7) = 16.1: only weights blown up by too large a learning
rate (through the weight penalty) get the loss this high while it stays finite."""


class DivergedError(kt.errors.FailedTrialError):
    """A trial's loss or weights became NaN or inf, or its loss exploded (`DIVERGENCE_FACTOR`):
    the trial is recorded as failed and never retried."""


class CourseHyperModel(kt.HyperModel):
    """The course's training recipe with its hyperparameters as a search space.

    Builds the recipe's model (`deeper.recipes.models`) and optimizer from the
    trial's values and trains it with the trial's batch size on a pre-batched
    `tf.data` pipeline. A trial whose loss or weights become non-finite stops
    at once (as Keras's `TerminateOnNaN` does, without its print) and raises
    `DivergedError`, a KerasTuner `FailedTrialError`: the oracle records it as
    failed, never retries it, and the search goes on.

    Args:
        dataset: a `deeper.components.data.Dataset`.
        model: `"cnn"` or `"mlp"`. Defaults to `"cnn"`.
        space: dict overriding entries of the default space: a scalar fixes
            the value (`{"depth": 2}`), a `(low, high)` tuple narrows a numeric
            range keeping its sampling (`{"learning_rate": (1e-4, 1e-2)}`), a
            list restricts the choices (`{"optimizer": ["adam", "nesterov"]}`),
            and a callable `hp -> value` replaces the definition
            (`{"width": lambda hp: hp.Int("width", 8, 128, step=2, sampling="log")}`).
            Defaults to `None` (the default space).
        extend: a callable `(hp, config) -> None` run after the default space
            is drawn: it may define new hyperparameters with `hp` and change
            `config` (the builder's and optimizer's arguments: `depth`, `width`,
            `kernel_size`, `pooling`, `activation`, `init`, `l1`, `l2`, `dropout`, `batch_norm`,
            `standardize`, `optimizer`, `learning_rate`, `optimizer_args`,
            `schedule`, `schedule_args`, `batch_size`). Defaults to `None`.
        epochs: maximum epochs of a trial (the schedules' horizon). Defaults to 20.
        steps_per_execution: training steps per call into the graph. Defaults to 8.
        seed: seeds the weights, dropout and shuffling of every trial. Defaults to 0.
        reuse_models: reuse the compiled model of an earlier trial of the same
            signature (`reuse`), same weights as a fresh build. Defaults to True.

    Example:

    ```python
    hypermodel = CourseHyperModel(ds, space={"depth": 3, "optimizer": ["adam"]})
    ```
    """

    def __init__(self, dataset, *, model="cnn", space=None, extend=None, epochs=20,
                 steps_per_execution=8, seed=0, reuse_models=True):
        super().__init__(name=f"course_{model}")
        declared.TUNE["model"].check(model)
        space = dict(space or {})
        unknown = sorted(set(space) - set(DEFAULT_SPACE))
        if unknown:
            raise ValueError(f"`space` has unknown names {unknown}: the default space has "
                             f"{list(DEFAULT_SPACE)} (add new ones with `extend`). "
                             f"Received: space={space!r}")
        architecture.check_space(model, space)
        for name, value in space.items():  # fixed values, choices and range ends
            if name in declared.TRAIN and not callable(value):
                for one in (value if isinstance(value, (list, tuple)) else [value]):
                    declared.TRAIN[name].check(one)
        if extend is not None and not callable(extend):
            raise TypeError(f"`extend` must be a callable (hp, config) -> None. "
                            f"Received: extend={extend!r}")
        self.dataset, self.model, self.space, self.extend = dataset, model, space, extend
        self.epochs, self.steps_per_execution, self.seed = epochs, steps_per_execution, seed
        self.timings = {}  # filled by build and fit: seconds of the last trial's phases
        self.cache = reuse.ModelCache() if reuse_models else None

    # -- the space --------------------------------------------------------------------
    def _hp(self, hp, name, default_kind, *args, parent=None, **kwargs):
        """Define `name` from the default or the user's override."""
        cond = {"parent_name": parent[0], "parent_values": list(parent[1])} if parent else {}
        override = self.space.get(name, _MISSING)
        if callable(override):
            return override(hp)
        if override is _MISSING:
            return getattr(hp, default_kind)(name, *grid.top_kept(default_kind, args, kwargs),
                                             **kwargs, **cond)
        if isinstance(override, tuple):
            if default_kind not in ("Int", "Float") or len(override) != 2:
                raise ValueError(f"`space[{name!r}]` must be a value, a list of choices or a "
                                 f"callable (a (low, high) tuple is for numeric ranges). "
                                 f"Received: {override!r}")
            low, high = override
            kw = dict(kwargs)
            if not low <= kw.get("default", low) <= high:  # keep the recipe's default if inside
                kw.pop("default")
            if default_kind == "Int" and kw.get("sampling") == "log" and low * 2 > high:
                kw.pop("step", None)
                kw["sampling"] = "linear"
            return getattr(hp, default_kind)(name, *grid.top_kept(default_kind, (low, high), kw),
                                             **kw, **cond)
        if isinstance(override, list):
            default = kwargs.get("default")
            return hp.Choice(name, override, **cond,
                             **({"default": default} if default in override else {}))
        return hp.Fixed(name, override, **cond)

    def _declared(self, hp, name, *, parent=None, **bounds):
        """Define `name` from its declared option's space (`declared.TRAIN`)."""
        option = declared.TRAIN[name]
        kind, low, high, kwargs = option.space
        kwargs = {"default": option.default, **kwargs, **{k: v for k, v in bounds.items()
                                                          if k == "default"}}
        low, high = bounds.get("low", low), bounds.get("high", high)
        if kind == "Choice":
            return self._hp(hp, name, kind, list(low), parent=parent, **kwargs)
        if kind == "Boolean":
            return self._hp(hp, name, kind, parent=parent, **kwargs)
        return self._hp(hp, name, kind, low, high, parent=parent, **kwargs)

    def starting_points(self):
        """Changes to the space's defaults that the search tries first, in order: none (the
        recipe itself), then, for 1-D signals, `augment=True` (the recipe with `augment_1d`,
        the course's input-side remedy for overfitting: on MNIST-1D it lifts the recipe's
        test accuracy from 0.979 to 0.989 at 40 epochs, RESULTS.md). The oracle leaves out
        a change whose hyperparameter `space` fixes."""
        points = [{}]
        if inputs.is_signal(self.dataset.x_train):
            points.append({"augment": True})
        return points

    def draw(self, hp):
        """Define the space on `hp` and return the resolved configuration dict."""
        c = architecture.draw(self, hp, inputs.draw(self, hp, {}))
        c["activation"] = self._declared(hp, "activation")
        c["init"] = INIT_FOR.get(c["activation"], models.default_init(c["activation"]))
        # Conditional hyperparameters are all declared on every draw (the space is whole
        # from the first build); KerasTuner returns None for one whose condition is off.
        self._hp(hp, "regularizer", "Choice", ["l2", "l1", "l1_l2"], default="l2")
        c["l2"] = self._declared(hp, "l2", parent=("regularizer", ["l2", "l1_l2"])) or 0.0
        c["l1"] = self._declared(hp, "l1", parent=("regularizer", ["l1", "l1_l2"])) or 0.0
        # KerasTuner's stepped floats carry 0.30000000000000004
        c["dropout"] = round(self._declared(hp, "dropout"), 6)
        for name in ("batch_norm", "optimizer", "learning_rate"):
            c[name] = self._declared(hp, name)
        conditional = {
            "momentum": ("Float", (0.5, 0.99), {"default": 0.9},
                         ("optimizer", ["momentum", "nesterov"])),
            "rho": ("Float", (0.8, 0.99), {"default": 0.9}, ("optimizer", ["rmsprop"])),
            "lr_drop": ("Choice", ([2, 5, 10],), {"default": 10}, ("schedule", ["step"])),
            "decay_rate": ("Float", (0.01, 1.0), {"sampling": "log", "default": 0.1},
                           ("schedule", ["inverse"])),
            "decay_factor": ("Float", (0.8, 0.99), {"default": 0.95},
                             ("schedule", ["exponential"])),
        }
        c["schedule"] = self._declared(hp, "schedule")
        drawn = {name: self._hp(hp, name, kind, *args, parent=parent, **kwargs)
                 for name, (kind, args, kwargs, parent) in conditional.items()}
        c["optimizer_args"] = {k: drawn[k] for k in ("momentum", "rho") if drawn[k] is not None}
        c["schedule_args"] = {k: drawn[k] for k in ("lr_drop", "decay_rate", "decay_factor")
                              if drawn[k] is not None}
        c["batch_size"] = self._declared(hp, "batch_size")
        if self.extend is not None:
            self.extend(hp, c)
        return c

    # -- build and fit ----------------------------------------------------------------
    def build(self, hp):
        """Build and compile the model of the trial's values (a fresh Keras session); a
        trial of the same signature as a cached one gets that compiled model back, reset
        to its state as built and given this trial's optimizer state
        (`reuse.ModelCache`): nothing is built, compiled or traced again."""
        import time

        start = time.perf_counter()
        c = self.draw(hp)
        ds = self.dataset
        steps = -(-len(ds.x_train) // min(c["batch_size"], len(ds.x_train)))
        lr = decay_schedule(c["schedule"], c["learning_rate"], steps_per_epoch=steps,
                            epochs=self.epochs, **c["schedule_args"])
        traced = {k: v for k, v in c.items() if k != "augment"}  # augmentation: tf.data
        key = reuse.signature(traced, isinstance(lr, float))
        net = None
        if self.cache is not None:
            net = self.cache.reuse(key, lambda: compiling.make_optimizer(
                c["optimizer"], lr, **c["optimizer_args"]))
        if net is None:
            # Layer-name counters and graphs do not pile up; Python's own collector frees
            # the old models (a full gc.collect() per trial took 0.6 s on 2 cores). Not
            # for a reused model: on TensorFlow it also empties the kernel cache, which
            # its compiled functions would then fill again (0.3-0.6 s of the first epoch).
            keras.backend.clear_session(free_memory=False)
            keras.utils.set_random_seed(self.seed)
            net = models.build(self.model, ds.x_train, ds.num_classes, seed=self.seed,
                               **{k: c[k] for k in declared.MODEL if k not in ("model",)})
            compiling.compile_recipe(net, c["optimizer"], lr,
                                     steps_per_execution=self.steps_per_execution,
                                     **c["optimizer_args"])
            reuse.build_compile_state(net, ds.x_train, ds.y_train)
            if self.cache is not None:
                self.cache.store(key, net)
        else:
            reuse.reseed(self.seed)  # the global seeds a fresh trial starts from
        self.timings = {"build_seconds": time.perf_counter() - start}
        return net

    def fit(self, hp, model, *args, epochs=None, callbacks=None, validation_data=None,
            initial_epoch=0, **kwargs):
        """Train `model` with the trial's batch size; raise `DivergedError` on NaN/inf."""
        import time

        import numpy as np

        ds = self.dataset
        batch_size = min(hp.get("batch_size"), len(ds.x_train))  # a small training set: GD
        train = inputs.training_data(
            data.pipeline(ds.x_train, ds.y_train, batch_size=batch_size, seed=self.seed),
            self.draw(hp.copy()), self.seed)
        val = data.pipeline(ds.x_val, ds.y_val, batch_size=min(512, len(ds.x_val)),
                            shuffle=False)
        timer = _EpochTimer()
        start = time.perf_counter()
        history = model.fit(
            train, validation_data=val, epochs=epochs or self.epochs,
            initial_epoch=initial_epoch, shuffle=False, verbose=0,
            callbacks=[_StopOnNonFiniteLoss(), timer, *(callbacks or [])])
        self.timings.update(fit_seconds=time.perf_counter() - start,
                            epoch_seconds=timer.seconds)
        losses = history.history.get("loss", []) + history.history.get("val_loss", [])
        limit = DIVERGENCE_FACTOR * math.log(ds.num_classes)
        finite = all(np.isfinite(v) for v in losses) and all(
            np.isfinite(w).all() for w in model.get_weights())
        if not finite or history.history["loss"][-1] > limit:
            epoch = initial_epoch + len(history.history.get("loss", []))
            what = "became NaN or inf" if not finite else f"exceeded {limit:.0f}"
            raise DivergedError(f"diverged: the loss or the weights {what} by epoch {epoch} "
                                f"(learning_rate={hp.get('learning_rate'):.3g})")
        return history


class _StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Keras's `TerminateOnNaN` without its "Batch N: Invalid loss" print: `fit` then raises
    `DivergedError`, and the trial's own line says how it diverged."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.model.stop_training = True


class _EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds, self._start = [], None

    def on_epoch_begin(self, epoch, logs=None):
        import time

        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        import time

        self.seconds.append(time.perf_counter() - self._start)


_MISSING = object()
