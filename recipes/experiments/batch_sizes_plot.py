"""The figure of `compare_batch_sizes`: loss vs epochs, loss vs seconds, replication costs."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from deeper.recipes.shared import outputs


def plot_batch_sizes(result, path=None):
    """Three panels; returns the `Figure` (and saves it to `path` when given)."""
    r = result.replication
    fig = Figure(figsize=(15 if r else 10, 4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 3 if r else 2)
    for size, curve in result.curves.items():
        label = "full batch (GD)" if size == "full" else f"batch size {size}"
        axes[0].plot(curve["epoch"], curve["loss"], marker=".", label=label)
        axes[1].plot(curve["seconds"][1:], curve["loss"][1:], marker=".", label=label)
    for ax, xlabel in zip(axes, ("epoch", "training wall time (s)")):
        ax.set_xlabel(xlabel)
        ax.set_ylabel("training loss (whole training set)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_title(f"plain SGD, constant learning rate {result.config['learning_rate']}",
                      fontsize=9)
    axes[1].set_xscale("log")
    axes[1].set_title("the same runs against wall time (after each epoch)", fontsize=9)
    if r:
        ax = axes[2]
        n, k = r["examples"], r["copies"]
        labels = [f"GD\n{n} ex.", f"GD\n{n * k} ex.", f"SGD {r['batch_size']}\n{n} ex.",
                  f"SGD {r['batch_size']}\n{n * k} ex."]
        values = [1e3 * s for s in (*r["gd_seconds"], *r["sgd_seconds"])]
        bars = ax.bar(labels, values, color=["C3", "C3", "C0", "C0"])
        for bar, value in zip(bars, values):
            ax.annotate(f"{value:.2f} ms", (bar.get_x() + bar.get_width() / 2, value),
                        ha="center", va="bottom", fontsize=8)
        ax.set_ylabel("time per step (ms, median)")
        ax.set_title(f"data replicated x{k}: GD step x{r['gd_ratio']:.1f}, SGD step "
                     f"x{r['sgd_ratio']:.1f}\n(same full gradient: max diff "
                     f"{r['gradient_max_abs_difference']:.0e})", fontsize=9)
    fig.tight_layout()
    if path is not None:
        outputs.save_figure(fig, path, dpi=100)
    return fig
