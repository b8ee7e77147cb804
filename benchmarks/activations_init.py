"""Activations and initialization: variance through depth at initialization, and
epochs to 25% training error on MNIST-1D for ReLU, tanh and scaled tanh.

    python benchmarks/activations_init.py --seeds 0 1 2 --learning-rates 0.05 0.01
"""

import argparse
import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from deeper.components import data  # noqa: E402
from deeper.recipes import activations  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--learning-rates", type=float, nargs="+", default=[0.05, 0.01])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--threshold", type=float, default=0.25)
    args = parser.parse_args()

    print("Variance through depth (10 bias-free Dense(256) layers, N(0,1) inputs)")
    print("| initializer + activation | var(layer 1) | var(layer 10) | ratio 10/1 |")
    print("|---|---|---|---|")
    for (init, act), v in activations.variance_through_depth().items():
        tag = "" if (init, act) in activations.MATCHED else " (mismatched)"
        print(f"| {init} + {act}{tag} | {v[0]:.4g} | {v[-1]:.4g} | {v[-1] / v[0]:.4g} |")

    ds = data.load("mnist1d")
    print(f"\nEpochs to {args.threshold:.0%} training error, MNIST-1D MLP (no BN/dropout/L2, "
          f"Nesterov, constant LR), seeds {args.seeds}")
    print("| learning rate | activation | epochs (median) | per seed | final train error "
          "(mean) | test accuracy (mean) |")
    print("|---|---|---|---|---|---|")
    for lr in args.learning_rates:
        result = activations.compare_activations(ds, epochs=args.epochs, seeds=args.seeds,
                                                 threshold=args.threshold, learning_rate=lr)
        for act, median in result.summary().items():
            rows = [r for r in result.rows if r["activation"] == act]
            per_seed = [r["epochs_to_threshold"] for r in rows]
            print(f"| {lr:g} | {act} | {median if median is not None else 'not reached'} | "
                  f"{per_seed} | {statistics.mean(r['final_train_error'] for r in rows):.3f} | "
                  f"{statistics.mean(r['test_accuracy'] for r in rows):.3f} |")


if __name__ == "__main__":
    main()
