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
use milmed_core::scenario::{MAX_PATIENTS, ScenarioError, ValidationIssue};
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
    #[schema(value_type = Option<Vec<crate::openapi::JobFormat>>, min_items = 1)]
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
    #[schema(value_type = Option<crate::openapi::JobPriority>)]
    pub priority: Option<String>,
    /// Store the patients in PostgreSQL too.
    #[serde(default)]
    pub persist_patients: bool,
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
            Scenario::from_json(&body.to_string()).map_err(|e| RequestError::scenario("", &e))?
        } else {
            let config = self.configuration.as_ref().expect("checked above");
            let mapped = from_ancestor(config)?;
            Scenario::from_json(&mapped.to_string())
                .map_err(|e| RequestError::scenario("configuration: ", &e))?
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

/// Maps the ancestor's inline configuration onto milmed's scenario JSON: `name`,
/// `description`, `total_patients` (or `count`), `days_of_fighting`, `base_date`,
/// `injury_distribution` (or `injury_mix`), `front_configs` (`name`, `casualty_rate`,
/// `nationality_distribution` of `{nationality_code, percentage}`), `warfare_types`,
/// `special_events`, `environmental_conditions`, `intensity`, `tempo`. Other keys
/// (`facility_configs`, …) are ignored: milmed's evacuation model has its own tables.
pub fn from_ancestor(config: &Value) -> Result<Value, String> {
    let config = config
        .as_object()
        .ok_or("configuration: give a JSON object")?;
    let mut out = Map::new();
    let mut copy = |from: &str, to: &str| {
        if let Some(v) = config.get(from).filter(|v| !v.is_null()) {
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
    let mix = config
        .get("injury_distribution")
        .or_else(|| config.get("injury_mix"))
        .and_then(Value::as_object);
    if let Some(mix) = mix {
        out.insert("injury_mix".to_owned(), Value::Object(fractions(mix)));
    }
    if let Some(fronts) = config.get("front_configs").and_then(Value::as_array) {
        let mut mapped = Vec::new();
        for (i, front) in fronts.iter().enumerate() {
            let at = format!("configuration.front_configs[{i}]");
            let name = front
                .get("name")
                .and_then(Value::as_str)
                .map_or_else(|| format!("Front {}", i + 1), str::to_owned);
            let rate = front
                .get("casualty_rate")
                .and_then(Value::as_f64)
                .unwrap_or(0.5);
            let mut nations = Map::new();
            for entry in front
                .get("nationality_distribution")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("{at}.nationality_distribution: give a list of {{nationality_code, percentage}}"))?
            {
                let code = entry
                    .get("nationality_code")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{at}.nationality_distribution: each entry needs a nationality_code"))?;
                let share = entry
                    .get("percentage")
                    .and_then(Value::as_f64)
                    .ok_or_else(|| format!("{at}.nationality_distribution: each entry needs a percentage"))?;
                nations.insert(code.to_owned(), json!(share / 100.0));
            }
            mapped.push(json!({"name": name, "casualty_rate": rate, "nationalities": nations}));
        }
        if !mapped.is_empty() {
            out.insert("fronts".to_owned(), Value::Array(mapped));
        }
    }
    Ok(Value::Object(out))
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
