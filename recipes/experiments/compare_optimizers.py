"""Every optimizer on 2-D test surfaces from one start: `compare_optimizers`."""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np
from keras import ops
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from deeper.components import optimizers as opt
from deeper.components.diagnostics import autodiff
from deeper.components.optimizers.surfaces import noise_sequence
from deeper.components.optimizers.surfaces import surface as get_surface
from deeper.components.validation import check_number
from deeper.recipes.shared import outputs, progress

FIRST_ORDER = ("momentum", "nesterov", "adagrad", "rmsprop", "adam", "lbfgs")
SECOND_ORDER = ("newton", "hessian_free")
ALL = FIRST_ORDER + SECOND_ORDER


def _numpy(tensor):
    return np.asarray(ops.convert_to_numpy(tensor), dtype="float64")


class _NoisyObjective(opt.Objective):
    """`fn(w) + noise . w`, `noise` a NumPy vector set before each step: the linear term is
    added exactly to the value and gradient (the Hessian is `fn`'s), so the compiled
    derivatives of `fn` are traced once on every backend."""

    noise = np.zeros(2)

    def value(self, w):
        return super().value(w) + float(np.dot(self.noise, np.ravel(w)))

    def value_and_grad(self, w):
        f, g = super().value_and_grad(w)
        return f + float(np.dot(self.noise, np.ravel(w))), g + self.noise


@dataclasses.dataclass
class Comparison:
    """The result of `compare_optimizers` on one surface.

    Attributes:
        surface: the `Surface`.
        trajectories: name -> array (steps + 1, 2) of the points visited.
        losses: name -> array (steps + 1,) of f(w) - f(minimum) (noise-free).
        learning_rates: name -> the rate used (None for the damped methods).
    """

    surface: object
    trajectories: dict
    losses: dict
    learning_rates: dict

    @property
    def final_losses(self):
        return {k: float(v[-1]) for k, v in self.losses.items()}

    def table(self):
        """One row per optimizer, best first: final gap, distance to the minimum, steps to
        gap < 1e-3."""
        rows = []
        for name, gap in self.losses.items():
            below = np.nonzero(gap < 1e-3)[0]
            end = self.trajectories[name][-1]
            rows.append({
                "optimizer": name,
                "learning_rate": self.learning_rates[name],
                "final_gap": float(gap[-1]),
                "distance": float(np.linalg.norm(end - np.asarray(self.surface.minimum))),
                "steps_to_1e-3": int(below[0]) if below.size else None,
            })
        # ties (several at f - f* = 0) go to the one that got below 1e-3 first
        return sorted(rows, key=lambda r: (math.isnan(r["final_gap"]), r["final_gap"],
                                           r["steps_to_1e-3"] or math.inf))

    def summary(self):
        lines = [f"{self.surface.name}: f = {self.surface.formula}, start {self.surface.start}",
                 f"{'optimizer':<14}{'lr':>8}{'final f - f*':>14}{'|w - w*|':>11}"
                 f"{'steps to 1e-3':>15}"]
        for r in self.table():
            lr = "-" if r["learning_rate"] is None else f"{r['learning_rate']:g}"
            steps = "-" if r["steps_to_1e-3"] is None else str(r["steps_to_1e-3"])
            lines.append(f"{r['optimizer']:<14}{lr:>8}{r['final_gap']:>14.3g}"
                         f"{r['distance']:>11.3g}{steps:>15}")
        return "\n".join(lines)

    def _draw(self, fig, upto=None):
        s = self.surface
        ax, curve = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        (x0, x1), (y0, y1) = s.bounds
        if getattr(self, "_grid", None) is None:  # computed once (an animation redraws)
            gx, gy = np.meshgrid(np.linspace(x0, x1, 160), np.linspace(y0, y1, 160))
            z = _numpy(s.fn(ops.convert_to_tensor(np.stack([gx, gy]))))
            self._grid = gx, gy, z - s.minimum_value
        gx, gy, z = self._grid
        levels = np.geomspace(max(z.min(), 1e-3), z.max(), 25)
        ax.contour(gx, gy, np.maximum(z, 1e-3), levels=levels, cmap="Greys", linewidths=0.6,
                   norm="log")
        colors = dict(zip(ALL, ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C9")))
        for name, path in self.trajectories.items():
            p = path if upto is None else path[:upto + 1]
            style = "--" if name == "hessian_free" else "-"  # often on Newton's path
            ax.plot(p[:, 0], p[:, 1], style, color=colors.get(name), lw=1.4, label=name,
                    marker="." if len(p) < 60 else None, ms=3)
            ax.plot(p[-1, 0], p[-1, 1], "o", color=colors.get(name), ms=4)
            gap = self.losses[name] if upto is None else self.losses[name][:upto + 1]
            curve.semilogy(np.maximum(gap, 1e-16), style, color=colors.get(name), label=name)
        ax.plot(*s.start, "k^", ms=8, label="start")
        ax.plot(*s.minimum, "k*", ms=12, label="minimum")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(f"{s.name}: {s.formula}", fontsize=9)
        ax.legend(fontsize=7, loc="best")
        steps = len(next(iter(self.losses.values()))) - 1
        curve.set_xlim(0, steps)
        curve.set_xlabel("step")
        curve.set_ylabel("f(w) - f(w*)  (noise-free)")
        curve.grid(alpha=0.3)
        curve.set_title("loss gap vs step", fontsize=9)
        fig.tight_layout()

    def plot(self, path=None):
        """Trajectories on the contour plot and loss-gap curves; saved to `path` if given."""
        fig = Figure(figsize=(12, 5))
        FigureCanvasAgg(fig)
        self._draw(fig)
        if path is not None:
            outputs.save_figure(fig, path, dpi=110)
        return fig

    def animate(self, path, frames=30, fps=6):
        """An animated GIF of the trajectories (matplotlib's PillowWriter)."""
        from matplotlib.animation import PillowWriter

        fig = Figure(figsize=(10, 4.2))
        FigureCanvasAgg(fig)
        steps = len(next(iter(self.losses.values()))) - 1
        marks = sorted({int(round(t)) for t in np.linspace(1, steps, min(frames, steps))})
        writer = PillowWriter(fps=fps)
        with writer.saving(fig, str(path), dpi=80):
            for t in marks:
                fig.clear()
                self._draw(fig, upto=t)
                writer.grab_frame()
        return path


def compare_optimizers(surface="rosenbrock", optimizers=ALL, steps=200, learning_rates=None,
                       seed=0, verbose="auto"):
    """Run each optimizer from the surface's start for `steps` steps; return a `Comparison`.

    First-order methods (Keras's SGD with momentum / Nesterov, Adagrad, RMSprop,
    Adam, through `deeper.components.optimizers.get`) and our stochastic `LBFGS`
    take `steps` `apply_gradients` steps on a 2-vector; `Newton` and
    `HessianFree` take `steps` damped steps with the exact Hessian / HVPs. On
    the noisy quadratic every method sees the same seeded noise at step t.

    Args:
        surface: a surface name (see `deeper.components.optimizers.surfaces`).
            Defaults to "rosenbrock".
        optimizers: the names to run. Defaults to all eight.
        steps: the number of steps, >= 1. Defaults to 200.
        learning_rates: name -> rate, overriding the surface's defaults. Defaults to None.
        seed: the noise seed. Defaults to 0.
        verbose: 0 is silent; otherwise one line per optimizer as it finishes.
            Defaults to `"auto"`.

    Example:

    >>> result = compare_optimizers("rosenbrock", steps=100)
    >>> print(result.summary()); result.plot("rosenbrock.png")
    """
    s = get_surface(surface) if isinstance(surface, str) else surface
    steps = check_number("steps", steps, low=1, integer=True)
    unknown = [n for n in optimizers if n not in ALL]
    if unknown or not optimizers:
        raise ValueError(f"`optimizers` must be a non-empty list of {', '.join(ALL)}. "
                         f"Received: optimizers={list(optimizers)!r}")
    rates = {**s.learning_rates, **(learning_rates or {})}
    xi = noise_sequence(steps, s.noise, seed) if s.noise else np.zeros((steps, 2))
    trajectories, losses, used = {}, {}, {}
    for name in optimizers:
        w = np.array(s.start, dtype="float64")
        path = [w.copy()]
        if name in SECOND_ORDER:
            method = opt.get(name)
            objective = _NoisyObjective(s.fn, w)
            used[name] = None
            for t in range(steps):
                objective.noise = xi[t]
                f, g = objective.value_and_grad(w)
                w = method.step(objective, w, f, g).w
                path.append(w.copy())
        else:
            optimizer = opt.get(name, learning_rate=rates[name])
            used[name] = rates[name]
            with autodiff.precision("float64"):
                var = keras.Variable(w, dtype="float64")
                gradient = autodiff.value_and_grad(lambda args: s.fn(args[0]))
                for t in range(steps):
                    # the noisy objective f(w) + xi . w has gradient grad f(w) + xi
                    grad = gradient([var.value])[1][0] + ops.convert_to_tensor(xi[t], "float64")
                    optimizer.apply_gradients([(grad, var)])
                    path.append(_numpy(var.value))
        path = np.array(path)
        trajectories[name] = path
        with autodiff.precision("float64"):
            values = [float(s.fn(ops.convert_to_tensor(p, "float64"))) for p in path]
        losses[name] = np.array(values) - s.minimum_value
        progress.say(verbose, f"compare-optimizers {getattr(s, 'name', surface)}: {name} "
                     f"f - f* = {losses[name][-1]:.3g} after {steps} steps")
    return Comparison(s, trajectories, losses, used)
