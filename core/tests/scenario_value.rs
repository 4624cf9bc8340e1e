//! `Scenario::from_value` and `to_value`: a scenario stored as a JSON value reads back the
//! same, and a wrong one is refused exactly as `from_json` refuses its text.

use milmed_core::scenario::PRESETS;
use milmed_core::{Scenario, ScenarioError};
use serde_json::{Value, json};

#[test]
fn every_preset_round_trips_through_a_value() {
    for name in PRESETS {
        let scenario = Scenario::preset(name).unwrap();
        let value = scenario.to_value();
        assert_eq!(
            value,
            serde_json::from_str::<Value>(&scenario.to_json_pretty()).unwrap(),
            "{name}: the value is the JSON text's"
        );
        assert_eq!(Scenario::from_value(value).unwrap(), scenario, "{name}");
    }
    // Every field is spelled out, defaults included.
    let value = Scenario::default().to_value();
    for field in [
        "patients",
        "days",
        "fronts",
        "evacuation_policy",
        "medical_capacity",
    ] {
        assert!(value.get(field).is_some(), "{field}");
    }
}

/// What an error says, to compare two errors whole.
fn said(result: Result<Scenario, ScenarioError>) -> String {
    match result {
        Ok(s) => format!("ok: {}", s.to_json_pretty()),
        Err(e) => format!("{e:?}"),
    }
}

#[test]
fn a_wrong_value_gets_the_errors_and_paths_its_json_text_gets() {
    let cases = [
        json!({"patinets": 5}),
        json!({"patients": "many", "days": 0}),
        json!({"warfare_types": {"amphibious": true}}),
        json!({"intensity": "severe"}),
        json!({"fronts": [{"name": "A", "casualty_rate": "high", "nationalities": {}}]}),
        json!({"fronts": [{"name": "A", "casualty_rate": 1, "nationalities": {"AUS": 1}}], "days": 400}),
        json!({"facility_outcomes": {"Role2": {"kia": 0.1}}}),
        json!({"injury_mix": {"Battle Injury": 1.5, "Non-Battle Injury": -0.5, "Disease": 0}}),
        json!([1, 2, 3]),
        json!("a scenario"),
        json!(null),
        json!({}),
        json!({"patients": 12, "days": 3}),
    ];
    for value in cases {
        let text = value.to_string();
        assert_eq!(
            said(Scenario::from_value(value)),
            said(Scenario::from_json(&text)),
            "{text}"
        );
    }
}

#[test]
fn a_wrong_value_names_each_problem_with_its_path() {
    let err = Scenario::from_value(json!({
        "patients": "many",
        "fronts": [{"name": "A", "casualty_rate": "high", "nationalities": {"USA": 1}}],
        "colour": "red",
    }))
    .unwrap_err();
    let paths: Vec<&str> = err.issues().iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        ["colour", "patients", "fronts[0].casualty_rate"],
        "{err}"
    );
    assert!(
        matches!(err, ScenarioError::Invalid(_)),
        "never a Parse error: {err}"
    );
    let Err(ScenarioError::Invalid(issues)) = Scenario::from_value(json!(42)) else {
        panic!("a number is not a scenario")
    };
    assert_eq!(issues[0].path, ".");
}
