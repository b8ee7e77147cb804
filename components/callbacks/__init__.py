"""`deeper` callbacks and babysitting checks: resolve a name with `get`, ours first,
then Keras's own.

Callbacks (each survives `copy.deepcopy` and resets its state in `on_train_begin`):

* `GradientCheck` (`"gradient_check"`): autodiff vs finite differences during training;
* `TrainValGapMonitor` (`"train_val_gap_monitor"`): logs and warns on the train/validation gap;
* `GapEarlyStopping` (`"gap_early_stopping"`): Keras's `EarlyStopping`, also stopping on the gap;
* `NaNGuard` (`"nan_guard"`): stops at the first NaN, names the layer, keeps the good weights;
* `StepDecay` (`"step_decay"`): eta_0 / drop ** floor(epoch / T), right after a resume;
* `LRFinder` (`"lr_finder"`): the learning-rate range test (Smith 2017), with a suggested rate;
* `ExactCheckpoint` (`"exact_checkpoint"`): checkpoints every epoch and N steps, atomically,
  all the state (random, input position, callbacks) `resume_fit` needs to continue exactly;
* `HardExampleMining` (`"hard_example_mining"`): re-scores the training examples and makes a
  `data.HardExampleSampler` draw the hard ones more often.

`resume_fit(model, x, epochs=..., checkpoint=...)` continues a run from its `ExactCheckpoint`.

The checks `gradient_check`, `signal_variance` and `find_nonfinite` live in
`deeper.components.diagnostics` (they are functions, not callbacks); they are
re-exported here, and their old module paths (`deeper.components.callbacks.
model_tools`, ...) still import, for code written before the move.
"""

import importlib
import sys

from deeper.components import diagnostics, keras_names, registry
from deeper.components.callbacks.exact_checkpoint import ExactCheckpoint  # noqa: F401
from deeper.components.callbacks.gap_early_stopping import GapEarlyStopping  # noqa: F401
from deeper.components.callbacks.gradient_check_callback import (  # noqa: F401
    GradientCheck,
    GradientCheckError,
)
from deeper.components.callbacks.hard_example_mining import HardExampleMining  # noqa: F401
from deeper.components.callbacks.lr_finder import LRFinder  # noqa: F401
from deeper.components.callbacks.nan_guard import NaNGuard  # noqa: F401
from deeper.components.callbacks.resume_fit import resume_fit  # noqa: F401
from deeper.components.callbacks.step_decay import StepDecay  # noqa: F401
from deeper.components.callbacks.train_val_gap_monitor import TrainValGapMonitor  # noqa: F401
from deeper.components.diagnostics import (  # noqa: F401
    GradientCheckResult,
    NonFiniteResult,
    SignalVarianceResult,
    find_nonfinite,
    gradient_check,
    signal_variance,
)

# The modules moved to `diagnostics`: their old paths resolve to the new modules.
for _module in ("find_nonfinite", "gradient_check", "model_tools", "signal_variance"):
    sys.modules[f"{__name__}.{_module}"] = importlib.import_module(
        f"{diagnostics.__name__}.{_module}")


def get(identifier, **kwargs):
    """Return the `deeper` callback named `identifier`, configured by `kwargs`."""
    return keras_names.get("callbacks", identifier, **kwargs)


def names():
    """Names registered by `deeper` for this kind (Keras's own names also work in `get`)."""
    return registry.names("callbacks")
