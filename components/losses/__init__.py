"""`deeper` losses: resolve a name with `get`, ours first, then Keras's own."""

from deeper.components import registry


def get(identifier, **kwargs):
    """Return the loss named `identifier` (ours or Keras's), configured by `kwargs`."""
    return registry.get("losses", identifier, **kwargs)


def names():
    """Names registered by `deeper` for this kind (Keras's own names also work in `get`)."""
    return registry.names("losses")
