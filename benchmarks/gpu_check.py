"""GPU check: deeper on Keras's JAX backend with TensorFlow absent, on an NVIDIA GPU.

For a machine set up for JAX alone (a common GPU set-up). Three parts, each
its own process with TensorFlow made unimportable (so the check also proves
that nothing reaches for it), the input NumPy arrays:

1. `conformance`: the conformance suite and the NumPy-reference tests
   (`tests/conformance`, `tests/references`, not the slow or
   TensorFlow-only ones) under pytest, on the JAX backend;
2. `recipe`: the default CNN recipe on MNIST-1D (`train_classifier(ds,
   model="cnn")`, 40 epochs, seed 0): its test accuracy and wall time;
3. `throughput`: steady ms per training step of the recipe on JAX and of a
   hand-written `jax.jit` loop on the same Keras model (`benchmarks/backends.py`'s
   `recipe-jax` and `jax-jit`), side by side, medians of `--repeats` rounds.

    python benchmarks/gpu_check.py --out gpu_check        # on the GPU machine
    python benchmarks/gpu_check.py --allow-cpu --parts throughput  # try it anywhere

It refuses to run without a GPU unless `--allow-cpu` is given. Each part
prints one line and the whole check a JSON summary (`--out`/gpu_check.json).
"""

import argparse
import importlib.abc
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
PARTS = ("conformance", "recipe", "throughput")
BLOCKED = ("tensorflow", "tensorflow_datasets", "tf_keras")


class _NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked by benchmarks/gpu_check.py")
        return None


def block_tensorflow():
    """Make TensorFlow unimportable in this process (before Keras loads)."""
    if any(name.split(".")[0] in BLOCKED for name in sys.modules):
        raise RuntimeError("TensorFlow is already imported; block it before anything loads.")
    sys.meta_path.insert(0, _NoTensorFlow())


def _child(code, timeout):
    """Run `code` in a fresh Python with TensorFlow blocked and Keras on JAX."""
    prelude = (f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
               "import gpu_check; gpu_check.block_tensorflow()\n")
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-c", prelude + code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _last_json(done):
    if done.returncode != 0:
        raise RuntimeError(f"the child failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def devices():
    """The JAX backend's devices, in a TensorFlow-blocked child."""
    return _last_json(_child("import jax, json; print(json.dumps({'platform': "
                             "jax.default_backend(), 'devices': [str(d) for d in "
                             "jax.devices()]}))", 300))


def conformance(timeout):
    """Run the conformance and reference tests; return the pytest summary line."""
    code = ("import pytest; sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '-m', "
            "'not slow and not tensorflow_only', 'tests/conformance', 'tests/references']))")
    start = time.perf_counter()
    done = _child(code, timeout)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return {"exit_status": done.returncode, "summary": lines[-1] if lines else done.stderr[-500:],
            "seconds": round(time.perf_counter() - start, 1),
            "failures": [line for line in lines if line.startswith(("FAILED", "ERROR"))]}


def recipe(timeout):
    """The default CNN recipe on MNIST-1D: test accuracy and wall time."""
    code = ("import json, time\nfrom deeper import recipes\nfrom deeper.components import data\n"
            "ds = data.load('mnist1d')\nstart = time.perf_counter()\n"
            "run = recipes.train_classifier(ds, model='cnn', verbose=0)\n"
            "print(json.dumps({'test_accuracy': float(run.test_metrics['accuracy']), "
            "'epochs': len(run.history['loss']), "
            "'seconds': round(time.perf_counter() - start, 1), "
            "'tensorflow_loaded': 'tensorflow' in sys.modules}))")
    return _last_json(_child(code, timeout))


def throughput(repeats, epochs, timeout):
    """ms per steady step, recipe on JAX vs a hand-written jax.jit loop, alternating."""
    code = ("import backends; backends.worker({setting!r}, 'cnn', " + str(epochs) + ")")
    runs = {"recipe-jax": [], "jax-jit": []}
    for _ in range(repeats):
        for setting in runs:
            runs[setting].append(_last_json(_child(
                f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
                + code.format(setting=setting), timeout)))
    medians = {s: statistics.median(m["step_ms"] for m in ms) for s, ms in runs.items()}
    return {"ms_per_step": {s: round(v, 3) for s, v in medians.items()},
            "recipe_over_jit": round(medians["recipe-jax"] / medians["jax-jit"], 3),
            "accuracy": {s: statistics.median(m["accuracy"] for m in ms)
                         for s, ms in runs.items()},
            "rounds": {s: [round(m["step_ms"], 3) for m in ms] for s, ms in runs.items()}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated parts to run, of {', '.join(PARTS)}")
    parser.add_argument("--repeats", type=int, default=3, help="throughput rounds")
    parser.add_argument("--epochs", type=int, default=6, help="epochs per throughput run")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per child process")
    parser.add_argument("--allow-cpu", action="store_true", help="run without a GPU too")
    parser.add_argument("--out", default=None, help="folder for gpu_check.json")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"--parts has unknown names {unknown}: choose from {list(PARTS)}.")
    summary = {"jax": devices()}
    print(f"JAX platform {summary['jax']['platform']}: {summary['jax']['devices']}", flush=True)
    if summary["jax"]["platform"] != "gpu" and not args.allow_cpu:
        sys.exit("No GPU: JAX's default backend is "
                 f"{summary['jax']['platform']!r}; pass --allow-cpu to run the check anyway.")
    if "conformance" in parts:
        summary["conformance"] = conformance(args.timeout)
        print(f"conformance: {summary['conformance']['summary']} "
              f"({summary['conformance']['seconds']} s)", flush=True)
    if "recipe" in parts:
        summary["recipe"] = recipe(args.timeout)
        print(f"recipe: test accuracy {summary['recipe']['test_accuracy']:.4f} after "
              f"{summary['recipe']['epochs']} epochs, {summary['recipe']['seconds']} s",
              flush=True)
    if "throughput" in parts:
        summary["throughput"] = throughput(args.repeats, args.epochs, args.timeout)
        ms = summary["throughput"]["ms_per_step"]
        print(f"throughput: recipe-jax {ms['recipe-jax']:.2f} ms/step, jax-jit "
              f"{ms['jax-jit']:.2f} ms/step, recipe / jit "
              f"{summary['throughput']['recipe_over_jit']:.2f}x", flush=True)
    if args.out:
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "gpu_check.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary))
    failed = summary.get("conformance", {}).get("exit_status", 0) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
