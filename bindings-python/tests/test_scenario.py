"""Scenarios: presets, dicts and JSON, and the errors that name what is wrong."""

from __future__ import annotations

import json
import pickle

import pytest

import milmed


def test_presets_are_listed_and_load() -> None:
    names = milmed.Scenario.presets()
    assert "nato_article_5" in names and "peacekeeping" in names
    assert len(names) == len(set(names)) >= 8
    for name in names:
        scenario = milmed.Scenario.preset(name)
        assert scenario.name == name
        assert scenario.patients > 0 and scenario.days > 0


def test_unknown_preset_lists_the_available_ones() -> None:
    with pytest.raises(milmed.ScenarioError) as caught:
        milmed.Scenario.preset("nato_article_6")
    (path, message), = caught.value.issues
    assert path == "preset"
    assert "nato_article_6" in message and "peacekeeping" in message
    assert isinstance(caught.value, ValueError)


def test_dict_and_json_round_trip() -> None:
    scenario = milmed.Scenario.preset("urban_assault")
    data = scenario.to_dict()
    assert data["name"] == "urban_assault"
    assert milmed.Scenario.from_dict(data) == scenario
    assert milmed.Scenario.from_json(scenario.to_json()) == scenario
    assert json.loads(scenario.to_json()) == data
    data["patients"] = 77
    changed = milmed.Scenario.from_dict(data)
    assert changed.patients == 77 and changed != scenario
    assert len({scenario, milmed.Scenario.from_json(scenario.to_json()), changed}) == 2


def test_every_broken_rule_is_listed_with_its_path() -> None:
    data = milmed.Scenario.preset("nato_article_5").to_dict()
    data["days"] = 0
    data["injury_mix"]["Disease"] = -0.5
    with pytest.raises(milmed.ScenarioError) as caught:
        milmed.Scenario.from_dict(data)
    issues = dict(caught.value.issues)
    assert set(issues) == {"days", "injury_mix.Disease"}
    assert "1 to 365" in issues["days"] and "got 0" in issues["days"]
    assert "-0.5" in issues["injury_mix.Disease"]
    assert "days" in str(caught.value)


def test_shape_errors_name_the_field_and_position() -> None:
    with pytest.raises(milmed.ScenarioError) as caught:
        milmed.Scenario.from_json('{"patients": "many"}')
    (path, message), = caught.value.issues
    assert path == "patients"
    assert "expected u64" in message

    # Shape problems and broken rules come together.
    with pytest.raises(milmed.ScenarioError) as caught:
        milmed.Scenario.from_json('{"days": 0, "bogus": 1}')
    assert [path for path, _ in caught.value.issues] == ["bogus", "days"]

    with pytest.raises(milmed.ScenarioError) as caught:
        milmed.Scenario.from_json('{"patients": 5,')
    (path, message), = caught.value.issues
    assert path == "." and "column 15" in message

    with pytest.raises(milmed.ScenarioError) as caught:
        milmed.Scenario.from_dict({"patients": 10, "colour": "green"})
    (path, message), = caught.value.issues
    assert path == "colour" and "unknown field" in message


def test_validate_accepts_a_valid_scenario() -> None:
    milmed.Scenario.preset("peacekeeping").validate()
    milmed.Scenario().validate()


def test_scenarios_and_errors_pickle() -> None:
    scenario = milmed.Scenario.preset("arctic_operation")
    assert pickle.loads(pickle.dumps(scenario)) == scenario
    error = milmed.ScenarioError("bad", [("days", "must be from 1 to 365, got 0")])
    copy = pickle.loads(pickle.dumps(error))
    assert copy.issues == error.issues and str(copy) == "bad"
