"""An iterator made before os.fork() raises at once in the child instead of hanging.

The iterator's job runs on threads of the process that created it; a forked child has a
copy of the iterator but none of those threads, so waiting for them would wait forever
(and ignore Ctrl-C). Each child reports through a pipe; the parent waits with a deadline
and kills a child that hangs, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any, Callable, Iterator

import pytest

import milmed

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is POSIX only"),
    # Python 3.12+ warns that forking a process with threads may deadlock: that is the point.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

DEADLINE = 20.0


def in_child(action: Callable[[], str]) -> str:
    """Runs `action` in a forked child and returns what it returned (or the exception it
    raised, as text); fails the test if the child does not end within DEADLINE."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, and leave without running any cleanup of the parent
        try:
            os.close(read)
            try:
                report = action()
            except BaseException as error:  # noqa: BLE001 - everything is reported
                report = f"{type(error).__name__}: {error}"
            os.write(write, report.encode())
        finally:
            os._exit(0)
    os.close(write)
    deadline = time.monotonic() + DEADLINE
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read)
            pytest.fail(f"the forked child hung for {DEADLINE} s")
        time.sleep(0.02)
    with os.fdopen(read, "rb") as pipe:
        report = pipe.read().decode()
    assert os.waitstatus_to_exitcode(status) == 0, report
    return report


ITERATORS: dict = {
    "generate": lambda: milmed.generate(patients=100_000, batch_size=64),
    "iter_bytes": lambda: milmed.iter_bytes(patients=100_000, batch_size=64, format="csv"),
    "_native.stream": lambda: milmed._native.stream(patients=100_000, batch_size=64),
}


@pytest.mark.parametrize("kind", list(ITERATORS))
@pytest.mark.parametrize("started", [False, True], ids=["fresh", "started"])
def test_an_iterator_raises_at_once_in_a_forked_child(kind: str, started: bool) -> None:
    iterator: Iterator[Any] = ITERATORS[kind]()
    if started:
        next(iterator)
    parent = os.getpid()

    def use() -> str:
        begun = time.monotonic()
        try:
            next(iterator)
        except RuntimeError as error:
            return f"{time.monotonic() - begun:.3f} {error}"
        return "no error"

    report = in_child(use)
    seconds, _, message = report.partition(" ")
    assert message.startswith(f"this iterator was created in process {parent}"), report
    assert "cannot be used after os.fork() in process " in message
    assert message.endswith("create a new one in the child"), report
    assert float(seconds) < 1.0
    child = int(message.split("in process ")[2].split(" ")[0].rstrip(":;,"))
    assert child != parent
    # The parent's iterator goes on as if nothing happened.
    assert next(iterator)
    getattr(iterator, "close", lambda: None)()


def test_closing_or_dropping_in_the_child_does_not_hang_and_a_new_iterator_works() -> None:
    iterator = milmed.generate(patients=100_000, batch_size=64)
    next(iterator)

    def use() -> str:
        iterator.close()
        fresh = sum(1 for _ in milmed.generate(patients=500, seed=3))
        table = milmed.to_arrow(patients=200)
        return f"{fresh} {table.num_rows}"

    assert in_child(use) == "500 200"
    assert next(iterator)["id"] == 1
    iterator.close()


def test_the_native_stream_says_so_on_every_call() -> None:
    stream = milmed._native.stream(patients=100_000, batch_size=64)

    def use() -> str:
        messages = []
        for _ in range(2):
            try:
                next(stream)
            except RuntimeError as error:
                messages.append(str(error))
        stream.close()
        return str(len(messages)) if len(set(messages)) == 1 else repr(messages)

    assert in_child(use) == "2"
    stream.close()
