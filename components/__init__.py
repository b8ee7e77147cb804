"""`deeper` components: layers, initializers, regularizers, losses, optimizers,
schedules, callbacks and data tools that drop into any Keras 3 model.

Every component is registered for Keras serialization under the package
``deeper`` and by string name for its kind's ``get``.
"""

from deeper.components import registry, validation  # noqa: F401
