"""`deeper` components: layers, initializers, regularizers, losses, optimizers,
schedules, callbacks and data tools that drop into any Keras 3 model.

Every component is registered for Keras serialization under the package
``deeper`` and by string name for its kind's ``get``. Importing any part of
``deeper.components`` registers all of them, so a saved model that uses one
loads after a plain ``import deeper.components``.
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
    schedules,
)
