//! Scenario validation: every problem at once, each with its path, rule and allowed values.

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{
    EARLIEST_START, EARLIEST_START_TEXT, LATEST_END, LATEST_END_TEXT, MAX_DAYS, MAX_PATIENTS,
    Scenario,
};
use crate::reference::{NATIONS, nation_index};

/// Tolerance on sums that must equal 1 (injury mix, triage weights).
pub const SUM_TOLERANCE: f64 = 0.001;

/// Most fronts one scenario may have (a patient stores its front in a byte).
pub const MAX_FRONTS: usize = 255;

/// One problem found in a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationIssue {
    /// JSON path of the offending value, e.g. `fronts[1].nationalities.AUS`.
    pub path: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a scenario could not be read or used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario file {path}: {message}")]
    Io {
        /// File path.
        path: String,
        /// Operating-system error.
        message: String,
    },
    /// The text is not JSON (or not TOML) at all: a syntax error, found at a line and
    /// column. A document that parses but is not a scenario (not an object, unknown field,
    /// wrong type) is [`ScenarioError::Invalid`].
    #[error("invalid scenario {format} at line {line}, column {column}: {message}")]
    Parse {
        /// `JSON` or `TOML`.
        format: &'static str,
        /// Always `.`: a syntax error belongs to the whole document.
        path: String,
        /// What the parser expected.
        message: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
    },
    /// The document is not a scenario or its values break rules: every problem found,
    /// each with its path, in field order.
    #[error("invalid scenario: {}", issues_summary(.0))]
    Invalid(Vec<ValidationIssue>),
    /// No preset has this name.
    #[error("unknown preset `{name}`; available presets: {available}")]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// Comma-separated preset names.
        available: String,
    },
}

impl ScenarioError {
    /// The validation issues, if this is [`ScenarioError::Invalid`].
    pub fn issues(&self) -> &[ValidationIssue] {
        match self {
            ScenarioError::Invalid(issues) => issues,
            _ => &[],
        }
    }
}

/// One line listing `issues`: `2 problems: days: …; fronts[0].name: …` (how
/// [`ScenarioError::Invalid`] prints them; front-ends that find problems of their own
/// list them the same way).
pub fn issues_summary(issues: &[ValidationIssue]) -> String {
    let list: Vec<String> = issues.iter().map(ToString::to_string).collect();
    format!(
        "{} problem{}: {}",
        issues.len(),
        if issues.len() == 1 { "" } else { "s" },
        list.join("; ")
    )
}

struct Issues(Vec<ValidationIssue>);

impl Issues {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ValidationIssue {
            path: path.into(),
            message: message.into(),
        });
    }

    /// Checks that `value` is a finite number inside `[min, max]`.
    fn range(&mut self, path: impl Into<String>, value: f64, min: f64, max: f64) -> bool {
        if value.is_finite() && value >= min && value <= max {
            true
        } else {
            self.push(
                path,
                format!("must be a number from {min} to {max}, got {value}"),
            );
            false
        }
    }

    /// Checks that finite `values` sum to 1 within [`SUM_TOLERANCE`].
    fn sums_to_one(&mut self, path: &str, what: &str, values: &[f64]) {
        let sum: f64 = values.iter().sum();
        if values.iter().all(|v| v.is_finite()) && (sum - 1.0).abs() > SUM_TOLERANCE {
            self.push(
                path,
                format!("{what} must sum to 1 (±{SUM_TOLERANCE}), got {sum:.4}"),
            );
        }
    }
}

/// Parses an RFC 3339 timestamp into Unix seconds.
pub(crate) fn parse_start(text: &str) -> Result<i64, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| {
            format!(
                "must be an RFC 3339 timestamp such as 2025-06-01T00:00:00Z, got {text:?} ({e})"
            )
        })
}

impl Scenario {
    /// Checks every value and returns all problems found, in field order; among them,
    /// that the operation lies between [`EARLIEST_START_TEXT`] and [`LATEST_END_TEXT`].
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let mut issues = Issues(Vec::new());

        if self.name.trim().is_empty() {
            issues.push("name", "must not be empty");
        }
        if self.patients == 0 || self.patients > MAX_PATIENTS {
            issues.push(
                "patients",
                format!("must be from 1 to {MAX_PATIENTS}, got {}", self.patients),
            );
        }
        match parse_start(&self.start) {
            Ok(start) => self.validate_timeline(start, &mut issues),
            Err(message) => issues.push("start", message),
        }
        if self.days == 0 || self.days > MAX_DAYS {
            issues.push(
                "days",
                format!("must be from 1 to {MAX_DAYS}, got {}", self.days),
            );
        }

        for (kind, setting) in &self.warfare_types {
            if let Some(weight) = setting.weight {
                if !(weight.is_finite() && weight > 0.0 && weight <= 1000.0) {
                    issues.push(
                        format!("warfare_types.{kind}.weight"),
                        format!("must be a number above 0 and at most 1000, got {weight}"),
                    );
                }
            }
        }
        if !self.warfare_types.values().any(|s| s.enabled) {
            issues.push(
                "warfare_types",
                format!(
                    "at least one warfare type must be enabled; types: {}",
                    crate::model::WarfareType::allowed()
                ),
            );
        }

        let mix = self.injury_mix.shares();
        let mut mix_ok = true;
        for (kind, share) in crate::model::InjuryType::ALL.iter().zip(mix) {
            mix_ok &= issues.range(format!("injury_mix.{kind}"), share, 0.0, 1.0);
        }
        if mix_ok {
            issues.sums_to_one("injury_mix", "the injury mix", &mix);
        }

        self.validate_fronts(&mut issues);

        for (kind, weights) in &self.triage_weights {
            let values = weights.weights();
            let mut ok = true;
            for (triage, w) in crate::model::Triage::ALL.iter().zip(values) {
                ok &= issues.range(format!("triage_weights.{kind}.{triage}"), w, 0.0, 1.0);
            }
            if ok {
                issues.sums_to_one(&format!("triage_weights.{kind}"), "triage weights", &values);
            }
        }

        let (lo, hi) = super::MEDICAL_CAPACITY_RANGE;
        issues.range("medical_capacity", self.medical_capacity, lo, hi);

        if issues.0.is_empty() {
            Ok(())
        } else {
            Err(ScenarioError::Invalid(issues.0))
        }
    }

    /// The operation must lie between [`EARLIEST_START`] and [`LATEST_END`].
    fn validate_timeline(&self, start: i64, issues: &mut Issues) {
        let allowed = format!("operations lie between {EARLIEST_START_TEXT} and {LATEST_END_TEXT}");
        if start < EARLIEST_START {
            issues.push(
                "start",
                format!(
                    "must be at or after {EARLIEST_START_TEXT} ({allowed}), got {:?}",
                    self.start
                ),
            );
            return;
        }
        // With a wrong number of days (reported on its own), a one-day operation.
        let days = if (1..=MAX_DAYS).contains(&self.days) {
            self.days
        } else {
            1
        };
        let end = start + i64::from(days) * 86_400;
        if end > LATEST_END {
            let shown = OffsetDateTime::from_unix_timestamp(end)
                .ok()
                .and_then(|t| t.format(&Rfc3339).ok())
                .unwrap_or_else(|| "after the year 9999".to_owned());
            issues.push(
                "start",
                format!(
                    "start + days must be at or before {LATEST_END_TEXT} ({allowed}), got \
                     {:?} + {days} day{} = {shown}",
                    self.start,
                    if days == 1 { "" } else { "s" }
                ),
            );
        }
    }

    fn validate_fronts(&self, issues: &mut Issues) {
        if self.fronts.is_empty() {
            issues.push("fronts", "at least one front is required");
            return;
        }
        if self.fronts.len() > MAX_FRONTS {
            issues.push(
                "fronts",
                format!("at most {MAX_FRONTS} fronts, got {}", self.fronts.len()),
            );
        }
        let mut any_rate = false;
        for (i, front) in self.fronts.iter().enumerate() {
            let at = format!("fronts[{i}]");
            if front.name.trim().is_empty() {
                issues.push(format!("{at}.name"), "must not be empty");
            } else if self.fronts[..i].iter().any(|f| f.name == front.name) {
                issues.push(
                    format!("{at}.name"),
                    format!("duplicate front name {:?}", front.name),
                );
            }
            if !(front.casualty_rate.is_finite() && front.casualty_rate >= 0.0) {
                issues.push(
                    format!("{at}.casualty_rate"),
                    format!(
                        "must be a number of at least 0, got {}",
                        front.casualty_rate
                    ),
                );
            } else if front.casualty_rate > 0.0 {
                any_rate = true;
            }
            if front.nationalities.is_empty() {
                issues.push(
                    format!("{at}.nationalities"),
                    "at least one nationality is required",
                );
            }
            let mut any_weight = false;
            for (code, &weight) in &front.nationalities {
                let path = format!("{at}.nationalities.{code}");
                if nation_index(code).is_none() {
                    let allowed: Vec<&str> = NATIONS.iter().map(|n| n.code).collect();
                    issues.push(
                        path.clone(),
                        format!(
                            "{code:?} is not the ISO 3166 alpha-3 code of a NATO member; allowed: {}",
                            allowed.join(", ")
                        ),
                    );
                }
                if !(weight.is_finite() && weight >= 0.0) {
                    issues.push(
                        path,
                        format!("weight must be a number of at least 0, got {weight}"),
                    );
                } else if weight > 0.0 {
                    any_weight = true;
                }
            }
            if !front.nationalities.is_empty() && !any_weight {
                issues.push(
                    format!("{at}.nationalities"),
                    "at least one weight must be above 0",
                );
            }
        }
        if !any_rate {
            issues.push(
                "fronts",
                "at least one front must have a casualty_rate above 0",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_bounds_agree_with_their_text() {
        assert_eq!(parse_start(EARLIEST_START_TEXT), Ok(EARLIEST_START));
        assert_eq!(parse_start(LATEST_END_TEXT), Ok(LATEST_END));
    }
}
