"""The `deeper` command line (also `python -m deeper.recipes`).

    deeper train --data mnist1d --model cnn --epochs 40 --out runs/cnn
    deeper babysit --data mnist1d --model cnn --out runs/babysit
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

DATASETS = ("mnist1d", "digits", "mnist", "fashion_mnist", "cifar10")


def add_data_options(p, *, val_fraction=True):
    """--data, --data-dir (and --val-fraction): the dataset options every subcommand shares."""
    p.add_argument("--data", default="mnist1d", choices=DATASETS,
                   help="dataset to load (mnist1d and digits are offline; the others need "
                   "tensorflow-datasets data, see --data-dir) (default: %(default)s)")
    p.add_argument("--data-dir", default=None,
                   help="tensorflow-datasets data_dir holding prepared mnist/fashion_mnist/cifar10")
    if val_fraction:
        p.add_argument("--val-fraction", type=float, default=0.1,
                       help="fraction of the training split held out for validation "
                       "(default: %(default)s)")


def _bool(text):
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _optional_int(text):
    if text.lower() in ("none", "off", "0"):
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer or 'off', got {text!r}") from None


def _add_train(sub):
    p = sub.add_parser(
        "train",
        help="train a classifier with the course's good practice",
        description="Train a classifier: standardized input, He init, L2, dropout, batch norm, "
        "Nesterov momentum with step decay, early stopping on the validation loss. Writes "
        "metrics.json, history.csv, learning_curves.png and model.keras into --out.",
    )
    add_data_options(p)
    p.add_argument("--model", default="cnn", choices=("mlp", "cnn"),
                   help="architecture (default: %(default)s)")
    p.add_argument("--width", type=int, default=None,
                   help="hidden units (mlp, default 512) or first-layer channels "
                   "(cnn, default 32)")
    p.add_argument("--depth", type=int, default=None,
                   help="hidden layers (mlp, default 2) or convolution blocks (cnn, default 4)")
    p.add_argument("--activation", default="relu",
                   help="hidden activation, a deeper or Keras name (default: %(default)s)")
    p.add_argument("--init", default=None,
                   help="kernel initializer (default: he_normal for ReLU units, "
                   "else glorot_uniform)")
    p.add_argument("--optimizer", default="nesterov",
                   help="optimizer name: nesterov, momentum, sgd, adam, rmsprop, adagrad, or any "
                   "Keras name (default: %(default)s)")
    p.add_argument("--learning-rate", type=float, default=None,
                   help="initial learning rate (default: 0.05 for SGD variants, 1e-3 for Adam)")
    p.add_argument("--lr-drop", type=float, default=10.0,
                   help="divide the learning rate by this every --lr-drop-every epochs; 1 keeps it "
                   "constant (default: %(default)s)")
    p.add_argument("--lr-drop-every", type=int, default=None,
                   help="epochs between learning-rate drops (default: half of --epochs)")
    p.add_argument("--batch-size", type=int, default=64,
                   help="mini-batch size (default: %(default)s)")
    p.add_argument("--epochs", type=int, default=40, help="maximum epochs (default: %(default)s)")
    p.add_argument("--l2", type=float, default=1e-4,
                   help="L2 weight decay, Keras convention l2*sum(w^2) (default: %(default)s)")
    p.add_argument("--dropout", type=float, default=0.2, help="dropout rate (default: %(default)s)")
    p.add_argument("--batch-norm", type=_bool, default=True,
                   help="batch normalization after hidden layers: true/false (default: true)")
    p.add_argument("--standardize", default="feature", choices=("feature", "channel", "global"),
                   help="input standardization, fitted on the training split "
                   "(default: %(default)s)")
    p.add_argument("--early-stopping", type=_optional_int, default=15,
                   help="patience in epochs on the validation loss, restoring the best weights; "
                   "'off' disables (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--mixed-precision", default=None, choices=("mixed_float16", "mixed_bfloat16"),
                   help="mixed-precision policy; output layer and loss stay float32")
    p.add_argument("--distribution", default=None, choices=("mirrored",),
                   help="tf.distribute strategy: 'mirrored' uses every visible GPU")
    p.add_argument("--out", default="runs/train",
                   help="output directory for metrics, history, plots and the model "
                   "(default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_train)


def _train(args):
    from deeper import recipes
    from deeper.components import data

    dataset = data.load(args.data, seed=args.seed, val_fraction=args.val_fraction,
                        data_dir=args.data_dir)
    print(dataset.summary(), flush=True)
    run = recipes.train_classifier(
        dataset, model=args.model, optimizer=args.optimizer, learning_rate=args.learning_rate,
        batch_size=args.batch_size, epochs=args.epochs, l2=args.l2, dropout=args.dropout,
        batch_norm=args.batch_norm, init=args.init, activation=args.activation,
        width=args.width, depth=args.depth, standardize=args.standardize,
        lr_drop=args.lr_drop, lr_drop_every=args.lr_drop_every,
        early_stopping=args.early_stopping, seed=args.seed, output_dir=args.out,
        mixed_precision=args.mixed_precision, distribution=args.distribution,
        verbose=0 if args.quiet else 1,
    )
    print(f"wrote {run.output_dir}/metrics.json, history.csv, learning_curves.png, model.keras")
    print(run.summary())
    return 0


def _add_babysit(sub):
    p = sub.add_parser(
        "babysit",
        help="sanity-check a model before training it for hours",
        description="Run the course's babysitting checks on the recipe's model at "
        "initialization: first loss near log(C), overfit a small subset with regularization "
        "off, regularization raises the loss, gradient check in float64, activation and "
        "gradient variance across depth, no NaN/inf in data, outputs or gradients. Prints a "
        "table, writes babysit.json, metrics.json and signal_variance.png into --out. Exit "
        "status 0 when every check passes, 1 when one fails, 2 for a bad argument.",
    )
    add_data_options(p)
    p.add_argument("--model", default="cnn", choices=("mlp", "cnn"),
                   help="the recipe's architecture to check (default: %(default)s)")
    p.add_argument("--width", type=int, default=None,
                   help="hidden units (mlp, default 512) or first-layer channels (cnn, default 32)")
    p.add_argument("--depth", type=int, default=None,
                   help="hidden layers (mlp, default 2) or convolution blocks (cnn, default 4)")
    p.add_argument("--activation", default="relu",
                   help="hidden activation, a deeper or Keras name (default: %(default)s)")
    p.add_argument("--init", default=None,
                   help="kernel initializer (default: he_normal for ReLU units, "
                   "else glorot_uniform)")
    p.add_argument("--l2", type=float, default=1e-4,
                   help="L2 weight decay of the model (default: %(default)s)")
    p.add_argument("--dropout", type=float, default=0.2,
                   help="dropout rate of the model (default: %(default)s)")
    p.add_argument("--batch-norm", type=_bool, default=True,
                   help="batch normalization after hidden layers: true/false (default: true)")
    p.add_argument("--subset", type=int, default=20,
                   help="training examples to overfit (default: %(default)s)")
    p.add_argument("--overfit-steps", type=int, default=100,
                   help="full-batch Adam steps on the subset (default: %(default)s)")
    p.add_argument("--learning-rate", type=float, default=1e-2,
                   help="Adam's learning rate on the subset (default: %(default)s)")
    p.add_argument("--gradient-threshold", type=float, default=None,
                   help="largest relative error of the gradient check (default: 1e-4 in float64)")
    p.add_argument("--epsilon", type=float, default=None,
                   help="finite-difference step of the gradient check (default: 1e-6 in float64)")
    p.add_argument("--max-ratio", type=float, default=100.0,
                   help="largest spread of activation variance or gradient size across depth "
                   "(default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--out", default="runs/babysit",
                   help="output directory for babysit.json, metrics.json and "
                   "signal_variance.png (default: %(default)s)")
    p.set_defaults(func=_babysit)


def _babysit(args):
    from deeper import recipes
    from deeper.components import data

    dataset = data.load(args.data, seed=args.seed, val_fraction=args.val_fraction,
                        data_dir=args.data_dir)
    print(dataset.summary(), flush=True)
    options = {"model": args.model, "width": args.width, "depth": args.depth,
               "activation": args.activation, "init": args.init, "l2": args.l2,
               "dropout": args.dropout, "batch_norm": args.batch_norm}
    report = recipes.babysit(
        options, dataset, subset=args.subset, overfit_steps=args.overfit_steps,
        learning_rate=args.learning_rate, gradient_threshold=args.gradient_threshold,
        epsilon=args.epsilon, max_ratio=args.max_ratio, seed=args.seed, output_dir=args.out,
    )
    print(report.table())
    print(f"wrote {report.output_dir}/babysit.json, metrics.json, signal_variance.png")
    print(report.summary())
    return 0 if report.passed else 1


def build_parser():
    parser = argparse.ArgumentParser(
        prog="deeper",
        description="Train deep networks with the course's good practice (Keras 3 / TensorFlow).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_train(sub)
    _add_babysit(sub)
    importlib.import_module("deeper.recipes.cli_tune").add_parser(sub)  # deeper tune
    importlib.import_module("deeper.recipes.cli_lr_find").add_parser(sub)  # deeper lr-find
    importlib.import_module("deeper.recipes.cli_compare_optimizers").add_parser(sub)
    return parser


def main(argv=None):
    """Entry point of the `deeper` console script."""
    # TensorFlow's C++ start-up lines (CUDA probing, oneDNN notes) are noise on
    # the command line; set TF_CPP_MIN_LOG_LEVEL yourself to see them.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = build_parser()
    args = parser.parse_args(argv)
    from deeper.components.data.tfds_loader import DatasetUnavailableError

    try:
        return args.func(args)
    except (ValueError, TypeError, OSError, DatasetUnavailableError) as err:
        if os.environ.get("DEEPER_DEBUG"):
            raise
        # Argument, data and file errors are one sentence: print it, not a traceback
        # (DEEPER_DEBUG=1 shows the traceback).
        print(f"deeper {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
