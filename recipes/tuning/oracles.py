"""Crash-safe KerasTuner oracles and tuners: atomic files, consistent resume, a failure limit.

KerasTuner 1.4 writes `oracle.json`, `trial_*/trial.json` and `<tuner_id>.json`
in place, one after the other. A SIGKILL can therefore leave a half-written
file (the next run fails with a raw `JSONDecodeError`) or files that disagree
(a trial written as RUNNING that the oracle never recorded stays RUNNING
forever; a trial written as COMPLETED whose end the oracle did not record is
run again). The classes here

* write every JSON file atomically (temporary file, `fsync`, `os.replace`), so
  a file is always either the previous or the next complete version;
* reconcile the files on reload: a trial file the oracle never recorded is
  dropped (that trial had not started training; the oracle's saved random
  state draws it again under the same id), an ended trial the oracle still
  lists as running is ended without running it again, and a trial killed
  while it trained is run again from scratch (with its partial metrics
  cleared);
* report an unreadable file (cut short by a crash of another writer) in one
  sentence, `SearchStateError`, naming the file and the way out.

Reported upstream: keras-team/keras-tuner#987 (restart after a kill fails on the
trial.json of an unfinished trial) and #301 (a `KeyError` in `set_state` when
`ongoing_trials` names a trial without a file).
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
import time
import warnings

import keras_tuner as kt

from deeper.recipes.tuning.space import CourseHyperModel
from deeper.recipes.tuning.tensorboard_logs import TrialLogs

_TRIAL = kt.engine.trial


class SearchStateError(RuntimeError):
    """A search directory cannot be resumed; the message says which file and what to do."""


def write_json_atomic(path, payload):
    """Write `payload` as JSON to `path` so that a crash leaves the old or the new file whole."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def read_json(path):
    """Read a JSON file of a search, or raise `SearchStateError` in one sentence."""
    try:
        with open(path) as f:
            return json.load(f)
    except json.JSONDecodeError as err:
        raise SearchStateError(
            f"The search state file {path} is cut short or corrupt ({err.msg} at character "
            f"{err.pos}), probably left by a crash while it was written; delete it (and, for a "
            f"trial file, its trial folder) to resume without it, or pass overwrite=True to "
            f"start the search over.") from None


class RobustOracleMixin:
    """Mix into a KerasTuner oracle: atomic saves, reconciled reloads, an optional deadline."""

    deadline = None  # time.time() after which no new trial starts
    progress = None  # a callable receiving one line per ended trial (the chief's in distributed)
    start_from_defaults = True  # the first trials are `starting_points` (the recipe's values)
    starting_points = ({},)  # changes to the space's defaults, one trial each, in this order

    def starts(self):
        """The values of the first trials: the space's defaults with each of
        `starting_points`' changes (none with `start_from_defaults=False`). A change that
        names a hyperparameter the space lacks or fixes, or that gives an earlier point's
        values again, is left out."""
        if not self.start_from_defaults:
            return []
        free = {hp.name for hp in self.hyperparameters.space
                if not isinstance(hp, kt.engine.hyperparameters.Fixed)}
        points = []
        for changes in self.starting_points:
            if not set(changes) <= free:
                continue
            values = default_values(self.hyperparameters, changes)
            if values not in points:
                points.append(values)
        return points

    def _random_values(self):
        starts = self.starts()
        if len(self.trials) < len(starts):
            values = starts[len(self.trials)]
            self._duplicate(values)  # recorded, so that no random draw repeats it
            return values
        return super()._random_values()

    def save(self):
        write_json_atomic(self._get_oracle_fname(), self.get_state())

    def _save_trial(self, trial):  # KerasTuner's hook for trial.json (1.4.x)
        path = os.path.join(self._get_trial_dir(trial.trial_id), "trial.json")
        write_json_atomic(path, trial.get_state())

    def create_trial(self, tuner_id):
        if self.deadline is not None and time.time() >= self.deadline and (
                tuner_id not in self.ongoing_trials):
            self.max_trials = min(self.max_trials or len(self.trials), len(self.trials))
        trial = super().create_trial(tuner_id)
        if trial.status == _TRIAL.TrialStatus.RUNNING:
            self.__dict__.setdefault("_started", {})[trial.trial_id] = time.perf_counter()
        return trial

    def end_trial(self, trial):
        super().end_trial(trial)
        start = self.__dict__.setdefault("_started", {}).pop(trial.trial_id, None)
        if self.progress is not None:
            seconds = time.perf_counter() - start if start is not None else float("nan")
            self.progress(progress_line(self, trial, seconds))

    def reload(self):
        project = self._project_dir
        state = read_json(self._get_oracle_fname())
        started = set(state["start_order"])
        ended = set(state["end_order"])
        for path in sorted(glob.glob(os.path.join(project, "trial_*", "trial.json"))):
            trial_id = os.path.basename(os.path.dirname(path))[len("trial_"):]
            if trial_id not in started:
                # Written by create_trial just before a crash: the oracle never saw it and it
                # never trained. The oracle's saved random state recreates it.
                os.remove(path)
                continue
            self.trials[trial_id] = _TRIAL.Trial.from_state(read_json(path))
        missing = started - set(self.trials)
        if missing:
            raise SearchStateError(
                f"The search in {project} cannot be resumed: the oracle lists trial(s) "
                f"{sorted(missing)} whose trial.json is missing; pass overwrite=True to start "
                f"the search over.")
        ongoing = state["ongoing_trials"]
        done_status = (_TRIAL.TrialStatus.COMPLETED, _TRIAL.TrialStatus.FAILED,
                       _TRIAL.TrialStatus.INVALID)
        for tuner_id, trial_id in list(ongoing.items()):
            trial = self.trials[trial_id]
            if trial.status in done_status:
                # Ended and saved, but the oracle's own save did not happen (or, on a
                # distributed chief, saved before the end): finish the end, never rerun it.
                del ongoing[tuner_id]
                if trial_id not in ended:
                    state["end_order"].append(trial_id)
                    state["run_times"][trial_id] = state["run_times"].get(trial_id, 0) + 1
            elif trial.status == _TRIAL.TrialStatus.RUNNING:
                trial.metrics = type(trial.metrics)()
        self.set_state(state)
        for trial_id in self.end_order:
            trial = self.trials[trial_id]
            if trial.status == _TRIAL.TrialStatus.COMPLETED and trial.score is None:
                self.score_trial(trial)
        # Trials that were training when the search stopped run again, once.
        for trial in self.ongoing_trials.values():
            if trial.trial_id not in self._retry_queue:
                self._retry_queue.append(trial.trial_id)
        self.ongoing_trials = {}
        self.save()  # the reconciled state, so that the files agree from now on


class RandomSearchOracle(RobustOracleMixin, kt.oracles.RandomSearchOracle):
    """KerasTuner's random search, crash-safe."""


class HyperbandOracle(RobustOracleMixin, kt.oracles.HyperbandOracle):
    """KerasTuner's Hyperband, crash-safe."""


class BayesianOptimizationOracle(RobustOracleMixin, kt.oracles.BayesianOptimizationOracle):
    """KerasTuner's Bayesian optimization (Gaussian process), crash-safe."""


ORACLES = {"random": RandomSearchOracle, "hyperband": HyperbandOracle,
           "bayesian": BayesianOptimizationOracle}


class CourseTuner(TrialLogs, kt.Tuner):
    """KerasTuner's `Tuner` with atomic saves, per-trial timings (`timings.json`) and, with
    `tensorboard = True`, a TensorBoard log per trial (`tensorboard_logs`).

    Arguments are `keras_tuner.Tuner`'s.
    """

    def __init__(self, *args, **kwargs):
        self._trial_start = {}
        super().__init__(*args, **kwargs)

    def _activate_all_conditions(self):
        """KerasTuner's discovery of the space, with the hypermodel's `draw` (the space,
        no model) as its `build`: KerasTuner builds 28 models (~20 s) for the course's."""
        declare = getattr(self.hypermodel, "draw", None)
        if declare is None:
            return super()._activate_all_conditions()
        build = self.hypermodel.build  # KerasTuner's per-instance build wrapper
        self.hypermodel.build = declare
        try:
            return super()._activate_all_conditions()
        finally:
            self.hypermodel.build = build

    def _try_build(self, hp):
        """KerasTuner's build, without the `clear_session()` and `gc.collect()` it runs first
        for a hypermodel that manages its session itself (`CourseHyperModel`: it clears
        the session, without a full collection, only when it builds a model). The
        collection took 0.6 s per trial on 2 cores, and on TensorFlow the clear empties
        the kernel cache that a reused model's compiled functions fill (Hyperband's
        continued rounds reuse models)."""
        if not isinstance(self.hypermodel, CourseHyperModel) or self.max_model_size:
            return super()._try_build(hp)
        return self._build_hypermodel(hp)

    def save(self):
        if not self._is_worker():
            self.oracle.save()
        write_json_atomic(self._get_tuner_fname(), self.get_state())

    def reload(self):
        if not self._is_worker():
            self.oracle.reload()
        self.set_state(read_json(self._get_tuner_fname()))

    def run_trial(self, trial, *args, **kwargs):
        hp = trial.hyperparameters
        if "tuner/epochs" in hp.values:  # Hyperband's budget for this round
            kwargs["epochs"] = hp.values["tuner/epochs"]
            kwargs["initial_epoch"] = hp.values["tuner/initial_epoch"]
        if isinstance(self.oracle, kt.oracles.HyperbandOracle) or self._is_worker():
            # Hyperband continues a trial's model in the next round: it needs KerasTuner's
            # per-epoch checkpoint of the best weights (workers: the oracle may be Hyperband).
            return super().run_trial(trial, *args, **kwargs)
        # Random and Bayesian searches never reload a trial's weights (the best configuration
        # is retrained): build and fit, without writing a checkpoint at every better epoch.
        callbacks = list(kwargs.pop("callbacks", None) or [])
        self._configure_tensorboard_dir(callbacks, trial)
        return self.hypermodel.fit(hp, self.hypermodel.build(hp), *args, callbacks=callbacks,
                                   **kwargs)

    def _build_hypermodel(self, hp):
        model = super()._build_hypermodel(hp)
        if "tuner/trial_id" in hp.values:  # Hyperband: continue the previous round's model
            with warnings.catch_warnings():
                # The checkpoint also holds the optimizer's slots; like KerasTuner's own
                # Hyperband, a continued round starts a fresh optimizer (Keras warns per load).
                warnings.filterwarnings("ignore", message="Skipping variable loading for "
                                        "optimizer")
                model.load_weights(self._get_checkpoint_fname(hp.values["tuner/trial_id"]))
        return model

    def on_trial_begin(self, trial):
        self._trial_start[trial.trial_id] = time.perf_counter()
        super().on_trial_begin(trial)

    def on_trial_end(self, trial):
        seconds = time.perf_counter() - self._trial_start.pop(trial.trial_id, time.perf_counter())
        timings = dict(getattr(self.hypermodel, "timings", {}), trial_seconds=seconds,
                       tuner_id=self.tuner_id)
        write_json_atomic(os.path.join(self.get_trial_dir(trial.trial_id), "timings.json"),
                          timings)
        super().on_trial_end(trial)


def default_values(hyperparameters, changes=None):
    """The default value of every hyperparameter of the space that is active at the
    defaults (with `changes`, a dict of name -> value, applied first)."""
    changes = changes or {}
    hps = kt.HyperParameters()
    for hp in hyperparameters.space:
        hps.merge([hp])
        if hps.is_active(hp):
            hps.values[hp.name] = changes.get(hp.name, hp.default)
        else:
            hps.values.pop(hp.name, None)
    return dict(hps.values)


def hyperband_epochs(oracle, max_trials=None):
    """(trials, epochs) of a Hyperband search: the trials it runs and the epochs they train
    in all, trial by trial in KerasTuner's order (a continued trial trains only its new
    epochs), up to `max_trials` trials (`None`: one Hyperband iteration)."""
    trials = epochs = 0
    while True:
        for bracket in reversed(range(oracle._get_num_brackets())):
            previous = 0
            for round_num in range(oracle._get_num_rounds(bracket)):
                size = oracle._get_size(bracket, round_num)
                rounds_epochs = oracle._get_epochs(bracket, round_num)
                for _ in range(size):
                    if max_trials is not None and trials >= max_trials:
                        return trials, epochs
                    trials += 1
                    epochs += rounds_epochs - previous
                previous = rounds_epochs
        if max_trials is None:
            return trials, epochs


def progress_line(oracle, trial, seconds):
    """`trial 03  COMPLETED  val_accuracy 0.912 (best 0.930)  12.3 s  depth=3 width=32 ...`."""
    trial = oracle.get_trial(trial.trial_id)
    best = [t for t in oracle.get_best_trials(1) if t.score is not None]
    score = "-" if trial.score is None else f"{trial.score:.4f}"
    best_text = f"{best[0].score:.4f}" if best else "-"
    values = " ".join(f"{k}={_short(v)}" for k, v in trial.hyperparameters.values.items()
                      if not k.startswith("tuner/"))
    line = (f"trial {trial.trial_id}  {trial.status:<9} {oracle.objective.name} {score} "
            f"(best {best_text})  {seconds:.1f} s  {values}")
    if trial.status == _TRIAL.TrialStatus.FAILED and trial.message:
        line += "  | " + trial.message.strip().splitlines()[-1][:160]
    return line


def _short(value):
    return f"{value:.3g}" if isinstance(value, float) else str(value)
