"""KerasTuner's own output during a search, silenced: our progress line states each trial."""

from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def keras_tuner_quiet():
    """KerasTuner 1.4 prints the traceback of every failed trial (its DEBUG flag is on), and
    its `Parent.to_proto` a leftover debug line (a condition's first value: `True`, `l2`,
    `momentum`, ...) each time a distributed search sends the space, a dozen stray lines
    per trial on the chief and the workers. Our progress line states each trial instead;
    the module-level `print` shadows the built-in in that one module only."""
    config = sys.modules.get("keras_tuner.src.config")
    conditions = sys.modules.get("keras_tuner.src.engine.conditions")
    debug = getattr(config, "DEBUG", None)
    if config is not None:
        config.DEBUG = False
    if conditions is not None:
        conditions.print = _no_print
    try:
        yield
    finally:
        if config is not None:
            config.DEBUG = debug
        if conditions is not None:
            vars(conditions).pop("print", None)


def _no_print(*args, **kwargs):
    """What KerasTuner's conditions module prints during a search: nothing."""
