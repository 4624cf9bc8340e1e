//! The scenario: everything a user configures about an exercise.
//!
//! A [`Scenario`] is plain data read from JSON or TOML: a document that is an object
//! (a table) of the fields below. Reading checks the shape (types, field names: unknown
//! and repeated fields are rejected) field by field and reports every shape problem at
//! once, with the value rules that can be judged; [`Scenario::validate`] checks the
//! values and returns every problem at once. Each problem has its JSON path, the rule
//! broken and what is allowed. Nothing is ever silently replaced by a default: a field
//! that is absent takes the documented default below, a field that is present must be
//! right.
//!
//! ```
//! use milmed_core::Scenario;
//!
//! let scenario = Scenario::from_json(r#"{ "patients": 500, "days": 3 }"#).unwrap();
//! assert_eq!(scenario.patients, 500);
//! assert!(scenario.validate().is_ok());
//! ```

mod presets;
mod read;
pub(crate) mod validate;

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::model::{
    Environment, EvacuationPolicy, InjuryType, Intensity, SpecialEvent, Tempo, WarfareType,
};
use crate::reference::warfare::WARFARE;
use read::{Node, Syntax};

pub use presets::{PRESETS, preset, preset_names};
pub use validate::{ScenarioError, ValidationIssue, issues_summary};

/// The default scenario start: 2025-06-01T00:00:00Z.
pub const DEFAULT_START: &str = "2025-06-01T00:00:00Z";

/// Default [`Scenario::medical_capacity`].
pub const DEFAULT_MEDICAL_CAPACITY: f64 = 1.0;

/// Allowed range of [`Scenario::medical_capacity`].
pub const MEDICAL_CAPACITY_RANGE: (f64, f64) = (0.25, 100.0);

/// Largest number of patients one scenario may ask for.
pub const MAX_PATIENTS: u64 = u32::MAX as u64;

/// Longest operation, days.
pub const MAX_DAYS: u32 = 365;

/// Earliest allowed start of an operation, Unix seconds: 1900-01-01T00:00:00Z
/// ([`EARLIEST_START_TEXT`]). With birthdates up to 61 years before the injury, every
/// date a generated patient carries then has a four-digit year.
pub const EARLIEST_START: i64 = -2_208_988_800;

/// [`EARLIEST_START`] as RFC 3339 text, as messages show it.
pub const EARLIEST_START_TEXT: &str = "1900-01-01T00:00:00Z";

/// Latest allowed end of an operation (`start` + `days`), Unix seconds:
/// 2200-01-01T00:00:00Z ([`LATEST_END_TEXT`]). Every injury happens before it; the care
/// that follows may run some weeks past it, still with four-digit years.
pub const LATEST_END: i64 = 7_258_118_400;

/// [`LATEST_END`] as RFC 3339 text, as messages show it.
pub const LATEST_END_TEXT: &str = "2200-01-01T00:00:00Z";

/// A complete exercise scenario.
///
/// Every field has a default (see [`Scenario::default`]), so `{}` is a valid scenario:
/// the ancestor's default — 1,440 patients over 8 days from 2025-06-01, high intensity,
/// sustained tempo, conventional + artillery + drone warfare, mass-casualty events, night
/// operations, and three fronts (Poland, Estonia, Finland).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// Short name, shown in summaries.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Number of patients to generate (1 to 4,294,967,295).
    pub patients: u64,
    /// When the operation starts, RFC 3339 (any offset; outputs are in UTC).
    pub start: String,
    /// Length of the operation in days (1-365); every injury happens inside it.
    pub days: u32,
    /// Warfare types in play, each on or off with its relative weight.
    /// `true` is short for `{"enabled": true}` with the type's default weight.
    pub warfare_types: BTreeMap<WarfareType, WarfareSetting>,
    /// Combat intensity: scales mass-casualty clusters and group sizes.
    pub intensity: Intensity,
    /// How activity evolves over the days.
    pub tempo: Tempo,
    /// Special events switched on (`true`) or off.
    pub special_events: BTreeMap<SpecialEvent, bool>,
    /// Environmental conditions switched on (`true`) or off.
    pub environmental_conditions: BTreeMap<Environment, bool>,
    /// Shares of battle injuries, non-battle injuries and disease; they sum to 1.
    pub injury_mix: InjuryMix,
    /// Fronts casualties come from.
    pub fronts: Vec<Front>,
    /// Wanted triage shares per injury type. Triage still follows from each patient's
    /// injuries: the generator draws, for a patient meant to be T1, an injury that calls
    /// for T1 (so the condition mix shifts towards severe injuries, and no sprain is T1).
    pub triage_weights: BTreeMap<InjuryType, TriageWeights>,
    /// Whether triage uses the expectant category (T4) for casualties whose injuries
    /// cannot be survived (AIS 6), as mass-casualty triage does; otherwise they are T1.
    pub expectant_triage: bool,
    /// How casualties are evacuated: `"10-1-2"` (the default), `"delayed_evacuation"`,
    /// `"no_air_evacuation"` or `"prolonged_field_care"`.
    pub evacuation_policy: EvacuationPolicy,
    /// Surgical teams and evacuation assets, as a multiple of the peak load that the
    /// planned casualty flow (everything but special events) puts on them, averaged over
    /// its busiest six hours: NATO medical planning sizes support from the casualty
    /// estimate. `1.0` by default: the plan meets its own peaks, and only the surges it
    /// did not plan for (special events) congest it; below 1 the daily peaks queue too.
    /// Being a multiple, it makes waits the same at any number of patients.
    pub medical_capacity: f64,
}

/// Whether a warfare type is in play, and its weight.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct WarfareSetting {
    /// Whether the type produces casualties.
    pub enabled: bool,
    /// Relative casualty weight; `None` takes the type's default weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

impl WarfareSetting {
    /// An enabled type with its default weight.
    pub const ON: WarfareSetting = WarfareSetting {
        enabled: true,
        weight: None,
    };

    /// The weight used for `kind`: the configured one or the type's default.
    pub fn weight_for(&self, kind: WarfareType) -> f64 {
        self.weight.unwrap_or(WARFARE[kind.index()].weight)
    }
}

impl<'de> Deserialize<'de> for WarfareSetting {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            #[serde(default = "enabled_default")]
            enabled: bool,
            #[serde(default)]
            weight: Option<f64>,
        }
        fn enabled_default() -> bool {
            true
        }

        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = WarfareSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false, or an object {\"enabled\": bool, \"weight\": number}")
            }
            fn visit_bool<E: serde::de::Error>(self, enabled: bool) -> Result<Self::Value, E> {
                Ok(WarfareSetting {
                    enabled,
                    weight: None,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                let full = Full::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(WarfareSetting {
                    enabled: full.enabled,
                    weight: full.weight,
                })
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Shares of the three casualty classes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjuryMix {
    /// Share of battle injuries.
    #[serde(rename = "Battle Injury")]
    pub battle_injury: f64,
    /// Share of non-battle injuries.
    #[serde(rename = "Non-Battle Injury")]
    pub non_battle_injury: f64,
    /// Share of disease.
    #[serde(rename = "Disease")]
    pub disease: f64,
}

impl InjuryMix {
    /// The shares indexed by [`InjuryType::index`].
    pub fn shares(&self) -> [f64; 3] {
        [self.battle_injury, self.non_battle_injury, self.disease]
    }
}

/// A front: where casualties come from and who fights there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Front {
    /// Name, written into each patient's `front`.
    pub name: String,
    /// Relative share of casualties from this front (≥ 0; not all zero).
    pub casualty_rate: f64,
    /// Relative weights of nationalities, by ISO 3166 alpha-3 code of a NATO member.
    pub nationalities: BTreeMap<String, f64>,
}

/// Triage weights for one injury type; they sum to 1.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageWeights {
    /// Immediate.
    #[serde(rename = "T1")]
    pub t1: f64,
    /// Delayed.
    #[serde(rename = "T2")]
    pub t2: f64,
    /// Minimal.
    #[serde(rename = "T3")]
    pub t3: f64,
}

impl TriageWeights {
    /// The weights indexed by [`Triage::index`](crate::model::Triage::index).
    pub fn weights(&self) -> [f64; 3] {
        [self.t1, self.t2, self.t3]
    }
}

impl Default for Scenario {
    fn default() -> Self {
        fn front(name: &str, rate: f64, nations: &[(&str, f64)]) -> Front {
            Front {
                name: name.to_owned(),
                casualty_rate: rate,
                nationalities: nations.iter().map(|&(c, w)| (c.to_owned(), w)).collect(),
            }
        }
        Scenario {
            name: "default".to_owned(),
            description: "Eight days of high-intensity conventional, artillery and drone warfare \
                          on three fronts, with mass-casualty events and night operations."
                .to_owned(),
            patients: 1440,
            start: DEFAULT_START.to_owned(),
            days: 8,
            warfare_types: [
                WarfareType::Conventional,
                WarfareType::Artillery,
                WarfareType::Drone,
            ]
            .into_iter()
            .map(|w| (w, WarfareSetting::ON))
            .collect(),
            intensity: Intensity::High,
            tempo: Tempo::Sustained,
            special_events: [(SpecialEvent::MassCasualty, true)].into_iter().collect(),
            environmental_conditions: [(Environment::NightOperations, true)].into_iter().collect(),
            injury_mix: InjuryMix {
                battle_injury: 0.15,
                non_battle_injury: 0.33,
                disease: 0.52,
            },
            fronts: vec![
                front(
                    "Poland",
                    0.6,
                    &[("POL", 50.0), ("LTU", 25.0), ("NLD", 20.0), ("ESP", 5.0)],
                ),
                front("Estonia", 0.3, &[("EST", 50.0), ("GBR", 50.0)]),
                front("Finland", 0.1, &[("FIN", 50.0), ("USA", 50.0)]),
            ],
            triage_weights: BTreeMap::new(),
            expectant_triage: false,
            evacuation_policy: EvacuationPolicy::TenOneTwo,
            medical_capacity: DEFAULT_MEDICAL_CAPACITY,
        }
    }
}

impl Scenario {
    /// Reads a scenario from JSON.
    ///
    /// Text that is not JSON is a [`ScenarioError::Parse`] with the line and column. A
    /// document that is JSON but not a scenario — not an object, an unknown or repeated
    /// field, a value of the wrong type — is a [`ScenarioError::Invalid`] listing every
    /// such problem at once, each with its path, together with the broken value rules
    /// that can be judged. A document of the right shape reads `Ok`; its values are
    /// checked by [`Scenario::validate`].
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let root: Node = serde_json::from_str(text).map_err(|e| ScenarioError::Parse {
            format: "JSON",
            path: ".".to_owned(),
            message: strip_position(&e.to_string()),
            line: e.line(),
            column: e.column(),
        })?;
        read::read(&root, Syntax::Json)
    }

    /// Reads a scenario from a JSON value already parsed (a stored scenario, a field of a
    /// request body): the same reading, errors and paths as [`Scenario::from_json`] of
    /// the value's text, without printing and parsing it again. A value has no syntax
    /// left to get wrong, so the error is never [`ScenarioError::Parse`].
    ///
    /// ```
    /// use milmed_core::{Scenario, ScenarioError};
    ///
    /// let stored = Scenario::preset("peacekeeping")?.to_value();
    /// assert_eq!(Scenario::from_value(stored)?, Scenario::preset("peacekeeping")?);
    /// let wrong = serde_json::json!({"patients": "many"});
    /// let Err(ScenarioError::Invalid(issues)) = Scenario::from_value(wrong) else { panic!() };
    /// assert_eq!(issues[0].path, "patients");
    /// # Ok::<(), ScenarioError>(())
    /// ```
    pub fn from_value(value: serde_json::Value) -> Result<Scenario, ScenarioError> {
        // Every JSON value is a node: this cannot fail, but say so if it ever did.
        let root = Node::deserialize(value).map_err(|e| ScenarioError::Parse {
            format: "JSON",
            path: ".".to_owned(),
            message: e.to_string(),
            line: 0,
            column: 0,
        })?;
        read::read(&root, Syntax::Json)
    }

    /// The scenario as a JSON value, every field spelled out: what
    /// [`Scenario::from_value`] reads back, and [`Scenario::to_json_pretty`] prints.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a scenario always serialises")
    }

    /// Reads a scenario from TOML (same fields as JSON, same errors as
    /// [`Scenario::from_json`]). `start` may also be a TOML date-time.
    pub fn from_toml(text: &str) -> Result<Scenario, ScenarioError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| toml_error(&e, text))?;
        read::read(&Node::from_toml(table), Syntax::Toml)
    }

    /// Reads a scenario file: TOML when the name ends in `.toml`, JSON otherwise.
    pub fn from_path(path: &std::path::Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            Scenario::from_toml(&text)
        } else {
            Scenario::from_json(&text)
        }
    }

    /// The scenario as pretty-printed JSON, every field spelled out.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a scenario always serialises")
    }

    /// One of the named presets (see [`preset_names`]).
    pub fn preset(name: &str) -> Result<Scenario, ScenarioError> {
        preset(name)
    }

    /// Warfare types that are switched on, with their weights, in declaration order.
    pub fn active_warfare(&self) -> Vec<(WarfareType, f64)> {
        self.warfare_types
            .iter()
            .filter(|(_, s)| s.enabled)
            .map(|(&k, s)| (k, s.weight_for(k)))
            .collect()
    }

    /// Whether a special event is switched on.
    pub fn has_special_event(&self, event: SpecialEvent) -> bool {
        self.special_events.get(&event).copied().unwrap_or(false)
    }

    /// Environmental conditions that are switched on, in declaration order.
    pub fn active_environment(&self) -> Vec<Environment> {
        self.environmental_conditions
            .iter()
            .filter(|(_, on)| **on)
            .map(|(&e, _)| e)
            .collect()
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn toml_position(err: &toml::de::Error, text: &str) -> (usize, usize) {
    match err.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            (line, column)
        }
        None => (0, 0),
    }
}

fn toml_error(err: &toml::de::Error, text: &str) -> ScenarioError {
    let (line, column) = toml_position(err, text);
    ScenarioError::Parse {
        format: "TOML",
        path: ".".to_owned(),
        message: err.message().to_owned(),
        line,
        column,
    }
}
