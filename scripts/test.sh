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

# Functions to run when the script ends, however it ends (last registered, first run).
EXIT_HOOKS=()
run_exit_hooks() {
    local i
    for ((i = ${#EXIT_HOOKS[@]} - 1; i >= 0; i--)); do
        "${EXIT_HOOKS[i]}" || true
    done
}
trap run_exit_hooks EXIT

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
        --test http --test jobs --test protection --test configurations --test openapi --test clients --test usage
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
    EXIT_HOOKS+=(stop_throwaway_postgres)
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

# The server's OpenAPI document (GET /api/v1/openapi.json) against its answers: a debug
# milmed-server on a free loopback port, on a throwaway database milmed_schemathesis_<pid>
# made on DATABASE_URL's server (dropped at the end, also on failure), with a key made by
# `milmed-server keys create` whose rate limits schemathesis cannot reach (and whose 1000
# patients per request bound every generation and stream); then schemathesis (pinned in
# bindings-python/requirements-test.txt) runs its checks on every operation, 50 examples
# each: no 5xx, no status, content type, header or body that the document does not
# describe, input the document forbids refused with 4xx, 405 for undocumented methods,
# 401 without the key, deleted jobs gone; the server is stopped with SIGTERM at the end.
SCHEMATHESIS_DB=""
SCHEMATHESIS_PID=""
SCHEMATHESIS_TMP=""
stop_schemathesis_server() {
    if [[ -n "$SCHEMATHESIS_PID" ]]; then
        kill -TERM "$SCHEMATHESIS_PID" 2>/dev/null || true
        wait "$SCHEMATHESIS_PID" 2>/dev/null || true
        SCHEMATHESIS_PID=""
    fi
    if [[ -n "$SCHEMATHESIS_DB" ]]; then
        psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $SCHEMATHESIS_DB WITH (FORCE)" >/dev/null || true
        SCHEMATHESIS_DB=""
    fi
    if [[ -n "$SCHEMATHESIS_TMP" ]]; then
        rm -rf "$SCHEMATHESIS_TMP"
        SCHEMATHESIS_TMP=""
    fi
}

step_schemathesis() {
    section "schemathesis: the server's OpenAPI document against its answers"
    if ! command -v psql >/dev/null; then
        echo "psql is needed to make the throwaway database (apt-get install postgresql-client)" >&2
        return 1
    fi
    ensure_venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r bindings-python/requirements-test.txt
    cargo build --quiet -p milmed-server
    local server="${CARGO_TARGET_DIR:-$PWD/target}/debug/milmed-server"
    local schemathesis="$PWD/.venv/bin/schemathesis"
    # The same server as DATABASE_URL, another database (any ?query is kept).
    local base="${DATABASE_URL%%\?*}"
    local query="${DATABASE_URL#"$base"}"
    EXIT_HOOKS+=(stop_schemathesis_server)
    SCHEMATHESIS_TMP=$(mktemp -d /tmp/milmed-schemathesis.XXXXXX)
    local database="milmed_schemathesis_$$"
    psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $database" >/dev/null
    SCHEMATHESIS_DB=$database
    local url="${base%/*}/$database$query"
    local key
    key=$(DATABASE_URL="$url" "$server" keys create --name schemathesis \
        --patients 1000 --per-minute 100000 --per-hour 1000000 | sed -n 's/^key //p')
    if [[ -z "$key" ]]; then
        echo "milmed-server keys create printed no key" >&2
        return 1
    fi
    local port
    port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local log="$SCHEMATHESIS_TMP/server.log"
    MILMED_BIND="127.0.0.1:$port" DATABASE_URL="$url" MILMED_LOG=warn MILMED_LOG_FORMAT=text \
        "$server" >"$log" 2>&1 &
    SCHEMATHESIS_PID=$!
    local origin="http://127.0.0.1:$port"
    if ! .venv/bin/python - "$origin/api/v1/health/ready" <<'PY'; then
import sys, time, urllib.request
deadline = time.monotonic() + 60
while True:
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
            if response.status == 200:
                break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit("the server did not become ready within 60 s")
    time.sleep(0.2)
PY
        cat "$log" >&2
        return 1
    fi
    # Every operation is tested, /metrics included (its OpenMetrics content type is
    # documented as served); schemathesis leaves out the document's own route. One check
    # is left out: positive_data_acceptance expects 2xx for every request the document
    # allows, but state the document cannot express still refuses some (an id that names
    # no job is 404, a job not yet completed has no results, exactly one of preset,
    # scenario and configuration must be given, the key's patients per request).
    # Failures print the seed and a curl command that replays them.
    local status=0
    (cd "$SCHEMATHESIS_TMP" && "$schemathesis" run "$origin/api/v1/openapi.json" \
        --header "X-API-Key: $key" \
        --checks all --exclude-checks positive_data_acceptance \
        --max-examples 50 --workers 2 --no-color \
        --generation-database none) || status=$?
    if ! kill -0 "$SCHEMATHESIS_PID" 2>/dev/null; then
        echo "the server stopped during the run" >&2
        status=1
    fi
    if [[ $status -ne 0 ]]; then
        echo "schemathesis failed with exit code $status; the server's log:" >&2
        tail -n 50 "$log" >&2
    fi
    stop_schemathesis_server
    return "$status"
}

STEPS=(
    step_fmt
    step_clippy
    find_postgres
    step_test
    step_server_on_postgres
    step_interop
    step_python
    step_schemathesis
)

started=$SECONDS
for step in "${STEPS[@]}"; do
    "$step"
done
section "all checks passed in $((SECONDS - started)) s"
