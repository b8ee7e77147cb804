"""The report `babysit` returns: checks with a verdict, the numbers, and advice."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np

CHECKS = ("first_loss", "overfit_subset", "regularization", "gradient_check",
          "signal_variance", "finite_values")


@dataclasses.dataclass
class Check:
    """One babysitting check.

    Attributes:
        name: one of `CHECKS`.
        passed: `True`, `False`, or `None` when the check does not apply (a
            model without regularization has none to turn on).
        measured: the numbers the verdict rests on.
        advice: what the result means and what to do.
    """

    name: str
    passed: bool | None
    measured: dict
    advice: str

    @property
    def status(self) -> str:
        """`"PASS"`, `"FAIL"` or `"SKIP"`."""
        return {True: "PASS", False: "FAIL", None: "SKIP"}[self.passed]


@dataclasses.dataclass
class Report:
    """What `babysit` returns: the checks, printable as a table and writable as JSON.

    Attributes:
        checks: the `Check`s, in the order of `CHECKS`.
        model: the model's name.
        dataset: the dataset's name.
        seconds: wall time of all checks.
        config: the arguments the checks ran with.
        output_dir: where `babysit.json` and `metrics.json` were written, or `None`.
    """

    checks: list
    model: str
    dataset: str
    seconds: float
    config: dict
    output_dir: Path | None = None

    def __getitem__(self, name) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"no check named {name!r}; the checks are {', '.join(CHECKS)}")

    @property
    def passed(self) -> bool:
        """No check failed (skipped checks do not count)."""
        return all(check.passed is not False for check in self.checks)

    @property
    def failed(self) -> list:
        """Names of the failed checks."""
        return [check.name for check in self.checks if check.passed is False]

    def summary(self) -> str:
        """One line: how many checks passed, which failed."""
        ran = [c for c in self.checks if c.passed is not None]
        if not self.failed:
            return (f"babysit: all {len(ran)} checks passed"
                    + (f" ({len(self.checks) - len(ran)} skipped)" if len(ran) < len(self.checks)
                       else "") + f" in {self.seconds:.1f} s")
        return (f"babysit: {len(self.failed)} of {len(ran)} checks FAILED "
                f"({', '.join(self.failed)}) in {self.seconds:.1f} s")

    def table(self) -> str:
        """The checks as a text table: status, name, measured numbers, advice."""
        rows = [(c.status, c.name, _numbers(c.measured), c.advice) for c in self.checks]
        widths = [max(len(r[i]) for r in rows + [("status", "check", "measured", "")])
                  for i in range(3)]
        lines = [f"{'status':<{widths[0]}}  {'check':<{widths[1]}}  "
                 f"{'measured':<{widths[2]}}  advice"]
        lines.append("-" * len(lines[0]) + "-" * 20)
        for status, name, numbers, advice in rows:
            lines.append(f"{status:<{widths[0]}}  {name:<{widths[1]}}  "
                         f"{numbers:<{widths[2]}}  {advice}")
        return "\n".join(lines)

    def __str__(self):
        return f"{self.table()}\n{self.summary()}"

    def to_dict(self) -> dict:
        """A JSON-ready dict (non-finite numbers as strings: "nan", "inf")."""
        return _jsonable({
            "passed": self.passed, "failed": self.failed, "summary": self.summary(),
            "model": self.model, "dataset": self.dataset, "seconds": round(self.seconds, 3),
            "config": self.config,
            "checks": [{"name": c.name, "passed": c.passed, "status": c.status,
                        "measured": c.measured, "advice": c.advice} for c in self.checks],
        })

    def to_json(self) -> str:
        """`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _numbers(measured):
    parts = []
    for key, value in measured.items():
        if isinstance(value, float):
            text = f"{value:.3g}" if value == 0 or 1e-3 <= abs(value) < 1e4 or not math.isfinite(
                value) else f"{value:.2e}"
        elif isinstance(value, (list, tuple, dict)):
            continue  # per-layer lists go to the JSON, not the table
        else:
            text = str(value)
        parts.append(f"{key}={text}")
    return " ".join(parts)
