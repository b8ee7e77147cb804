"""`deeper` components: layers, initializers, regularizers, losses, optimizers,
schedules, callbacks and data tools that drop into any Keras 3 model.

Every component is registered for Keras serialization under the package
``deeper`` and by string name for its kind's ``get``. Importing any part of
``deeper.components`` registers all of them, so a saved model that uses one
loads after a plain ``import deeper.components``.

Each component declares its argument constraints once (``_parameter_constraints``,
see ``deeper.components.constraints``); they are checked when it is built, by
name or from a saved file. ``deeper.components.saving.load_model`` loads a
``.keras`` file after checking its archive, every value in its configuration
and the finiteness of its weights.
"""

from deeper.components import registry, validation  # noqa: F401, I001  (first: used below)
from deeper.components import (  # noqa: F401
    callbacks,
    data,
    diagnostics,
    initializers,
    layers,
    losses,
    optimizers,
    regularizers,
    saving,
    schedules,
)
