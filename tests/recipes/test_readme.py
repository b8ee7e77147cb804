"""The README's short tour runs as written, in order (on small settings)."""

import pathlib
import re
import subprocess
import sys

import pytest

README = pathlib.Path(__file__).parents[2] / "README.md"
SMALL = {r"epochs=\d+": "epochs=1"}


def tour_blocks():
    text = README.read_text()
    tour = text[text.index("## A short tour"):]
    tour = tour[:tour.index("\n## ", 1)]
    return re.findall(r"```python\n(.*?)```", tour, flags=re.S)


def test_the_tour_has_its_blocks():
    blocks = tour_blocks()
    assert len(blocks) == 4
    assert "train_classifier" in blocks[1] and "PCAWhitening" in blocks[2]


@pytest.mark.slow  # ~20 s: the README's shell tour, command by command
def test_the_tour_runs_in_order_as_written(tmp_path, cli_env):
    code = "\n".join(tour_blocks())
    for pattern, small in SMALL.items():
        code = re.sub(pattern, small, code)
    code += "\nassert ds.name == 'mnist1d' and run.config['dataset'] == 'mnist1d'\n"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, env={**cli_env, "MPLBACKEND": "Agg"}, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "test accuracy" in result.stdout
    assert (tmp_path / "runs" / "cnn" / "metrics.json").exists()
    assert (tmp_path / "whitened.keras").exists()
