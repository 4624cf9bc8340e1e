"""Shared fixtures: the milmed binary under test and a helper to run it.

scripts/test.sh builds the CLI and sets MILMED_BIN; run by hand with
`MILMED_BIN=target/debug/milmed .venv/bin/pytest tests/interop`.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest



@pytest.fixture(scope="session")
def milmed_bin() -> str:
    path = os.environ.get("MILMED_BIN")
    if not path:
        pytest.fail("MILMED_BIN is not set: point it at the milmed binary (scripts/test.sh does)")
    if not Path(path).is_file():
        pytest.fail(f"MILMED_BIN={path} does not exist; build it with `cargo build -p milmed-cli`")
    return path


@pytest.fixture(scope="session")
def milmed(milmed_bin):
    """Runs `milmed ARGS…`, returns stdout bytes; fails the test with stderr otherwise."""

    def run(*args: str, env: dict | None = None) -> bytes:
        full_env = dict(os.environ, **(env or {}))
        done = subprocess.run([milmed_bin, *args], capture_output=True, env=full_env)
        if done.returncode != 0:
            pytest.fail(f"milmed {' '.join(args)} exited {done.returncode}: {done.stderr.decode()}")
        return done.stdout

    return run


@pytest.fixture(scope="session")
def presets(milmed) -> list[str]:
    """Every preset name, as `milmed presets` lists them."""
    names = [line.split()[0] for line in milmed("presets").decode().splitlines() if line.strip()]
    assert len(names) >= 8
    return names


def ndjson_records(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.splitlines()]
