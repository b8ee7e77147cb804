"""Claims of the regularization part: L2 and dropout on the gap, dropout and training speed,
early stopping, L1's exact zeros. Used by `benchmarks/claims.py`."""

from __future__ import annotations

import statistics

import numpy as np
from claims_common import (
    MIXED,
    NOT_REPRODUCED,
    REPRODUCED,
    Row,
    direction,
    epochs_text,
    first_epoch,
    spread,
    table,
    train,
)

GAP_CONFIGS = {"none": {}, "L2 1e-3": {"l2": 1e-3}, "dropout 0.5": {"dropout": 0.5}}
WIDTH, TARGET = 256, 0.6   # MLP 40-256-256-10 overfits MNIST-1D (train 1.0, val ~0.63)


def gap_runs(ds, settings):
    """The three configurations of `GAP_CONFIGS` per seed, 30 epochs, constant rate."""
    epochs = settings.scaled(30)
    out = {}
    for name, options in GAP_CONFIGS.items():
        for seed in settings.seeds:
            run, m = train(ds, seed=seed, epochs=epochs, width=WIDTH, **options)
            m["gap"] = m["train_accuracy"] - m["val_accuracy"]
            m["val_loss"] = run.history["val_loss"]
            m["val_curve"] = run.history["val_accuracy"]
            m["to_target"] = first_epoch(m["val_curve"], lambda a: a >= TARGET)
            out.setdefault(name, []).append(m)
    return out, epochs


def gap_claim(runs, epochs):
    none = runs["none"]
    verdicts, parts = [], []
    for name in ("L2 1e-3", "dropout 0.5"):
        diffs = [a["gap"] - b["gap"] for a, b in zip(none, runs[name])]
        verdicts.append(direction(diffs, margin=0.01))
        parts.append(f"{name}: gap {spread([m['gap'] for m in runs[name]])}, val "
                     f"{spread([m['val_accuracy'] for m in runs[name]])}")
    verdict = (REPRODUCED if verdicts == [REPRODUCED] * 2 else
               NOT_REPRODUCED if verdicts == [NOT_REPRODUCED] * 2 else MIXED)
    figure = (f"none: gap {spread([m['gap'] for m in none])}, val "
              f"{spread([m['val_accuracy'] for m in none])}; " + "; ".join(parts))
    mean = lambda ms, k: statistics.mean(m[k] for m in ms)  # noqa: E731
    changes = [f"{name}: gap {mean(none, 'gap'):.2f} -> {mean(runs[name], 'gap'):.2f}, train "
               f"{mean(none, 'train_accuracy'):.3f} -> {mean(runs[name], 'train_accuracy'):.3f}"
               f", val {mean(runs[name], 'val_accuracy') - mean(none, 'val_accuracy'):+.3f}"
               for name in ("L2 1e-3", "dropout 0.5")]
    reading = (f"L2 {verdicts[0]}, dropout {verdicts[1]} (a gap narrower by more than 0.01 in "
               f"every seed counts as reproduced): {'; '.join(changes)}.")
    details = table(("configuration", "train accuracy (dropout off)", "val accuracy",
                     "gap train - val"),
                    [(name, spread([m["train_accuracy"] for m in ms]),
                      spread([m["val_accuracy"] for m in ms]), spread([m["gap"] for m in ms]))
                     for name, ms in runs.items()])
    return Row("l2_dropout_gap", "L2 regularization and dropout reduce overfitting: they narrow "
               "the gap between training and validation accuracy",
               f"MNIST-1D MLP 2x{WIDTH} ReLU, Nesterov 0.05 constant, {epochs} epochs, no BN; "
               "gap = training accuracy (inference mode) - validation accuracy after the last "
               "epoch", figure, verdict, reading, details)


def dropout_speed_claim(runs, epochs):
    none, drop = runs["none"], runs["dropout 0.5"]
    diffs = [(a["to_target"] or epochs + 1) - (b["to_target"] or epochs + 1)
             for a, b in zip(none, drop)]
    verdict = direction(diffs)
    per_epoch = [b["seconds_per_epoch"] / a["seconds_per_epoch"] for a, b in zip(none, drop)]
    figure = (f"epochs to val {TARGET}: none "
              f"{epochs_text([m['to_target'] for m in none], epochs)}, dropout 0.5 "
              f"{epochs_text([m['to_target'] for m in drop], epochs)}; seconds per "
              f"epoch dropout / none {spread(per_epoch, '{:.2f}')}")
    reading = (f"Dropout reached the target {'sooner' if verdict == REPRODUCED else 'not sooner'}"
               f" in every seed ({verdict}), and an epoch with dropout costs "
               f"{statistics.mean(per_epoch):.2f}x one without"
               + ("." if verdict == REPRODUCED else
                  ": its benefit here is the narrower gap (row above), not speed."))
    return Row("dropout_speed", "Dropout \"improves significantly training speed\"",
               f"the same runs as the gap row (none vs dropout 0.5): epochs until the "
               f"validation accuracy first reaches {TARGET}, and the cost of an epoch",
               figure, verdict, reading)


def early_stopping_claim(ds, settings, runs):
    """Patience 5 (restore best) against the validation-loss minimum of the full-length run."""
    epochs = settings.scaled(30)
    rows, deltas, saved = [], [], []
    for seed, full in zip(settings.seeds, runs["none"]):
        run, m = train(ds, seed=seed, epochs=epochs, width=WIDTH, early_stopping=5)
        curve = run.history["val_loss"]
        restored = int(np.argmin(curve)) + 1
        best = int(np.argmin(full["val_loss"])) + 1
        excess = min(curve) / min(full["val_loss"]) - 1
        deltas.append(excess)
        saved.append(epochs - len(curve))
        rows.append((seed, best, f"{min(full['val_loss']):.4f}", len(curve), restored,
                     f"{min(curve):.4f}", f"{full['test_accuracy']:.3f}",
                     f"{m['test_accuracy']:.3f}"))
    verdict = direction([0.02 - d for d in deltas])
    figure = (f"validation loss at the restored epoch / minimum of the full run - 1: "
              f"{spread(deltas, '{:.1%}')}; epochs saved {spread(saved, '{:.0f}')} of {epochs}")
    test_change = [float(r[7]) - float(r[6]) for r in rows]
    reading = (("Within 2% of the full run's validation-loss minimum in every seed" if verdict
                == REPRODUCED else "Not within 2% of the full run's validation-loss minimum in "
                "every seed") + f", {statistics.mean(saved):.0f} of {epochs} epochs saved; but "
               f"the restored weights' test accuracy differs from the full run's last epoch by "
               f"{spread(test_change, '{:+.3f}')}: " + (
                   "the validation loss bottoms out early while the accuracy still improves "
                   "(the network grows overconfident), so stopping on the loss stops too early "
                   "for the accuracy." if statistics.mean(test_change) < 0 else
                   "stopping there costs no accuracy."))
    details = table(("seed", "full run: epoch of min val loss", "min val loss",
                     "early stopping: stopped after", "restored epoch", "its val loss",
                     "test acc, full run (last epoch)", "test acc, early stopping"), rows)
    return Row("early_stopping", "Early stopping stops training near the minimum of the "
               "validation error",
               f"same MLP, no regularization, {epochs} epochs without early stopping vs Keras's "
               "EarlyStopping(patience=5, restore_best_weights=True) on the validation loss",
               figure, verdict, reading, details)


def l1_claim(ds, settings, l1_sparsity):
    """`benchmarks/l1_sparsity.train` (ProximalL1 vs Keras's L1 penalty), plain SGD 0.1."""
    epochs = settings.scaled(20)
    lambdas = (1e-3,) if settings.quick else (1e-3, 3e-3)
    kwargs = {"epochs": epochs, "learning_rate": 0.1, "width": 128, "momentum": 0.0}
    base = [l1_sparsity.train(ds, lam=0.0, prox=False, seed=s, **kwargs)[2]
            for s in settings.seeds]
    rows, prox_ok, penalty_zeros = [("0 (no L1)", "-", "0.0%", "-", spread(base))], [], []
    for lam in lambdas:
        for prox in (True, False):
            got = [l1_sparsity.train(ds, lam=lam, prox=prox, seed=s, **kwargs)
                   for s in settings.seeds]
            zeros = [g[0] for g in got]
            acc = [g[2] for g in got]
            if prox:
                prox_ok.append(all(z > 0.05 for z in zeros)
                               and statistics.mean(base) - statistics.mean(acc) < 0.02)
            else:
                penalty_zeros += zeros
            rows.append((f"{lam:g}", "ProximalL1" if prox else "L1 penalty",
                         spread(zeros, "{:.1%}"), spread([g[1] for g in got], "{:.1%}"),
                         spread(acc)))
    verdict = (REPRODUCED if any(prox_ok) and max(penalty_zeros) > 0.05 else
               MIXED if any(prox_ok) else NOT_REPRODUCED)
    prox_rows = [r for r in rows if r[1] == "ProximalL1"]
    figure = "; ".join(f"lambda {r[0]}: prox {r[2]} zeros, test {r[4]}" for r in prox_rows) + (
        f"; penalty: at most {max(penalty_zeros):.1%} exact zeros; no L1: test {spread(base)}")
    reading = (f"Exact zeros come only from the soft-threshold step: {figure.split('; penalty')[0]}"
               f" (no L1: {spread(base)}); the penalty (Keras's `L1`, SGD on lambda sign(w)) "
               f"steps over 0 and leaves at most {max(penalty_zeros):.1%}, at the same accuracy "
               "as the prox at equal lambda. Verdict rule: >5% exact zeros in every seed at an "
               "accuracy cost under 2 points, for each method.")
    details = table(("lambda", "method", "exact zeros", "abs(w) < 1e-4", "test accuracy"), rows)
    return Row("l1_sparsity", "L1 regularization gives sparse weights: many become exactly 0",
               f"`benchmarks/l1_sparsity.py`'s run: MNIST-1D MLP 2x128 ReLU, plain SGD 0.1, "
               f"{epochs} epochs; share of kernel weights exactly 0 and test accuracy",
               figure, verdict, reading, details)
