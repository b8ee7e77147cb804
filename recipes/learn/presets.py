"""The recipes that produce the shipped presets of `LearnedOptimizer`, and their file format.

`make_preset("quadratic", output_dir)` runs `meta_train` with exactly the settings
in `RECIPES` (seed included) and writes `<output_dir>/<name>.json`, the file shipped
as `deeper/components/optimizers/presets/<name>.json`:

    {"phi": [...5141 float32 numbers...], "p": 10.0, "output_scale": 0.1,
     "recipe": {...}, "best_validation": ..., "best_iteration": ..., "wall_time_s": ...}
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from deeper.components.validation import check_choice
from deeper.recipes.learn import tasks
from deeper.recipes.learn.meta_train import meta_train

RECIPES = {
    "quadratic": {"task": "quadratic", "task_args": {"problems": 32}, "meta_iterations": 1500,
                  "meta_learning_rate": 3e-3, "validate_every": 50, "validation_problems": 4,
                  "validation_metric": "sum", "steps": 100, "unroll": 20, "seed": 0},
    "mlp": {"task": "mlp", "task_args": {"nets": 2}, "meta_iterations": 500,
            "meta_learning_rate": 5e-3, "output_scale": 1.0, "validate_every": 50,
            "validation_problems": 4,
            "validation_metric": "final", "steps": 100, "unroll": 20, "seed": 0},
}


def run_recipe(recipe, output_dir=None, resume=False, verbose=1):
    """`meta_train` with the settings of a `RECIPES` entry; returns its `MetaTrainResult`."""
    settings = {k: v for k, v in recipe.items() if k not in ("task", "task_args")}
    task = tasks.TASKS[recipe["task"]](**recipe["task_args"])
    return meta_train(task, output_dir=output_dir, resume=resume, verbose=verbose, **settings)


def preset_json(result, recipe):
    """The preset file's text for a `MetaTrainResult` (float32 numbers, shortest form)."""
    numbers = ", ".join(str(x) for x in np.asarray(result.phi, dtype="float32"))
    meta = {"p": result.p, "output_scale": result.output_scale, "recipe": recipe,
            "best_validation": result.best_validation, "best_iteration": result.best_iteration,
            "wall_time_s": round(result.wall_time, 1)}
    return json.dumps(meta, indent=1)[:-2] + f',\n "phi": [{numbers}]\n}}\n'


def make_preset(name, output_dir, resume=False, verbose=1):
    """Run the recipe of preset `name` and write `<output_dir>/<name>.json`; returns the path."""
    recipe = RECIPES[check_choice("name", name, RECIPES)]
    result = run_recipe(recipe, output_dir=output_dir, resume=resume, verbose=verbose)
    path = Path(output_dir) / f"{name}.json"
    path.write_text(preset_json(result, recipe))
    return path
