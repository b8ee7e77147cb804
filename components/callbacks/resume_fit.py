"""`resume_fit`: `model.fit` that continues exactly from an `ExactCheckpoint`."""

from __future__ import annotations

import keras

from deeper.components.callbacks.exact_checkpoint import ExactCheckpoint
from deeper.components.data.numpy_batches import NumpyBatches
from deeper.components.validation import check_number, check_type


def _is_dataset(x):
    """A `tf.data.Dataset` or `data.numpy_batches` (both reshuffle keyed on the epoch)."""
    if isinstance(x, NumpyBatches):
        return True
    try:
        import tensorflow as tf
    except ImportError:  # no TensorFlow: NumPy input only
        return False
    return isinstance(x, tf.data.Dataset)


def _first_batch(x, y, batch_size):
    if isinstance(x, NumpyBatches):
        xb, yb = x[0]
        return xb, yb, None
    if _is_dataset(x):
        element = tuple(next(iter(x)))
        return element[0], element[1], element[2] if len(element) > 2 else None
    return x[:batch_size], y[:batch_size], None


def _build_metrics(model, x, y, batch_size):
    """Create the compiled metrics' variables (Keras builds them at the first step)."""
    xb, yb, wb = _first_batch(x, y, batch_size)
    model.compute_metrics(xb, yb, model(xb, training=False), wb)


def _skip(x, y, batches, batch_size):
    if _is_dataset(x):
        return x.skip(batches), None
    start = batches * batch_size
    return x[start:], y[start:]


def resume_fit(model, x, y=None, *, epochs, checkpoint, callbacks=None, batch_size=None,
               **fit_kwargs):
    """Run `model.fit(x, y, epochs=epochs, ...)`, continuing exactly from `checkpoint`.

    Without a checkpoint file this is one `model.fit` call with `checkpoint`
    appended to `callbacks`. With one, the model, optimizer, metric and
    callback states and the history are restored, then

    1. if the checkpoint is inside epoch e after b batches: `fit(x.skip(b),
       initial_epoch=e, epochs=e + 1)` finishes that epoch (the same batches,
       with the same keys, as the uninterrupted run);
    2. `fit(x, initial_epoch=e', epochs=epochs)` runs the remaining epochs,
       restoring the callbacks again after their `on_train_begin` resets.

    A finished run (stopped early, or all epochs done) is not trained again.

    Args:
        model: a compiled `keras.Model`, built as the checkpointed one was.
        x: the training input: a `tf.data.Dataset` yielding the same batches
            every run (deeper's `data.pipeline`, `augment`, `augment_1d`,
            `HardExampleSampler.dataset`), `data.numpy_batches`, or NumPy arrays with
            `shuffle=False` (and `batch_size`).
        y: targets for array input. Defaults to None.
        epochs: the total number of epochs of the run.
        checkpoint: the `ExactCheckpoint`; its `data` defaults to `x`.
        callbacks: the other callbacks; their state is saved and restored.
            Defaults to None.
        batch_size: for array input. Defaults to None.
        **fit_kwargs: passed to `model.fit` (`validation_data`, `verbose`, ...).

    Returns:
        A `keras.callbacks.History` whose `history` holds every epoch once.

    Example:

    ```python
    checkpoint = callbacks.ExactCheckpoint(os.path.join(out, "checkpoint"), every_n_steps=100)
    history = callbacks.resume_fit(model, train, epochs=20, checkpoint=checkpoint,
                                   callbacks=[stop, decay], validation_data=val)
    ```
    """
    check_type("model", model, keras.Model, description="a compiled keras.Model")
    check_type("checkpoint", checkpoint, ExactCheckpoint,
               description="a deeper.components.callbacks.ExactCheckpoint")
    epochs = check_number("epochs", epochs, low=1, integer=True)
    for name in ("initial_epoch", "epochs", "steps_per_epoch"):
        if name in fit_kwargs:
            raise TypeError(f"`{name}` must not be given to resume_fit (it is the checkpoint's "
                            f"to decide). Received: {name}={fit_kwargs[name]!r}")
    if not _is_dataset(x):
        if fit_kwargs.get("shuffle", True) or batch_size is None:
            raise ValueError("Array input must come with shuffle=False and a batch_size (Keras's "
                             "shuffle of arrays is not keyed on the epoch, so it cannot resume "
                             "exactly); or pass a dataset from data.pipeline. Received: "
                             f"shuffle={fit_kwargs.get('shuffle', True)}, batch_size={batch_size}")
    others = [cb for cb in callbacks or () if cb is not checkpoint]
    if checkpoint.callbacks is None:
        checkpoint.callbacks = others
    if checkpoint.data is None and _is_dataset(x):
        checkpoint.data = x
    every = others + [checkpoint]
    fit = dict(fit_kwargs, callbacks=every, batch_size=batch_size)
    if _is_dataset(x):
        fit.setdefault("shuffle", False)  # the dataset shuffles itself
    state = checkpoint.load()
    if state is None:
        return model.fit(x, y, epochs=epochs, **fit)
    epoch, batch = state["epoch"], state["batch"]
    if batch:
        _build_metrics(model, x, y, batch_size)
        checkpoint._resume = state
        model.fit(*_skip(x, y, batch, batch_size), initial_epoch=epoch, epochs=epoch + 1, **fit)
        state, epoch = checkpoint.load(), epoch + 1
    if not state["stopped"] and epoch < epochs:
        checkpoint._resume = state
        model.fit(x, y, initial_epoch=epoch, epochs=epochs, **fit)
    elif not batch:  # nothing to train: the final state is the checkpoint's
        checkpoint.set_model(model)
        checkpoint._restore(state)
        last = {key: values[-1] for key, values in checkpoint.history.items() if values}
        for callback in others:  # e.g. EarlyStopping(restore_best_weights=True)
            callback.set_model(model)
            callback.on_train_end(last)
    history = getattr(model, "history", None)
    if not isinstance(history, keras.callbacks.History):
        history = keras.callbacks.History()
        history.set_model(model)
    history.history = {key: list(values) for key, values in checkpoint.history.items()}
    history.epoch = list(range(len(next(iter(history.history.values()), []))))
    return history

