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

# Independent readers check our output formats (NDEF with ndeflib, …): a virtual
# environment in .venv with the pinned packages of tests/interop/requirements.txt, then
# pytest against the CLI built above.
step_interop() {
    section "interop: output formats read by independent Python libraries"
    cargo build --quiet -p milmed-cli
    if [[ ! -x .venv/bin/python ]]; then
        python3 -m venv .venv
    fi
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/interop/requirements.txt
    MILMED_BIN="$PWD/target/debug/milmed" .venv/bin/python -m pytest -q tests/interop
}

# Placeholder for the Python bindings (a later issue): create a virtual environment in
# .venv, build the `milmed` module into it with maturin, and run pytest on
# bindings-python/tests.
#
# step_python() {
#     section "Python bindings: maturin develop + pytest"
#     ...
# }

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
)

started=$SECONDS
for step in "${STEPS[@]}"; do
    "$step"
done
section "all checks passed in $((SECONDS - started)) s"
