//! `POST /api/v1/generation`: the request, in milmed's own form or the ancestor's.
//!
//! Native: `{"preset": "nato_article_5"}` or `{"scenario": {…}}`, with `seed`, `count`,
//! `start`, `output_formats`, `priority`, `persist_patients`. Ancestor
//! (ancestor-service.md §1.3): `{"configuration": {…}, "total_patients": n,
//! "output_formats": [...], "use_compression": …, "use_encryption": …,
//! "encryption_password": …, "priority": …}`; the inline configuration's keys that the
//! ancestor read are mapped onto a scenario ([`from_ancestor`]).

use milmed_core::Scenario;
use milmed_core::format::Format;
use milmed_core::job::Priority;
use milmed_core::scenario::{MAX_PATIENTS, ScenarioError, ValidationIssue, issues_summary};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The body of a generation request (both forms; unknown fields are ignored, as the
/// ancestor did, so that its clients keep working).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"preset": "nato_article_5", "count": 400, "seed": 7, "output_formats": ["ndjson"]}))]
pub struct GenerationRequest {
    /// Native: a preset (`GET /api/v1/presets` lists them). Give exactly one of `preset`,
    /// `scenario`, `configuration` and `configuration_id`.
    #[schema(value_type = Option<crate::openapi::PresetName>)]
    pub preset: Option<String>,
    /// Native: a whole scenario, in milmed's JSON shape (`GET /api/v1/presets/{id}` shows
    /// whole ones).
    #[schema(value_type = Option<Object>)]
    pub scenario: Option<Value>,
    /// Native: the seed (default 0).
    #[schema(format = "uint64", maximum = 18_446_744_073_709_551_615_u64)]
    pub seed: Option<u64>,
    /// Native: patients (overrides the scenario's count); at most the key's patients per
    /// request (403 beyond).
    #[schema(minimum = 1, maximum = 4_294_967_295_u64)]
    pub count: Option<u64>,
    /// Ancestor: the inline configuration (`name`, `description`, `total_patients`,
    /// `days_of_fighting`, `base_date`, `injury_distribution`, `front_configs`,
    /// `warfare_types`, `special_events`, `environmental_conditions`, `intensity`,
    /// `tempo`; other keys are ignored).
    #[schema(value_type = Option<Object>)]
    pub configuration: Option<Value>,
    /// A stored configuration of the caller's key, by id (see `/api/v1/configurations`);
    /// 422 when the key has no such configuration.
    pub configuration_id: Option<String>,
    /// Ancestor: patients (overrides the configuration's count); at most the key's
    /// patients per request (403 beyond).
    #[schema(minimum = 1, maximum = 4_294_967_295_u64)]
    pub total_patients: Option<u64>,
    /// Formats (default `["json"]`, as the ancestor), each once; case is ignored.
    #[schema(value_type = Option<Vec<JobFormat>>, min_items = 1)]
    pub output_formats: Option<Vec<String>>,
    /// Ancestor: gzip the downloads.
    #[serde(default)]
    pub use_compression: bool,
    /// Ancestor: encrypt the downloads (the password is asked again at download time:
    /// it is never stored).
    #[serde(default)]
    pub use_encryption: bool,
    /// Ancestor: the encryption password; checked, never stored or echoed.
    pub encryption_password: Option<String>,
    /// `low`, `normal` (default) or `high`; case is ignored.
    #[schema(value_type = Option<Priority>)]
    pub priority: Option<String>,
    /// Store the patients in PostgreSQL too.
    #[serde(default)]
    pub persist_patients: bool,
}

// milmed-core's formats but `ndef` (one file per patient), by the names `output_formats`
// takes: it describes the request in the document (requests are read as strings, case
// ignored, and checked by `GenerationRequest::validate`).
/// An output format a job can write.
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum JobFormat {
    /// One JSON array.
    Json,
    /// One JSON record per line.
    Ndjson,
    /// One row per patient.
    Csv,
    /// One row per event.
    EventsCsv,
    /// XML.
    Xml,
    /// The viewer's format.
    Viewer,
    /// FHIR bundles.
    Fhir,
    /// One FHIR transaction bundle.
    FhirTransaction,
}

/// What a valid request asks for.
#[derive(Debug)]
pub struct Generation {
    /// The scenario, with its patient count set.
    pub scenario: Scenario,
    /// The seed.
    pub seed: u64,
    /// Formats, by milmed's names.
    pub formats: Vec<String>,
    /// Queue priority.
    pub priority: Priority,
    /// Gzip downloads.
    pub compress: bool,
    /// Encrypt downloads.
    pub encrypt: bool,
    /// Store patients in PostgreSQL.
    pub persist_patients: bool,
}

/// The ancestor's format names, mapped to milmed's.
fn format_name(name: &str) -> Result<&'static str, String> {
    match name {
        "json" => Ok("json"),
        "fhir" => Ok("fhir"),
        other => other
            .parse::<Format>()
            .map(Format::as_str)
            .map_err(|e| format!("output_formats: {e}")),
    }
}

/// Why a generation request is refused: what is wrong and what is allowed, and, for a
/// scenario, every problem with its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    /// One line naming the field (or every problem of the scenario).
    pub detail: String,
    /// The scenario's problems, each with its JSON path; empty for other fields.
    pub issues: Vec<ValidationIssue>,
}

impl From<String> for RequestError {
    fn from(detail: String) -> RequestError {
        RequestError {
            detail,
            issues: Vec::new(),
        }
    }
}

impl From<&str> for RequestError {
    fn from(detail: &str) -> RequestError {
        RequestError::from(detail.to_owned())
    }
}

impl RequestError {
    /// A scenario's error, its detail prefixed with `prefix` (e.g. `configuration: `).
    fn scenario(prefix: &str, e: &ScenarioError) -> RequestError {
        RequestError {
            detail: format!("{prefix}{e}"),
            issues: e.issues().to_vec(),
        }
    }
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl GenerationRequest {
    /// Checks the request; the error says which field is wrong and what is allowed.
    /// `stored` is the scenario of `configuration_id`, looked up by the caller.
    pub fn validate(self, stored: Option<Scenario>) -> Result<Generation, RequestError> {
        // An empty configuration counts as none (ancestor clients send `{}` beside a
        // preset); anything but an object is refused rather than ignored.
        if self.configuration.as_ref().is_some_and(|c| !c.is_object()) {
            return Err("configuration: give a JSON object".into());
        }
        let sources = [
            self.preset.is_some(),
            self.scenario.is_some(),
            self.configuration
                .as_ref()
                .is_some_and(|c| c.as_object().is_some_and(|o| !o.is_empty())),
            self.configuration_id.is_some(),
        ];
        match sources.iter().filter(|&&s| s).count() {
            0 => {
                return Err(
                    "give one of preset, scenario, configuration or configuration_id".into(),
                );
            }
            1 => {}
            _ => {
                return Err(
                    "give only one of preset, scenario, configuration or configuration_id".into(),
                );
            }
        }
        let mut scenario = if let Some(id) = &self.configuration_id {
            stored.ok_or_else(|| format!("configuration_id: no configuration {id:?}"))?
        } else if let Some(name) = &self.preset {
            Scenario::preset(name).map_err(|e| RequestError::scenario("", &e))?
        } else if let Some(body) = &self.scenario {
            Scenario::from_value(body.clone()).map_err(|e| RequestError::scenario("", &e))?
        } else {
            let config = self.configuration.as_ref().expect("checked above");
            let refused = |(detail, issues): (String, Vec<ValidationIssue>)| RequestError {
                detail: format!("configuration: {detail}"),
                issues,
            };
            let mapped = from_ancestor(config, "configuration.", &[])
                .map_err(|issues| refused((issues_summary(&issues), issues)))?;
            let scenario = Scenario::from_value(mapped.clone())
                .map_err(|e| refused(ancestor_scenario_error("configuration.", &e)))?;
            scenario
                .validate()
                .map_err(|e| refused(ancestor_scenario_error("configuration.", &e)))?;
            scenario
        };
        // Both counts are checked, even the one that `count` overrides: a wrong value is
        // never silently ignored.
        for (field, value) in [
            ("count", self.count),
            ("total_patients", self.total_patients),
        ] {
            if let Some(n) = value.filter(|&n| n == 0 || n > MAX_PATIENTS) {
                return Err(RequestError::from(format!(
                    "{field}: {n} is not allowed; give 1 to {MAX_PATIENTS} patients"
                )));
            }
        }
        if let Some(n) = self.count.or(self.total_patients) {
            scenario.patients = n;
        }
        scenario
            .validate()
            .map_err(|e| RequestError::scenario("", &e))?;
        let formats = self
            .output_formats
            .unwrap_or_else(|| vec!["json".to_owned()])
            .iter()
            .map(|f| format_name(f).map(str::to_owned))
            .collect::<Result<Vec<_>, _>>()?;
        if formats.is_empty() {
            return Err("output_formats: give at least one format".into());
        }
        // Each format is one file of the download: a format named twice (perhaps under
        // two names) would be two files of one name.
        if let Some((i, twice)) = formats
            .iter()
            .enumerate()
            .find(|(i, f)| formats[..*i].contains(f))
        {
            return Err(RequestError::from(format!(
                "output_formats: {twice} is given twice (at {i}); give each format once"
            )));
        }
        if formats.iter().any(|f| f == "ndef") {
            return Err("output_formats: ndef writes one file per patient and is not offered for jobs; use the milmed command".into());
        }
        let priority = match self.priority.as_deref() {
            None => Priority::Normal,
            Some(p) => p.parse().map_err(|e| format!("priority: {e}"))?,
        };
        if self.use_encryption {
            match &self.encryption_password {
                None => {
                    return Err(
                        "encryption_password is required when use_encryption is true".into(),
                    );
                }
                Some(p) if p.chars().count() < 8 => {
                    return Err("encryption_password: give at least 8 characters".into());
                }
                Some(_) => {}
            }
        }
        Ok(Generation {
            scenario,
            seed: self.seed.unwrap_or(0),
            formats,
            priority,
            compress: self.use_compression,
            encrypt: self.use_encryption,
            persist_patients: self.persist_patients,
        })
    }
}

/// A share given as a fraction (0.4) or a percentage (40), as the ancestor's clients sent
/// either: values summing to more than 1.5 are taken as percentages.
fn fractions(values: &Map<String, Value>) -> Map<String, Value> {
    let sum: f64 = values.values().filter_map(Value::as_f64).sum();
    let scale = if sum > 1.5 { 100.0 } else { 1.0 };
    values
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_f64().map_or(v.clone(), |x| json!(x / scale)),
            )
        })
        .collect()
}

/// The fields the ancestor's `ConfigurationTemplateCreate` requires (its
/// `facility_configs` too, which milmed does not use and so does not require): a stored
/// configuration must say what it is, not fall back silently on the default scenario.
pub const TEMPLATE_REQUIRED: [&str; 4] = [
    "name",
    "total_patients",
    "front_configs",
    "injury_distribution",
];

/// The problems found so far in an ancestor configuration, each with its path (after
/// `prefix`, e.g. `configuration.` for a generation request's inline configuration).
struct Problems<'a> {
    prefix: &'a str,
    issues: Vec<ValidationIssue>,
}

impl Problems<'_> {
    fn add(&mut self, path: &str, message: impl Into<String>) {
        self.issues.push(ValidationIssue {
            path: format!("{}{path}", self.prefix),
            message: message.into(),
        });
    }
}

/// Maps the ancestor's configuration onto milmed's scenario JSON: `name`, `description`,
/// `total_patients` (or `count`), `days_of_fighting`, `base_date`, `injury_distribution`
/// (or `injury_mix`), `front_configs` (`name`, `casualty_rate`,
/// `nationality_distribution` of `{nationality_code, percentage}`), `warfare_types`,
/// `special_events`, `environmental_conditions`, `intensity`, `tempo`. Other keys
/// (`facility_configs`, …) are ignored: milmed's evacuation model has its own tables.
///
/// Every field in `required` must be present; a field of the wrong type is refused
/// (never dropped for the default scenario's value); `front_configs` needs at least one
/// front. Every problem is returned at once, each with its path after `prefix`. Values
/// are checked by the scenario's own rules afterwards ([`ancestor_path`] names them as
/// the ancestor did).
pub fn from_ancestor(
    config: &Value,
    prefix: &str,
    required: &[&str],
) -> Result<Value, Vec<ValidationIssue>> {
    let mut problems = Problems {
        prefix,
        issues: Vec::new(),
    };
    let Some(config) = config.as_object() else {
        let path = prefix.trim_end_matches('.');
        return Err(vec![ValidationIssue {
            path: if path.is_empty() {
                ".".to_owned()
            } else {
                path.to_owned()
            },
            message: "give a JSON object".to_owned(),
        }]);
    };
    let present = |key: &str| config.get(key).filter(|v| !v.is_null());
    for &key in required {
        if present(key).is_none() {
            problems.add(key, "is required");
        }
    }
    for key in ["name", "description", "base_date"] {
        if let Some(v) = present(key)
            && !v.is_string()
        {
            problems.add(key, format!("give a string, not {v}"));
        }
    }
    for key in ["total_patients", "count", "days_of_fighting"] {
        if let Some(v) = present(key)
            && !v.is_u64()
        {
            problems.add(key, format!("give a whole number, not {v}"));
        }
    }
    if let Some(v) = present("facility_configs")
        && !v.is_array()
    {
        problems.add(
            "facility_configs",
            "give a list (it is accepted and ignored: milmed's evacuation chain has its own tables)",
        );
    }
    let mut out = Map::new();
    let mut copy = |from: &str, to: &str| {
        if let Some(v) = present(from) {
            out.insert(to.to_owned(), v.clone());
        }
    };
    copy("name", "name");
    copy("description", "description");
    copy("count", "patients");
    copy("total_patients", "patients");
    copy("days_of_fighting", "days");
    copy("base_date", "start");
    copy("warfare_types", "warfare_types");
    copy("special_events", "special_events");
    copy("environmental_conditions", "environmental_conditions");
    copy("intensity", "intensity");
    copy("tempo", "tempo");
    if let Some(start) = out.get("start").and_then(Value::as_str)
        && start.len() == 10
    {
        // A date alone: midnight UTC.
        let start = format!("{start}T00:00:00Z");
        out.insert("start".to_owned(), json!(start));
    }
    let (mix_key, mix) = match present("injury_distribution") {
        Some(mix) => ("injury_distribution", Some(mix)),
        None => ("injury_mix", present("injury_mix")),
    };
    match mix {
        None => {}
        Some(Value::Object(mix)) => {
            for (kind, share) in mix {
                if !share.is_number() {
                    problems.add(
                        &format!("{mix_key}.{kind}"),
                        format!("give a number (a fraction or a percentage), not {share}"),
                    );
                }
            }
            out.insert("injury_mix".to_owned(), Value::Object(fractions(mix)));
        }
        Some(other) => problems.add(
            mix_key,
            format!(
                "give an object of shares, e.g. {{\"Battle Injury\": 60, \"Non-Battle Injury\": 25, \"Disease\": 15}}, not {other}"
            ),
        ),
    }
    match present("front_configs") {
        None => {}
        Some(Value::Array(fronts)) if fronts.is_empty() => problems.add(
            "front_configs",
            "give at least one front (GET /api/v1/configurations/reference/static-fronts shows the default ones)",
        ),
        Some(Value::Array(fronts)) => {
            let mapped = fronts
                .iter()
                .enumerate()
                .filter_map(|(i, front)| ancestor_front(front, i, &mut problems))
                .collect();
            out.insert("fronts".to_owned(), Value::Array(mapped));
        }
        Some(other) => problems.add(
            "front_configs",
            format!(
                "give a list of fronts ({{name, casualty_rate, nationality_distribution}}), not {other}"
            ),
        ),
    }
    if problems.issues.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(problems.issues)
    }
}

/// Front `i` of `front_configs` as a scenario front, or `None` with its problems added.
fn ancestor_front(front: &Value, i: usize, problems: &mut Problems<'_>) -> Option<Value> {
    let at = format!("front_configs[{i}]");
    let Some(front) = front.as_object() else {
        problems.add(
            &at,
            format!(
                "give an object {{name, casualty_rate, nationality_distribution}}, not {front}"
            ),
        );
        return None;
    };
    let before = problems.issues.len();
    let field = |key: &str| front.get(key).filter(|v| !v.is_null());
    let name = match field("name") {
        None => format!("Front {}", i + 1),
        Some(Value::String(name)) => name.clone(),
        Some(other) => {
            problems.add(&format!("{at}.name"), format!("give a string, not {other}"));
            String::new()
        }
    };
    let rate = match field("casualty_rate") {
        None => json!(0.5),
        Some(rate) if rate.is_number() => rate.clone(),
        Some(other) => {
            problems.add(
                &format!("{at}.casualty_rate"),
                format!("give a number, not {other}"),
            );
            Value::Null
        }
    };
    let mut nations = Map::new();
    let list = format!("{at}.nationality_distribution");
    match field("nationality_distribution") {
        None => problems.add(
            &list,
            "is required: a list of {nationality_code, percentage}",
        ),
        Some(Value::Array(entries)) => {
            for (j, entry) in entries.iter().enumerate() {
                let code = entry.get("nationality_code").and_then(Value::as_str);
                let share = entry.get("percentage").and_then(Value::as_f64);
                if code.is_none() {
                    problems.add(
                        &format!("{list}[{j}].nationality_code"),
                        "is required: a string, e.g. \"POL\"",
                    );
                }
                if share.is_none() {
                    problems.add(
                        &format!("{list}[{j}].percentage"),
                        "is required: a number from 0 to 100",
                    );
                }
                if let (Some(code), Some(share)) = (code, share) {
                    nations.insert(code.to_owned(), json!(share / 100.0));
                }
            }
        }
        Some(other) => problems.add(
            &list,
            format!("give a list of {{nationality_code, percentage}}, not {other}"),
        ),
    }
    (problems.issues.len() == before)
        .then(|| json!({"name": name, "casualty_rate": rate, "nationalities": nations}))
}

/// The path, in the ancestor's names, of a problem found in the scenario that
/// [`from_ancestor`] made: `patients` is `total_patients`, `fronts[0].nationalities.POL`
/// is `front_configs[0].nationality_distribution.POL`, and so on.
pub fn ancestor_path(path: &str) -> String {
    let split = path.find(['.', '[']).unwrap_or(path.len());
    let (head, rest) = path.split_at(split);
    let head = match head {
        "patients" => "total_patients",
        "days" => "days_of_fighting",
        "start" => "base_date",
        "injury_mix" => "injury_distribution",
        "fronts" => "front_configs",
        other => other,
    };
    let rest = if head == "front_configs" {
        rest.replacen(".nationalities", ".nationality_distribution", 1)
    } else {
        rest.to_owned()
    };
    format!("{head}{rest}")
}

/// A scenario's error, with the paths of its issues in the ancestor's names after
/// `prefix`.
pub fn ancestor_scenario_error(prefix: &str, e: &ScenarioError) -> (String, Vec<ValidationIssue>) {
    let issues: Vec<ValidationIssue> = match e {
        ScenarioError::Invalid(issues) => issues
            .iter()
            .map(|i| ValidationIssue {
                path: format!("{prefix}{}", ancestor_path(&i.path)),
                message: i.message.clone(),
            })
            .collect(),
        other => vec![ValidationIssue {
            path: if prefix.is_empty() {
                ".".to_owned()
            } else {
                prefix.trim_end_matches('.').to_owned()
            },
            message: other.to_string(),
        }],
    };
    (issues_summary(&issues), issues)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: Value) -> Result<Generation, RequestError> {
        serde_json::from_value::<GenerationRequest>(body)
            .unwrap()
            .validate(None)
    }

    #[test]
    fn the_ancestor_body_maps_onto_a_scenario() {
        let g = request(json!({
            "configuration": {
                "name": "Exercise",
                "total_patients": 50,
                "days_of_fighting": 3,
                "base_date": "2025-06-01",
                "injury_distribution": {"Battle Injury": 50, "Non-Battle Injury": 30, "Disease": 20},
                "front_configs": [{"name": "North", "casualty_rate": 1.0,
                    "nationality_distribution": [{"nationality_code": "POL", "percentage": 60},
                                                 {"nationality_code": "USA", "percentage": 40}]}],
                "warfare_types": {"conventional": true, "artillery": true},
                "facility_configs": []
            },
            "total_patients": 120,
            "output_formats": ["json", "csv"],
            "priority": "high",
            "unknown_field": 1
        }))
        .unwrap();
        assert_eq!(g.scenario.patients, 120);
        assert_eq!(g.scenario.days, 3);
        assert_eq!(g.scenario.fronts[0].nationalities["POL"], 0.6);
        assert!((g.scenario.injury_mix.battle_injury - 0.5).abs() < 1e-9);
        assert_eq!(g.formats, ["json", "csv"]);
        assert_eq!(g.priority, Priority::High);
    }

    #[test]
    fn bad_requests_name_the_field() {
        for (body, message) in [
            (
                json!({}),
                "give one of preset, scenario, configuration or configuration_id",
            ),
            (
                json!({"preset": "peacekeeping", "scenario": {}}),
                "give only one of",
            ),
            (
                json!({"preset": "peacekeeping", "output_formats": ["xlsx"]}),
                "output_formats: unknown format `xlsx`",
            ),
            (
                json!({"preset": "peacekeeping", "priority": "urgent"}),
                "priority: ",
            ),
            (
                json!({"preset": "peacekeeping", "use_encryption": true}),
                "encryption_password is required",
            ),
            (
                json!({"preset": "peacekeeping", "use_encryption": true, "encryption_password": "short"}),
                "at least 8 characters",
            ),
            (
                json!({"configuration": {"front_configs": [{"name": "A"}]}}),
                "configuration.front_configs[0].nationality_distribution",
            ),
            (json!({"preset": "nope"}), "unknown preset `nope`"),
            (
                json!({"preset": "peacekeeping", "output_formats": ["json", "csv", "json"]}),
                "output_formats: json is given twice (at 2); give each format once",
            ),
            (
                json!({"preset": "peacekeeping", "count": 10, "total_patients": 0}),
                "total_patients: 0 is not allowed",
            ),
            (
                json!({"preset": "peacekeeping", "configuration": [null]}),
                "configuration: give a JSON object",
            ),
            (
                json!({"preset": "peacekeeping", "count": 0}),
                "count: 0 is not allowed; give 1 to 4294967295 patients",
            ),
        ] {
            let err = request(body.clone()).unwrap_err();
            assert!(err.detail.contains(message), "{body}: {err}");
        }
    }
}
