//! How the theatre's climate and the season scale the weight of climate-bound conditions.
//!
//! A scenario does not name a place, only environmental conditions; the [`Theatre`] is
//! derived from them, and the season from the month the scenario starts in, in the
//! northern hemisphere (where NATO operates). Every factor and its source is listed in
//! `docs/reference-data.md` ("Climate and season").

use super::conditions::Climate;
use crate::model::Environment;

/// The climate of the theatre of operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Theatre {
    /// Extreme cold: arctic, sub-arctic or high mountains in winter.
    Cold,
    /// Extreme heat without rain: desert, hot and dry.
    HotDry,
    /// Extreme heat with rain: tropical, hot and wet (where mosquito vectors live).
    HotWet,
    /// Neither: a temperate theatre, whose weather follows the season.
    Temperate,
}

impl Theatre {
    /// The theatre of a scenario whose environmental condition `e` is active when `on(e)`:
    /// extreme cold makes it cold (it wins over extreme heat, which a scenario should not
    /// set together with it), extreme heat hot (hot and wet with rain), anything else
    /// temperate.
    pub(crate) fn of(on: impl Fn(Environment) -> bool) -> Theatre {
        if on(Environment::ExtremeCold) {
            Theatre::Cold
        } else if on(Environment::ExtremeHeat) && on(Environment::Rain) {
            Theatre::HotWet
        } else if on(Environment::ExtremeHeat) {
            Theatre::HotDry
        } else {
            Theatre::Temperate
        }
    }
}

/// Weight factor of heat illness and of cold injury in a theatre whose climate the
/// scenario marks as extreme (hot for heat, cold for cold): the condition is four times
/// as frequent as in the default mix, all year round.
pub(crate) const EXTREME_CLIMATE_FACTOR: f64 = 4.0;

/// Weight factor of tropical vector-borne disease in a hot and wet theatre, all year round.
pub(crate) const TROPICAL_FACTOR: f64 = 4.0;

/// Weight factor of heat illness in a temperate theatre, by month (January first):
/// most heat illness falls in May-September, the peak in July; in winter it is rare
/// (exertion in protective clothing).
pub(crate) const TEMPERATE_HEAT_BY_MONTH: [f64; 12] = [
    0.05, 0.05, 0.15, 0.4, 1.0, 1.6, 2.0, 1.8, 1.0, 0.4, 0.15, 0.05,
];

/// Weight factor of cold injury in a temperate theatre, by month (January first): the
/// cold season runs November-March, the peak in January; in summer only wet-cold
/// (immersion) injuries remain.
pub(crate) const TEMPERATE_COLD_BY_MONTH: [f64; 12] = [
    1.8, 1.6, 0.8, 0.3, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.5,
];

/// How much more (or less) likely a condition tied to `climate` is in `theatre` in
/// `month` (1-12, northern hemisphere) than in the default mix; 1 for conditions not
/// tied to climate.
///
/// - Cold injury: none in a hot theatre, four times as frequent in a cold theatre, and
///   by the season in a temperate one ([`TEMPERATE_COLD_BY_MONTH`]).
/// - Heat illness: none in a cold theatre, four times as frequent in a hot theatre, and
///   by the season in a temperate one ([`TEMPERATE_HEAT_BY_MONTH`]).
/// - Tropical vector-borne disease: only in a hot and wet theatre.
pub(crate) fn climate_factor(climate: Climate, theatre: Theatre, month: u8) -> f64 {
    let m = usize::from(month.clamp(1, 12) - 1);
    match (climate, theatre) {
        (Climate::Any, _) => 1.0,
        (Climate::Cold, Theatre::HotDry | Theatre::HotWet) => 0.0,
        (Climate::Cold, Theatre::Cold) => EXTREME_CLIMATE_FACTOR,
        (Climate::Cold, Theatre::Temperate) => TEMPERATE_COLD_BY_MONTH[m],
        (Climate::Heat, Theatre::Cold) => 0.0,
        (Climate::Heat, Theatre::HotDry | Theatre::HotWet) => EXTREME_CLIMATE_FACTOR,
        (Climate::Heat, Theatre::Temperate) => TEMPERATE_HEAT_BY_MONTH[m],
        (Climate::Tropical, Theatre::HotWet) => TROPICAL_FACTOR,
        (Climate::Tropical, _) => 0.0,
    }
}

/// The month (1-12, UTC) of a Unix time.
pub(crate) fn month_of(unix: i64) -> u8 {
    crate::format::time::civil_from_days(unix.div_euclid(86_400)).1 as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Theatre; 4] = [
        Theatre::Cold,
        Theatre::HotDry,
        Theatre::HotWet,
        Theatre::Temperate,
    ];

    fn theatre(active: &[Environment]) -> Theatre {
        Theatre::of(|e| active.contains(&e))
    }

    #[test]
    fn theatre_follows_the_environment() {
        use Environment::{ExtremeCold, ExtremeHeat, MountainousTerrain, Rain};
        assert_eq!(theatre(&[ExtremeHeat, Rain]), Theatre::HotWet);
        assert_eq!(theatre(&[ExtremeHeat]), Theatre::HotDry);
        assert_eq!(theatre(&[ExtremeCold, MountainousTerrain]), Theatre::Cold);
        assert_eq!(theatre(&[Rain]), Theatre::Temperate);
        assert_eq!(theatre(&[]), Theatre::Temperate);
    }

    #[test]
    fn no_cold_injury_in_a_hot_theatre_and_no_heat_illness_in_a_cold_one() {
        for month in 1..=12 {
            for hot in [Theatre::HotDry, Theatre::HotWet] {
                assert_eq!(climate_factor(Climate::Cold, hot, month), 0.0);
                assert!(climate_factor(Climate::Heat, hot, month) > 1.0);
            }
            assert_eq!(climate_factor(Climate::Heat, Theatre::Cold, month), 0.0);
            assert!(climate_factor(Climate::Cold, Theatre::Cold, month) > 1.0);
        }
    }

    #[test]
    fn tropical_disease_only_in_a_hot_wet_theatre() {
        for month in 1..=12 {
            for theatre in ALL {
                let f = climate_factor(Climate::Tropical, theatre, month);
                assert_eq!(f > 0.0, theatre == Theatre::HotWet, "{theatre:?} {month}");
            }
        }
    }

    #[test]
    fn temperate_seasons() {
        let t = Theatre::Temperate;
        let heat = |m| climate_factor(Climate::Heat, t, m);
        let cold = |m| climate_factor(Climate::Cold, t, m);
        assert!(
            heat(7) > 10.0 * heat(1),
            "July heat {} January {}",
            heat(7),
            heat(1)
        );
        assert!(heat(1) > 0.0, "heat illness is rare, not absent, in winter");
        assert!(
            cold(1) > 1.0,
            "cold injury is present in a temperate winter"
        );
        assert!(cold(1) > 10.0 * cold(7));
        for m in 1..=12 {
            assert_eq!(climate_factor(Climate::Any, t, m), 1.0);
        }
        // The cold theatre's cold injury is stronger than any temperate month's.
        let strongest = (1..=12).map(cold).fold(0.0, f64::max);
        assert!(climate_factor(Climate::Cold, Theatre::Cold, 7) > strongest);
    }

    /// Every condition code a scenario can draw as a primary condition, with its share of
    /// the weight of its pool, summed over the schedule's columns and injury types.
    fn drawable(scenario: &crate::Scenario) -> Vec<(&'static str, f64)> {
        use crate::compiled::CompiledScenario;
        use crate::reference::CONDITIONS;
        use crate::schedule::CasualtySchedule;
        let schedule = CasualtySchedule::build(scenario, 1);
        let compiled = CompiledScenario::new(scenario, &schedule);
        let mut shares = vec![0.0; CONDITIONS.len()];
        let pools = compiled
            .battle
            .iter()
            .flat_map(|b| b.by_mechanism.iter())
            .chain([&compiled.non_battle, &compiled.disease]);
        for pool in pools {
            let table = &pool.conditions;
            let total = table.cumulative.last().copied().unwrap_or(0.0);
            let mut before = 0.0;
            for (&c, &cum) in table.values.iter().zip(&table.cumulative) {
                shares[usize::from(c)] += (cum - before) / total;
                before = cum;
            }
        }
        CONDITIONS
            .iter()
            .zip(shares)
            .filter(|(_, s)| *s > 0.0)
            .map(|(c, s)| (c.code, s))
            .collect()
    }

    fn share(drawable: &[(&str, f64)], code: &str) -> f64 {
        drawable
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(0.0, |(_, s)| *s)
    }

    const FROSTBITE: &str = "370977006";
    const HYPOTHERMIA: &str = "386689009";
    const DEHYDRATION: &str = "34095006";
    const DENGUE: &str = "38362002";
    const MALARIA: &str = "61462000";

    #[test]
    fn a_hot_theatre_never_draws_cold_injury() {
        let scenario = crate::Scenario::preset("peacekeeping").unwrap();
        let pool = drawable(&scenario);
        for code in [FROSTBITE, HYPOTHERMIA] {
            assert_eq!(share(&pool, code), 0.0, "{code} in a hot theatre");
        }
        assert!(share(&pool, DENGUE) > 0.0 && share(&pool, MALARIA) > 0.0);
        // And no generated patient has one, primary or secondary.
        let generator = crate::Generator::new(&scenario, 5).unwrap();
        for patient in generator.patients() {
            for injury in patient.injuries() {
                assert_ne!(injury.condition.climate, Climate::Cold, "{patient:?}");
            }
        }
    }

    #[test]
    fn the_arctic_never_draws_tropical_disease_or_heat_illness() {
        let mut scenario = crate::Scenario::preset("arctic_operation").unwrap();
        for start in ["2025-01-15T00:00:00Z", "2025-07-15T00:00:00Z"] {
            scenario.start = start.to_owned();
            let pool = drawable(&scenario);
            for code in [DENGUE, MALARIA, DEHYDRATION] {
                assert_eq!(share(&pool, code), 0.0, "{code} in the arctic from {start}");
            }
            assert!(share(&pool, FROSTBITE) > 0.0);
        }
    }

    #[test]
    fn a_temperate_july_has_more_heat_illness_than_a_temperate_january() {
        let mut scenario = crate::Scenario::default();
        assert_eq!(
            Theatre::of(|e| scenario.active_environment().contains(&e)),
            Theatre::Temperate
        );
        scenario.start = "2025-07-01T00:00:00Z".to_owned();
        let july = drawable(&scenario);
        scenario.start = "2025-01-01T00:00:00Z".to_owned();
        let january = drawable(&scenario);
        assert!(
            share(&july, DEHYDRATION) > 5.0 * share(&january, DEHYDRATION),
            "July {} January {}",
            share(&july, DEHYDRATION),
            share(&january, DEHYDRATION)
        );
        assert!(share(&january, FROSTBITE) > 5.0 * share(&july, FROSTBITE));
        assert_eq!(share(&july, DENGUE), 0.0);
    }

    #[test]
    fn months_of_unix_times() {
        assert_eq!(month_of(0), 1);
        // 2025-06-01T00:00:00Z and one second before.
        assert_eq!(month_of(1_748_736_000), 6);
        assert_eq!(month_of(1_748_735_999), 5);
        // 2024-12-31T23:59:59Z.
        assert_eq!(month_of(1_735_689_599), 12);
        assert_eq!(month_of(-1), 12);
    }
}
