"""Plots of learning rates: any schedule over epochs, a coarse-to-fine LR search.

(The LR range test draws itself: `LRFinder.plot`.)

Figures are drawn on a `Figure` with its own Agg canvas (as in `outputs.py`):
importing this never switches the user's matplotlib backend.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import keras
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from deeper.components.validation import check_bool, check_number
from deeper.recipes.shared import outputs


def _figure(size=(6, 4)):
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


def schedule_values(schedule, steps):
    """The learning rate of `schedule` (a float, a Keras schedule, or a callable) at `steps`."""
    if isinstance(schedule, numbers.Real) and not isinstance(schedule, bool):
        return np.full(len(steps), float(schedule))
    if not callable(schedule):
        raise TypeError("`schedule` must be a number, a keras.optimizers.schedules."
                        f"LearningRateSchedule or a callable of the step. Received: {schedule!r}")
    return np.array([float(keras.ops.convert_to_numpy(schedule(int(t)))) for t in steps])


def plot_schedule(schedule, path, *, epochs, steps_per_epoch, log_scale=True, title=None):
    """Draw one schedule, or several `{label: schedule}`, against the epoch, into a PNG.

    Args:
        schedule: a float, a `keras.optimizers.schedules.LearningRateSchedule`
            (ours or Keras's), a callable of the step, or a dict of them by label.
        path: where to write the PNG.
        epochs: epochs on the x axis, >= 1.
        steps_per_epoch: optimizer steps per epoch, >= 1.
        log_scale: logarithmic learning-rate axis. Defaults to `True`.
        title: Defaults to `"learning-rate schedule"`.

    Returns:
        The path written, as a `Path`.

    Example:

    ```python
    from deeper.components import schedules
    from deeper.recipes import plot_schedule
    plot_schedule({"inverse": schedules.InverseDecay(0.1, decay=0.5, steps_per_epoch=100),
                   "step": schedules.step_decay(0.1, drop=10, every_epochs=10,
                                                steps_per_epoch=100)},
                  "schedules.png", epochs=30, steps_per_epoch=100)
    ```
    """
    epochs = check_number("epochs", epochs, low=1, integer=True)
    steps_per_epoch = check_number("steps_per_epoch", steps_per_epoch, low=1, integer=True)
    log_scale = check_bool("log_scale", log_scale)
    curves = schedule if isinstance(schedule, dict) else {type(schedule).__name__: schedule}
    total = epochs * steps_per_epoch
    steps = np.unique(np.linspace(0, total - 1, min(total, 600)).astype(int))
    fig, ax = _figure()
    for label, item in curves.items():
        ax.plot(steps / steps_per_epoch, schedule_values(item, steps), label=str(label))
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    if log_scale:
        ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    ax.set_title(title or "learning-rate schedule")
    fig.tight_layout()
    path = Path(path)
    outputs.save_figure(fig, path, dpi=100)
    return path


def plot_lr_search(path, trials, best, metric="val_loss", title=None):
    """Coarse and fine trials of a learning-rate search: `metric` against the rate."""
    fig, ax = _figure()
    for stage, marker in (("coarse", "o"), ("fine", "s")):
        points = sorted((t["learning_rate"], t[metric]) for t in trials if t["stage"] == stage)
        if points:
            rates, values = zip(*points)
            ax.plot(rates, values, marker=marker, label=f"{stage} trials")
    ax.axvline(best, color="C3", linestyle="--", label=f"best {best:.2g}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel(metric.replace("_", " "))
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    ax.set_title(title or "learning-rate search (coarse to fine)")
    fig.tight_layout()
    outputs.save_figure(fig, path, dpi=100)
    return Path(path)
