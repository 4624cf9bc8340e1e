"""Arguments: one message per kind of mistake, naming the argument, the value given and
what is allowed; bools are not numbers; format names have one spelling."""

from __future__ import annotations

from typing import Any, Callable, Dict

import pytest

import milmed

MAX_PATIENTS = 2**32 - 1
PATIENTS_ALLOWED = f"give a number of patients from 1 to {MAX_PATIENTS}"
# Arguments are checked before the output is opened: nothing is ever written here.
NOWHERE = "/nonexistent-milmed-directory/never-written.ndjson"

# Every function that takes the run arguments, called with a few patients.
RUN_FUNCTIONS: Dict[str, Callable[..., Any]] = {
    "generate": lambda **kw: milmed.generate(**kw),
    "iter_bytes": lambda **kw: milmed.iter_bytes(**kw),
    "write": lambda **kw: milmed.write(NOWHERE, **kw),
    "to_arrow": lambda **kw: milmed.to_arrow(**kw),
    "to_pandas": lambda **kw: milmed.to_pandas(**kw),
    "to_polars": lambda **kw: milmed.to_polars(**kw),
}


@pytest.mark.parametrize("function", list(RUN_FUNCTIONS))
@pytest.mark.parametrize("value", [True, False])
def test_a_bool_is_not_a_number_of_patients(function: str, value: bool) -> None:
    with pytest.raises(TypeError) as caught:
        RUN_FUNCTIONS[function](patients=value)
    assert str(caught.value) == f"patients: {value} is not allowed (a bool, not an int); {PATIENTS_ALLOWED}"


@pytest.mark.parametrize("name", ["seed", "start", "stop", "threads", "batch_size"])
def test_bools_are_refused_for_every_integer_argument(name: str) -> None:
    kwargs: Dict[str, Any] = {"patients": 10, name: True}
    for function in RUN_FUNCTIONS.values():
        if name == "batch_size" and function in (RUN_FUNCTIONS["to_arrow"], RUN_FUNCTIONS["to_pandas"], RUN_FUNCTIONS["to_polars"]):
            continue  # the table functions have no batch_size
        with pytest.raises(TypeError, match=rf"^{name}: True is not allowed \(a bool, not an int\); give "):
            function(**kwargs)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: milmed.Budget(max_patients=True), f"max_patients: True is not allowed (a bool, not an int); {PATIENTS_ALLOWED}"),
        (lambda: milmed.Budget(max_bytes=False), "max_bytes: False is not allowed (a bool, not an int); give a number of bytes from 0 to 2**64 - 1"),
        (lambda: milmed.Budget(max_memory=True), "max_memory: True is not allowed (a bool, not an int); give a number of bytes from 0 to 2**64 - 1"),
        (lambda: milmed.Budget(max_seconds=True), "max_seconds: True is not allowed (a bool, not a number); give a finite number of seconds >= 0"),
        (lambda: milmed.Budget(max_cpu_seconds=False), "max_cpu_seconds: False is not allowed (a bool, not a number); give a finite number of seconds >= 0"),
        (lambda: milmed.shards(True, 2), f"patients: True is not allowed (a bool, not an int); {PATIENTS_ALLOWED}"),
        (lambda: milmed.shards(10, True), f"n: True is not allowed (a bool, not an int); give a number of shards from 1 to {MAX_PATIENTS}"),
    ],
)
def test_bools_are_refused_by_budget_and_shards(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(TypeError) as caught:
        call()
    assert str(caught.value) == message


@pytest.mark.parametrize("value", [0, -5, MAX_PATIENTS + 1, 2**64, 2**200, -(2**200)])
def test_the_limits_of_patients_are_one_message_everywhere(value: int) -> None:
    expected = f"patients: {value} is not allowed; {PATIENTS_ALLOWED}"
    calls: Dict[str, Callable[[], Any]] = {
        **{name: (lambda f=f: f(patients=value)) for name, f in RUN_FUNCTIONS.items()},
        "shards": lambda: milmed.shards(value, 3),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError) as caught:
            call()
        assert type(caught.value) is ValueError, name
        assert str(caught.value) == expected, name
    with pytest.raises(ValueError) as caught:
        milmed.Budget(max_patients=value)
    assert str(caught.value) == f"max_patients: {value} is not allowed; {PATIENTS_ALLOWED}"


def test_the_largest_run_is_accepted_where_a_count_of_patients_is() -> None:
    assert milmed.shards(MAX_PATIENTS, 1) == [(0, MAX_PATIENTS)]
    assert milmed.Budget(max_patients=MAX_PATIENTS).max_patients == MAX_PATIENTS
    assert milmed.Budget(max_patients=1).max_patients == 1
    stream = milmed.iter_bytes(patients=MAX_PATIENTS, stop=3)
    assert b"".join(stream).count(b"\n") == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"patients": 5.0}, f"patients: 5.0 is not allowed (a float, not an int); {PATIENTS_ALLOWED}"),
        ({"patients": "10"}, f"patients: '10' is not allowed (a str, not an int); {PATIENTS_ALLOWED}"),
        ({"seed": None}, "seed: None is not allowed (a NoneType, not an int); give a whole number from 0 to 2**64 - 1"),
        ({"threads": 2.5}, "threads: 2.5 is not allowed (a float, not an int); give a number of threads from 1 to 1024, or None for every core"),
    ],
)
def test_other_types_are_named_too(kwargs: Dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError) as caught:
        milmed.iter_bytes(**kwargs)
    assert str(caught.value) == message


def test_shards_n_is_checked_like_the_rest() -> None:
    with pytest.raises(ValueError) as caught:
        milmed.shards(10, 0)
    assert str(caught.value) == f"n: 0 is not allowed; give a number of shards from 1 to {MAX_PATIENTS}"


@pytest.mark.parametrize("data", [[1, 2], "{}", 3, None, (("patients", 5),)])
def test_from_dict_wants_a_dict(data: Any) -> None:
    with pytest.raises(TypeError) as caught:
        milmed.Scenario.from_dict(data)
    assert str(caught.value) == (
        f"Scenario.from_dict: expected a dict of the scenario's fields, got {type(data).__name__}; "
        "for JSON text use Scenario.from_json"
    )


def test_from_dict_takes_dict_subclasses() -> None:
    from collections import OrderedDict

    assert milmed.Scenario.from_dict(OrderedDict(patients=12)).patients == 12


def test_format_names_have_one_spelling() -> None:
    names = milmed.formats()
    allowed = ", ".join(names)
    for name in names:
        assert next(iter(milmed.iter_bytes(format=name, patients=2)))
    for wrong in ["NDJSON", "Csv", " json", "fhir ", "events_csv", ""]:
        with pytest.raises(ValueError) as caught:
            milmed.iter_bytes(format=wrong, patients=2)
        assert str(caught.value) == f"format: unknown format `{wrong}`; allowed: {allowed}"
        with pytest.raises(ValueError, match="^format: unknown format"):
            milmed.write(NOWHERE, format=wrong, patients=2)


def test_compression_names_have_one_spelling(tmp_path: Any) -> None:
    with pytest.raises(ValueError) as caught:
        milmed.write(tmp_path / "x.gz", patients=2, compress="GZIP")
    assert str(caught.value) == "compress: unknown compression `GZIP`; allowed: none, gzip"
    assert list(tmp_path.iterdir()) == []


def test_integer_types_other_than_int_are_taken() -> None:
    np = pytest.importorskip("numpy")
    assert milmed.shards(np.int64(10), np.uint32(3)) == [(0, 4), (4, 7), (7, 10)]
    assert milmed.Budget(max_patients=np.int64(5), max_seconds=np.float64(1.5)).max_seconds == 1.5
    records = list(milmed.generate(patients=np.int64(20), seed=np.uint64(3), stop=np.int32(2)))
    assert [r["id"] for r in records] == [0, 1]
    with pytest.raises(TypeError, match=r"^patients: .* is not allowed \(a bool, not an int\)"):
        milmed.generate(patients=np.bool_(True))
