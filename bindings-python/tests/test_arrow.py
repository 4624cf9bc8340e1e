"""to_arrow(), to_pandas() and to_polars(): typed tables with the CSV formats' columns."""

from __future__ import annotations

import io
import sys
from typing import Callable

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import milmed

SCENARIO = milmed.Scenario.preset("nato_article_5")


def test_patients_table_has_the_csv_columns_typed(cli: Callable[..., bytes]) -> None:
    table = milmed.to_arrow(SCENARIO, patients=2000, seed=12)
    assert isinstance(table, pa.Table) and table.num_rows == 2000
    header = cli("generate", "--preset", "nato_article_5", "-n", "1", "--format", "csv").split(b"\n")[0]
    assert table.column_names == header.decode().split(",")
    schema = table.schema
    assert schema.field("id").type == pa.int64() and not schema.field("id").nullable
    assert schema.field("weight_kg").type == pa.float64()
    assert schema.field("birthdate").type == pa.date32()
    assert schema.field("injury_time").type == pa.timestamp("s", tz="UTC")
    assert schema.field("polytrauma").type == pa.bool_()
    assert schema.field("condition_codes").type == pa.list_(pa.field("item", pa.string(), nullable=False))
    assert schema.field("hours_to_role2").nullable and schema.field("special_event").nullable
    assert table.column("id").to_pylist() == list(range(2000))


def test_values_equal_the_cli_csv(cli: Callable[..., bytes]) -> None:
    ours = milmed.to_pandas(SCENARIO, patients=1500, seed=12)
    csv = cli("generate", "--preset", "nato_article_5", "-n", "1500", "--seed", "12", "--format", "csv")
    theirs = pd.read_csv(io.BytesIO(csv), keep_default_na=False, na_values={c: [""] for c in ours.columns if c.startswith("hours_to_role")})
    assert len(ours) == len(theirs) == 1500
    for column in ["id", "age", "severity", "first_gcs", "timeline_events"]:
        assert ours[column].tolist() == theirs[column].tolist(), column
    for column in ["given_name", "nationality", "triage_category", "final_status", "last_facility", "front", "event_id"]:
        assert ours[column].tolist() == theirs[column].astype(str).tolist(), column
    for column in ["weight_kg", "hours_to_outcome", "first_temperature", "hours_to_role1", "hours_to_role2"]:
        pd.testing.assert_series_equal(ours[column], theirs[column].astype(float), check_names=False)
    assert ours["polytrauma"].tolist() == theirs["polytrauma"].tolist()
    assert [";".join(codes) for codes in ours["condition_codes"]] == theirs["condition_codes"].tolist()
    assert ours["injury_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist() == theirs["injury_time"].tolist()
    assert ours["birthdate"].astype(str).tolist() == theirs["birthdate"].tolist()


def test_events_table_has_a_row_per_timeline_event(cli: Callable[..., bytes]) -> None:
    patients = milmed.to_arrow(SCENARIO, patients=700, seed=3)
    events = milmed.to_arrow(SCENARIO, table="events", patients=700, seed=3)
    assert events.num_rows == pa.compute.sum(patients.column("timeline_events")).as_py()
    header = cli("generate", "-n", "1", "--format", "events-csv").split(b"\n")[0]
    assert events.column_names == header.decode().split(",")
    csv = pd.read_csv(io.BytesIO(cli("generate", "--preset", "nato_article_5", "-n", "700", "--seed", "3", "--format", "events-csv")))
    ours = events.to_pandas()
    assert ours["event_type"].tolist() == csv["event_type"].tolist()
    pd.testing.assert_series_equal(ours["transit_duration_hours"], csv["transit_duration_hours"], check_names=False)


def test_polars_and_pandas_take_the_same_table() -> None:
    table = milmed.to_arrow(patients=3000, seed=5, threads=2)
    frame = milmed.to_polars(patients=3000, seed=5, threads=1)
    assert isinstance(frame, pl.DataFrame)
    assert frame.equals(pl.from_arrow(table))
    pandas_frame = milmed.to_pandas(patients=3000, seed=5, table="events")
    assert isinstance(pandas_frame, pd.DataFrame)
    assert len(pandas_frame) == milmed.to_arrow(patients=3000, seed=5, table="events").num_rows


def test_tables_span_several_record_batches() -> None:
    table = milmed.to_arrow(patients=150_000, seed=1, threads=2)
    assert table.num_rows == 150_000
    assert len(table.column("id").chunks) >= 2
    assert table.column("id").to_pylist()[-3:] == [149_997, 149_998, 149_999]


def test_bad_table_name_lists_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="table: unknown table `patient`; allowed: patients, events"):
        milmed.to_arrow(table="patient")


@pytest.mark.parametrize(
    ("function", "missing"),
    [
        (milmed.to_arrow, "pyarrow"),
        (milmed.to_pandas, "pandas"),
        (milmed.to_pandas, "pyarrow"),
        (milmed.to_polars, "polars"),
    ],
)
def test_missing_packages_are_named(function: Callable[..., object], missing: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, missing, None)
    with pytest.raises(ImportError, match=f"needs the {missing} package: pip install {missing}"):
        function(patients=10)
