"""generate() and iter_bytes(): the same bytes as the CLI, lazily, with the GIL released."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

import milmed

STREAM_FORMATS = [f for f in milmed.formats() if f != "ndef"]


def test_generate_yields_the_ndjson_records(cli: Callable[..., bytes]) -> None:
    scenario = milmed.Scenario.preset("nato_article_5")
    records = list(milmed.generate(scenario, patients=300, seed=5))
    lines = cli("generate", "--preset", "nato_article_5", "-n", "300", "--seed", "5").splitlines()
    assert len(records) == len(lines) == 300
    for record, line in zip(records, lines):
        expected = json.loads(line)
        assert record == expected
        assert list(record) == list(expected)  # same keys in the same order
    assert records[0]["id"] == 0
    # Injuries start at the point of injury, illness at Role 1 (sick call).
    for record in records:
        start = "Role1" if record["injury_type"] == "Disease" else "POI"
        assert record["movement_timeline"][0]["facility"] == start


def test_the_readme_one_liner() -> None:
    assert sum(1 for _ in milmed.generate(patients=1000)) == 1000


@pytest.mark.parametrize("fmt", STREAM_FORMATS)
def test_iter_bytes_equals_the_cli_for_every_format(fmt: str, cli: Callable[..., bytes]) -> None:
    scenario = milmed.Scenario.preset("peacekeeping")
    ours = b"".join(milmed.iter_bytes(scenario, format=fmt, patients=257, seed=42, batch_size=50))
    theirs = cli("generate", "--preset", "peacekeeping", "-n", "257", "--seed", "42", "--format", fmt)
    assert ours == theirs


def test_ndef_chunks_are_the_cli_tag_files(cli: Callable[..., bytes], tmp_path: Path) -> None:
    chunks = list(milmed.iter_bytes(format="ndef", patients=12, seed=3))
    cli("generate", "-n", "12", "--seed", "3", "--format", "ndef", "-o", str(tmp_path / "tags"))
    files = sorted((tmp_path / "tags").iterdir())
    assert len(chunks) == len(files) == 12
    assert chunks == [f.read_bytes() for f in files]


def test_output_never_depends_on_threads_or_batch_size() -> None:
    runs = [
        b"".join(milmed.iter_bytes(patients=2000, seed=9, threads=t, batch_size=b))
        for t, b in [(1, 128), (2, 7), (3, 1000), (None, 1)]
    ]
    assert all(run == runs[0] for run in runs)
    assert b"".join(milmed.iter_bytes(patients=2000, seed=10)) != runs[0]


def test_chunks_hold_whole_batches() -> None:
    chunks = list(milmed.iter_bytes(patients=1000, batch_size=100, threads=2))
    assert len(chunks) == 10
    assert all(chunk.count(b"\n") == 100 and chunk.endswith(b"\n") for chunk in chunks)
    # JSON: the header comes with the first chunk and the footer after the last.
    whole = b"".join(milmed.iter_bytes(format="json", patients=30, batch_size=10))
    assert len(json.loads(whole)) == 30


def test_shards_concatenate_to_the_whole_run() -> None:
    assert milmed.shards(10, 3) == [(0, 4), (4, 7), (7, 10)]
    assert milmed.shards(2, 4) == [(0, 1), (1, 2), (2, 2), (2, 2)]
    scenario = milmed.Scenario.preset("mass_casualty")
    whole = b"".join(milmed.iter_bytes(scenario, format="fhir", patients=1001, seed=4))
    parts = [
        b"".join(milmed.iter_bytes(scenario, format="fhir", patients=1001, seed=4, start=a, stop=b))
        for a, b in milmed.shards(1001, 7)
    ]
    assert b"".join(parts) == whole
    records = list(milmed.generate(scenario, patients=1001, seed=4, start=500, stop=503))
    assert [r["id"] for r in records] == [500, 501, 502]


@pytest.mark.parametrize(
    ("kwargs", "name", "allowed"),
    [
        ({"format": "pdf"}, "format", "ndjson, json, csv"),
        ({"start": 5, "stop": 20, "patients": 10}, "start/stop", "0 <= start <= stop <= 10"),
        ({"stop": 11, "patients": 10}, "start/stop", "stop <= 10"),
        ({"threads": 0}, "threads", "1 to 1024"),
        ({"batch_size": 0}, "batch_size", "1 to 1048576"),
        ({"seed": -1}, "seed", "0 to 2**64 - 1"),
        ({"patients": -5}, "patients", "1 to 4294967295"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs: dict, name: str, allowed: str) -> None:
    with pytest.raises(ValueError) as caught:
        milmed.iter_bytes(**kwargs)
    assert str(caught.value).startswith(f"{name}: ")
    assert allowed in str(caught.value)
    with pytest.raises(ValueError, match=r"^patients: 1099511627776 is not allowed; give a number of patients from 1 to 4294967295"):
        milmed.generate(patients=2**40)
    with pytest.raises(ValueError, match="n: 0 is not allowed"):
        milmed.shards(10, 0)


def test_other_python_threads_run_while_rust_generates() -> None:
    # While the main thread waits for one batch of 150,000 patients, another thread counts
    # its loops. Each loop gives the GIL away (sleep(0)), so the counter can only advance
    # while the main thread is not holding it: had the Rust side kept the GIL for the
    # whole batch, the count inside the call would stay at a handful.
    inside = threading.Event()
    stop = threading.Event()
    counter = [0]

    def count() -> None:
        while not stop.is_set():
            if inside.is_set():
                counter[0] += 1
            time.sleep(0)  # releases the GIL: a yield, not a wait

    stream = milmed.iter_bytes(patients=150_000, batch_size=150_000, threads=1)
    counting = threading.Thread(target=count)
    counting.start()
    try:
        inside.set()
        first = next(stream)
        inside.clear()
    finally:
        stop.set()
        counting.join()
    assert first.count(b"\n") == 150_000
    assert counter[0] > 1000, counter[0]


def test_progress_callback_sees_every_patient() -> None:
    calls: List[Tuple[int, int]] = []
    n = sum(1 for _ in milmed.generate(patients=5000, progress=lambda d, t: calls.append((d, t))))
    assert n == 5000
    assert calls and calls[-1] == (5000, 5000)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_progress_bar_uses_tqdm(capsys: pytest.CaptureFixture[str]) -> None:
    list(milmed.iter_bytes(patients=3000, progress=True))
    assert "3000/3000" in capsys.readouterr().err


def test_progress_without_tqdm_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match="pip install tqdm"):
        milmed.generate(patients=10, progress=True)
    with pytest.raises(TypeError, match="progress: expected True, False, None or a callable"):
        milmed.generate(patients=10, progress="yes")  # type: ignore[arg-type]


def test_a_progress_callback_error_stops_the_run() -> None:
    def fail(done: int, total: int) -> None:
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        list(milmed.iter_bytes(patients=100_000, progress=fail))


def test_breaking_out_early_stops_the_rust_work() -> None:
    records = milmed.generate(patients=4_000_000, batch_size=64)
    first = [next(records) for _ in range(5)]
    assert [r["id"] for r in first] == list(range(5))
    records.close()  # what a `break` in a for loop does when the generator is dropped
    with pytest.raises(StopIteration):
        next(records)
