//! A scenario in the ancestor's configuration-template shape: the inverse of
//! [`from_ancestor`](super::request::from_ancestor).
//!
//! The ancestor's clients read a stored configuration as a template and send its fields
//! back to change it (the SDK's update example copies `front_configs`,
//! `injury_distribution`, `base_date`, … from `GET` into `PUT`). So every field is given
//! in the form `from_ancestor` reads, and reads back to the same value: shares as
//! percentages that divide back to the exact fraction stored, a midnight-UTC start as
//! the date alone.

use milmed_core::Scenario;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The template fields of a scenario.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateFields {
    /// The scenario's description.
    pub description: String,
    /// Patients.
    pub total_patients: u64,
    /// When the operation starts: a date (`2025-06-01`) when it starts at midnight UTC,
    /// else the RFC 3339 time.
    pub base_date: String,
    /// Length of the operation in days.
    pub days_of_fighting: u32,
    /// Percentages of `Battle Injury`, `Non-Battle Injury` and `Disease` (summing to 100).
    #[schema(value_type = Object)]
    pub injury_distribution: Value,
    /// The fronts.
    pub front_configs: Vec<TemplateFront>,
    /// Always empty: milmed's evacuation chain has its own tables (a list given is
    /// accepted and ignored).
    #[schema(value_type = Vec<Object>)]
    pub facility_configs: Vec<Value>,
    /// Warfare types, as the scenario has them.
    #[schema(value_type = Object)]
    pub warfare_types: Value,
    /// Combat intensity, as the scenario has it.
    #[schema(value_type = String)]
    pub intensity: Value,
    /// Tempo, as the scenario has it.
    #[schema(value_type = String)]
    pub tempo: Value,
    /// Special events, as the scenario has them.
    #[schema(value_type = Object)]
    pub special_events: Value,
    /// Environmental conditions, as the scenario has them.
    #[schema(value_type = Object)]
    pub environmental_conditions: Value,
}

/// A front, as the ancestor's template gives it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateFront {
    /// Its name.
    pub name: String,
    /// Its relative share of casualties.
    pub casualty_rate: f64,
    /// Who fights there, in percent.
    pub nationality_distribution: Vec<NationalityShare>,
}

/// One nationality's share of a front.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationalityShare {
    /// ISO 3166 alpha-3 code.
    pub nationality_code: String,
    /// Percent of the front's casualties.
    pub percentage: f64,
}

impl TemplateFields {
    /// `scenario`'s template fields.
    pub fn of(scenario: &Scenario) -> TemplateFields {
        let json = scenario.to_value();
        let mix = &scenario.injury_mix;
        TemplateFields {
            description: scenario.description.clone(),
            total_patients: scenario.patients,
            base_date: base_date(&scenario.start),
            days_of_fighting: scenario.days,
            injury_distribution: serde_json::json!({
                "Battle Injury": percentage(mix.battle_injury),
                "Non-Battle Injury": percentage(mix.non_battle_injury),
                "Disease": percentage(mix.disease),
            }),
            front_configs: scenario
                .fronts
                .iter()
                .map(|front| TemplateFront {
                    name: front.name.clone(),
                    casualty_rate: front.casualty_rate,
                    nationality_distribution: front
                        .nationalities
                        .iter()
                        .map(|(code, &share)| NationalityShare {
                            nationality_code: code.clone(),
                            percentage: percentage(share),
                        })
                        .collect(),
                })
                .collect(),
            facility_configs: Vec::new(),
            warfare_types: json["warfare_types"].clone(),
            intensity: json["intensity"].clone(),
            tempo: json["tempo"].clone(),
            special_events: json["special_events"].clone(),
            environmental_conditions: json["environmental_conditions"].clone(),
        }
    }
}

/// `start` as the template's `base_date`: the date alone for midnight UTC (which
/// `from_ancestor` reads back as midnight UTC), else unchanged.
fn base_date(start: &str) -> String {
    match start.strip_suffix("T00:00:00Z") {
        Some(date) if date.len() == 10 => date.to_owned(),
        _ => start.to_owned(),
    }
}

/// `share` (a fraction) in percent, as the shortest decimal that `from_ancestor` divides
/// back by 100 to exactly `share` (60 for 0.6, not 59.99999999999999), so that a template
/// sent back unchanged stores the same scenario. A fraction no percentage divides back
/// to exactly (rare: one of 1/3's neighbours) is given as its nearest percentage.
pub fn percentage(share: f64) -> f64 {
    let scaled = share * 100.0;
    if !scaled.is_finite() {
        return scaled;
    }
    let decimal = (0..=15).map(|places| {
        let factor = 10f64.powi(places);
        (scaled * factor).round() / factor
    });
    // The doubles next to `scaled`: division rounds, so one of them may be the exact one.
    let neighbours = (1..=4).flat_map(|ulps| {
        let bits = scaled.to_bits();
        [
            f64::from_bits(bits + ulps),
            f64::from_bits(bits.saturating_sub(ulps)),
        ]
    });
    decimal
        .chain(neighbours)
        .find(|p| p / 100.0 == share)
        .unwrap_or(scaled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_divide_back_to_the_fraction() {
        assert_eq!(percentage(0.6), 60.0);
        assert_eq!(percentage(0.07), 7.0);
        assert_eq!(percentage(0.125), 12.5);
        assert_eq!(percentage(0.0), 0.0);
        for share in [0.1, 0.2, 0.3, 0.35, 0.45, 0.55, 0.9, 0.333, 1.0 / 7.0] {
            assert_eq!(percentage(share) / 100.0, share, "{share}");
        }
        // No double divides by 100 to exactly this one: the nearest percentage, one
        // unit in the last place off.
        let share = 0.6 / 0.9;
        assert_eq!(percentage(share), share * 100.0);
        assert!((percentage(share) / 100.0 - share).abs() <= f64::EPSILON);
    }

    #[test]
    fn a_midnight_utc_start_is_a_date() {
        assert_eq!(base_date("2025-06-01T00:00:00Z"), "2025-06-01");
        assert_eq!(base_date("2025-06-01T06:00:00Z"), "2025-06-01T06:00:00Z");
        assert_eq!(
            base_date("2025-06-01T00:00:00+02:00"),
            "2025-06-01T00:00:00+02:00"
        );
    }
}
