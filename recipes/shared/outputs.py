"""Artifacts a recipe writes: metrics.json, history.csv, learning_curves.png, model.keras."""

from __future__ import annotations

import csv
import json
from pathlib import Path

# A Figure with its own Agg canvas: no pyplot, so importing a recipe never switches
# the user's backend (a notebook keeps showing its figures inline).
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


def write_json(path, payload):
    """Write `payload` as indented JSON."""
    Path(path).write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")


def write_history_csv(path, history):
    """Write a dict of equal-length lists as CSV, one row per epoch."""
    keys = list(history)
    n = max((len(v) for v in history.values()), default=0)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["epoch", *keys])
        for i in range(n):
            writer.writerow([i + 1, *(history[k][i] if i < len(history[k]) else "" for k in keys)])


def plot_learning_curves(path, history, title=""):
    """Training vs validation loss and accuracy per epoch, side by side."""
    fig = Figure(figsize=(10, 4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    for ax, metric in zip(axes, ("loss", "accuracy")):
        epochs = range(1, len(history.get(metric, [])) + 1)
        if metric in history:
            ax.plot(epochs, history[metric], label="training")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0].set_yscale("log")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write_run(run):
    """Write a `Run`'s metrics, history, learning curves and model into `run.output_dir`."""
    out = Path(run.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    val_loss = run.history.get("val_loss", [])
    best_epoch = int(min(range(len(val_loss)), key=val_loss.__getitem__)) + 1 if val_loss else None
    write_json(out / "metrics.json", {
        "test_accuracy": run.test_metrics["accuracy"],
        "test_loss": run.test_metrics["loss"],
        "published_accuracy": run.published,
        "epochs_run": len(run.history.get("loss", [])),
        "best_epoch": best_epoch,
        "train_seconds": round(run.seconds, 3),
        "config": run.config,
        "summary": run.summary(),
    })
    write_history_csv(out / "history.csv", run.history)
    plot_learning_curves(out / "learning_curves.png", run.history,
                         title=f"{run.config['model']} on {run.config['dataset']}")
    run.model.save(out / "model.keras")
