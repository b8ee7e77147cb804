"""A small training run for the exact-resume tests: run as a script, SIGKILLed on request.

    python exact_resume_run.py OUT [--kill EPOCH BATCH] [--plain]

trains an MLP with Dropout and NoisyReLU on augmented 1-D signals (data.pipeline +
data.augment_1d), with EarlyStopping (restore_best_weights) and StepDecay, through
`callbacks.resume_fit` with an `ExactCheckpoint` in OUT/checkpoint (every 3 steps),
and writes OUT/final.npz (every model and optimizer variable) and OUT/history.json.
`--kill E B` SIGKILLs this process at the start of batch B of epoch E (0-based);
`--plain` trains with a plain `model.fit` and no checkpoint (the reference).
"""

import argparse
import json
import os
import signal

import keras
import numpy as np

from deeper.components import callbacks, data
from deeper.components.layers import NoisyReLU

EPOCHS, BATCH = 6, 32


class Interrupted(Exception):
    """Raised by `InterruptAt(..., kill=False)`: an interruption inside the process."""


class InterruptAt(keras.callbacks.Callback):
    """At the start of batch `batch` of epoch `epoch`: SIGKILL this process (or raise)."""

    def __init__(self, epoch=-1, batch=-1, kill=True):
        super().__init__()
        self.at, self.kill, self.epoch = (epoch, batch), kill, None

    def get_state(self):  # a test device, not part of the run: nothing to save
        return {}

    def set_state(self, state):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        # Keras counts batches from 0 in every fit; a partial epoch starts at its offset.
        if (self.epoch, batch) == self.at:
            if self.kill:
                os.kill(os.getpid(), signal.SIGKILL)
            raise Interrupted(f"at epoch {self.epoch}, batch {batch}")


def build():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 40)).astype("float32")
    y = rng.integers(0, 10, 256)
    x_val = rng.normal(size=(64, 40)).astype("float32")
    y_val = rng.integers(0, 10, 64)
    train = data.augment_1d(data.pipeline(x, y, batch_size=BATCH, seed=3), seed=4)
    inputs = keras.Input((40,))
    h = keras.layers.Dense(32)(inputs)
    h = NoisyReLU(noise_scale=0.5, seed=5)(h)
    h = keras.layers.Dropout(0.3, seed=6)(h)
    outputs = keras.layers.Dense(10, activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    others = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=20,
                                            restore_best_weights=True),
              callbacks.StepDecay(0.05, drop=2.0, every_epochs=2)]
    return model, train, (x_val, y_val), others


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--kill", type=int, nargs=2)
    parser.add_argument("--plain", action="store_true")
    args = parser.parse_args()
    model, train, validation, others = build()
    if args.plain:
        history = model.fit(train, epochs=EPOCHS, validation_data=validation, callbacks=others,
                            verbose=0)
    else:
        others.append(InterruptAt(*(args.kill or (-1, -1))))
        checkpoint = callbacks.ExactCheckpoint(os.path.join(args.out, "checkpoint"),
                                               every_n_steps=3, data=train)
        history = callbacks.resume_fit(model, train, epochs=EPOCHS, checkpoint=checkpoint,
                                       callbacks=others, validation_data=validation, verbose=0)
    variables = [*model.variables, *model.optimizer.variables]
    np.savez(os.path.join(args.out, "final.npz"),
             **{f"{i}:{v.path}": keras.ops.convert_to_numpy(v.value)
                for i, v in enumerate(variables)})
    with open(os.path.join(args.out, "history.json"), "w") as file:
        json.dump({"history": history.history, "epoch": history.epoch}, file)


if __name__ == "__main__":
    main()
