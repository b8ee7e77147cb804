"""The identity of a search, so that a tuning directory resumes only the search asked for.

`claim(project, hypermodel, tuner)` writes `search.json` (the tuner, the model
family, the dataset and the space overrides) into a new search's folder; when
resuming a folder that already holds one, a different search is refused with
one sentence naming the difference (KerasTuner would silently resume the old
search: asked for a CNN search, it trained the stored MLP trials).
`deadline_note(oracle, budget)` is what a result line adds when `max_seconds`
stopped the search before its budget.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from deeper.components import rundir
from deeper.components.validation import check_bool

FILE = "search.json"


def _dataset(dataset):
    return {"name": dataset.name, "train_examples": int(len(dataset.x_train)),
            "input_shape": list(dataset.x_train.shape[1:]),
            "num_classes": int(dataset.num_classes)}


def _plain(value):
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value)}"
    return json.loads(rundir.dumps(value, default=repr))


def of(hypermodel, tuner):
    """The search's fingerprint: `{"tuner", "model", "dataset", "space", "extend"}`."""
    return {"tuner": tuner, "model": _plain(hypermodel.model),
            "dataset": _dataset(hypermodel.dataset),
            "space": _plain(dict(sorted((hypermodel.space or {}).items()))),
            "extend": None if hypermodel.extend is None else _plain(hypermodel.extend)}


def claim(project, hypermodel, tuner, overwrite):
    """Check that `project` holds this search (or none), then record it in `search.json`.

    Raises:
        TypeError: `overwrite` is not a bool (`"False"` would count as true, and
            KerasTuner would delete the directory).
        ValueError: the folder holds a different search and `overwrite` is False.
    """
    overwrite = check_bool("overwrite", overwrite)
    project = Path(project)
    wanted = of(hypermodel, tuner)
    path = project / FILE
    if not overwrite and path.exists():
        stored = json.loads(path.read_text())
        for key in ("tuner", "model", "dataset", "space", "extend"):
            if stored.get(key) != wanted[key]:
                raise ValueError(
                    f"The search in {project} is another one: its {key} is "
                    f"{stored.get(key)!r}, this search's is {wanted[key]!r}; use another "
                    f"directory, or overwrite=True (--overwrite) to replace it. "
                    f"Received: {key}={wanted[key]!r}")
    return wanted


def record(project, wanted):
    """Write the fingerprint `wanted` into `project/search.json` (atomically)."""
    project = Path(project)
    project.mkdir(parents=True, exist_ok=True)
    rundir.write_json(project / FILE, wanted)


def deadline_note(oracle, budget):
    """`"; stopped by max_seconds after N of B trials"` when the deadline cut the
    search short, else `""`."""
    deadline = getattr(oracle, "deadline", None)
    done = len(oracle.trials)
    if deadline is None or time.time() < deadline or done >= budget:
        return ""
    return f"; stopped by max_seconds after {done} of {budget} trials"
