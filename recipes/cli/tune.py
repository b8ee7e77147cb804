"""`deeper tune`: search the course's hyperparameters with KerasTuner (also distributed).

    deeper tune --data mnist1d --tuner hyperband --budget 30 --epochs 20 --out runs/tune
    deeper tune --set depth=4 --set learning_rate=1e-3:1e-1 --set optimizer=adam,nesterov
    # distributed, KerasTuner's chief/worker mode (same --out for all, shared disk):
    deeper tune --chief  --port 8000 --out runs/tune ...   # serves the oracle, then reports
    deeper tune --worker --port 8000 --out runs/tune --worker-id 1 ...   # runs trials
    deeper tune --workers 2 --out runs/tune ...   # a chief and 2 workers on this machine
    deeper tune --tensorboard ...   # a TensorBoard log per trial, with its hyperparameters
"""

from __future__ import annotations

import argparse
import json
import os

from deeper.recipes.cli import data
from deeper.recipes.cli.flags import subcommand
from deeper.recipes.options import declared, table


def _value(text):
    """`4` -> 4, `1e-3` -> 0.001, `true` -> True, `relu` -> "relu"."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_setting(text):
    """`name=4` fixes, `name=low:high` narrows a range, `name=a,b,c` restricts the choices."""
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError(
            f"expected name=value, name=low:high or name=a,b,c, got {text!r}")
    if ":" in value:
        low, _, high = value.partition(":")
        return name, (_value(low), _value(high))
    if "," in value:
        return name, [_value(v) for v in value.split(",")]
    return name, _value(value)


# Read when the command line is built, before `import_tensorflow_quietly` sets it for this
# process: the workers of --workers quiet TensorFlow's start-up lines themselves unless the
# user set it (inherited, it would make them print those lines onto the chief's terminal).
USER_LOG_LEVEL = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
FLAGS = table(declared.DATA, declared.TUNE, declared.TUNE["tensorboard"].but(kind="switch"),
              declared.output("runs/tune"))


def add_parser(sub):
    """Add `deeper tune` to the `deeper` subparsers `sub`."""
    p = subcommand(
        sub, "tune", help="search the course's hyperparameters with KerasTuner",
        description="Search depth, width, kernel size and pooling (CNN), activation (with "
        "matched initialization), L2/L1, dropout, batch norm, optimizer, learning rate (log "
        "scale), momentum, schedule and batch size with KerasTuner; diverging trials are "
        "recorded as failed; a killed search resumes from --out. Prints one line per trial, "
        "then retrains the best configuration, evaluates it on the test split and writes "
        "best_model.keras, trials.csv, objective.png, hyperparameters.png, metrics.json and "
        "result.txt into --out/search (with --tensorboard, a TensorBoard log per trial with "
        "its hyperparameters in --out/search/tensorboard).",
        tables=[FLAGS], run=run)
    p.add_argument("--set", dest="settings", action="append", type=parse_setting, default=[],
                   metavar="NAME=VALUE",
                   help="fix (depth=4), narrow (learning_rate=1e-4:1e-2) or restrict "
                   "(optimizer=adam,nesterov) a hyperparameter; repeatable")
    p.add_argument("--overwrite", action="store_true",
                   help="start over instead of resuming the search in --out")
    p.add_argument("--no-retrain", action="store_true",
                   help="report the search without retraining the best configuration")
    role = p.add_mutually_exclusive_group()
    role.add_argument("--chief", action="store_true",
                      help="serve the oracle for --worker processes, then retrain and report")
    role.add_argument("--worker", action="store_true", help="run trials for a --chief")
    role.add_argument("--workers", type=int, default=None, metavar="N",
                      help="run N workers and a chief on this machine (KerasTuner's "
                      "distributed engine); a worker that dies is restarted and its trial rerun")
    p.add_argument("--worker-id", default=None,
                   help="this worker's id (default: the process id)")
    p.add_argument("--ip", default="127.0.0.1",
                   help="the chief's address (default: %(default)s)")
    p.add_argument("--port", type=int, default=8000,
                   help="the chief's port (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no line per trial")
    p.set_defaults(check=check)
    return p


def check(args):
    """The --set values of declared options, checked before TensorFlow loads."""
    for name, value in args.settings:
        if name in declared.TRAIN:
            for one in (value if isinstance(value, (list, tuple)) else [value]):
                declared.TRAIN[name].check(one)


def _without_workers(argv):
    """`argv` after `tune`, without `--workers N` / `--workers=N`."""
    rest = argv[argv.index("tune") + 1:] if "tune" in argv else list(argv)
    out, skip = [], False
    for item in rest:
        if skip:
            skip = False
        elif item == "--workers":
            skip = True
        elif not item.startswith("--workers="):
            out.append(item)
    return out


def run(args, values):
    if args.workers is not None:
        import sys

        from deeper.recipes.tuning.parallel import Launcher

        launcher = Launcher(_without_workers(sys.argv[1:]), workers=args.workers, ip=args.ip,
                            port=args.port if "--port" in sys.argv else None)
        if USER_LOG_LEVEL is None:
            launcher.env.pop("TF_CPP_MIN_LOG_LEVEL", None)
        return launcher.run()
    if args.chief or args.worker:
        # KerasTuner's own distributed mode reads these three variables.
        os.environ["KERASTUNER_ORACLE_IP"] = args.ip
        os.environ["KERASTUNER_ORACLE_PORT"] = str(args.port)
        os.environ["KERASTUNER_TUNER_ID"] = (
            "chief" if args.chief else f"tuner{args.worker_id or os.getpid()}")
    from deeper.recipes import tuning

    dataset = data.load(values, announce=not args.worker)
    result = tuning.tune(
        dataset, space=dict(args.settings) or None, directory=values["out"],
        overwrite=args.overwrite and not args.worker, retrain=not args.no_retrain,
        verbose=0 if args.quiet else 1, **data.recipe_values(values, declared.TUNE))
    if result is None:  # a worker: the chief reports
        print(f"worker {os.environ['KERASTUNER_TUNER_ID']}: no trial left", flush=True)
        return 0
    print(f"best hyperparameters: {json.dumps(result.best_hyperparameters)}")
    print(f"wrote {result.output_dir}/trials.csv, objective.png, hyperparameters.png, "
          f"metrics.json, result.txt" + (", best_model.keras" if result.model else ""))
    print(result.summary())
    return 0
