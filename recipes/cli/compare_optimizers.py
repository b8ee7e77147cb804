"""`deeper compare-optimizers`: every optimizer on 2-D test surfaces (plots and metrics.json)."""

from __future__ import annotations

from pathlib import Path

from deeper.recipes.cli.flags import subcommand
from deeper.recipes.options import declared, table

FLAGS = table(declared.COMPARE, declared.run_directory("runs/compare_optimizers"))
SURFACE_NAMES = tuple(s for s in declared.COMPARE["surface"].choices if s != "all")


def add_parser(sub):
    """Add `deeper compare-optimizers` to the `deeper` subparsers `sub`."""
    return subcommand(
        sub, "compare-optimizers",
        help="run every optimizer on 2-D test surfaces and draw their trajectories",
        description="Run Keras's momentum, Nesterov, Adagrad, RMSprop and Adam and deeper's "
        "L-BFGS, Newton and Hessian-free from one start on 2-D test surfaces, one line per "
        "optimizer. Writes metrics.json and <surface>.png (trajectories on the contours, loss "
        "vs step), and <surface>.gif with --gif, into --out.", tables=[FLAGS], run=run)


def run(args, values):
    from deeper.recipes.experiments.compare_optimizers import ALL, compare_optimizers
    from deeper.recipes.shared.outputs import write_json

    names = ALL if values["optimizers"] is None else tuple(
        n.strip() for n in values["optimizers"].split(",") if n.strip())
    out = Path(values["out"])
    out.mkdir(parents=True, exist_ok=True)
    surfaces = SURFACE_NAMES if values["surface"] == "all" else (values["surface"],)
    steps, seed = values["steps"], values["seed"]
    metrics, best = {}, []
    for name in surfaces:
        result = compare_optimizers(name, optimizers=names, steps=steps, seed=seed)
        print(result.summary(), flush=True)
        result.plot(out / f"{name}.png")
        if values["gif"]:
            result.animate(out / f"{name}.gif")
        rows = result.table()
        metrics[name] = {"formula": result.surface.formula, "start": list(result.surface.start),
                         "steps": steps, "table": rows}
        best.append(f"{name}: {rows[0]['optimizer']} (f - f* = {rows[0]['final_gap']:.2g})")
    write_json(out / "metrics.json", {"surfaces": metrics, "seed": seed})
    print(f"compare-optimizers: best after {steps} steps on " + "; ".join(best)
          + f". Plots and metrics.json in {out}")
    return 0
