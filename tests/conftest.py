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
* `TORCH_UNSUPPORTED`: the tests that fail on Keras's PyTorch backend, each with its
  reason; they are skipped there (README.md's "Backends" section lists the components).
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

# Keras's PyTorch backend computes float64 in float32 in `ops.matmul`, `ops.dot`,
# `ops.maximum`/`minimum`, `ops.var` and `ops.divide_no_nan` (its `result_type` maps 64-bit
# types to 32-bit ones off TensorFlow), so a float64 reference fails at 1e-10 there.
_F64 = "Keras's PyTorch backend computes float64 {} in float32 (result_type demotes 64-bit)"
_MATMUL = _F64.format("ops.matmul")
_LOSS_MEAN = _F64.format("ops.divide_no_nan, so a Keras Loss's mean,")
_GRADCHECK = ("float64 is impossible there (Keras's PyTorch ops.matmul computes it in float32): "
              "the check runs in float32 and warns, too noisy for these exact assertions")
TORCH_UNSUPPORTED = {
    "references/test_activations.py::test_rbf_layer_matches_formula": _MATMUL,
    "references/test_hierarchical_softmax.py::test_matches_explicit_enumeration_of_the_tree":
        _MATMUL,
    "references/test_preprocessing.py::test_whitening_matches_reference": _MATMUL,
    "references/test_preprocessing.py::test_zca_is_symmetric_and_closest_to_input": _MATMUL,
    "references/test_regularizers_losses.py::test_decov_matches_formula_and_ignores_variances":
        _MATMUL,
    "references/test_regularizers_losses.py::"
    "test_decov_as_activity_regularizer_adds_exactly_the_papers_penalty": _MATMUL,
    "references/test_regularizers_losses.py::test_multiclass_hinge_is_weston_watkins_sum":
        _LOSS_MEAN,
    "references/test_regularizers_losses.py::test_keras_categorical_hinge_is_a_max_not_the_sum":
        _LOSS_MEAN,
    "references/test_regularizers_losses.py::test_multilabel_hinge_and_crossentropy": _LOSS_MEAN,
    "references/test_regularizers_losses.py::test_euclidean_l1_and_rbf_euclidean": _LOSS_MEAN,
    "references/test_initializers.py::test_kerass_truncated_normals_differ_in_the_tails":
        "Keras's PyTorch truncated_normal keeps an out-of-range draw after 4 tries "
        "(about 1 entry in 230,000 lies beyond 2 standard deviations)",
    "optimizers/test_learned_lstm.py::test_preprocessing_matches_the_paper":
        _F64.format("ops.maximum"),
    "optimizers/test_second_order.py::test_lbfgs_optimizer_matches_numpy_reference_over_48_steps":
        _F64.format("ops.matmul (Dense) and ops.divide_no_nan (the loss's mean)"),
    "optimizers/test_second_order.py::test_model_objective_and_newton_step_match_the_numpy_formula":
        _MATMUL,
    "callbacks/test_gradient_check.py::test_autodiff_and_finite_differences_match_numpy":
        _GRADCHECK,
    "callbacks/test_gradient_check.py::test_wrong_custom_gradient_fails_below_the_broken_layer_only":
        _GRADCHECK,
    "callbacks/test_gradient_check.py::"
    "test_a_correct_model_with_relu_kinks_passes_and_is_left_unchanged": _GRADCHECK,
    "callbacks/test_gradient_check.py::test_callback_checks_at_train_begin_and_every_n_epochs":
        _GRADCHECK,
    "recipes/test_babysit.py::test_healthy_model_passes_every_check": _GRADCHECK,
    "recipes/test_babysit.py::test_wrong_custom_gradient_fails_gradient_check": _GRADCHECK,
    "recipes/test_lr_find_search.py::test_lr_find_suggests_a_rate_that_trains":
        "Keras's PyTorch cross-entropy stays finite at rates up to 100 (0.41 -> 19.4): the "
        "smoothed loss does not reach diverge_factor within the 100 steps",
}


def pytest_collection_modifyitems(config, items):
    """Skip `TORCH_UNSUPPORTED` on Keras's PyTorch backend, with the reason."""
    import keras

    if keras.backend.backend() != "torch":
        return
    for item in items:
        key = f"{item.path.relative_to(TESTS).as_posix()}::{item.originalname}"
        if key in TORCH_UNSUPPORTED:
            item.add_marker(pytest.mark.skip(reason=f"PyTorch: {TORCH_UNSUPPORTED[key]}"))


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
