"""Claims about the data side of SGD: SGD vs GD per second, hard examples.
Used by `benchmarks/claims.py`."""

from __future__ import annotations

import statistics

from claims_common import MIXED, Row, direction, epochs_text, spread, table

from deeper import recipes


def loss_at(curve, seconds):
    """The training loss of a `compare_batch_sizes` curve at wall time `seconds` (the last
    point measured by then)."""
    done = [loss for t, loss in zip(curve["seconds"], curve["loss"]) if t <= seconds]
    return done[-1]


def sgd_gd_claim(ds, settings):
    """`recipes.compare_batch_sizes`: SGD (batch 32) a few epochs vs full-batch GD many.

    Two clocks: the recipe's wall time (Keras's per-epoch start-up included, which a GD epoch
    of one step pays in full), and a GD-friendly one: GD's steps times the median GD step of
    `recipes.replication_cost` (start-up excluded) against SGD's own wall time.
    """
    sgd_epochs, gd_epochs = (1, 5) if settings.quick else (3, 60)
    cost = recipes.replication_cost(ds, copies=10, repeats=5 if settings.quick else 11)
    gd_step = cost["gd_seconds"][0]
    rows, wall, friendly = [], [], []
    for seed in settings.seeds:
        sgd = recipes.compare_batch_sizes(ds, sizes=(32,), epochs=sgd_epochs, seed=seed,
                                          copies=None).curves[32]
        gd = recipes.compare_batch_sizes(ds, sizes=("full",), epochs=gd_epochs,
                                         learning_rate=0.5, seed=seed,
                                         copies=None).curves["full"]
        goal, budget = sgd["loss"][-1], sgd["seconds"][-1]
        wall.append(loss_at(gd, budget) - goal)
        steps = next((k for k, loss in zip(gd["epoch"], gd["loss"]) if loss <= goal), None)
        friendly.append((2 * gd_epochs if steps is None else steps) * gd_step - budget)
        rows.append((seed, f"{goal:.3f}", f"{budget:.2f}", f"{loss_at(gd, budget):.3f}",
                     f"{gd['loss'][-1]:.3f} ({gd['seconds'][-1]:.1f} s)",
                     f"never in {gd_epochs}" if steps is None else
                     f"{steps} steps, {steps * gd_step:.2f} s"))
    verdicts = direction(wall), direction(friendly)
    verdict = verdicts[0] if verdicts[0] == verdicts[1] else MIXED
    col = lambda i: [float(r[i]) for r in rows]  # noqa: E731
    figure = (f"SGD after {sgd_epochs} epochs: loss {spread(col(1))} in {spread(col(2), '{:.2f}')}"
              f" s; GD at that wall time {spread(col(3))}; GD's pure step time to SGD's loss: "
              + ", ".join(r[5] for r in rows) + f" (one GD step {gd_step * 1e3:.0f} ms); data "
              f"x10: a GD step {cost['gd_ratio']:.1f}x dearer, an SGD step "
              f"{cost['sgd_ratio']:.1f}x")
    reading = (f"In the recipe's wall time SGD is ahead in {sum(w > 0 for w in wall)} of "
               f"{len(wall)} seeds ({verdicts[0]}); on the GD-friendly clock (GD's step time only, "
               f"no per-epoch start-up, against SGD's wall time) SGD is ahead in "
               f"{sum(f > 0 for f in friendly)} of {len(friendly)} ({verdicts[1]}). On 3,600 "
               "examples the data is not redundant enough for a large margin; replicating it "
               "makes each GD step proportionally dearer for the same gradient while an SGD "
               "step stays put, which is the claim's setting.")
    details = table(("seed", "SGD loss", "SGD seconds (wall)", "GD loss at that wall time",
                     f"GD after {gd_epochs} epochs (wall)", "GD to SGD's loss (step time)"),
                    rows)
    return Row("sgd_vs_gd", "On large, redundant training sets SGD is much faster than "
               "(full-)batch gradient descent (LeCun et al. 1998)",
               f"`recipes.compare_batch_sizes` on MNIST-1D (MLP 2x128): SGD batch 32 at 0.05 for "
               f"{sgd_epochs} epochs vs full-batch GD at 0.5 for {gd_epochs} epochs; "
               "`recipes.replication_cost` (10 copies) for GD's step time",
               figure, verdict, reading, details)


VARIANTS = ("uniform (shuffled)", "hard, cap 0.95")


def hard_examples_claim(ds, settings, hard_examples):
    """`benchmarks/hard_examples.run`: uniform vs hard-example sampling, 0% and 10% flipped."""
    epochs = settings.scaled(10)
    targets = {0.0: 0.9} if settings.quick else {0.0: 0.9, 0.1: 0.8}
    got = {}
    for noise, target in targets.items():
        for seed in settings.seeds:
            y_train, flipped = hard_examples.flip_labels(ds.y_train, noise, seed)
            for variant in VARIANTS:
                got.setdefault((noise, variant), []).append(hard_examples.run(
                    ds, y_train, flipped, variant, seed=seed, epochs=epochs, batch_size=64,
                    target=target))
    verdicts = []
    for noise in targets:
        uniform, hard = got[(noise, VARIANTS[0])], got[(noise, VARIANTS[1])]
        verdicts.append(direction([(u["epochs"] or epochs + 1) - (h["epochs"] or epochs + 1)
                                   for u, h in zip(uniform, hard)]))
    verdict = verdicts[0] if len(set(verdicts)) == 1 else MIXED
    figure = "; ".join(
        f"{noise:.0%} flipped, epochs to val {targets[noise]}: uniform "
        f"{epochs_text([r['epochs'] for r in got[(noise, VARIANTS[0])]], epochs)}, hard "
        f"{epochs_text([r['epochs'] for r in got[(noise, VARIANTS[1])]], epochs)}; test "
        f"{spread([r['test'] for r in got[(noise, VARIANTS[0])]])} vs "
        f"{spread([r['test'] for r in got[(noise, VARIANTS[1])]])}" for noise in targets)
    per_epoch = [h["total"] / u["total"] for noise in targets
                 for u, h in zip(got[(noise, VARIANTS[0])], got[(noise, VARIANTS[1])])]
    tests = {noise: statistics.mean(r["test"] for r in got[(noise, VARIANTS[1])]) -
             statistics.mean(r["test"] for r in got[(noise, VARIANTS[0])]) for noise in targets}
    reading = ("Fewer epochs to the target with hard-example sampling: " + ", ".join(
        f"{v} ({noise:.0%} flipped)" for noise, v in zip(targets, verdicts)) +
        "; test accuracy after the last epoch, hard minus uniform: " + ", ".join(
        f"{d:+.3f} ({noise:.0%} flipped)" for noise, d in tests.items()) +
        f"; a hard-example epoch costs {statistics.mean(per_epoch):.2f}x a uniform one "
        "(re-scoring pass; RESULTS.md's 30-epoch table has the same picture).")
    details = table(("flipped labels", "sampling", "epochs to target", "test accuracy",
                     "seconds, all epochs"),
                    [(f"{noise:.0%}", v, epochs_text([r["epochs"] for r in rs], epochs),
                      spread([r["test"] for r in rs]), spread([r["total"] for r in rs], "{:.1f}"))
                     for (noise, v), rs in got.items()])
    return Row("hard_examples", "Showing the network the examples it gets wrong more often "
               "(emphasizing hard examples) speeds up learning (LeCun et al. 1998)",
               f"`benchmarks/hard_examples.py`'s run: the recipe's CNN on MNIST-1D, Nesterov 0.05,"
               f" {epochs} epochs, uniform shuffling vs `HardExampleSampler(mix=0.5, cap=0.95)` "
               "+ `HardExampleMining`, 0% and 10% flipped training labels",
               figure, verdict, reading, details)
