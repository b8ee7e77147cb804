"""Steady training step time on each Keras backend, side by side, against expert baselines.

Five ways to train the recipe's MNIST-1D model (built by the recipe's own
builder: same layers, initialization, dropout, batch norm and L2), the same
optimizer (SGD with Nesterov momentum 0.9, the recipe's step schedule from
0.05), batch 64 and validation after every epoch:

* `recipe-tf`: `train_classifier` on TensorFlow;
* `recipe-jax`: `train_classifier` on JAX;
* `keras-tf`: the `model.fit` an expert writes on TensorFlow: a cached,
  shuffled, batched and prefetched `tf.data` pipeline, `steps_per_execution=8`,
  validation at batch 256;
* `keras-jax`: the same expert `model.fit` on JAX (the `tf.data` pipeline feeds
  Keras's JAX trainer);
* `jax-jit`: a hand-written `jax.jit` training step on the same Keras model
  (`stateless_call`, the Nesterov update written out, the schedule traced),
  device-resident data gathered per batch inside the step, a jitted validation
  pass at batch 256.

Each measurement is its own process (the backend is chosen before Keras
loads); the settings alternate within each round. Timed: epochs 2..E (epoch 1
traces), training plus validation, divided by the training steps. Medians of
`--repeats` rounds, and each median's ratio to `recipe-tf`.

    python benchmarks/backends.py --model cnn --epochs 6 --repeats 3
    python benchmarks/backends.py --model mlp --epochs 6 --repeats 3
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

SETTINGS = ("recipe-tf", "recipe-jax", "keras-tf", "keras-jax", "jax-jit")
BATCH = 64


def _backend(setting):
    return "jax" if setting.endswith("jax") or setting == "jax-jit" else "tensorflow"


def _schedule(steps, epochs):
    from deeper.components import schedules

    return schedules.step_decay(0.05, drop=10.0, every_epochs=max(1, epochs // 2),
                                steps_per_epoch=steps)


def _recipe(ds, model, epochs):
    import keras

    from deeper import recipes

    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    run = recipes.train_classifier(ds, model=model, epochs=epochs, batch_size=BATCH,
                                   lr_drop_every=max(1, epochs // 2), early_stopping=None,
                                   callbacks=[Timer()], verbose=0)
    return times, run.test_metrics["accuracy"]


def _built(ds, model, steps, epochs):
    import keras

    from deeper.recipes.shared import models

    keras.utils.set_random_seed(0)
    net = models.build(model, ds.x_train, ds.num_classes, seed=0)
    optimizer = keras.optimizers.SGD(_schedule(steps, epochs), momentum=0.9, nesterov=True)
    return net, optimizer


def _keras_tf(ds, model, epochs):
    import keras
    import tensorflow as tf

    steps = -(-len(ds.x_train) // BATCH)
    net, optimizer = _built(ds, model, steps, epochs)
    net.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                metrics=["accuracy"], steps_per_execution=8)
    train = (tf.data.Dataset.from_tensor_slices((ds.x_train, ds.y_train)).cache()
             .shuffle(len(ds.x_train), seed=0, reshuffle_each_iteration=True).batch(BATCH)
             .prefetch(tf.data.AUTOTUNE))
    val = tf.data.Dataset.from_tensor_slices((ds.x_val, ds.y_val)).batch(256).cache() \
        .prefetch(tf.data.AUTOTUNE)
    times = []
    timer = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda e, logs: times.append(-time.perf_counter()),
        on_epoch_end=lambda e, logs: times.__setitem__(-1, times[-1] + time.perf_counter()))
    net.fit(train, validation_data=val, epochs=epochs, callbacks=[timer], verbose=0)
    return times, net.evaluate(ds.x_test, ds.y_test, batch_size=256, verbose=0)[1]


def _jax_jit(ds, model, epochs):
    import jax
    import jax.numpy as jnp
    import keras
    import numpy as np

    steps = -(-len(ds.x_train) // BATCH)
    net, _ = _built(ds, model, steps, epochs)
    schedule = _schedule(steps, epochs)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    trainable = [v.value for v in net.trainable_variables]
    non_trainable = [v.value for v in net.non_trainable_variables]
    velocity = [jnp.zeros_like(w) for w in trainable]

    def loss_of(trainable, non_trainable, x, y):
        probabilities, non_trainable, losses = net.stateless_call(
            trainable, non_trainable, x, training=True, return_losses=True)
        return loss_fn(y, probabilities) + sum(losses), non_trainable

    @jax.jit
    def train_step(trainable, non_trainable, velocity, step, x, y, batch):
        (_, non_trainable), grads = jax.value_and_grad(loss_of, has_aux=True)(
            trainable, non_trainable, x[batch], y[batch])  # the gather inside the step
        lr = schedule(step)
        velocity = [0.9 * v - lr * g for v, g in zip(velocity, grads)]
        trainable = [w + 0.9 * v - lr * g for w, v, g in zip(trainable, velocity, grads)]
        return trainable, non_trainable, velocity

    @jax.jit
    def correct(trainable, non_trainable, x, y):
        probabilities, _ = net.stateless_call(trainable, non_trainable, x, training=False)
        return jnp.sum(jnp.argmax(probabilities, -1) == y)

    def accuracy(x, y):
        hits = sum(int(correct(trainable, non_trainable, x[i:i + 256], y[i:i + 256]))
                   for i in range(0, len(x), 256))
        return hits / len(x)

    x, y = jnp.asarray(ds.x_train), jnp.asarray(ds.y_train)
    x_val, y_val = jnp.asarray(ds.x_val), jnp.asarray(ds.y_val)
    rng, step, times = np.random.default_rng(0), 0, []
    for _ in range(epochs):
        start = time.perf_counter()
        order = jnp.asarray(rng.permutation(len(ds.x_train)))
        for i in range(steps):
            trainable, non_trainable, velocity = train_step(
                trainable, non_trainable, velocity, step, x, y, order[i * BATCH:(i + 1) * BATCH])
            step += 1
        accuracy(x_val, y_val)
        jax.block_until_ready(trainable)
        times.append(time.perf_counter() - start)
    return times, accuracy(jnp.asarray(ds.x_test), jnp.asarray(ds.y_test))


def worker(setting, model, epochs):
    """Train once with `setting`; print `{"step_ms": ..., "accuracy": ...}`."""
    from deeper.components import data

    ds = data.load("mnist1d")
    run = {"recipe-tf": _recipe, "recipe-jax": _recipe, "keras-tf": _keras_tf,
           "keras-jax": _keras_tf, "jax-jit": _jax_jit}[setting]
    times, accuracy = run(ds, model, epochs)
    steps = -(-len(ds.x_train) // BATCH)
    step_ms = 1000 * statistics.median(times[1:]) / steps
    print(json.dumps({"step_ms": step_ms, "accuracy": float(accuracy)}))


def measure(setting, model, epochs):
    env = {**os.environ, "KERAS_BACKEND": _backend(setting), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, __file__, "--worker", setting, "--model", model,
                           "--epochs", str(epochs)], env=env, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cnn", choices=("mlp", "cnn"))
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", choices=SETTINGS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.model, args.epochs)
    runs = {s: [] for s in SETTINGS}
    for r in range(args.repeats):
        for setting in SETTINGS:
            runs[setting].append(measure(setting, args.model, args.epochs))
            print(f"round {r}: {setting} {runs[setting][-1]['step_ms']:.2f} ms/step", flush=True)
    base = statistics.median(m["step_ms"] for m in runs["recipe-tf"])
    print(f"\n{args.model}, MNIST-1D, batch {BATCH}, {args.epochs} epochs, medians of "
          f"{args.repeats}:\n\n| setting | ms per step | speed vs recipe-tf | test accuracy |"
          "\n|---|---|---|---|")
    for setting, ms in runs.items():
        median = statistics.median(m["step_ms"] for m in ms)
        accuracy = statistics.median(m["accuracy"] for m in ms)
        print(f"| {setting} | {median:.2f} | {base / median:.2f}x | {accuracy:.3f} |")
    return None


if __name__ == "__main__":
    main()
