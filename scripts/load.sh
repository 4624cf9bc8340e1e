#!/usr/bin/env bash
# Load test of milmed-server (not part of CI): builds the release server and the load
# generator (server-example/examples/load.rs), starts the server on a throwaway database
# made on DATABASE_URL's server (default: the local one), creates a key whose limits the
# load cannot reach, runs the load and prints its Markdown tables, then stops the server
# and drops the database. The server runs with MILMED_JOB_WORKERS=0, so that creating jobs
# measures the API and the queue, not their generation. Run it on a quiet machine.
#
#   scripts/load.sh [options of the load generator, e.g. --seconds 20 --no-streams]
#   MILMED_LOAD_KEYS=200 scripts/load.sh   # jobs created with 200 keys, not one
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
command -v psql >/dev/null || { echo "psql is needed (apt-get install postgresql-client)" >&2; exit 1; }

cargo build --quiet --release -p milmed-server --bin milmed-server --example load
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
server="$target_dir/release/milmed-server"
load="$target_dir/release/examples/load"

database="milmed_load_$$"
base="${DATABASE_URL%%\?*}"
url="${base%/*}/$database${DATABASE_URL#"$base"}"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT
psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $database" >/dev/null

# MILMED_LOAD_KEYS keys (default 1): the load's clients share them round robin.
keys=()
for i in $(seq 1 "${MILMED_LOAD_KEYS:-1}"); do
    keys+=(--key "$(DATABASE_URL="$url" "$server" keys create --name "load-$i" --tier premium \
        --patients 1000000 --per-minute 2000000000 --per-hour 2000000000 | sed -n 's/^key //p')")
done

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Every client comes from 127.0.0.1: no per-address ceiling.
MILMED_BIND="127.0.0.1:$port" DATABASE_URL="$url" MILMED_JOB_WORKERS=0 MILMED_LOG=warn \
    MILMED_MAX_CONNECTIONS_PER_IP=0 \
    "$server" >/dev/null &
server_pid=$!
for _ in $(seq 1 100); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "http://127.0.0.1:$port/api/v1/health/ready" 2>/dev/null; then
        break
    fi
    sleep 0.1
done

echo "milmed-server $(git rev-parse --short HEAD) on $(nproc) cores, PostgreSQL $(psql "$DATABASE_URL" -Atqc 'SHOW server_version'), MILMED_JOB_WORKERS=0"
"$load" --url "http://127.0.0.1:$port" "${keys[@]}" --server-pid "$server_pid" "$@"
