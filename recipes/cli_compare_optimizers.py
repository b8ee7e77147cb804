"""`deeper compare-optimizers`: every optimizer on 2-D test surfaces (plots and metrics.json)."""

from __future__ import annotations

from pathlib import Path

SURFACE_NAMES = ("rosenbrock", "beale", "saddle", "noisy_quadratic")


def add_parser(sub):
    p = sub.add_parser(
        "compare-optimizers",
        help="run every optimizer on 2-D test surfaces and draw their trajectories",
        description="Run Keras's momentum, Nesterov, Adagrad, RMSprop and Adam and deeper's "
        "L-BFGS, Newton and Hessian-free from one start on 2-D test surfaces. Writes "
        "metrics.json and <surface>.png (trajectories on the contours, loss vs step), and "
        "<surface>.gif with --gif, into --out.",
    )
    p.add_argument("--surface", default="all", choices=(*SURFACE_NAMES, "all"),
                   help="test surface (default: %(default)s)")
    p.add_argument("--steps", type=int, default=200, help="steps per optimizer "
                   "(default: %(default)s)")
    p.add_argument("--optimizers", default=None,
                   help="comma-separated names (default: all eight)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default: %(default)s)")
    p.add_argument("--gif", action="store_true", help="also write an animated GIF per surface")
    p.add_argument("--out", default="runs/compare_optimizers", help="output folder "
                   "(default: %(default)s)")
    p.set_defaults(func=run)
    return p


def run(args):
    from deeper.recipes.compare_optimizers import ALL, compare_optimizers
    from deeper.recipes.outputs import write_json

    names = ALL if args.optimizers is None else tuple(
        n.strip() for n in args.optimizers.split(",") if n.strip())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    surfaces = SURFACE_NAMES if args.surface == "all" else (args.surface,)
    metrics, best = {}, []
    for name in surfaces:
        result = compare_optimizers(name, optimizers=names, steps=args.steps, seed=args.seed)
        print(result.summary(), flush=True)
        result.plot(out / f"{name}.png")
        if args.gif:
            result.animate(out / f"{name}.gif")
        rows = result.table()
        metrics[name] = {"formula": result.surface.formula, "start": list(result.surface.start),
                         "steps": args.steps, "table": rows}
        best.append(f"{name}: {rows[0]['optimizer']} (f - f* = {rows[0]['final_gap']:.2g})")
    write_json(out / "metrics.json", {"surfaces": metrics, "seed": args.seed})
    print(f"compare-optimizers: best after {args.steps} steps on " + "; ".join(best)
          + f". Plots and metrics.json in {out}")
    return 0
