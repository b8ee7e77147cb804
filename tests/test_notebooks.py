"""Notebooks execute top to bottom (small settings by default, full size when slow)."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def _execute(path, small):
    nb = nbformat.read(path, as_version=4)
    env_key = "DEEPER_NOTEBOOK_SMALL"
    old = os.environ.get(env_key)
    os.environ[env_key] = "1" if small else ""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        NotebookClient(nb, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if old is None:
            os.environ.pop(env_key)
        else:
            os.environ[env_key] = old
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes_on_small_settings(path):
    nb = _execute(path, small=True)
    assert all(c.get("outputs") is not None for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes_at_full_size(path):
    _execute(path, small=False)
