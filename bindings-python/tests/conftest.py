"""Shared fixtures: the milmed command-line tool, to compare the module's bytes with.

scripts/test.sh builds the CLI and sets MILMED_BIN; by hand:
`MILMED_BIN=target/debug/milmed .venv/bin/python -m pytest bindings-python/tests`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable, Dict, Optional

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
def cli(milmed_bin: str) -> Callable[..., bytes]:
    """Runs `milmed ARGS…` and returns its stdout; fails the test with its stderr otherwise."""

    def run(*args: str, env: Optional[Dict[str, str]] = None) -> bytes:
        done = subprocess.run(
            [milmed_bin, *args],
            capture_output=True,
            env={**os.environ, **(env or {})},
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"milmed {' '.join(args)} exited {done.returncode}: {done.stderr.decode()}")
        return done.stdout

    return run
