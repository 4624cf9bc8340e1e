"""write(): files that appear only when complete, gzip and encryption, and summaries."""

from __future__ import annotations

import gzip
import json
import os
import stat
import threading
from pathlib import Path
from typing import Callable, List

import pytest

import milmed


def test_write_gives_the_cli_bytes_and_a_summary(cli: Callable[..., bytes], tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    summary = milmed.write(path, milmed.Scenario.preset("cbrn_incident"), format="csv", patients=500, seed=8)
    assert path.read_bytes() == cli("generate", "--preset", "cbrn_incident", "-n", "500", "--seed", "8", "--format", "csv")
    assert isinstance(summary, milmed.WriteSummary)
    assert summary.path == str(path) and summary.format == "csv"
    assert summary.patients == summary.requested == 500
    assert summary.bytes == path.stat().st_size
    assert summary.seconds > 0 and summary.cpu_seconds >= 0 and summary.peak_memory > 0
    assert summary.truncated is False and summary.reason is None
    assert not (tmp_path / "run.csv.partial").exists()


def test_gzip_holds_the_plain_bytes(tmp_path: Path) -> None:
    plain = b"".join(milmed.iter_bytes(patients=800, seed=2))
    summary = milmed.write(tmp_path / "run.ndjson.gz", patients=800, seed=2, compress="gzip")
    packed = (tmp_path / "run.ndjson.gz").read_bytes()
    assert gzip.decompress(packed) == plain
    assert summary.bytes == len(packed) < len(plain)


def test_encrypted_files_decrypt_with_the_cli(cli: Callable[..., bytes], tmp_path: Path) -> None:
    plain = b"".join(milmed.iter_bytes(format="json", patients=300, seed=6))
    path = tmp_path / "run.json.gz.enc"
    milmed.write(path, format="json", patients=300, seed=6, compress="gzip", password="correct horse")
    assert not path.read_bytes().startswith(b"[")
    decrypted = cli("decrypt", str(path), env={"MILMED_PASSWORD": "correct horse"})
    assert gzip.decompress(decrypted) == plain


def test_ndef_writes_one_tag_per_patient(tmp_path: Path) -> None:
    summary = milmed.write(tmp_path / "tags", format="ndef", patients=25, seed=1)
    files = sorted((tmp_path / "tags").iterdir())
    assert [f.name for f in files][:2] == ["patient-00.ndef", "patient-01.ndef"]
    assert [f.read_bytes() for f in files] == list(milmed.iter_bytes(format="ndef", patients=25, seed=1))
    assert summary.patients == 25


def test_bad_outputs_are_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="is a directory"):
        milmed.write(tmp_path, patients=10)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(OSError, match="exists and is not empty"):
        milmed.write(tmp_path / "full", format="ndef", patients=10)
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    with pytest.raises(ValueError, match="compress: .*zip"):
        milmed.write(tmp_path / "x.ndjson", patients=10, compress="zip")
    with pytest.raises(OSError, match="cannot create output file"):
        milmed.write(tmp_path / "missing" / "x.ndjson", patients=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_a_budget_truncates_the_file_as_a_complete_document(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    summary = milmed.write(path, format="json", patients=1000, budget=milmed.Budget(max_patients=40))
    assert summary.truncated is True
    assert summary.patients == summary.requested == 40
    assert summary.reason == "budget exceeded: patients limit 40 patients, used 40 patients"
    assert len(json.loads(path.read_bytes())) == 40

    summary = milmed.write(path, patients=100_000, budget=milmed.Budget(max_bytes=200_000))
    assert summary.truncated and summary.reason is not None and "bytes limit 200000" in summary.reason
    lines = path.read_bytes().splitlines()
    assert len(lines) == summary.patients < 100_000
    assert all(json.loads(line)["id"] == i for i, line in enumerate(lines))


# Outputs that are not plain new files (core's Partial decides; these pin what write() does).


def test_dev_null_is_written_in_place_and_stays_a_device() -> None:
    summary = milmed.write("/dev/null", patients=300, seed=2, format="json")
    assert summary.patients == 300 and summary.bytes > 0 and not summary.truncated
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not os.path.exists("/dev/null.partial")


def test_a_named_pipe_is_written_in_place_and_stays_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "run.fifo"
    os.mkfifo(fifo)
    received: List[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as pipe:  # blocks until write() opens the other end
            received.append(pipe.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    summary = milmed.write(fifo, patients=2000, seed=5)
    reader.join(timeout=20)
    assert not reader.is_alive(), "the reader never saw the end of the output"
    assert received == [b"".join(milmed.iter_bytes(patients=2000, seed=5))]
    assert summary.bytes == len(received[0])
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.fifo"]


def test_a_partial_file_made_by_someone_else_is_refused_and_left_alone(tmp_path: Path) -> None:
    stale = tmp_path / "out.ndjson.partial"
    stale.write_bytes(b"another run's half file\n")
    with pytest.raises(OSError) as caught:
        milmed.write(tmp_path / "out.ndjson", patients=50)
    assert str(stale) in str(caught.value)
    assert stale.read_bytes() == b"another run's half file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ndjson.partial"]


def test_a_read_only_target_is_refused_and_left_alone(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write read-only files")
    target = tmp_path / "out.ndjson"
    target.write_bytes(b"keep me\n")
    target.chmod(0o444)
    with pytest.raises(OSError) as caught:
        milmed.write(target, patients=50)
    assert str(target) in str(caught.value)
    assert target.read_bytes() == b"keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ndjson"]


def test_a_symlink_stays_a_link_and_its_target_gets_the_output(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "real.ndjson"
    real.write_bytes(b"old\n")
    link = tmp_path / "latest.ndjson"
    link.symlink_to(real)
    summary = milmed.write(link, patients=120, seed=9)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"".join(milmed.iter_bytes(patients=120, seed=9))
    assert summary.path == str(link)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "latest.ndjson"]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["real.ndjson"]
