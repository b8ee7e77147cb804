"""The report of a search: trials.csv, objective.png, hyperparameters.png, metrics.json,
result.txt."""

from __future__ import annotations

import csv
import json
import math
import os

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from deeper.recipes.shared import outputs


def trial_rows(oracle, project_dir):
    """One dict per trial, in trial-id order: id, status, score, timings, values, message."""
    rows = []
    for trial_id in sorted(oracle.trials):
        trial = oracle.trials[trial_id]
        timings = {}
        path = os.path.join(project_dir, f"trial_{trial_id}", "timings.json")
        if os.path.exists(path):
            with open(path) as f:
                timings = json.load(f)
        message = (trial.message or "").strip().splitlines()
        rows.append({
            "trial_id": trial_id,
            "status": trial.status,
            "score": trial.score,
            "best_epoch": trial.best_step,
            "seconds": timings.get("trial_seconds"),
            "build_seconds": timings.get("build_seconds"),
            "fit_seconds": timings.get("fit_seconds"),
            "epoch_seconds": timings.get("epoch_seconds"),
            "tuner_id": timings.get("tuner_id"),
            "values": dict(trial.hyperparameters.values),
            "message": message[-1] if message else "",
        })
    return rows


def write_trials_csv(path, rows):
    """Write the trial table: fixed columns, then one column per hyperparameter."""
    names = []
    for row in rows:
        names += [k for k in row["values"] if k not in names]
    fixed = ["trial_id", "status", "score", "best_epoch", "seconds", "build_seconds",
             "fit_seconds", "tuner_id"]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*fixed, *names, "message"])
        for row in rows:
            writer.writerow([*(_cell(row[k]) for k in fixed),
                             *(_cell(row["values"].get(n)) for n in names), row["message"]])


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


def plot_objective(path, rows, objective):
    """Objective of each trial in order, the running best, and failed trials marked."""
    fig = Figure(figsize=(7, 4))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    done = [(i, r["score"]) for i, r in enumerate(rows) if r["score"] is not None]
    failed = [i for i, r in enumerate(rows) if r["status"] == "FAILED"]
    if done:
        ax.plot(*zip(*done), "o", color="C0", label="trial")
        best, running = -math.inf, []
        for i, score in done:
            best = max(best, score)
            running.append((i, best))
        ax.step(*zip(*running), where="post", color="C1", label="best so far")
    if failed:
        low = min((s for _, s in done), default=0.0)
        ax.plot(failed, [low] * len(failed), "x", color="C3", label="failed (diverged)")
    ax.set_xlabel("trial (in creation order)")
    ax.set_xlim(-0.5, max(len(rows), 1) - 0.5)  # one or two trials: no fractional ticks
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(objective)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    outputs.save_figure(fig, path, dpi=100)


def plot_hyperparameters(path, rows, objective):
    """One scatter per hyperparameter: its value against the trial's objective."""
    done = [r for r in rows if r["score"] is not None]
    names = []
    for row in rows:
        names += [k for k in row["values"] if k not in names and not k.startswith("tuner/")]
    # A hyperparameter that kept one value (fixed by the user) says nothing here.
    names = [n for n in names if len({str(r["values"].get(n)) for r in done
                                      if n in r["values"]}) > 1]
    if len(done) < 3 or not names:  # too few points for a scatter: a table of the trials
        _trial_table(path, rows, objective)
        return
    cols = min(4, len(names))
    nrows = -(-len(names) // cols)
    fig = Figure(figsize=(3.2 * cols, 2.6 * nrows))
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        points = [(r["values"][name], r["score"]) for r in done if name in r["values"]]
        ax.set_title(name, fontsize=9)
        ax.grid(alpha=0.3)
        if not points:
            continue
        xs, ys = zip(*points)
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs):
            ax.plot(xs, ys, "o", alpha=0.7)
            if min(xs) > 0 and max(xs) / min(xs) >= 10:
                ax.set_xscale("log")
        else:
            labels = sorted({str(x) for x in xs})
            ax.plot([labels.index(str(x)) for x in xs], ys, "o", alpha=0.7)
            ax.set_xticks(range(len(labels)), labels, fontsize=7, rotation=20)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    for ax in axes[::cols]:
        ax.set_ylabel(objective, fontsize=8)
    fig.tight_layout()
    outputs.save_figure(fig, path, dpi=90)


def _trial_table(path, rows, objective):
    """The values and objective of each trial as text (fewer than 3 finished trials)."""
    lines = [f"{len(rows)} trial(s): too few finished trials to plot {objective} against "
             "each hyperparameter"]
    for r in rows:
        score = "-" if r["score"] is None else f"{r['score']:.4f}"
        values = " ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in r["values"].items() if not k.startswith("tuner/"))
        lines.append(f"trial {r['trial_id']} {r['status']} {objective} {score}")
        lines += [values[i:i + 110] for i in range(0, len(values), 110)]
    fig = Figure(figsize=(9, 0.3 * len(lines) + 0.6))
    FigureCanvasAgg(fig)
    fig.text(0.02, 0.98, "\n".join(lines), va="top", family="monospace", fontsize=8)
    outputs.save_figure(fig, path, dpi=90)


def write_report(result, objective):
    """Write the whole report of a `TuneResult` into its `output_dir`."""
    out = result.output_dir
    write_trials_csv(out / "trials.csv", result.trials)
    plot_objective(out / "objective.png", result.trials, objective)
    plot_hyperparameters(out / "hyperparameters.png", result.trials, objective)
    outputs.write_json(out / "metrics.json", {
        "best_score": result.best_score,
        "best_hyperparameters": result.best_hyperparameters,
        "retrained_val_accuracy": result.val_accuracy,
        "test_accuracy": result.test_metrics.get("accuracy"),
        "test_loss": result.test_metrics.get("loss"),
        "published_accuracy": result.published,
        "default_score": result.default_score,
        "best_model_needs_deeper": result.needs_deeper,
        "trials": len(result.trials),
        "completed": sum(r["status"] == "COMPLETED" for r in result.trials),
        "failed": sum(r["status"] == "FAILED" for r in result.trials),
        "seconds": round(result.seconds, 3),
        "summary": result.summary(),
    })
    (out / "result.txt").write_text(result.summary() + "\n")
