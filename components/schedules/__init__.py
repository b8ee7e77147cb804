"""`deeper` learning-rate schedules, stated in epochs.

Resolve a name with `get` (ours first, then Keras's own); `step_decay` builds
the course's "divide by `alpha` every `T` epochs" from Keras's
`ExponentialDecay(staircase=True)`.
"""

from deeper.components import registry
from deeper.components.schedules.step_decay import step_decay  # noqa: F401


def get(identifier, **kwargs):
    """Return the schedule named `identifier` (ours or Keras's), configured by `kwargs`."""
    return registry.get("schedules", identifier, **kwargs)


def names():
    """Names registered by `deeper` for schedules."""
    return registry.names("schedules")
