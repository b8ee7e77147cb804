"""`deeper` initializers: resolve a name with `get`, ours first, then Keras's own."""

from deeper.components import registry


def get(identifier, **kwargs):
    """Return the initializer named `identifier` (ours or Keras's), configured by `kwargs`."""
    return registry.get("initializers", identifier, **kwargs)


def names():
    """Names registered by `deeper` for this kind (Keras's own names also work in `get`)."""
    return registry.names("initializers")
