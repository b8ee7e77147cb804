"""Progress display of the recipes: Keras's `verbose="auto"`, plain when the
output is not a terminal, and one line per unit of work (a check, a trial)."""

from __future__ import annotations

import sys


def _interactive():
    stream = sys.stdout
    if "ipykernel" in sys.modules:  # a notebook shows Keras's bar without control characters
        return True
    return bool(getattr(stream, "isatty", None)) and stream.isatty()


def fit_verbosity(verbose) -> int:
    """Keras `fit` verbosity for a recipe's `verbose`: `"auto"` is the progress bar
    on a terminal (or in a notebook) and one plain line per epoch otherwise, so a
    redirected log holds no carriage returns, backspaces or ANSI codes."""
    if verbose == "auto":
        return 1 if _interactive() else 2
    if verbose == 1 and not _interactive():
        return 2
    return int(verbose)


def say(verbose, message):
    """Print one progress line unless `verbose` is 0."""
    if verbose != 0:
        print(message, flush=True)
