"""Peak memory of a table function under ``Budget(max_memory=…)``.

    .venv/bin/python bindings-python/benches/table_memory.py [--patients N] [--limit BYTES]

Runs ``milmed.to_arrow`` of N patients (default 1,000,000) under a memory budget (default
50,000,000 bytes) and prints where the budget stopped it, the rows kept in
``BudgetExceeded.partial``, the time, and how much the peak RSS grew during the call
(measured from after ``import milmed``).
"""

from __future__ import annotations

import argparse
import resource
import time

import milmed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--limit", type=int, default=50_000_000)
    args = parser.parse_args()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        table = milmed.to_arrow(patients=args.patients, budget=milmed.Budget(max_memory=args.limit))
        print(f"completed: {table.num_rows} rows")
    except milmed.BudgetExceeded as stop:
        rows = stop.partial.num_rows if stop.partial is not None else 0
        print(f"stopped: {stop.resource} limit {stop.limit}, used {stop.used}; {rows} rows kept")
    seconds = time.perf_counter() - start
    growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(f"{seconds:.2f} s, peak RSS grew by {growth:.0f} MiB")


if __name__ == "__main__":
    main()
