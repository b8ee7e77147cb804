"""Shared pieces of `benchmarks/claims.py`: settings, one training run, spreads, verdicts.

Everything here goes through the public API (`recipes.train_classifier`,
`deeper.components.*`), so it survives the recipes' re-layout.
"""

from __future__ import annotations

import dataclasses
import statistics

import numpy as np

from deeper import recipes
from deeper.components import data, optimizers

REPRODUCED, NOT_REPRODUCED, MIXED = "reproduced", "not reproduced", "mixed"


@dataclasses.dataclass(frozen=True)
class Settings:
    """How big the experiments are: `full()` for the table, `quick()` for the test."""

    seeds: tuple = (0, 1, 2)
    epochs: int = 20          # the default length of one training run
    train_examples: int | None = None   # None: the whole training split
    quick: bool = False

    @classmethod
    def full(cls, seeds=(0, 1, 2)):
        return cls(seeds=tuple(seeds))

    @classmethod
    def quick_settings(cls):
        return cls(seeds=(0,), epochs=2, train_examples=600, quick=True)

    def scaled(self, epochs):
        """`epochs` in the full run, 2 in the quick one."""
        return min(epochs, self.epochs) if self.quick else epochs


@dataclasses.dataclass
class Row:
    """One line of the claims table, and the per-setting numbers behind it."""

    key: str
    claim: str
    experiment: str
    figure: str
    verdict: str
    reading: str
    details: str = ""


def load(name, settings, seed=0):
    """`data.load(name)`, its training split cut to `settings.train_examples` if set."""
    ds = data.load(name)
    n = settings.train_examples
    if n is None or n >= len(ds.x_train):
        return ds
    pick = np.sort(np.random.default_rng(seed).permutation(len(ds.x_train))[:n])
    return data.Dataset(x_train=ds.x_train[pick], y_train=ds.y_train[pick], x_val=ds.x_val,
                        y_val=ds.y_val, x_test=ds.x_test, y_test=ds.y_test,
                        num_classes=ds.num_classes, name=ds.name, published=ds.published)


def train(ds, *, seed, epochs, learning_rate=0.05, optimizer="nesterov", constant=True,
          **options):
    """One `recipes.train_classifier` MLP run; returns `(run, measures)`.

    `constant=True` passes an optimizer instance at a constant `learning_rate`
    (the recipe then applies no step decay); otherwise the recipe's own
    schedule. Unless given, batch norm, dropout, L2 and early stopping are off,
    so one option at a time can be switched on. `measures` adds the training
    accuracy in inference mode (dropout off), which `history["accuracy"]`
    (measured during the epoch, dropout on) is not.
    """
    options = {"model": "mlp", "batch_norm": False, "dropout": 0.0, "l2": 0.0,
               "early_stopping": None, **options}
    if constant:
        options["optimizer"] = optimizers.get(optimizer, learning_rate=learning_rate)
    else:
        options.update(optimizer=optimizer, learning_rate=learning_rate)
    run = recipes.train_classifier(ds, epochs=epochs, seed=seed, **options)
    train_metrics = run.model.evaluate(ds.x_train, ds.y_train, batch_size=1024, verbose=0,
                                       return_dict=True)
    measures = {"train_accuracy": float(train_metrics["accuracy"]),
                "val_accuracy": run.history["val_accuracy"][-1],
                "test_accuracy": run.test_metrics["accuracy"],
                "seconds_per_epoch": run.seconds / len(run.history["loss"])}
    return run, measures


def first_epoch(curve, reached):
    """1-based index of the first epoch where `reached(value)` holds, or None."""
    return next((i + 1 for i, v in enumerate(curve) if reached(v)), None)


def spread(values, fmt="{:.3f}"):
    """'mean (min-max)' over seeds; 'value' for a single seed; None entries counted apart."""
    got = [v for v in values if v is not None]
    if not got:
        return "not reached"
    text = fmt.format(statistics.mean(got))
    if len(got) > 1:
        text += f" ({fmt.format(min(got))}-{fmt.format(max(got))})"
    if len(got) < len(values):
        text += f", {len(got)}/{len(values)} seeds"
    return text


def epochs_text(values, horizon):
    """Epochs to a target over seeds: 'mean (min-max)', with runs that never got there."""
    got = [v for v in values if v is not None]
    if not got:
        return f"not in {horizon}"
    text = spread(got, "{:.1f}") if len(got) > 1 else f"{got[0]:g}"
    missed = len(values) - len(got)
    return text + (f", {missed} of {len(values)} not in {horizon}" if missed else "")


def direction(differences, margin=0.0):
    """Verdict from per-seed differences where > margin means 'the claim holds'."""
    diffs = [d for d in differences if d is not None]
    if not diffs:
        return NOT_REPRODUCED
    if all(d > margin for d in diffs):
        return REPRODUCED
    if statistics.mean(diffs) > margin:
        return MIXED
    return NOT_REPRODUCED


def table(header, rows):
    """A Markdown table from a header tuple and row tuples."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
