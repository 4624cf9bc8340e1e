"""Budgets, BudgetExceeded and Ctrl-C."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import polars as pl
import pyarrow as pa
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


MiB = 1 << 20


def test_a_memory_budget_stops_a_table_at_the_next_batch() -> None:
    # Unlimited, these patients take about 770 MB of Arrow buffers.
    limit = 50_000_000
    with pytest.raises(milmed.BudgetExceeded) as caught:
        milmed.to_arrow(patients=1_000_000, seed=1, budget=milmed.Budget(max_memory=limit))
    error = caught.value
    assert (error.resource, error.limit, error.unit) == ("memory", limit, "bytes")
    assert limit < error.used < limit + 10 * MiB  # passed by at most about one batch
    assert 0 < error.patients_written < 200_000
    table = error.partial
    assert isinstance(table, pa.Table)
    assert table.num_rows == error.patients_written
    assert table.column("id").to_pylist() == list(range(table.num_rows))
    assert table.get_total_buffer_size() <= error.used


def test_a_memory_budget_bounds_even_the_largest_run() -> None:
    # max_seconds is a guard: without the memory check the table grows until it stops.
    budget = milmed.Budget(max_memory=30_000_000, max_seconds=3)
    for function in (milmed.to_arrow, milmed.to_polars):
        with pytest.raises(milmed.BudgetExceeded) as caught:
            function(patients=2**32 - 1, table="events", budget=budget)
        assert caught.value.resource == "memory", str(caught.value)


def test_the_peak_memory_of_a_stopped_table_stays_near_the_limit() -> None:
    # In a fresh process, so that the figure is this table's alone.
    script = (
        "import resource, pyarrow, milmed\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    milmed.to_arrow(patients=1_000_000, budget=milmed.Budget(max_memory=50_000_000))\n"
        "except milmed.BudgetExceeded as error:\n"
        "    assert error.resource == 'memory', error\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    growth = int(done.stdout)
    assert growth < 150_000_000, f"peak RSS grew by {growth / 1e6:.0f} MB under a 50 MB limit"


def _stopped(call: Callable[[], Any]) -> milmed.BudgetExceeded:
    with pytest.raises(milmed.BudgetExceeded) as caught:
        call()
    return caught.value


def test_budget_exceeded_carries_the_rows_made_so_far_in_the_functions_type() -> None:
    budget = milmed.Budget(max_patients=300)
    whole = milmed.to_arrow(patients=1000, seed=4)
    events = milmed.to_arrow(patients=1000, seed=4, stop=300, table="events")

    arrow = _stopped(lambda: milmed.to_arrow(patients=1000, seed=4, budget=budget))
    assert isinstance(arrow.partial, pa.Table)
    assert arrow.partial.equals(whole.slice(0, 300))
    assert arrow.patients_written == 300

    frame = _stopped(lambda: milmed.to_pandas(patients=1000, seed=4, budget=budget))
    assert isinstance(frame.partial, pd.DataFrame)
    assert frame.partial["id"].tolist() == list(range(300))

    polars_frame = _stopped(lambda: milmed.to_polars(patients=1000, seed=4, table="events", budget=budget))
    assert isinstance(polars_frame.partial, pl.DataFrame)
    assert polars_frame.partial.height == events.num_rows > 300

    timed = _stopped(lambda: milmed.to_arrow(patients=4_000_000, budget=milmed.Budget(max_seconds=0.2)))
    assert timed.resource == "wall_time"
    assert isinstance(timed.partial, pa.Table) and timed.partial.num_rows == timed.patients_written > 0


def test_a_table_stopped_before_its_first_row_is_empty_not_missing() -> None:
    error = _stopped(lambda: milmed.to_arrow(patients=1000, budget=milmed.Budget(max_memory=1000)))
    assert error.resource == "memory" and error.patients_written == 0
    assert isinstance(error.partial, pa.Table) and error.partial.num_rows == 0
    assert error.partial.column_names == milmed.to_arrow(patients=1).column_names


def test_iterators_have_no_partial_table() -> None:
    budget = milmed.Budget(max_patients=10)
    for run in (lambda: list(milmed.generate(patients=100, budget=budget)),
                lambda: list(milmed.iter_bytes(patients=100, budget=budget))):
        assert _stopped(run).partial is None
    assert milmed.BudgetExceeded("patients", 1, 1, 1).partial is None


def test_budget_exceeded_pickles_with_or_without_a_partial_table() -> None:
    plain = pickle.loads(pickle.dumps(milmed.BudgetExceeded("memory", 1000, 1200, 7)))
    assert plain.partial is None and plain.patients_written == 7
    budget = milmed.Budget(max_patients=50)
    for function in (milmed.to_arrow, milmed.to_pandas, milmed.to_polars):
        error = _stopped(lambda: function(patients=100, budget=budget))
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy.partial) is type(error.partial)
        assert len(copy.partial) == len(error.partial) == 50
        assert (copy.resource, copy.limit, copy.used, copy.patients_written) == ("patients", 50, 50, 50)
        assert str(copy) == str(error)
        # The table is an attribute, not an argument: it stays out of the message and repr.
        assert "partial" not in repr(error) and len(repr(error)) < 200
