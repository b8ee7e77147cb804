"""`deeper lr-find`: the learning-rate range test, optionally with the coarse-to-fine search."""

from __future__ import annotations

from deeper.recipes.cli import _bool, add_data_options


def add_parser(sub):
    """Add the `lr-find` subcommand to the `deeper` subparsers `sub`."""
    p = sub.add_parser(
        "lr-find",
        help="find a learning rate: range test (Smith 2017), optionally coarse-to-fine search",
        description="Run the learning-rate range test on the recipe's model: the rate grows "
        "exponentially from --min-lr to --max-lr over --steps steps, the smoothed training "
        "loss is recorded until it diverges, and a rate is suggested (--suggestion min_div_10: "
        "the rate of the lowest loss / 10; steepest: where the loss falls fastest). With "
        "--search, also run lr_search: log-spaced rates for a few epochs on a subset, then "
        "finer rates around the best. Writes metrics.json, lr_find.png (and lr_search.png) "
        "into --out.",
    )
    add_data_options(p, val_fraction=False)
    p.add_argument("--model", default="mlp", choices=("mlp", "cnn"),
                   help="the recipe's architecture (default: %(default)s)")
    p.add_argument("--width", type=int, default=None,
                   help="hidden units (mlp, default 512) or first-layer channels (cnn, default 32)")
    p.add_argument("--depth", type=int, default=None,
                   help="hidden layers (mlp, default 2) or convolution blocks (cnn, default 4)")
    p.add_argument("--l2", type=float, default=1e-4, help="L2 weight decay (default: %(default)s)")
    p.add_argument("--dropout", type=float, default=0.2, help="dropout rate (default: %(default)s)")
    p.add_argument("--batch-norm", type=_bool, default=True,
                   help="batch normalization after hidden layers: true/false (default: true)")
    p.add_argument("--optimizer", default="nesterov",
                   help="optimizer name: nesterov, momentum, sgd, adam, rmsprop, adagrad "
                   "(default: %(default)s)")
    p.add_argument("--min-lr", type=float, default=1e-6, help="first rate (default: %(default)s)")
    p.add_argument("--max-lr", type=float, default=10.0, help="last rate (default: %(default)s)")
    p.add_argument("--steps", type=int, default=200,
                   help="steps of the exponential ramp (default: %(default)s)")
    p.add_argument("--suggestion", default="min_div_10", choices=("min_div_10", "steepest"),
                   help="which rate to suggest (default: %(default)s)")
    p.add_argument("--batch-size", type=int, default=64,
                   help="mini-batch size (default: %(default)s)")
    p.add_argument("--search", action="store_true",
                   help="also run the coarse-to-fine lr_search")
    p.add_argument("--search-epochs", type=int, default=5,
                   help="epochs per lr_search trial (default: %(default)s)")
    p.add_argument("--subset", type=float, default=0.25,
                   help="fraction (<= 1) or number of training examples for lr_search "
                   "(default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--out", default="runs/lr_find",
                   help="output directory for metrics.json and the plots (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_lr_find)


def _lr_find(args):
    from pathlib import Path

    from deeper import recipes
    from deeper.components import data
    from deeper.recipes import outputs

    dataset = data.load(args.data, seed=args.seed, data_dir=args.data_dir)
    print(dataset.summary(), flush=True)
    options = {"width": args.width, "depth": args.depth, "l2": args.l2,
               "dropout": args.dropout, "batch_norm": args.batch_norm}
    found = recipes.lr_find(
        dataset, model=args.model, optimizer=args.optimizer, min_lr=args.min_lr,
        max_lr=args.max_lr, num_steps=args.steps, batch_size=args.batch_size,
        suggestion=args.suggestion, seed=args.seed, output_dir=args.out,
        verbose=0 if args.quiet else 1, **options)
    written = ["metrics.json", "lr_find.png"]
    line = found.summary()
    if args.search:
        out = Path(args.out)
        searched = recipes.lr_search(
            dataset, model=args.model, optimizer=args.optimizer, epochs=args.search_epochs,
            subset=args.subset, batch_size=args.batch_size, seed=args.seed,
            output_dir=out / "search", **options)
        print(searched.table())
        (out / "search" / "lr_search.png").replace(out / "lr_search.png")
        (out / "search" / "metrics.json").unlink()
        (out / "search").rmdir()
        metrics = __import__("json").loads((out / "metrics.json").read_text())
        metrics["lr_search"] = {"best_learning_rate": searched.best_learning_rate,
                                "trials": searched.trials, "config": searched.config,
                                "summary": searched.summary()}
        outputs.write_json(out / "metrics.json", metrics)
        written.append("lr_search.png")
        line += f"; lr_search: {searched.summary()}"
    print(f"wrote {args.out}/{', '.join(written)}")
    print(line)
    return 0
