//! Invalid scenarios: each problem is reported with its exact path and message, all at
//! once, and shape errors name where they are (see also `scenario_issues.rs`).

use milmed_core::{Scenario, ScenarioError};

fn issues(json: &str) -> Vec<String> {
    let scenario = Scenario::from_json(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    match scenario.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e.issues().iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn each_invalid_value_names_its_path_rule_and_allowed_values() {
    let nato = "ALB, BEL, BGR, CAN, CZE, DEU, DNK, ESP, EST, FIN, FRA, GBR, GRC, HRV, HUN, ISL, ITA, LTU, LUX, LVA, MKD, MNE, NLD, NOR, POL, PRT, ROU, SVK, SVN, SWE, TUR, USA";
    let table: &[(&str, &str)] = &[
        (
            r#"{"patients": 0}"#,
            "patients: must be from 1 to 4294967295, got 0",
        ),
        (r#"{"days": 0}"#, "days: must be from 1 to 365, got 0"),
        (r#"{"days": 366}"#, "days: must be from 1 to 365, got 366"),
        (r#"{"name": " "}"#, "name: must not be empty"),
        (
            r#"{"start": "yesterday"}"#,
            "start: must be an RFC 3339 timestamp such as 2025-06-01T00:00:00Z, got \"yesterday\" (the 'year' component could not be parsed)",
        ),
        (
            r#"{"warfare_types": {"naval": false}}"#,
            "warfare_types: at least one warfare type must be enabled; types: conventional, artillery, urban, guerrilla, drone, naval, cbrn, peacekeeping",
        ),
        (
            r#"{"warfare_types": {"naval": {"weight": -1}}}"#,
            "warfare_types.naval.weight: must be a number above 0 and at most 1000, got -1",
        ),
        (
            r#"{"injury_mix": {"Battle Injury": 0.5, "Non-Battle Injury": 0.3, "Disease": 0.1}}"#,
            "injury_mix: the injury mix must sum to 1 (±0.001), got 0.9000",
        ),
        (
            r#"{"injury_mix": {"Battle Injury": 1.5, "Non-Battle Injury": -0.5, "Disease": 0}}"#,
            "injury_mix.Battle Injury: must be a number from 0 to 1, got 1.5",
        ),
        (
            r#"{"fronts": []}"#,
            "fronts: at least one front is required",
        ),
        (
            r#"{"fronts": [{"name": "A", "casualty_rate": 1, "nationalities": {"USA": 1}}, {"name": "B", "casualty_rate": 1, "nationalities": {"AUS": 10}}]}"#,
            &format!(
                "fronts[1].nationalities.AUS: \"AUS\" is not the ISO 3166 alpha-3 code of a NATO member; allowed: {nato}"
            ),
        ),
        (
            r#"{"fronts": [{"name": "A", "casualty_rate": 0, "nationalities": {"USA": 1}}]}"#,
            "fronts: at least one front must have a casualty_rate above 0",
        ),
        (
            r#"{"fronts": [{"name": "A", "casualty_rate": 1, "nationalities": {"USA": 1}}, {"name": "A", "casualty_rate": 1, "nationalities": {"USA": 1}}]}"#,
            "fronts[1].name: duplicate front name \"A\"",
        ),
        (
            r#"{"fronts": [{"name": "A", "casualty_rate": 1, "nationalities": {"USA": 0}}]}"#,
            "fronts[0].nationalities: at least one weight must be above 0",
        ),
        (
            r#"{"triage_weights": {"Disease": {"T1": 0.5, "T2": 0.5, "T3": 0.5}}}"#,
            "triage_weights.Disease: triage weights must sum to 1 (±0.001), got 1.5000",
        ),
    ];
    for (json, expected) in table {
        let found = issues(json);
        assert!(
            found.iter().any(|i| i == expected),
            "{json}\nexpected: {expected}\nfound: {found:#?}"
        );
    }
}

#[test]
fn all_problems_are_reported_together() {
    let found = issues(
        r#"{"days": 0, "injury_mix": {"Battle Injury": 0.2, "Non-Battle Injury": 0.2, "Disease": 0.2},
            "fronts": [{"name": "A", "casualty_rate": 1, "nationalities": {"NZL": 1, "USA": 1}}]}"#,
    );
    let paths: Vec<&str> = found.iter().map(|i| i.split(':').next().unwrap()).collect();
    assert_eq!(paths, ["days", "injury_mix", "fronts[0].nationalities.NZL"]);
}

#[test]
fn shape_errors_name_the_path() {
    let cases: &[(&str, &str, &str)] = &[
        (r#"{"patinets": 5}"#, "patinets", "unknown field `patinets`"),
        (
            r#"{"warfare_types": {"amphibious": true}}"#,
            "warfare_types.amphibious",
            "unknown variant `amphibious`, expected one of `conventional`",
        ),
        (
            r#"{"intensity": "severe"}"#,
            "intensity",
            "unknown variant `severe`, expected one of `low`, `medium`, `high`, `extreme`",
        ),
        (
            r#"{"fronts": [{"name": "A", "casualty_rate": "high", "nationalities": {}}]}"#,
            "fronts[0].casualty_rate",
            "invalid type: string \"high\", expected f64",
        ),
        (
            r#"{"environmental_conditions": {"extreme_weather": true}}"#,
            "environmental_conditions.extreme_weather",
            "unknown variant `extreme_weather`",
        ),
    ];
    for (json, path, fragment) in cases {
        let err = Scenario::from_json(json).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, ScenarioError::Invalid(_)), "{json}: {text}");
        assert!(
            err.issues()
                .iter()
                .any(|i| i.path == *path && i.message.contains(fragment)),
            "{json}: {text}"
        );
    }
    // Syntax errors stop reading and say where.
    let err = Scenario::from_json("{\"days\": 3,\n \"patients\": 10 x}").unwrap_err();
    assert!(matches!(err, ScenarioError::Parse { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("invalid scenario JSON at line 2, column"),
        "{err}"
    );
}

#[test]
fn presets_are_valid_and_fixed() {
    for name in milmed_core::scenario::PRESETS {
        let s = Scenario::preset(name).unwrap();
        assert_eq!(s.validate().map_err(|e| e.to_string()), Ok(()), "{name}");
        for f in &s.fronts {
            assert!(
                !f.nationalities.contains_key("AUS") && !f.nationalities.contains_key("NZL"),
                "{name}"
            );
        }
        // Round trip through JSON and TOML.
        assert_eq!(
            Scenario::from_json(&s.to_json_pretty()).unwrap(),
            s,
            "{name}"
        );
        assert_eq!(
            Scenario::from_toml(&toml::to_string(&s).unwrap()).unwrap(),
            s,
            "{name}"
        );
    }
    assert_eq!(
        Scenario::preset("amphibious").unwrap_err().to_string(),
        "unknown preset `amphibious`; available presets: nato_article_5, peacekeeping, urban_assault, cbrn_incident, training_exercise, mass_casualty, arctic_operation, maritime_operation"
    );
    assert!(
        Scenario::from_json("{}").unwrap().validate().is_ok(),
        "the default scenario is valid"
    );
}

#[test]
fn facility_outcomes_are_refused_with_the_reason() {
    let e = Scenario::from_json(r#"{"facility_outcomes": {"Role2": {"kia": 0.1, "rtd": 0.5}}}"#)
        .expect_err("facility_outcomes is no longer a scenario field");
    let issues: Vec<String> = match e {
        ScenarioError::Invalid(issues) => issues.iter().map(ToString::to_string).collect(),
        other => panic!("{other}"),
    };
    assert_eq!(
        issues,
        [
            "facility_outcomes: no longer supported: deaths and returns to duty follow from \
          each patient's injuries and time to care (docs/scenario.md, \"Outcomes\"); \
          remove the field"
        ]
    );
}
