"""`lr_find`: the learning-rate range test on a recipe's model (`LRFinder` around `fit`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras

from deeper.components import callbacks, data, optimizers
from deeper.components.validation import check_choice, check_number, check_seed
from deeper.recipes import models, outputs
from deeper.recipes.classifier import _check_dataset, _resolve

MODEL_OPTIONS = ("width", "depth", "activation", "init", "l2", "dropout", "batch_norm",
                 "standardize")


@dataclasses.dataclass
class LRFindResult:
    """What `lr_find` returns.

    Attributes:
        learning_rates, losses, smoothed: the range test's curve, one entry per step.
        suggested_learning_rate: the rate of the chosen `suggestion`.
        suggestions: `{"min_div_10": ..., "steepest": ...}`.
        suggestion: which one `suggested_learning_rate` is.
        diverged: whether the test stopped on divergence before `num_steps`.
        config: the resolved arguments.
        output_dir: where `metrics.json` and `lr_find.png` went, or `None`.
    """

    learning_rates: list
    losses: list
    smoothed: list
    suggested_learning_rate: float | None
    suggestions: dict
    suggestion: str
    diverged: bool
    config: dict
    output_dir: Path | None = None
    finder: callbacks.LRFinder | None = dataclasses.field(default=None, repr=False)

    def summary(self) -> str:
        """One line stating the suggested rate."""
        if self.suggested_learning_rate is None:
            return "no suggested learning rate: the loss never decreased (lower --min-lr)"
        return (f"suggested learning rate {self.suggested_learning_rate:.3g} "
                f"({self.suggestion.replace('_', ' ').replace('div', '/')} of the range test, "
                f"{self.config['optimizer']}, {len(self.learning_rates)} steps)")

    def plot(self, path):
        """Draw the range test into a PNG."""
        return self.finder.plot(path, title=f"LR range test: {self.config['model']} on "
                                f"{self.config['dataset']}, {self.config['optimizer']}")


def build_model(dataset, model, options, seed):
    """The recipe's model (`models.BUILDERS[model]`) with `options`, not compiled."""
    check_choice("model", model, tuple(models.BUILDERS))
    unknown = set(options) - set(MODEL_OPTIONS)
    if unknown:
        raise TypeError(f"`{sorted(unknown)[0]}` is not a model option; the options are "
                        f"{', '.join(MODEL_OPTIONS)}. Received: {sorted(unknown)}")
    kwargs = {k: v for k, v in options.items() if v is not None}
    return models.BUILDERS[model](dataset.x_train, dataset.num_classes, seed=seed, **kwargs)


def lr_find(dataset, *, model="mlp", optimizer="nesterov", min_lr=1e-6, max_lr=10.0,
            num_steps=200, batch_size=64, suggestion="min_div_10", seed=0, output_dir=None,
            verbose=0, **model_options):
    """Run the learning-rate range test (`LRFinder`) on the recipe's model.

    Builds the model as `train_classifier` does (standardized input, He or
    Glorot initialization, batch norm, dropout, L2: `model_options`), compiles
    it with `optimizer` and trains it for `num_steps` steps while the rate
    grows exponentially from `min_lr` to `max_lr`, stopping at divergence.

    Args:
        dataset: a `deeper.components.data.Dataset`.
        model: `"mlp"` or `"cnn"`. Defaults to `"mlp"`.
        optimizer: a `deeper.components.optimizers` name. Defaults to `"nesterov"`.
        min_lr, max_lr: the ramp's ends. Defaults to 1e-6 and 10.
        num_steps: steps of the ramp, >= 2. Defaults to 200.
        batch_size: Defaults to 64.
        suggestion: `"min_div_10"` or `"steepest"` (see `LRFinder`). Defaults
            to `"min_div_10"`.
        seed: Defaults to 0.
        output_dir: where to write `metrics.json` and `lr_find.png`. Defaults to `None`.
        verbose: Keras `fit` verbosity. Defaults to 0.
        **model_options: `width`, `depth`, `activation`, `init`, `l2`,
            `dropout`, `batch_norm`, `standardize`, as in `train_classifier`.

    Returns:
        An `LRFindResult`.

    Example:

    ```python
    result = recipes.lr_find(data.load("mnist1d"), model="mlp", optimizer="nesterov")
    print(result.summary())
    ```
    """
    dataset = _check_dataset(dataset)
    _resolve("optimizer", optimizer, optimizers.get)
    batch_size = check_number("batch_size", batch_size, low=1, integer=True)
    seed = check_seed("seed", seed)
    finder = callbacks.LRFinder(min_lr=min_lr, max_lr=max_lr, num_steps=num_steps,
                                suggestion=suggestion)
    keras.utils.set_random_seed(seed)
    net = build_model(dataset, model, model_options, seed)
    net.compile(optimizer=optimizers.get(optimizer, learning_rate=finder.min_lr),
                loss=keras.losses.SparseCategoricalCrossentropy(), steps_per_execution=1)
    train = data.pipeline(dataset.x_train, dataset.y_train, batch_size=batch_size, seed=seed)
    steps_per_epoch = -(-len(dataset.x_train) // batch_size)
    net.fit(train, epochs=-(-finder.num_steps // steps_per_epoch), callbacks=[finder],
            shuffle=False, verbose=verbose)
    config = {"dataset": dataset.name, "model": model, "optimizer": optimizer,
              "min_lr": finder.min_lr, "max_lr": finder.max_lr, "num_steps": finder.num_steps,
              "batch_size": batch_size, "seed": seed, **model_options}
    result = LRFindResult(
        learning_rates=list(finder.learning_rates), losses=list(finder.losses),
        smoothed=list(finder.smoothed), suggested_learning_rate=finder.suggested_learning_rate,
        suggestions=dict(finder.suggestions), suggestion=finder.suggestion,
        diverged=finder.diverged, config=config, finder=finder,
        output_dir=Path(output_dir) if output_dir is not None else None)
    if output_dir is not None:
        result.output_dir.mkdir(parents=True, exist_ok=True)
        result.plot(result.output_dir / "lr_find.png")
        outputs.write_json(result.output_dir / "metrics.json", {
            "suggested_learning_rate": result.suggested_learning_rate,
            "suggestion": result.suggestion, "suggestions": result.suggestions,
            "diverged": result.diverged, "steps": len(result.learning_rates),
            "learning_rates": result.learning_rates, "losses": result.losses,
            "smoothed_losses": result.smoothed, "config": config, "summary": result.summary()})
    return result
