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

# The server's black-box HTTP tests again, each server on a PostgreSQL database of its own
# instead of in memory (step_test ran them in memory): every route against both stores.
step_server_on_postgres() {
    section "milmed-server HTTP tests against PostgreSQL"
    MILMED_TEST_STORE=postgres cargo test -p milmed-server \
        --test http --test jobs --test protection --test configurations
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

# PostgreSQL for the milmed-postgres tests (run by step_test; each test creates and drops
# its own database). In order: DATABASE_URL when set; else a server on 127.0.0.1:5432
# (postgres user, no password); else a throwaway cluster started here (initdb + pg_ctl,
# as the postgres user when run as root) and stopped when the script ends; else a clear
# message saying how to get one.
PG_TMP=""
stop_throwaway_postgres() {
    if [[ -n "$PG_TMP" ]]; then
        as_postgres pg_ctl -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_TMP"
    fi
}

as_postgres() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- env PATH="$PATH" "$@"
    else
        "$@"
    fi
}

pg_reachable() {
    command -v psql >/dev/null && psql "$1" -Atqc 'SELECT 1' >/dev/null 2>&1
}

find_postgres() {
    section "PostgreSQL for the milmed-postgres tests"
    if [[ -n "${DATABASE_URL:-}" ]]; then
        echo "using DATABASE_URL"
        return
    fi
    local local_url="postgres://postgres@127.0.0.1:5432/postgres"
    if pg_reachable "$local_url"; then
        export DATABASE_URL="$local_url"
        echo "using the server on 127.0.0.1:5432"
        return
    fi
    local bindir=""
    if command -v pg_config >/dev/null; then
        bindir=$(pg_config --bindir)
    fi
    for candidate in "$bindir" /usr/lib/postgresql/*/bin; do
        if [[ -n "$candidate" && -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
            bindir=$candidate
            break
        fi
    done
    if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
        echo "no PostgreSQL: set DATABASE_URL=postgres://user@host:port/database, start a server on 127.0.0.1:5432, or install PostgreSQL (e.g. apt-get install postgresql) so that this script can start a throwaway one" >&2
        return 1
    fi
    PG_TMP=$(mktemp -d /tmp/milmed-pg.XXXXXX)
    trap stop_throwaway_postgres EXIT
    local port=55432
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres "$PG_TMP"
    fi
    PATH="$bindir:$PATH" as_postgres initdb -D "$PG_TMP/data" -U postgres --auth=trust >/dev/null
    PATH="$bindir:$PATH" as_postgres pg_ctl -D "$PG_TMP/data" -l "$PG_TMP/log" -w \
        -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1" start >/dev/null
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "started a throwaway cluster in $PG_TMP on port $port"
}

STEPS=(
    step_fmt
    step_clippy
    find_postgres
    step_test
    step_server_on_postgres
    step_interop
    step_python
)

started=$SECONDS
for step in "${STEPS[@]}"; do
    "$step"
done
section "all checks passed in $((SECONDS - started)) s"
