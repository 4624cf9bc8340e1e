//! Every input problem at once: unknown fields, wrong types, out-of-range values and
//! broken rules are reported together, each with its path; documents that are not
//! objects and timelines outside 1900–2200 are refused.

use milmed_core::format::{Format, PatientWriter};
use milmed_core::scenario::{EARLIEST_START_TEXT, LATEST_END_TEXT};
use milmed_core::{Generator, Scenario, ScenarioError};

/// The issues of a document that does not read, as `(path, message)`.
#[track_caller]
fn refused(result: Result<Scenario, ScenarioError>) -> Vec<(String, String)> {
    match result {
        Ok(s) => panic!("accepted: {s:?}"),
        Err(ScenarioError::Invalid(issues)) => {
            assert!(!issues.is_empty());
            issues.into_iter().map(|i| (i.path, i.message)).collect()
        }
        Err(other) => panic!("expected a list of issues, got {other}"),
    }
}

fn paths(issues: &[(String, String)]) -> Vec<&str> {
    issues.iter().map(|(p, _)| p.as_str()).collect()
}

#[test]
fn an_unknown_field_and_a_broken_rule_are_both_reported() {
    let issues = refused(Scenario::from_json(r#"{"days": 0, "bogus": 1}"#));
    assert_eq!(paths(&issues), ["bogus", "days"], "{issues:?}");
    assert!(issues[0].1.contains("unknown field `bogus`"), "{issues:?}");
    assert!(
        issues[0]
            .1
            .contains("allowed fields: name, description, patients"),
        "{issues:?}"
    );
    assert_eq!(issues[1].1, "must be from 1 to 365, got 0");
}

#[test]
fn a_wrong_type_an_unknown_field_and_a_broken_rule_are_all_reported() {
    let issues = refused(Scenario::from_json(
        r#"{"patients": "many", "colour": "red", "days": 0, "intensity": "severe"}"#,
    ));
    assert_eq!(
        paths(&issues),
        ["colour", "patients", "days", "intensity"],
        "{issues:?}"
    );
    assert!(
        issues[1]
            .1
            .contains("invalid type: string \"many\", expected u64")
    );
    assert!(issues[3].1.contains("unknown variant `severe`"));
}

const TWO_BAD_FRONTS: &str = r#"{"fronts": [
    {"name": "A", "casualty_rate": "high", "nationalities": {"USA": 1}},
    {"name": "B", "casualty_rate": 1, "nationalities": {"USA": "many"}, "size": 3},
    {"name": "C", "casualty_rate": 1, "nationalities": {"AUS": 1}},
    {"name": "D", "nationalities": {"USA": 1}}
]}"#;

#[test]
fn bad_fields_in_several_fronts_are_all_reported() {
    let issues = refused(Scenario::from_json(TWO_BAD_FRONTS));
    assert_eq!(
        paths(&issues),
        [
            "fronts[0].casualty_rate",
            "fronts[1].size",
            "fronts[1].nationalities.USA",
            "fronts[2].nationalities.AUS",
            "fronts[3].casualty_rate",
        ],
        "{issues:?}"
    );
    assert!(issues[1].1.contains("unknown field `size`"), "{issues:?}");
    // A value rule on a front that reads is reported beside the shape problems.
    assert!(issues[3].1.contains("NATO member"), "{issues:?}");
    assert!(issues[4].1.starts_with("missing"), "{issues:?}");
}

#[test]
fn toml_reports_every_problem_too() {
    let toml = r#"
days = 0
bogus = 1
patients = "many"

[injury_mix]
"Battle Injury" = 0.5
Disease = "lots"

[[fronts]]
name = "A"
casualty_rate = "high"
nationalities = { USA = 1 }

[[fronts]]
name = "B"
casualty_rate = 1
nationalities = { USA = "many" }
"#;
    let issues = refused(Scenario::from_toml(toml));
    assert_eq!(
        paths(&issues),
        [
            "bogus",
            "patients",
            "days",
            "injury_mix.Non-Battle Injury",
            "injury_mix.Disease",
            "fronts[0].casualty_rate",
            "fronts[1].nationalities.USA",
        ],
        "{issues:?}"
    );
    // TOML syntax errors stay syntax errors, with their place.
    let err = Scenario::from_toml("days = = 3").unwrap_err();
    assert!(matches!(err, ScenarioError::Parse { line: 1, .. }), "{err}");
    // A TOML date-time is a start; elsewhere it is the wrong type.
    let s = Scenario::from_toml("start = 2025-07-01T06:00:00Z").unwrap();
    assert_eq!(s.start, "2025-07-01T06:00:00Z");
    assert!(s.validate().is_ok());
    let issues = refused(Scenario::from_toml("name = 2025-07-01"));
    assert_eq!(paths(&issues), ["name"]);
    let issues = refused(Scenario::from_toml("[injury_mix]\nDisease = nan"));
    assert!(
        issues
            .iter()
            .any(|(p, m)| p == "injury_mix.Disease" && m.contains("finite"))
    );
}

#[test]
fn a_document_that_is_not_an_object_is_refused() {
    for (json, given) in [
        ("[]", "an array"),
        ("[{}]", "an array"),
        ("1", "a number"),
        ("null", "null"),
        ("\"x\"", "a string"),
        ("true", "a boolean"),
    ] {
        let issues = refused(Scenario::from_json(json));
        assert_eq!(paths(&issues), ["."], "{json}: {issues:?}");
        let message = &issues[0].1;
        assert!(message.contains("JSON object"), "{json}: {message}");
        assert!(
            message.ends_with(&format!("got {given}")),
            "{json}: {message}"
        );
    }
}

#[test]
fn repeated_fields_are_refused() {
    let issues = refused(Scenario::from_json(
        r#"{"days": 3, "days": 4, "patients": 0}"#,
    ));
    assert_eq!(paths(&issues), ["patients", "days"], "{issues:?}");
    assert!(issues[1].1.contains("more than once"));
    let issues = refused(Scenario::from_json(
        r#"{"fronts": [{"name": "A", "casualty_rate": 1, "nationalities": {"USA": 1, "USA": 2}}]}"#,
    ));
    assert_eq!(paths(&issues), ["fronts[0].nationalities.USA"]);
}

fn start_issue(start: &str, days: u32) -> Option<String> {
    let json = format!(r#"{{"start": "{start}", "days": {days}}}"#);
    let scenario = Scenario::from_json(&json).unwrap();
    match scenario.validate() {
        Ok(()) => None,
        Err(e) => {
            let issues = e.issues();
            assert_eq!(issues.len(), 1, "{issues:?}");
            assert_eq!(issues[0].path, "start");
            Some(issues[0].message.clone())
        }
    }
}

#[test]
fn the_timeline_must_lie_between_1900_and_2200() {
    for (start, days) in [
        ("9999-01-01T00:00:00Z", 8),
        ("9999-12-31T23:59:59Z", 365),
        ("1899-12-31T00:00:00Z", 8),
        ("1900-01-01T00:30:00+01:00", 8),
        ("2199-12-02T00:00:01Z", 30),
        ("2200-01-01T00:00:00Z", 1),
    ] {
        let message = start_issue(start, days).unwrap_or_else(|| panic!("{start} accepted"));
        assert!(
            message.contains(EARLIEST_START_TEXT) && message.contains(LATEST_END_TEXT),
            "{message}"
        );
        assert!(message.contains(start), "{message}");
    }
    for (start, days) in [
        ("1900-01-01T00:00:00Z", 8),
        ("2199-12-02T00:00:00Z", 30),
        ("2199-12-31T00:00:00Z", 1),
    ] {
        assert_eq!(start_issue(start, days), None, "{start} + {days}");
    }
    // A wrong number of days is its own problem; the start is judged with one day.
    let s = Scenario::from_json(r#"{"start": "2199-12-31T00:00:00Z", "days": 0}"#).unwrap();
    let found: Vec<_> = s.validate().unwrap_err().issues().to_vec();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, "days");
}

/// Every `YYYY-MM-DD` in `text`, with whether a `T` follows (a timestamp).
fn dates(text: &str) -> Vec<(&str, bool)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let mut i = 0;
    while i + 10 <= b.len() {
        if digits(i..i + 4)
            && b[i + 4] == b'-'
            && digits(i + 5..i + 7)
            && b[i + 7] == b'-'
            && digits(i + 8..i + 10)
            && (i == 0 || !b[i - 1].is_ascii_digit())
        {
            let timestamp = b.get(i + 10) == Some(&b'T');
            let end = if timestamp { i + 20 } else { i + 10 };
            out.push((&text[i..end.min(text.len())], timestamp));
            i += 10;
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn patients_at_the_edges_of_the_range_have_four_digit_years_after_the_start() {
    for (start, days) in [("1900-01-01T00:00:00Z", 30), ("2199-12-02T00:00:00Z", 30)] {
        let json = format!(r#"{{"start": "{start}", "days": {days}, "patients": 400}}"#);
        let generator = Generator::new(&Scenario::from_json(&json).unwrap(), 7).unwrap();
        for format in Format::ALL.iter().filter(|f| **f != Format::Ndef) {
            let mut writer = PatientWriter::new(format.encoder(&generator), Vec::new());
            let patients: Vec<_> = generator.patients().collect();
            writer.write_batch(&patients).unwrap();
            let bytes = writer.finish().unwrap().inner;
            let text = String::from_utf8(bytes).unwrap();
            let found = dates(&text);
            assert!(found.iter().any(|(_, t)| *t), "{format:?} has timestamps");
            if *format == Format::Ndjson {
                assert!(found.iter().any(|(_, t)| !*t), "{format:?} has birthdates");
            }
            for (date, timestamp) in found {
                let year: i32 = date[..4].parse().unwrap();
                assert!((1839..=2200).contains(&year), "{format:?}: {date}");
                if timestamp {
                    assert!(date >= &start[..19], "{format:?}: {date} before {start}");
                }
            }
        }
    }
}

#[test]
fn no_issue_path_is_unknown_or_empty() {
    let documents = [
        r#"{"days": 0, "bogus": 1}"#,
        TWO_BAD_FRONTS,
        r#"{"warfare_types": {"naval": "yes", "amphibious": true, "drone": {"weight": "x"}}}"#,
        r#"{"warfare_types": {"naval": {"enabled": true, "wheight": 2}}}"#,
        r#"{"warfare_types": []}"#,
        r#"{"special_events": {"mass_casualty": 1}, "tempo": 3}"#,
        r#"{"triage_weights": {"Disease": {"T1": 1}, "Cold": {"T1": 1, "T2": 0, "T3": 0}}}"#,
        r#"{"facility_outcomes": {"Role2": {"kia": "x", "rtd": 0.1, "dead": 1}}}"#,
        r#"{"injury_mix": [0.2, 0.3, 0.5]}"#,
        r#"{"fronts": [1, null, {"name": 5}]}"#,
        r#"{"fronts": {"name": "A"}}"#,
        r#"{"patients": -1, "days": 1.5, "name": null, "start": 2025}"#,
        "[]",
    ];
    for json in documents {
        let issues = refused(Scenario::from_json(json));
        for (path, message) in &issues {
            assert!(
                !path.is_empty() && !path.contains('?'),
                "{json}: {path}: {message}"
            );
            assert!(!message.is_empty(), "{json}: {path}");
        }
    }
    // Each entry of a map is judged: three bad entries in one map.
    let issues = refused(Scenario::from_json(documents[2]));
    assert_eq!(
        paths(&issues),
        [
            "warfare_types.naval",
            "warfare_types.amphibious",
            "warfare_types.drone.weight",
        ],
        "{issues:?}"
    );
}
