"""`HardExampleMining`: re-scores the training examples and updates a `HardExampleSampler`."""

from __future__ import annotations

import keras
import numpy as np

from deeper.components.constraints import InstanceOf, Integer, Satisfies
from deeper.components.data.hard_example_sampler import HardExampleSampler
from deeper.components.diagnostics import model_tools
from deeper.components.registry import register


def _per_example(loss):
    """A function (y_true, y_pred) -> per-example losses, from a Keras loss name/object/function."""
    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except ValueError:
            raise ValueError(f"`loss` must be a Keras loss name (such as 'mse'). "
                             f"Received: loss={loss!r}") from None
    if isinstance(loss, keras.losses.Loss):
        return loss.call  # the per-example hook, before the reduction
    if callable(loss):
        return loss
    raise TypeError("`loss` must be a Keras loss (name, `keras.losses.Loss` or function) of "
                    "a single-output model, or None for the model's compiled loss. "
                    f"Received: loss={loss!r}")


# A 4-feature, 3-class sampler for the conformance suite's callback check.
_EXAMPLE_SAMPLER = HardExampleSampler(
    np.linspace(-1.0, 1.0, 128, dtype="float32").reshape(32, 4), np.arange(32) % 3, batch_size=8)


@register(
    "callbacks", "hard_example_mining",
    example={"sampler": _EXAMPLE_SAMPLER, "every": 1, "loss": None, "batch_size": 1024,
             "verbose": 0},
    serializable=False,
)
class HardExampleMining(keras.callbacks.Callback):
    """Records every training example's loss and makes a `HardExampleSampler` prefer hard ones.

    Every `every` epochs, at the epoch's end, the callback re-scores all the
    sampler's examples with the current model in inference mode (one forward
    pass, about a third of a training epoch's compute) and sets

        p_i = (1 - mix) * min(l_i, q) / sum_j min(l_j, q) + mix / N,  q = quantile(l, cap)

    (see `HardExampleSampler`), which the next epoch's draws use. A fresh pass
    rather than the losses met during the epoch: `fit` does not expose
    per-example losses, those would be stale by up to an epoch of updates, and
    examples not drawn would have none. `on_train_begin` resets the sampler to
    uniform and the records, so one instance serves several `fit` calls; a
    deep copy (KerasTuner copies callbacks per trial) shares the sampler, which
    is data, not callback state, so the copy still drives the dataset that
    `fit` reads. `losses` holds the last recorded losses, `scored_epochs` the
    epochs they were recorded at; the epoch's logs get `hard_example_top_share`,
    the probability mass of the 10% hardest examples (0.1 under uniform).

    Args:
        sampler: the `deeper.components.data.HardExampleSampler` whose
            `dataset` is passed to `fit`.
        every: re-score every this many epochs (>= 1). Defaults to 1.
        loss: the per-example loss, a Keras loss name, `keras.losses.Loss` or
            function; None uses the model's compiled loss (one output). Defaults
            to None.
        batch_size: batch size of the scoring pass. Defaults to 1024.
        verbose: 1 prints a line per re-scoring. Defaults to 0.

    Example:

    ```python
    sampler = data.HardExampleSampler(ds.x_train, ds.y_train, batch_size=64)
    model.fit(sampler.dataset, epochs=20, shuffle=False,
              callbacks=[callbacks.HardExampleMining(sampler, every=2)])
    ```

    References:
        Loshchilov & Hutter, "Online Batch Selection for Faster Training of
        Neural Networks" (2015); Katharopoulos & Fleuret, "Not All Samples Are
        Created Equal" (ICML 2018).
    """

    _parameter_constraints = {
        "sampler": InstanceOf(HardExampleSampler, "a deeper.components.data.HardExampleSampler"),
        "every": Integer(low=1), "loss": Satisfies(
            lambda name, value: (_per_example(value), value)[1], "a Keras loss",
            allow_none=True, bad=[3, 1.5, True, "no_such_loss", ""]),
        "batch_size": Integer(low=1), "verbose": Integer(low=0)}

    def __init__(self, sampler, every=1, loss=None, batch_size=1024, verbose=0):
        super().__init__()
        self.sampler = sampler
        self.every = every
        if loss is not None:
            _per_example(loss)
        self.loss = loss
        self.batch_size = batch_size
        self.verbose = verbose
        self.losses = None
        self.scored_epochs = []

    def get_config(self):
        return {"sampler": self.sampler, "every": self.every, "loss": self.loss,
                "batch_size": self.batch_size, "verbose": self.verbose}

    def __deepcopy__(self, memo):
        memo[id(self.sampler)] = self.sampler  # shared: the dataset fit reads depends on it
        return model_tools.copy_callback(self, memo)

    def on_train_begin(self, logs=None):
        self.sampler.reset()
        self.losses = None
        self.scored_epochs = []

    def score(self):
        """Per-example losses of the sampler's examples under the current model (float64)."""
        loss = self.loss if self.loss is not None else self.model.loss
        if loss is None or isinstance(loss, (list, tuple, dict)):
            raise TypeError("`loss` must be given to HardExampleMining for a model compiled "
                            "without a single loss. Received: loss=None "
                            f"(the model's loss is {loss!r})")
        predictions = self.model.predict(self.sampler.scoring_dataset(self.batch_size),
                                         verbose=0)
        values = _per_example(loss)(keras.ops.convert_to_tensor(self.sampler.y),
                                    keras.ops.convert_to_tensor(predictions))
        values = np.asarray(keras.ops.convert_to_numpy(values), dtype="float64")
        return values.reshape(len(self.sampler.x), -1).mean(axis=1)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        self.losses = self.score()
        self.scored_epochs.append(epoch)
        p = self.sampler.update(self.losses)
        top = np.sort(p)[::-1][: max(1, len(p) // 10)].sum()
        if logs is not None:
            logs["hard_example_top_share"] = float(top)
        if self.verbose:
            print(f"Epoch {epoch + 1}: re-scored {len(p)} examples; the 10% hardest now "
                  f"draw {top:.0%} of the samples.")
