"""A run sharded over Dask worker processes concatenates to the single-process run.

Two worker processes of a ``distributed.LocalCluster`` each generate shards of one run
with ``milmed.iter_bytes(start=..., stop=...)``; the shards, joined in order, must be the
bytes that one process generates for the whole run.
"""

import os

import dask.bag as db
import milmed
from distributed import Client, LocalCluster

PATIENTS = 20_000
SEED = 11
SHARDS = 8


def test_shards_on_dask_workers_concatenate_to_the_whole_run():
    scenario = milmed.Scenario.preset("nato_article_5")

    # Nested, so Dask pickles it by value (the workers need not import this file).
    def generate_shard(shard):
        index, (start, stop) = shard
        data = b"".join(
            milmed.iter_bytes(
                scenario, patients=PATIENTS, seed=SEED, start=start, stop=stop, threads=1
            )
        )
        return index, os.getpid(), data

    shards = list(enumerate(milmed.shards(PATIENTS, SHARDS)))
    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster, Client(cluster):
        results = (
            db.from_sequence(shards, npartitions=SHARDS).map(generate_shard).compute()
        )

    assert [index for index, _, _ in results] == list(range(SHARDS))
    pids = {pid for _, pid, _ in results}
    assert pids - {os.getpid()}, f"every shard ran in the test process {os.getpid()}"

    expected = b"".join(milmed.iter_bytes(scenario, patients=PATIENTS, seed=SEED))
    assert expected.count(b"\n") == PATIENTS
    for (index, _, data), (start, stop) in zip(results, milmed.shards(PATIENTS, SHARDS)):
        assert data.count(b"\n") == stop - start, f"shard {index}"
    got = b"".join(data for _, _, data in results)
    # Compare without letting pytest diff megabytes: report the first differing byte.
    if got != expected:
        at = next(
            (i for i, (a, b) in enumerate(zip(got, expected)) if a != b),
            min(len(got), len(expected)),
        )
        raise AssertionError(
            f"sharded output differs from the single-process run at byte {at} "
            f"({len(got)} vs {len(expected)} bytes): {got[at:at + 80]!r} vs "
            f"{expected[at:at + 80]!r}"
        )
