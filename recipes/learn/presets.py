"""The recipes that produce the shipped presets of `LearnedOptimizer`, and their file format.

`make_preset("quadratic", output_dir)` runs the stages of its `RECIPES` entry with
exactly those settings (seed included) and writes `<output_dir>/<name>.json`, the file
shipped as `deeper/components/optimizers/presets/<name>.json`. A recipe's stages, in
this order, each present only when its key is:

* `imitate`: fit phi to Nesterov momentum's updates (`recipes.learn.imitate`; its
  `task_args` may differ from the recipe's), the start of the next stage;
* `meta_iterations`: `meta_train` (from the imitation's phi when there is one);
* `output_scales`: choose the output scale on `scale_problems` VALIDATION problems
  (`tune_output_scale`), the learned optimizer's own learning-rate grid.

The file:

    {"phi": [...5141 float32 numbers...], "p": 10.0, "output_scale": 0.1,
     "recipe": {...}, "best_validation": ..., "best_iteration": ..., "wall_time_s": ...}
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path

import numpy as np

from deeper.components.validation import check_choice
from deeper.recipes.learn import tasks
from deeper.recipes.learn.imitate import imitate
from deeper.recipes.learn.meta_train import MetaTrainResult, meta_train, tune_output_scale

RECIPES = {
    "quadratic": {"task": "quadratic", "task_args": {"problems": 32}, "meta_iterations": 1500,
                  "meta_learning_rate": 3e-3, "validate_every": 50, "validation_problems": 4,
                  "validation_metric": "sum", "steps": 100, "unroll": 20, "seed": 0},
    # Nesterov's learning rate: the grid-tuned one of benchmarks/learned_optimizer.py
    # (momentum 0.9, tuned by sum_t f on its TUNING problems; RESULTS.md, issue 14).
    "mlp": {"task": "mlp", "task_args": {"nets": 2},
            "imitate": {"task_args": {"nets": 4}, "learning_rate": 1.78, "momentum": 0.9,
                        "problems": 8, "fit_steps": 500, "fit_learning_rate": 1e-2},
            "output_scale": 1.0, "output_scales": [round(10 ** (k / 10), 3) for k in range(-2, 7)],
            "scale_problems": 16, "validation_metric": "final", "steps": 100, "seed": 0},
}
STAGE_KEYS = ("task", "task_args", "imitate", "output_scales", "scale_problems")


def run_recipe(recipe, output_dir=None, resume=False, verbose=1):
    """Run the stages of a `RECIPES` entry; returns a `MetaTrainResult`.

    Its `wall_time` is the whole recipe's (an imitation resumed from its checkpoint
    counts from the resume on)."""
    begin = time.perf_counter()
    task = tasks.TASKS[recipe["task"]](**recipe["task_args"])
    settings = {k: v for k, v in recipe.items() if k not in STAGE_KEYS}
    common = {"output_dir": output_dir, "resume": resume, "verbose": verbose}
    output_scale = recipe.get("output_scale", 0.1)  # meta_train's default, for every stage
    phi = history = None
    if "imitate" in recipe:
        args = dict(recipe["imitate"])
        teacher_task = tasks.TASKS[recipe["task"]](**args.pop("task_args", recipe["task_args"]))
        phi, error = imitate(teacher_task, steps=recipe["steps"], seed=recipe["seed"],
                             p=recipe.get("p", 10.0), output_scale=output_scale, **args,
                             **common)
        history = {"imitation_relative_error": error}
    earlier = 0.0  # meta-training time of the calls before a resumed one
    if "meta_iterations" in recipe:
        start = time.perf_counter()
        result = meta_train(task, init_phi=phi, **settings, **common)
        earlier = max(result.wall_time - (time.perf_counter() - start), 0.0)
        history = {**(history or {}), **result.history}
    else:
        result = MetaTrainResult(phi=phi, last_phi=phi, p=recipe.get("p", 10.0),
                                 output_scale=output_scale, history={},
                                 best_validation=math.nan, best_iteration=0, wall_time=0.0,
                                 output_dir=None if output_dir is None else str(output_dir))
    if "output_scales" in recipe:
        scale, table = tune_output_scale(
            result.phi, task, scales=recipe["output_scales"],
            validation_problems=recipe["scale_problems"], steps=recipe["steps"],
            validation_metric=recipe["validation_metric"], p=result.p, seed=recipe["seed"])
        result = dataclasses.replace(result, output_scale=scale, best_validation=table[scale])
        history = {**(history or {}), "output_scales": {str(k): v for k, v in table.items()}}
    wall = time.perf_counter() - begin + earlier
    return dataclasses.replace(result, history=history or result.history, wall_time=wall)


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
