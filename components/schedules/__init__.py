"""`deeper` learning-rate schedules, stated in epochs.

Resolve a name with `get` (ours first, then Keras's own). Each is Keras's own
schedule with its arguments in epochs (given `steps_per_epoch`), and saves
inside the optimizer of a saved model:

* `Constant` (`"constant"`): eta_0;
* `step_decay(...)`: eta_0 / alpha ** floor(epoch / T), Keras's
  `ExponentialDecay(staircase=True)` (for epoch-level control from a
  callback, see `deeper.components.callbacks.StepDecay`);
* `InverseDecay` (`"inverse_decay"`): eta_0 / (1 + k * epoch), Keras's `InverseTimeDecay`;
* `NaturalExpDecay` (`"natural_exp_decay"`): eta_0 * exp(-k * epoch), Keras's
  `ExponentialDecay`.

`ScaledSchedule` (`"scaled_schedule"`) multiplies any schedule by a factor.

`deeper.recipes.plot_schedule` draws any of them (or any Keras schedule).
"""

from deeper.components import keras_names, registry
from deeper.components.schedules.constant import Constant  # noqa: F401
from deeper.components.schedules.inverse_decay import InverseDecay  # noqa: F401
from deeper.components.schedules.natural_exp_decay import NaturalExpDecay  # noqa: F401
from deeper.components.schedules.scaled_schedule import ScaledSchedule  # noqa: F401
from deeper.components.schedules.step_decay import step_decay  # noqa: F401


def get(identifier, **kwargs):
    """Return the schedule named `identifier` (ours or Keras's), configured by `kwargs`."""
    return keras_names.get("schedules", identifier, **kwargs)


def names():
    """Names registered by `deeper` for schedules."""
    return registry.names("schedules")
