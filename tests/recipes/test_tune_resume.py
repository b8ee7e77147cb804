"""A search killed with SIGKILL at several moments and resumed loses no trial and repeats none."""

import json
import os
import pathlib
import random
import signal
import subprocess
import sys
import threading
import time

import pytest

HELPERS = pathlib.Path(__file__).with_name("tune_helpers.py")
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}


class _Search:
    """The tiny search in a subprocess, its progress lines collected by a thread."""

    def __init__(self, directory, budget, tuner):
        self.proc = subprocess.Popen([sys.executable, str(HELPERS), str(directory), str(budget),
                                      tuner],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, env=ENV)
        self.lines = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("trial "):
                self.lines.append(line.strip())

    def wait_for_lines(self, n, timeout=300):
        deadline = time.time() + timeout
        while len(self.lines) < n and self.proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.thread.join(5)

    def finish(self):
        self.proc.wait(600)
        self.thread.join(5)
        return self.proc.returncode


@pytest.mark.slow
@pytest.mark.parametrize("tuner", ["random", "hyperband"])
def test_sigkill_at_several_moments_then_resume(tmp_path, tuner):
    budget = 6
    rng = random.Random(7)
    printed = []
    # Kill 1: during start-up or the first trial; kills 2-4: at a random moment after
    # a trial ended (in the next trial's creation, training, or the end-of-trial writes).
    search = _Search(tmp_path, budget, tuner)
    time.sleep(rng.uniform(3, 8))
    search.kill()
    printed += search.lines
    for _ in range(3):
        search = _Search(tmp_path, budget, tuner)
        search.wait_for_lines(1)
        time.sleep(rng.uniform(0, 2.5))
        search.kill()
        printed += search.lines
    search = _Search(tmp_path, budget, tuner)
    assert search.finish() == 0
    printed += search.lines

    project = tmp_path / "search"
    oracle = json.loads((project / "oracle.json").read_text())
    ids = [str(i) for i in range(budget)]
    assert sorted(oracle["end_order"]) == ids  # every trial ended exactly once
    assert oracle["ongoing_trials"] == {} and oracle["retry_queue"] == []
    assert all(oracle["run_times"][i] == 1 for i in ids)
    trials = {i: json.loads((project / f"trial_{i}" / "trial.json").read_text()) for i in ids}
    assert all(t["status"] == "COMPLETED" for t in trials.values())
    assert sorted(p.name for p in project.glob("trial_*")) == [f"trial_{i}" for i in ids]
    # No trial printed twice (none ran to its end twice); each printed result is the
    # one on disk at the end (nothing was re-run and overwritten).
    printed_ids = [line.split()[1] for line in printed]
    assert len(printed_ids) == len(set(printed_ids))
    for line in printed:
        trial = trials[line.split()[1]]
        assert f"val_accuracy {trial['score']:.4f}" in line
    assert len(printed) >= budget - 4  # at most one trial per kill ended unprinted
