"""Budgets, BudgetExceeded and Ctrl-C."""

from __future__ import annotations

import json
import os
import pickle
import signal
import threading
from pathlib import Path

import pytest

import milmed


def test_budget_fields_and_repr() -> None:
    budget = milmed.Budget(max_patients=5, max_seconds=1.5, max_memory=1 << 20)
    assert budget.max_patients == 5 and budget.max_seconds == 1.5
    assert budget.max_bytes is None and budget.max_cpu_seconds is None
    assert budget.max_memory == 1 << 20
    assert repr(budget) == "Budget(max_patients=5, max_seconds=1.5, max_memory=1048576)"
    assert pickle.loads(pickle.dumps(budget)) == budget
    assert milmed.Budget() != budget


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_patients": -1}, "max_patients: -1 is not allowed"),
        ({"max_bytes": -10}, "max_bytes: -10 is not allowed"),
        ({"max_seconds": -0.5}, "max_seconds: -0.5 is not allowed; give a finite number of seconds >= 0"),
        ({"max_cpu_seconds": float("nan")}, "max_cpu_seconds: nan is not allowed"),
        ({"max_seconds": float("inf")}, "max_seconds: inf is not allowed"),
    ],
)
def test_bad_limits_name_the_limit(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        milmed.Budget(**kwargs)


def test_generate_stops_at_the_patient_limit() -> None:
    seen = []
    with pytest.raises(milmed.BudgetExceeded) as caught:
        for record in milmed.generate(patients=1000, budget=milmed.Budget(max_patients=50)):
            seen.append(record["id"])
    assert seen == list(range(50))
    error = caught.value
    assert (error.resource, error.limit, error.used, error.patients_written) == ("patients", 50, 50, 50)
    assert error.unit == "patients"
    assert str(error) == "budget exceeded: patients limit 50 patients, used 50 patients; 50 patients written"


def test_iter_bytes_stops_at_the_byte_limit_with_a_complete_document() -> None:
    chunks = []
    with pytest.raises(milmed.BudgetExceeded) as caught:
        for chunk in milmed.iter_bytes(format="json", patients=10_000, budget=milmed.Budget(max_bytes=300_000)):
            chunks.append(chunk)
    error = caught.value
    assert error.resource == "bytes" and error.limit == 300_000 and error.used >= 300_000
    records = json.loads(b"".join(chunks))
    assert len(records) == error.patients_written and 0 < len(records) < 10_000


def test_time_limits_are_given_in_seconds() -> None:
    with pytest.raises(milmed.BudgetExceeded) as caught:
        milmed.to_arrow(patients=4_000_000, budget=milmed.Budget(max_seconds=0.2))
    error = caught.value
    assert error.resource == "wall_time" and error.unit == "seconds"
    assert error.limit == 0.2 and error.used >= 0.2
    assert 0 < error.patients_written < 4_000_000


def test_budget_exceeded_pickles_with_its_fields() -> None:
    error = milmed.BudgetExceeded("memory", 1000, 1200, 7)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.resource, copy.limit, copy.used, copy.patients_written) == ("memory", 1000, 1200, 7)
    assert str(copy) == str(error)


class _Interrupter:
    """Sends this process a real SIGINT from another thread once the run has started
    (its progress callback has seen patients), as a user's Ctrl-C would."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.closed = False
        self.thread = threading.Thread(target=self._send)
        self.thread.start()

    def progress(self, done: int, total: int) -> None:
        if done > 0:
            self.started.set()

    def _send(self) -> None:
        self.started.wait()
        if not self.closed:
            os.kill(os.getpid(), signal.SIGINT)

    def close(self) -> None:
        """Ends the thread; no signal is sent if none was yet."""
        self.closed = True
        self.started.set()
        self.thread.join()


def test_ctrl_c_stops_write_and_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    ctrl_c = _Interrupter()
    try:
        with pytest.raises(KeyboardInterrupt):
            milmed.write(path, format="csv", patients=4_000_000_000, threads=1, progress=ctrl_c.progress)
    finally:
        ctrl_c.close()
    assert list(tmp_path.iterdir()) == []


def test_a_failing_progress_callback_leaves_no_file(tmp_path: Path) -> None:
    def fail(done: int, total: int) -> None:
        if done > 0:
            raise RuntimeError("disk quota of the dashboard")

    with pytest.raises(RuntimeError, match="dashboard"):
        milmed.write(tmp_path / "run.ndjson", patients=4_000_000_000, progress=fail)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_stops_to_arrow() -> None:
    ctrl_c = _Interrupter()
    try:
        with pytest.raises(KeyboardInterrupt):
            milmed.to_arrow(patients=4_000_000_000, progress=ctrl_c.progress)
    finally:
        ctrl_c.close()
