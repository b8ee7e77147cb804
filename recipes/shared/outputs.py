"""Artifacts a recipe writes: metrics.json, history.csv, learning_curves.png, model.keras.

Every file is written atomically (`rundir.atomic_path`: a temporary file, then
a rename), so a kill never leaves a truncated artifact, and every JSON file is
strict (non-finite numbers as null). A `metrics.json` also records its
`status`, the paths of its non-finite values, and the versions and backend
that produced it (`rundir.versions`).
"""

from __future__ import annotations

import csv
from pathlib import Path

# A Figure with its own Agg canvas: no pyplot, so importing a recipe never switches
# the user's backend (a notebook keeps showing its figures inline).
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from deeper.components import rundir


def save_figure(fig, path, *, dpi=100):
    """Save `fig` to `path` atomically (a temporary file, then a rename); returns the path.

    The format comes from the suffix (`.png` when there is none)."""
    path = Path(path)
    with rundir.atomic_path(path) as temporary:
        fig.savefig(temporary, dpi=dpi, format=path.suffix.lstrip(".") or "png")
    return path


def write_json(path, payload):
    """Write `payload` as strict, indented JSON, atomically (see the module docstring)."""
    if Path(path).name == "metrics.json" and isinstance(payload, dict):
        payload = metrics_fields(payload)
    rundir.write_json(path, payload)


def metrics_fields(payload):
    """`payload` with non-finite numbers as None and `status`, `non_finite`, `versions`.

    `status` is the payload's own, else `"non_finite"` when a value is NaN or inf,
    else `"ok"`."""
    clean, non_finite = rundir.strict_json(payload)
    clean.pop("versions", None)
    status = payload.get("status") or ("non_finite" if non_finite else "ok")
    return {**clean, "status": status,
            "non_finite": non_finite or clean.get("non_finite") or [],
            "versions": rundir.versions()}


def write_history_csv(path, history):
    """Write a dict of equal-length lists as CSV, one row per epoch."""
    keys = list(history)
    n = max((len(v) for v in history.values()), default=0)
    with rundir.atomic_path(path) as temporary, open(temporary, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["epoch", *keys])
        for i in range(n):
            writer.writerow([i + 1, *(history[k][i] if i < len(history[k]) else "" for k in keys)])


def _drops(rates):
    """The epochs (1-based) that start with a lower learning rate than the one before."""
    return [e + 1 for e in range(1, len(rates or [])) if rates[e] < rates[e - 1]]


def plot_learning_curves(path, history, title="", best_epoch=None):
    """Training vs validation loss and accuracy per epoch, side by side.

    A dashed vertical line marks each learning-rate drop (from `history`'s
    `"learning_rate"`), a dotted one the restored best epoch `best_epoch`.
    """
    fig = Figure(figsize=(10, 4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    for ax, metric in zip(axes, ("loss", "accuracy")):
        epochs = range(1, len(history.get(metric, [])) + 1)
        if metric in history:
            ax.plot(epochs, history[metric], label="training")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], label="validation")
        for i, epoch in enumerate(_drops(history.get("learning_rate"))):
            ax.axvline(epoch - 0.5, color="tab:gray", linestyle="--", linewidth=1,
                       label="learning-rate drop" if i == 0 else None)
        if best_epoch is not None:
            ax.axvline(best_epoch, color="tab:green", linestyle=":", linewidth=1.5,
                       label=f"restored best (epoch {best_epoch})")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0].set_yscale("log")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


def write_run(run):
    """Write a `Run`'s metrics, history, learning curves and model into `run.output_dir`."""
    out = Path(run.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    val_loss = [v if v == v else float("inf") for v in run.history.get("val_loss", [])]
    best_epoch = int(min(range(len(val_loss)), key=val_loss.__getitem__)) + 1 if val_loss else None
    restored = best_epoch if run.config.get("early_stopping") and run.divergence is None else None
    with rundir.atomic_path(out / "model.keras") as temporary:
        run.model.save(temporary)
    write_history_csv(out / "history.csv", run.history)
    plot_learning_curves(out / "learning_curves.png", run.history, best_epoch=restored,
                         title=f"{run.config['model']} on {run.config['dataset']}")
    write_json(out / "metrics.json", {  # last: a complete metrics.json means a complete run
        "status": run.status,
        "test_accuracy": run.test_metrics["accuracy"],
        "test_loss": run.test_metrics["loss"],
        "published_accuracy": run.published,
        "epochs_run": len(run.history.get("loss", [])),
        "best_epoch": best_epoch,
        "restored_epoch": restored,
        "divergence": run.divergence,
        "train_seconds": round(run.seconds, 3),
        "config": run.config,
        "history": run.history,
        "summary": run.summary(),
    })
