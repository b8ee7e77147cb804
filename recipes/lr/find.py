"""`lr_find`: the learning-rate range test on a recipe's model (`LRFinder` around `fit`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras

from deeper.components import callbacks, rundir
from deeper.components.callbacks.model_tools import rebuild
from deeper.recipes import options as options_
from deeper.recipes.options import declared
from deeper.recipes.shared import compiling, models, outputs, progress
from deeper.recipes.shared.batches import batches
from deeper.recipes.shared.datasets import check_dataset


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
    """The recipe's model `model` with the declared model `options`, or a copy of a
    `keras.Model` holding its weights; with the loss to train it on (a compiled
    model's own loss, else the recipes' sparse categorical cross-entropy)."""
    if isinstance(model, keras.Model):
        loss = getattr(model, "loss", None) or keras.losses.SparseCategoricalCrossentropy()
        return rebuild(model)[0], loss
    if not isinstance(model, str):
        raise TypeError(f"`model` must be 'mlp', 'cnn' or a keras.Model. Received: model={model!r}")
    net = models.build(model, dataset.x_train, dataset.num_classes, seed=seed, **options)
    return net, keras.losses.SparseCategoricalCrossentropy()


@options_.declare(declared.LR_FIND, "dataset")
def lr_find(dataset, *, output_dir=None, **options):
    """Run the learning-rate range test (`LRFinder`) on the recipe's model.

    Builds the model as `train_classifier` does (standardized input, He or
    Glorot initialization, batch norm, dropout, L2), compiles
    it with `optimizer` and trains it for `num_steps` steps while the rate
    grows exponentially from `min_lr` to `max_lr`, stopping at divergence.

    Args:
        dataset: a `deeper.components.data.Dataset`.
        output_dir: where to write `metrics.json` and `lr_find.png` (a directory
            holding anything is refused before training, unless `overwrite=True`;
            each file is written atomically). Defaults to `None`.
        **options: the declared options below; `model` may also be a
            `keras.Model` (a copy is tested, on its compiled loss if it has one).

    Returns:
        An `LRFindResult`.

    Example:

    ```python
    result = recipes.lr_find(data.load("mnist1d"), model="mlp", optimizer="nesterov")
    print(result.summary())
    ```
    """
    dataset = check_dataset(dataset, validation=False)
    o = options_.validate(declared.LR_FIND, options, recipe="lr_find")
    if output_dir is not None:
        rundir.prepare_run_dir(output_dir, overwrite=o["overwrite"], resumable=False)
    model_options = {k: o[k] for k in declared.MODEL if k != "model"}
    model, optimizer, batch_size, seed = o["model"], o["optimizer"], o["batch_size"], o["seed"]
    finder = callbacks.LRFinder(min_lr=o["min_lr"], max_lr=o["max_lr"],
                                num_steps=o["num_steps"], suggestion=o["suggestion"])
    keras.utils.set_random_seed(seed)
    net, loss = build_model(dataset, model, model_options, seed)
    net.compile(optimizer=compiling.make_optimizer(optimizer, finder.min_lr), loss=loss,
                steps_per_execution=1)
    train = batches(dataset.x_train, dataset.y_train, batch_size=batch_size, seed=seed)
    steps_per_epoch = -(-len(dataset.x_train) // batch_size)
    net.fit(train, epochs=-(-finder.num_steps // steps_per_epoch), callbacks=[finder],
            shuffle=False, verbose=progress.fit_verbosity(o["verbose"]))
    name = model if isinstance(model, str) else model.name
    config = {"dataset": dataset.name, "model": name, "optimizer": optimizer,
              "min_lr": finder.min_lr, "max_lr": finder.max_lr, "num_steps": finder.num_steps,
              "batch_size": batch_size, "seed": seed, **model_options}
    result = LRFindResult(
        learning_rates=list(finder.learning_rates), losses=list(finder.losses),
        smoothed=list(finder.smoothed), suggested_learning_rate=finder.suggested_learning_rate,
        suggestions=dict(finder.suggestions), suggestion=finder.suggestion,
        diverged=finder.diverged, config=config, finder=finder,
        output_dir=Path(output_dir) if output_dir is not None else None)
    if output_dir is not None:
        result.plot(result.output_dir / "lr_find.png")
        outputs.write_json(result.output_dir / "metrics.json", {
            "suggested_learning_rate": result.suggested_learning_rate,
            "suggestion": result.suggestion, "suggestions": result.suggestions,
            "diverged": result.diverged, "steps": len(result.learning_rates),
            "learning_rates": result.learning_rates, "losses": result.losses,
            "smoothed_losses": result.smoothed, "config": config, "summary": result.summary()})
    return result
