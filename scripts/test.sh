#!/usr/bin/env bash
# Runs every check of the project: formatting, lints and tests.
#
#   scripts/test.sh
#
# Works from any directory (it changes to the repository root) and stops at the first
# failure. Each step is a function registered in STEPS below; later steps (Python bindings,
# PostgreSQL) add a function and a line there.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() {
    printf '\n==> %s\n' "$*"
}

step_fmt() {
    section "cargo fmt --all --check"
    cargo fmt --all --check
}

step_clippy() {
    section "cargo clippy --workspace --all-targets -- -D warnings"
    cargo clippy --workspace --all-targets -- -D warnings
}

step_test() {
    section "cargo test --workspace"
    cargo test --workspace
}

# The virtual environment for the Python steps, in .venv.
ensure_venv() {
    if [[ ! -x .venv/bin/python ]]; then
        python3 -m venv .venv
    fi
}

# Independent readers check our output formats (NDEF with ndeflib, …): a virtual
# environment in .venv with the pinned packages of tests/interop/requirements.txt, then
# pytest against the CLI built above.
step_interop() {
    section "interop: output formats read by independent Python libraries"
    cargo build --quiet -p milmed-cli
    ensure_venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/interop/requirements.txt
    MILMED_BIN="$PWD/target/debug/milmed" .venv/bin/python -m pytest -q tests/interop
}

# The Python module: built into .venv with maturin (release, as users get it), its stubs
# checked with mypy.stubtest and the package with mypy --strict, then pytest on
# bindings-python/tests (the Dask test included) against the CLI built above. pytest's exit
# code 5 (no tests collected) is a failure like any other non-zero code.
step_python() {
    section "Python bindings: maturin develop --release, mypy, stubtest, pytest"
    ensure_venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r bindings-python/requirements-test.txt
    (cd bindings-python && VIRTUAL_ENV="$PWD/../.venv" PATH="$PWD/../.venv/bin:$PATH" \
        maturin develop --release --quiet)
    (cd bindings-python && ../.venv/bin/python -m mypy python/milmed \
        && ../.venv/bin/python -m mypy.stubtest --mypy-config-file pyproject.toml milmed._native milmed._errors)
    local status=0
    MILMED_BIN="$PWD/target/debug/milmed" .venv/bin/python -m pytest -q bindings-python/tests || status=$?
    if [[ $status -ne 0 ]]; then
        echo "pytest failed with exit code $status (5: no tests were collected)" >&2
        return "$status"
    fi
}

# Placeholder for PostgreSQL (a later issue): the milmed-postgres tests run against the
# server named by DATABASE_URL when it is set (e.g.
# DATABASE_URL=postgres://milmed@localhost/milmed_test scripts/test.sh); otherwise this
# step will look for a local server it can use, and say clearly when it skips.
#
# step_postgres() {
#     section "PostgreSQL integration tests (DATABASE_URL=${DATABASE_URL:-<discover>})"
#     ...
# }

STEPS=(
    step_fmt
    step_clippy
    step_test
    step_interop
    step_python
)

started=$SECONDS
for step in "${STEPS[@]}"; do
    "$step"
done
section "all checks passed in $((SECONDS - started)) s"
