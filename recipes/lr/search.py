"""`lr_search`: the course's coarse-to-fine learning-rate search on a subset."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from deeper.components import data, rundir
from deeper.components.validation import check_number
from deeper.recipes import options as options_
from deeper.recipes.lr import plots as lr_plots
from deeper.recipes.options import declared
from deeper.recipes.shared import outputs, progress
from deeper.recipes.shared.datasets import check_dataset
from deeper.recipes.train.classifier import train_classifier

METRICS = declared.LR_SEARCH["metric"].choices


@dataclasses.dataclass
class LRSearchResult:
    """What `lr_search` returns.

    Attributes:
        best_learning_rate: the rate with the best `metric` over all trials.
        trials: one dict per trial: `learning_rate`, `stage` ("coarse" or
            "fine"), `val_loss`, `val_accuracy` (best epoch), `diverged`.
        metric: what "best" means (`"val_loss"`: lowest; `"val_accuracy"`: highest).
        config: the resolved arguments.
        output_dir: where `metrics.json` and `lr_search.png` went, or `None`.
    """

    best_learning_rate: float
    trials: list
    metric: str
    config: dict
    output_dir: Path | None = None

    def summary(self) -> str:
        """One line stating the best rate and its score."""
        best = next(t for t in self.trials if t["learning_rate"] == self.best_learning_rate)
        return (f"best learning rate {self.best_learning_rate:.3g} ({self.metric} "
                f"{best[self.metric]:.4f} after {self.config['epochs']} epochs on "
                f"{self.config['subset_size']} examples; {len(self.trials)} trials)")

    def table(self) -> str:
        """The trials as a Markdown table, in the order they ran."""
        rows = ["| stage | learning rate | val loss | val accuracy |", "|---|---|---|---|"]
        rows += [f"| {t['stage']} | {t['learning_rate']:.3g} | {t['val_loss']:.4f} | "
                 f"{t['val_accuracy']:.3f} |" for t in self.trials]
        return "\n".join(rows)

    def plot(self, path):
        """Draw `metric` against the rate for the coarse and fine trials into a PNG."""
        return lr_plots.plot_lr_search(path, self.trials, self.best_learning_rate, self.metric)


def _subset(dataset, size, seed):
    """`size` training examples drawn with `seed`; validation split whole, as test too."""
    pick = np.sort(np.random.default_rng(seed).permutation(len(dataset.x_train))[:size])
    return data.Dataset(
        x_train=dataset.x_train[pick], y_train=dataset.y_train[pick], x_val=dataset.x_val,
        y_val=dataset.y_val, x_test=dataset.x_val, y_test=dataset.y_val,
        num_classes=dataset.num_classes, name=f"{dataset.name} subset", published={})


def _trial(small, rate, stage, metric, verbose, settings):
    """One constant-rate `train_classifier` run; its best epoch by `metric`, announced."""
    run = train_classifier(small, learning_rate=rate, lr_drop=1.0, early_stopping=None,
                           verbose=0, **settings)
    losses = [v if math.isfinite(v) else math.inf for v in run.history["val_loss"]]
    best = int(np.argmin(losses)) if metric == "val_loss" else int(
        np.nanargmax(run.history["val_accuracy"]))
    row = {"learning_rate": float(rate), "stage": stage,
           "val_loss": float(run.history["val_loss"][best]),
           "val_accuracy": float(run.history["val_accuracy"][best]),
           "diverged": not all(math.isfinite(v) for v in run.history["loss"])}
    progress.say(verbose, f"lr_search {stage} trial: learning rate {rate:.3g}, "
                 f"val_loss {row['val_loss']:.4f}, val_accuracy {row['val_accuracy']:.3f}"
                 + (" (diverged)" if row["diverged"] else ""))
    return row


def _fine_rates(rates, coarse_best, fine_points):
    """`fine_points` rates log-spaced around the best coarse rate, up to the geometric
    midpoints with its neighbours (one grid step further at either end of `rates`)."""
    if not fine_points:
        return []
    i = rates.index(coarse_best)
    upper = rates[i - 1] if i > 0 else coarse_best * (rates[0] / rates[1])
    lower = rates[i + 1] if i + 1 < len(rates) else coarse_best * (rates[-1] / rates[-2])
    below, above = fine_points // 2, fine_points - fine_points // 2
    return [*np.geomspace(math.sqrt(lower * coarse_best), coarse_best, below + 1)[:-1],
            *np.geomspace(coarse_best, math.sqrt(upper * coarse_best), above + 1)[1:]]


def _score(trial, metric):
    value = trial[metric]
    if not math.isfinite(value):
        return math.inf
    return value if metric == "val_loss" else -value


@options_.declare(declared.LR_SEARCH, "dataset")
def lr_search(dataset, *, rates=(1e-1, 1e-2, 1e-3, 1e-4), output_dir=None, **options):
    """Coarse-to-fine search of the learning rate on a smaller subset, few epochs each.

    The course's practice: first try log-spaced rates (`rates`: 1e-1, 1e-2,
    ...) for a few epochs on a subset of the training data, keep the best by
    the validation `metric` (its best epoch), then try `fine_points` rates
    log-spaced around it, half below and half above (the odd one above), up
    to the geometric midpoints with its neighbours (best / sqrt(10) and
    best * sqrt(10) for decade-spaced `rates`; at either end of `rates`, the
    missing neighbour is one grid step further), and return the best of all. Each
    trial is `train_classifier` with a constant rate (no step decay, no early
    stopping), the same seed, and the other `train_classifier` options.

    Args:
        dataset: a `deeper.components.data.Dataset`.
        rates: the coarse rates, each > 0, at least 2. Defaults to
            `(1e-1, 1e-2, 1e-3, 1e-4)`.
        output_dir: where to write `metrics.json` and `lr_search.png` (a directory
            holding anything is refused before training, unless `overwrite=True`;
            each file is written atomically). Defaults to `None`.
        **options: the declared options below (`subset` counts training
            examples; the validation split is used whole), and other
            `train_classifier` options (`width`, `l2`, ...).

    Returns:
        An `LRSearchResult`.

    Example:

    ```python
    result = recipes.lr_search(data.load("mnist1d"), model="mlp", epochs=5)
    print(result.table()); print(result.summary())
    ```
    """
    dataset = check_dataset(dataset)
    rates = list(rates) if not isinstance(rates, (str, bytes)) and hasattr(rates, "__iter__") \
        else rates
    if not isinstance(rates, list) or len(rates) < 2:
        raise ValueError(f"`rates` must be a list of at least 2 learning rates. "
                         f"Received: rates={rates!r}")
    rates = sorted((check_number("rates", r, low=0, low_open=True) for r in rates),
                   reverse=True)
    train_options = {k: v for k, v in options.items() if k not in declared.LR_SEARCH}
    o = options_.validate(declared.LR_SEARCH, {k: v for k, v in options.items()
                                               if k in declared.LR_SEARCH}, recipe="lr_search")
    model, optimizer, fine_points, subset, epochs, batch_size, metric, seed = (o[k] for k in (
        "model", "optimizer", "fine_points", "subset", "epochs", "batch_size", "metric", "seed"))
    n = len(dataset.x_train)
    size = min(n, int(round(subset * n)) if subset <= 1 else int(subset))
    if size < 2:
        raise ValueError(f"`subset` must keep at least 2 training examples. "
                         f"Received: subset={subset!r} of {n}")
    for fixed in ("learning_rate", "lr_drop", "early_stopping", "schedule"):
        if fixed in train_options:
            raise TypeError(f"`{fixed}` is set by lr_search itself. Received: {fixed}="
                            f"{train_options[fixed]!r}")
    if output_dir is not None:
        rundir.prepare_run_dir(output_dir, overwrite=o["overwrite"], resumable=False)
    small = _subset(dataset, size, seed)
    settings = {"model": model, "optimizer": optimizer, "epochs": epochs,
                "batch_size": batch_size, "seed": seed, **train_options}
    trials = [_trial(small, r, "coarse", metric, o["verbose"], settings) for r in rates]
    coarse_best = min(trials, key=lambda t: _score(t, metric))["learning_rate"]
    trials += [_trial(small, r, "fine", metric, o["verbose"], settings)
               for r in _fine_rates(rates, coarse_best, fine_points)]
    best = min(trials, key=lambda t: _score(t, metric))
    config = {"dataset": dataset.name, "model": model, "optimizer": optimizer,
              "rates": rates, "fine_points": fine_points, "subset_size": size,
              "epochs": epochs, "batch_size": batch_size, "metric": metric, "seed": seed,
              **train_options}
    result = LRSearchResult(best_learning_rate=best["learning_rate"], trials=trials,
                            metric=metric, config=config,
                            output_dir=Path(output_dir) if output_dir is not None else None)
    if output_dir is not None:
        result.plot(result.output_dir / "lr_search.png")
        outputs.write_json(result.output_dir / "metrics.json", {
            "best_learning_rate": result.best_learning_rate, "trials": trials,
            "config": config, "summary": result.summary()})
    return result
