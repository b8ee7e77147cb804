"""Parallel trials on one machine: a chief and N workers of KerasTuner's distributed engine.

`deeper tune --workers N ...` (or `Launcher(args, workers=N).run()`) starts
`deeper tune --chief` and N `deeper tune --worker` processes on localhost, each
with KerasTuner's environment (`KERASTUNER_TUNER_ID`, `KERASTUNER_ORACLE_IP`,
`KERASTUNER_ORACLE_PORT`, set by those flags), on a free port. A worker that
dies (a crash, `kill -9`) is started again under the same tuner id: KerasTuner's
oracle hands an id its ongoing trial, so the trial it was training runs again
from scratch and is never lost. When the chief has retrained and reported, the
workers left are stopped (SIGTERM, then SIGKILL); Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time


def free_port(ip="127.0.0.1"):
    """A TCP port free on `ip` now."""
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


class Launcher:
    """A chief and `workers` workers of `deeper tune` with the same arguments `args`.

    Args:
        args: `deeper tune`'s arguments (a list of strings) without `--workers`.
        workers: number of worker processes, >= 1.
        ip: the chief's address. Defaults to "127.0.0.1".
        port: the chief's port. Defaults to `None` (a free one).
        max_restarts: restarts of each worker after it died. Defaults to 3.
        worker_output: where workers write (a file object or `subprocess.DEVNULL`).
            Defaults to `subprocess.DEVNULL` (the chief prints the trials).

    Example:

    ```python
    Launcher(["--data", "mnist1d", "--budget", "40", "--out", "runs/tune"], workers=2).run()
    ```
    """

    def __init__(self, args, *, workers, ip="127.0.0.1", port=None, max_restarts=3,
                 worker_output=subprocess.DEVNULL):
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ValueError(f"`workers` must be an integer >= 1. Received: workers={workers!r}")
        self.args, self.workers, self.ip = list(args), workers, ip
        self.port = port or free_port(ip)
        self.max_restarts, self.worker_output = max_restarts, worker_output
        self.chief, self.processes, self.restarts = None, {}, {}
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}

    def _command(self, *role):
        return [sys.executable, "-m", "deeper.recipes", "tune", *self.args, *role,
                "--ip", self.ip, "--port", str(self.port)]

    def _start_worker(self, i):
        self.processes[i] = subprocess.Popen(
            self._command("--worker", "--worker-id", str(i)), env=self.env,
            stdout=self.worker_output, stderr=self.worker_output)

    def start(self):
        """Start the chief and the workers."""
        self.chief = subprocess.Popen(self._command("--chief"), env=self.env)
        for i in range(self.workers):
            self.restarts[i] = 0
            self._start_worker(i)

    def poll(self):
        """Restart dead workers; return the chief's exit code, `None` while it runs."""
        code = self.chief.poll()
        if code is not None:
            return code
        for i, process in self.processes.items():
            died = process.poll()
            if died not in (None, 0) and self.restarts[i] < self.max_restarts:
                self.restarts[i] += 1
                print(f"worker {i} ended with {_describe(died)}; started again (its trial runs "
                      f"again), restart {self.restarts[i]} of {self.max_restarts}", flush=True)
                self._start_worker(i)
        return None

    def stop(self, grace=10.0):
        """Stop every process still running: SIGTERM, then SIGKILL after `grace` seconds."""
        running = [p for p in (self.chief, *self.processes.values()) if p and p.poll() is None]
        for p in running:
            p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for p in running:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def run(self, interval=0.5):
        """Start, supervise until the chief ends, stop the rest; return the chief's exit code."""
        self.start()
        try:
            while (code := self.poll()) is None:
                time.sleep(interval)
            return code
        finally:
            self.stop()


def _describe(code):
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"exit code {code}"
