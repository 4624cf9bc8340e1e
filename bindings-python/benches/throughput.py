"""Throughput and peak memory of the Python module against the Rust CLI.

    cargo build --release -p milmed-cli
    .venv/bin/python bindings-python/benches/throughput.py [--patients N] [--runs R]

Each measurement runs in a fresh process (so its peak RSS is its own) R times; the
median time is reported. Rust: `milmed generate --format ndjson` into /dev/null. Python:
`iter_bytes` (NDJSON chunks, discarded), `generate` (dicts), and `to_arrow` on 1,000,000
patients. All use the default threads (every core).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "target" / "release" / "milmed"

CASES = {
    "iter_bytes": "sum(len(c) for c in milmed.iter_bytes(patients=N))",
    "generate": "sum(1 for _ in milmed.generate(patients=N))",
    "to_arrow": "milmed.to_arrow(patients=N).num_rows",
}


def one(case: str, patients: int) -> None:
    """Runs one case in this process; prints seconds and peak RSS in bytes."""
    import milmed  # noqa: F401  (imported before timing)

    started = time.perf_counter()
    eval(CASES[case], {"milmed": milmed, "N": patients})
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"{seconds} {peak}")


def run(command: list[str], stdout: int | None = None) -> tuple[float, int, str]:
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=stdout if stdout is not None else subprocess.PIPE)
    out = child.stdout.read() if child.stdout and stdout is None else b""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        sys.exit(f"{command} failed with status {status}")
    return seconds, usage.ru_maxrss * 1024, out.decode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one", choices=sorted(CASES))
    args = parser.parse_args()
    if args.one:
        one(args.one, args.patients)
        return

    rows = []
    with open(os.devnull, "wb") as null:
        times, peaks = [], []
        for _ in range(args.runs):
            seconds, peak, _ = run([str(CLI), "generate", "-n", str(args.patients), "--format", "ndjson"], stdout=null.fileno())
            times.append(seconds)
            peaks.append(peak)
        rows.append(("rust: milmed generate --format ndjson > /dev/null", statistics.median(times), max(peaks)))
    for case in CASES:
        times, peaks = [], []
        for _ in range(args.runs):
            _, _, out = run([sys.executable, __file__, "--one", case, "--patients", str(args.patients)])
            seconds, peak = out.split()
            times.append(float(seconds))
            peaks.append(int(peak))
        rows.append((f"python: {case}", statistics.median(times), max(peaks)))

    rust = rows[0][1]
    print(f"{args.patients:,} patients of the default scenario, median of {args.runs} runs, {os.cpu_count()} cores")
    print(f"{'what':52} {'seconds':>8} {'patients/s':>12} {'vs rust':>8} {'peak RSS':>10}")
    for name, seconds, peak in rows:
        rate = args.patients / seconds
        print(f"{name:52} {seconds:8.2f} {rate:12,.0f} {rust / seconds:8.0%} {peak / 2**20:8.0f} MiB")


if __name__ == "__main__":
    main()
