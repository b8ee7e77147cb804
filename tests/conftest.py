"""Fixtures and helpers shared by the tests.

* `digits`, `mnist1d`: the two offline datasets, loaded once per session (read only).
* `cli_env`: the environment of a command-line run (no GPU, TensorFlow's C++ logs off).
* `run_deeper`: run `python -m deeper.recipes ARGS...` as a user does; a CompletedProcess.
* `run_python`: run a Python snippet in a fresh interpreter, optionally with TensorFlow,
  Keras and KerasTuner made unimportable (`block_frameworks=True`).
* `tune_helpers`: `tests/recipes/tune_helpers.py` (tiny searches), loaded once.
* `helper_module`: `helper_module("references/numpy_refs.py")` loads a helper module of the
  tests by its path below `tests/` (pytest's importlib mode makes them unimportable by
  name), once per session: the one place for the `importlib` boilerplate.
* every test under `tests/references/` runs inside `autodiff.precision("float64")`: the
  references are float64 (DESIGN.md), and on Keras's JAX backend float64 exists only in
  JAX's x64 mode (without it, float64 arrays are silently float32); elsewhere a no-op.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

TESTS = pathlib.Path(__file__).parent
# A meta-path finder that refuses the frameworks: what runs under it provably never
# imports them (an ImportError would surface in the subprocess's output).
BLOCKER = textwrap.dedent("""
    import sys
    class _Blocker:
        BLOCKED = ("tensorflow", "keras", "keras_tuner", "jax", "torch")
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in self.BLOCKED:
                raise ImportError(f"{name} is blocked in this test")
            return None
    sys.meta_path.insert(0, _Blocker())
""")


@pytest.fixture(autouse=True)
def _references_in_float64(request):
    if TESTS / "references" not in request.path.parents:
        yield
        return
    from deeper.components.diagnostics import autodiff

    with autodiff.precision("float64"):
        yield


@pytest.fixture(scope="session")
def digits():
    from deeper.components import data

    return data.load("digits", seed=0)


@pytest.fixture(scope="session")
def mnist1d():
    from deeper.components import data

    return data.load("mnist1d", seed=0)


@pytest.fixture(scope="session")
def cli_env():
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}


@pytest.fixture(scope="session")
def run_deeper(cli_env):
    def run(*args, timeout=600, env=None):
        return subprocess.run([sys.executable, "-m", "deeper.recipes", *map(str, args)],
                              capture_output=True, text=True, env=env or cli_env,
                              timeout=timeout)

    return run


@pytest.fixture(scope="session")
def run_python(cli_env):
    def run(code, *, block_frameworks=False, timeout=600):
        source = (BLOCKER if block_frameworks else "") + textwrap.dedent(code)
        return subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                              env=cli_env, timeout=timeout)

    return run


_LOADED = {}


def _load(relative):
    if relative not in _LOADED:
        path = TESTS / relative
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _LOADED[relative] = module
    return _LOADED[relative]


@pytest.fixture(scope="session")
def helper_module():
    return _load


@pytest.fixture(scope="session")
def tune_helpers():
    return _load("recipes/tune_helpers.py")
