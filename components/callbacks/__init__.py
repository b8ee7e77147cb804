"""`deeper` callbacks: resolve a name with `get`, ours first, then Keras's own."""

from deeper.components import registry


def get(identifier, **kwargs):
    """Return the `deeper` callback named `identifier`, configured by `kwargs`."""
    return registry.get("callbacks", identifier, **kwargs)


def names():
    """Names registered by `deeper` for this kind (Keras's own names also work in `get`)."""
    return registry.names("callbacks")
