"""benchmarks/claims.py on its quick settings writes a claims table with every claim's row."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CLAIMS = Path(__file__).parents[1] / "benchmarks" / "claims.py"


def _claims_module():
    spec = importlib.util.spec_from_file_location("claims", CLAIMS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # ~50 s: every claim's benchmark on its quick settings
def test_quick_run_writes_a_row_per_claim_and_keeps_the_other_sections(tmp_path):
    claims = _claims_module()
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Another section\n\nkept as it is\n")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, str(CLAIMS), "--quick", "--results", str(results)],
                   check=True, env=env, timeout=900, capture_output=True)
    text = results.read_text()
    assert text.startswith("# Benchmark results\n\n## Another section\n\nkept as it is\n")
    block = text.split(claims.BEGIN, 1)[1].split(claims.END, 1)[0]
    rows = re.findall(r"^\| (\d+) `(\w+)` \|(.*)\|$", block, flags=re.M)
    assert [key for _, key, _ in rows] == list(claims.KEYS)
    assert [int(n) for n, _, _ in rows] == list(range(1, len(claims.KEYS) + 1))
    for _, key, cells in rows:
        verdict = cells.split(" | ")[3]
        assert verdict in ("**reproduced**", "**not reproduced**", "**mixed**"), (key, verdict)

    # A second write replaces the block instead of adding another one.
    claims.write_section(results, claims.BEGIN + "\nnew table\n" + claims.END)
    again = results.read_text()
    assert again.count(claims.BEGIN) == 1 and "new table" in again
    assert "| 1 `relu_tanh` |" not in again and "kept as it is" in again
