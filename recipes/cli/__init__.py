"""The `deeper` command line (also `python -m deeper.recipes`).

    deeper train --data mnist1d --model cnn --epochs 40 --out runs/cnn
    deeper babysit --data mnist1d --model cnn --out runs/babysit

Every subcommand is a module of this package listed in `COMMANDS`, with an
`add_parser(subparsers)` that adds its flags (from the declared options,
`deeper.recipes.options.declared`) and sets `func(args, values)` (and
optionally `check(args)` for flags that are not declared options). `main`
parses the command line and validates every declared value before the
subcommand runs, that is before TensorFlow or Keras is imported: a wrong value
is one sentence and exit status 2 in a fraction of a second. Every subcommand
takes `--backend jax|tensorflow|torch`, which sets KERAS_BACKEND before Keras
loads (without it, Keras's configured backend is used).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from deeper.recipes.cli.flags import checked, claim_output

# Subcommand modules, in the order `deeper --help` lists them. A new subcommand is
# one module with `add_parser(subparsers)` and one line here.
BACKENDS = ("jax", "tensorflow", "torch")  # the Keras backends `--backend` accepts

COMMANDS = (
    "deeper.recipes.cli.train",
    "deeper.recipes.cli.babysit",
    "deeper.recipes.cli.tune",
    "deeper.recipes.cli.lr_find",
    "deeper.recipes.cli.compare_optimizers",
    "deeper.recipes.cli.meta_train",
)


def build_parser():
    from deeper import recipes

    parser = argparse.ArgumentParser(
        prog="deeper",
        description="Train deep networks with the course's good practice (Keras 3 / TensorFlow).",
    )
    parser.add_argument("--version", action="version", version=f"deeper {recipes.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        importlib.import_module(module).add_parser(sub)
    for command in sub.choices.values():  # every subcommand takes --backend
        command.add_argument(
            "--backend", default=None, metavar="NAME",
            help=f"Keras backend: {', '.join(BACKENDS)} (default: Keras's configured backend, "
            "KERAS_BACKEND or ~/.keras/keras.json)")
    return parser


def set_backend(backend):
    """Make `backend` Keras's backend before Keras loads (None: leave Keras's configured one).

    Raises ValueError (one sentence) for an unknown name, or when Keras is already
    loaded on another backend in this process.
    """
    if backend is None:
        return
    if backend not in BACKENDS:
        raise ValueError(f"`backend` must be one of {', '.join(BACKENDS)}. "
                         f"Received: backend={backend}")
    if "keras" in sys.modules:
        loaded = sys.modules["keras"].backend.backend()
        if loaded != backend:
            raise ValueError(f"`backend` must be the backend Keras already loaded in this "
                             f"process ({loaded}). Received: backend={backend}")
        return
    os.environ["KERAS_BACKEND"] = backend


def _errors():
    """The errors a subcommand reports in one sentence (after its imports)."""
    errors = [ValueError, TypeError, OSError]
    if "deeper.components.data.tfds_loader" in sys.modules:
        errors.append(sys.modules["deeper.components.data.tfds_loader"].DatasetUnavailableError)
    return tuple(errors)


def import_tensorflow_quietly():
    """Import TensorFlow with the process's stderr closed: its C++ start-up lines (CUDA
    probing through absl, written before TF_CPP_MIN_LOG_LEVEL is read) are noise on the
    command line. Set TF_CPP_MIN_LOG_LEVEL yourself to see them."""
    if "tensorflow" in sys.modules or "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            try:
                import tensorflow  # noqa: F401
            except ImportError:
                pass  # the subcommand's own import says what is missing
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def main(argv=None):
    """Entry point of the `deeper` console script."""
    args = build_parser().parse_args(argv)
    try:
        set_backend(getattr(args, "backend", None))  # before Keras loads
        values = checked(args)  # before anything imports TensorFlow
        if getattr(args, "check", None) is not None:
            args.check(args)  # a subcommand's checks of what is not a declared option
        import_tensorflow_quietly()
        claim_output(values)  # --out: refused, or checked writable, before any training
        if getattr(args, "backend", None) is not None and not getattr(args, "quiet", False):
            import keras

            print(f"keras backend: {keras.backend.backend()}")
        return args.func(args, values)
    except Exception as err:
        if os.environ.get("DEEPER_DEBUG") or not isinstance(err, _errors()):
            raise
        # Argument, data and file errors are one sentence: print it, not a traceback
        # (DEEPER_DEBUG=1 shows the traceback).
        print(f"deeper {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
