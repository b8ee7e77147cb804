"""What does exact checkpointing cost? Epoch time with and without `ExactCheckpoint`.

The MNIST-1D CNN of the recipes (`models.build_cnn`, compiled like
`train_classifier`: Nesterov SGD, `steps_per_execution=8`) trains on
`data.augment_1d(data.pipeline(batch_size=64))` (4000 examples, 63 steps an
epoch) under four settings, side by side in one process, one epoch each in
turn for `--repeats` rounds (medians; one model per setting, traced before
timing):

* no checkpoint (the baseline),
* `ExactCheckpoint` at every epoch end,
* also every 50 steps, and every 8 steps (the finest `steps_per_execution`
  allows).

Each checkpoint writes the model, optimizer, metric and callback state (an
EarlyStopping and a StepDecay here) to one `.npz`, fsynced and renamed into
place. Timed from epoch begin to epoch end (validation and the epoch-end
write included; `fit`'s own start-up, the same for all, left out). Printed:
median epoch seconds, the ratio to the baseline, checkpoints per epoch, the
mean time per checkpoint (collecting the state and writing it), and the share
of the epoch time spent in checkpoints (less noisy than the ratio on a loaded
machine).

    python benchmarks/checkpoint_overhead.py --repeats 5
"""

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from deeper.components import callbacks, data  # noqa: E402
from deeper.recipes import models  # noqa: E402

SETTINGS = {"none": None, "per epoch": 0, "every 50 steps": 50, "every 8 steps": 8}


def make_run(ds, every, directory):
    keras.utils.set_random_seed(0)
    model = models.build_cnn(ds.x_train, ds.num_classes)
    model.compile(keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
                  "sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=8)
    train = data.augment_1d(data.pipeline(ds.x_train, ds.y_train, batch_size=64, seed=0),
                            seed=0)
    others = [keras.callbacks.EarlyStopping(patience=100, restore_best_weights=True),
              callbacks.StepDecay(0.05, drop=2.0, every_epochs=10)]
    checkpoint = None
    if every is not None:
        checkpoint = callbacks.ExactCheckpoint(directory, every_n_steps=every or None,
                                               data=train, callbacks=others, overwrite=True)
    return model, train, others, checkpoint


class EpochTimer(keras.callbacks.Callback):
    """Seconds from epoch begin to epoch end, the checkpoint's epoch-end write included."""

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start


def epoch_seconds(run, epoch, validation):
    model, train, others, checkpoint = run
    timer = EpochTimer()  # last: after the checkpoint's on_epoch_end
    model.fit(train, initial_epoch=epoch, epochs=epoch + 1, validation_data=validation,
              callbacks=others + ([checkpoint] if checkpoint else []) + [timer], verbose=0,
              shuffle=False)
    return timer.seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ds = data.load("mnist1d")
    validation = (ds.x_val, ds.y_val)
    root = tempfile.mkdtemp(prefix="checkpoint-overhead-")
    runs = {name: make_run(ds, every, os.path.join(root, name.replace(" ", "_")))
            for name, every in SETTINGS.items()}
    for run in runs.values():  # tracing, not timed
        epoch_seconds(run, 0, validation)
    times = {name: [] for name in runs}
    writes = {name: [0, 0.0] for name in runs}
    for repeat in range(args.repeats):
        for name, run in runs.items():
            times[name].append(epoch_seconds(run, repeat + 1, validation))
            if run[3] is not None:
                writes[name][0] += run[3]._writes
                writes[name][1] += run[3]._seconds
    base = statistics.median(times["none"])
    size = os.path.getsize(os.path.join(root, "per_epoch", "checkpoint.npz"))
    print(f"backend {keras.backend.backend()}, {args.repeats} rounds, checkpoint file "
          f"{size / 1024:.0f} KiB")
    print("| setting | epoch s (median) | ratio to none | checkpoints / epoch "
          "| time / checkpoint | checkpoint time / epoch time |")
    print("|---|---|---|---|---|---|")
    for name in runs:
        median = statistics.median(times[name])
        count, seconds = writes[name]
        per = f"{count / args.repeats:.0f}" if count else "0"
        each = f"{seconds / count * 1000:.1f} ms" if count else "-"
        share = f"{seconds / sum(times[name]):.3f}" if count else "-"
        print(f"| {name} | {median:.3f} | {median / base:.3f} | {per} | {each} | {share} |")


if __name__ == "__main__":
    main()
