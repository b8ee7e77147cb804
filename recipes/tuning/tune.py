"""`tune`: search the course's hyperparameters with KerasTuner, retrain the best, report."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import keras

from deeper.components.validation import check_bool, check_number
from deeper.recipes import options as options_
from deeper.recipes.options import declared
from deeper.recipes.shared.datasets import check_dataset
from deeper.recipes.tuning import export as tuning_export
from deeper.recipes.tuning import fingerprint, plan, quiet, tensorboard_logs
from deeper.recipes.tuning import oracles as tuning_oracles
from deeper.recipes.tuning import report as tuning_report
from deeper.recipes.tuning.plan import abort_probability  # noqa: F401  (public here too)
from deeper.recipes.tuning.space import CourseHyperModel

TUNERS = declared.TUNE["tuner"].choices
MAX_CONSECUTIVE_FAILURES = declared.TUNE["max_consecutive_failures"].default
"""Default failure limit. A search aborts only after this many failed trials in a
row. With KerasTuner's default of 3, a space where 30% of the configurations
diverge aborts 62% of 50-trial searches (the chance of a run of 3 failures);
with 10 the chance is 0.02% for 50 trials and 0.04% for 100 (computed by
`abort_probability`), while a space where every trial fails (a bug, not bad
luck) still stops after 10 trials, which fail fast."""


@dataclasses.dataclass
class TuneResult:
    """What `tune` returns (on the chief or a single machine; a worker returns `None`).

    Attributes:
        best_hyperparameters: the best trial's values (dict).
        best_score: its objective value (best epoch), e.g. validation accuracy.
        model: the best configuration retrained for `epochs`, or `None` with `retrain=False`.
        test_metrics: `{"accuracy": ..., "loss": ...}` of `model` on the test split.
        val_accuracy: the retrained model's validation accuracy.
        trials: one dict per trial (the rows of `trials.csv`).
        output_dir: the search directory holding the report.
        seconds: wall time of this call.
        default_score: the objective of the recipe's default configuration (the first
            trial), `None` if it did not run or the space excludes it.
        needs_deeper: deeper objects `best_model.keras` still holds (load it after
            `import deeper`); empty when plain Keras loads it.
    """

    best_hyperparameters: dict
    best_score: float | None
    model: keras.Model | None
    test_metrics: dict
    val_accuracy: float | None
    trials: list
    output_dir: Path
    published: float | None = None
    seconds: float = 0.0
    model_name: str = "cnn"
    note: str = ""  # e.g. "; stopped by max_seconds after 3 of 20 trials"
    default_score: float | None = None
    needs_deeper: list = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        """One line stating the result."""
        done = sum(t["status"] == "COMPLETED" for t in self.trials)
        failed = sum(t["status"] == "FAILED" for t in self.trials)
        best = "none" if self.best_score is None else f"{self.best_score:.4f}"
        line = (f"{len(self.trials)} trials ({done} completed, {failed} failed), "
                f"best val_accuracy {best}")
        if self.default_score is not None:
            line += f" (recipe's defaults: {self.default_score:.4f})"
        line += self.note
        if self.test_metrics:
            line += ("; best configuration retrained: test accuracy "
                     f"{self.test_metrics['accuracy']:.4f}")
        if self.published is not None:
            line += f" (published {self.model_name.upper()}: {self.published:.2f})"
        if self.needs_deeper:
            line += f"; best_model.keras needs `import deeper` ({', '.join(self.needs_deeper)})"
        return line


def _role():
    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return None
    return "chief" if "chief" in os.environ.get("KERASTUNER_TUNER_ID", "") else "worker"


def make_tuner(hypermodel, *, tuner="hyperband", budget=20, epochs=20, directory="runs/tune",
               project_name="search", overwrite=False, seed=0, max_seconds=None,
               max_consecutive_failures=MAX_CONSECUTIVE_FAILURES, progress=None):
    """The crash-safe KerasTuner tuner behind `tune` (a `tuning_oracles.CourseTuner`)."""
    common = {"objective": "val_accuracy", "seed": seed + 1,  # KerasTuner reads seed 0 as "none"
              "max_consecutive_failed_trials": max_consecutive_failures}
    if tuner == "hyperband":
        oracle = tuning_oracles.HyperbandOracle(max_epochs=epochs, factor=3,
                                                hyperband_iterations=None, **common)
        oracle.max_trials = budget
    else:
        oracle = tuning_oracles.ORACLES[tuner](max_trials=budget, **common)
    if max_seconds is not None:
        oracle.deadline = time.time() + max_seconds
    oracle.progress = progress
    oracle.starting_points = tuple(getattr(hypermodel, "starting_points", lambda: [{}])())
    project = Path(directory) / project_name
    wanted = fingerprint.claim(project, hypermodel, tuner, overwrite)  # this search or none
    if not overwrite and (project / "oracle.json").exists() and _role() != "worker":
        tuner_file = project / f"{os.environ.get('KERASTUNER_TUNER_ID', 'tuner0')}.json"
        if not tuner_file.exists():  # killed before the tuner's first save: still resume
            tuning_oracles.write_json_atomic(tuner_file, {})
    search = tuning_oracles.CourseTuner(
        hypermodel=hypermodel, oracle=oracle, directory=str(directory),
        project_name=project_name, overwrite=overwrite)
    fingerprint.record(project, wanted)
    return search


@options_.declare(declared.TUNE, "dataset")
def tune(dataset, *, space=None, extend=None, directory="runs/tune", project_name="search",
         overwrite=False, retrain=True, steps_per_execution=1, reuse_models=True, verbose=1,
         **options):
    """Search the course's hyperparameters with KerasTuner, retrain the best, write a report.

    The search space is `CourseHyperModel`'s (depth, width, the CNN's kernel
    size and pooling, activation with a matched initializer, L2/L1 amounts on a
    log scale, dropout, batch norm, optimizer with a log-scaled learning rate
    and its conditional momentum or rho, learning-rate schedule, batch size
    32-256, standardization and augmentation); fix, narrow or extend it
    with `space` and `extend`. The objective is the best validation accuracy
    over a trial's epochs. Diverging trials (NaN/inf) are recorded as failed
    and the search goes on; only `max_consecutive_failures` failures in a row
    abort it. Every state file is written atomically, so a search killed at any
    moment (even `kill -9`) resumes with `overwrite=False` without losing or
    repeating a finished trial.

    After the search, the best configuration is retrained for `epochs`
    (keeping the epoch of best validation accuracy), evaluated on the test
    split and saved as `best_model.keras`; `trials.csv`, `objective.png`,
    `hyperparameters.png`, `metrics.json` and `result.txt` (one line) are
    written into `directory/project_name`; with `tensorboard=True` also one
    TensorBoard log per trial with its hyperparameters (HParams plugin) and one
    of the retraining, in its `tensorboard/` (`tuning.tensorboard_logs`).

    Distributed tuning: with KerasTuner's environment variables
    (`KERASTUNER_TUNER_ID`, `KERASTUNER_ORACLE_IP`, `KERASTUNER_ORACLE_PORT`)
    set, the process whose id contains "chief" serves the oracle and then
    retrains and reports, the others run trials and return `None` (see
    `deeper tune --chief` / `--worker`).

    Args:
        dataset: a `deeper.components.data.Dataset`.
        space: overrides of the default space, see `CourseHyperModel`
            (`{"depth": 2}` fixes, `{"learning_rate": (1e-4, 1e-2)}` narrows,
            `{"optimizer": ["adam"]}` restricts). Defaults to `None`.
        extend: a callable `(hp, config) -> None` adding hyperparameters. Defaults to `None`.
        directory: parent folder of the search. Defaults to `"runs/tune"`.
        project_name: the search's folder name in `directory`. Defaults to `"search"`.
        overwrite: start over instead of resuming. Defaults to `False`.
        retrain: retrain, evaluate and save the best configuration (a bool). Defaults
            to `True`.
        steps_per_execution: training steps per graph call; 1 traces fastest, and
            tracing is most of a short trial (benchmarks/tune_overhead.py). Defaults to 1.
        reuse_models: a trial whose configuration traces like an earlier one's reuses
            that compiled model, reset to the state of a fresh build
            (`tuning.reuse`). Defaults to True.
        verbose: 1 prints one line per finished trial. Defaults to 1.
        **options: the declared options below (`seed` seeds the oracle, the
            weights and the shuffling; `max_consecutive_failures` at
            KerasTuner's 3 would abort most searches of a space with a 30%
            divergence rate).

    Returns:
        A `TuneResult` (`None` on a worker).

    Example:

    ```python
    from deeper import recipes
    from deeper.components import data
    result = recipes.tune(data.load("mnist1d"), tuner="random", budget=10, epochs=10,
                          space={"depth": 4, "learning_rate": (1e-3, 0.1)})
    print(result.summary())
    ```
    """
    start = time.perf_counter()
    dataset = check_dataset(dataset)
    o = options_.validate(declared.TUNE, options, recipe="tune")
    retrain, reuse_models = check_bool("retrain", retrain), check_bool("reuse_models",
                                                                       reuse_models)
    model, epochs, seed = o["model"], o["epochs"], o["seed"]
    steps_per_execution = check_number("steps_per_execution", steps_per_execution, low=1,
                                       integer=True)
    hypermodel = CourseHyperModel(dataset, model=model, space=space, extend=extend,
                                  epochs=epochs, steps_per_execution=steps_per_execution,
                                  seed=seed, reuse_models=reuse_models)
    search = make_tuner(hypermodel, tuner=o["tuner"], budget=o["budget"], epochs=epochs,
                        directory=directory, project_name=project_name, overwrite=overwrite,
                        seed=seed, max_seconds=o["max_seconds"],
                        max_consecutive_failures=o["max_consecutive_failures"],
                        progress=(lambda line: print(line, flush=True)) if verbose else None)
    search.tensorboard = o["tensorboard"]
    if o["tensorboard"] and _role() != "worker":
        tensorboard_logs.write_experiment(search.project_dir, search.oracle.hyperparameters)
    if verbose and _role() != "worker":
        print(plan.search_plan(search.oracle, o["tuner"], o["budget"], epochs), flush=True)
    _search(search, epochs, o["max_consecutive_failures"])
    if _role() == "worker":  # a worker's oracle is a client of the chief's: no trials
        return None
    note = fingerprint.deadline_note(search.oracle, o["budget"])  # before the retraining
    out = Path(search.project_dir)
    rows = tuning_report.trial_rows(search.oracle, out)
    best = [t for t in search.oracle.get_best_trials(1) if t.score is not None]
    best_values = {k: v for k, v in best[0].hyperparameters.values.items()
                   if not k.startswith("tuner/")} if best else {}
    result = TuneResult(best_hyperparameters=best_values,
                        best_score=best[0].score if best else None, model=None,
                        test_metrics={}, val_accuracy=None, trials=rows, output_dir=out,
                        published=dataset.published.get(model), model_name=model,
                        default_score=plan.default_score(search.oracle), note=note)
    if retrain and best:
        result.model, result.val_accuracy, result.test_metrics, result.needs_deeper = _retrain(
            hypermodel, best[0].hyperparameters, epochs, out, o["tensorboard"])
    result.seconds = time.perf_counter() - start
    tuning_report.write_report(result, search.oracle.objective.name)
    return result


def _search(search, epochs, max_consecutive_failures):
    """Run the search; a run of failed trials ends in one sentence that says what to do."""
    search.oracle.verbose = 0  # our progress line replaces KerasTuner's tables
    try:
        with quiet.keras_tuner_quiet():
            search.search(epochs=epochs, verbose=0)
    except RuntimeError as err:
        if not str(err).startswith("Number of consecutive failures"):
            raise
        last = (str(err).strip().splitlines() or [""])[-1]
        raise RuntimeError(
            f"The search stopped after {max_consecutive_failures} failed trials in a row "
            f"(the last: {last}); check the space (a learning rate range too high?) or raise "
            f"`max_consecutive_failures`, then resume with overwrite=False.") from None


def _retrain(hypermodel, hp, epochs, out, tensorboard):
    """Train the best configuration for `epochs`, keep its best validation epoch, test, save."""
    from deeper.components import data

    hp = hp.copy()
    for key in ("tuner/trial_id", "tuner/epochs", "tuner/initial_epoch"):
        hp.values.pop(key, None)
    net = hypermodel.build(hp)
    keep_best = keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max",
                                              patience=epochs, restore_best_weights=True)
    logs = tensorboard_logs.retrain_callbacks(out) if tensorboard else []
    history = hypermodel.fit(hp, net, epochs=epochs, callbacks=[keep_best, *logs])
    ds = hypermodel.dataset
    val_accuracy = float(max(history.history["val_accuracy"]))
    test = data.pipeline(ds.x_test, ds.y_test, batch_size=min(512, len(ds.x_test)),
                         shuffle=False)
    test_metrics = {k: float(v) for k, v in net.evaluate(test, verbose=0,
                                                          return_dict=True).items()}
    needs = tuning_export.save(net, out / "best_model.keras")
    return net, val_accuracy, test_metrics, needs
