"""write(): files that appear only when complete, gzip and encryption, and summaries."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Callable

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
