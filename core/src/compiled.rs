//! A validated scenario turned into ready-to-draw tables.
//!
//! Everything that does not depend on the individual patient is worked out once here —
//! cumulative weights, the injury-mix correction, the joint table of primary injuries
//! (condition, grade, site) and, when the scenario asks for triage shares, that table
//! split by the triage each injury calls for — so that simulating a patient is only
//! table look-ups and a few dozen random draws.

use crate::clinical::{Injury, triage};
use crate::model::{Environment, InjuryType, Site};
use crate::reference::climate::{Theatre, climate_factor, month_of};
use crate::reference::conditions::{BATTLE_MIX, CONDITIONS, SiteRule};
use crate::reference::personnel::{BLOOD_GROUPS, RANKS};
use crate::reference::warfare::{ENVIRONMENT, SPECIAL_EVENT_POLYTRAUMA_RATE, WARFARE};
use crate::reference::{BODY_SITES, PROFILES, condition_index, nation_index};
use crate::rng::{cumulative, cumulative3};
use crate::scenario::Scenario;
use crate::scenario::validate::parse_start;
use crate::schedule::{COLUMNS, CasualtySchedule};

/// SNOMED CT code of haemorrhagic shock.
const HAEMORRHAGIC_SHOCK: &str = "355001";

/// Slowest transport allowed: the product of mobility factors never goes below this, so
/// stacking every bad condition makes transit four times slower, not forty.
const MIN_MOBILITY: f64 = 0.25;

/// Draw table: values and their cumulative weights.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub values: Vec<u8>,
    pub cumulative: Vec<f64>,
}

impl Table {
    fn new(entries: impl IntoIterator<Item = (u8, f64)>) -> Table {
        let (values, weights): (Vec<u8>, Vec<f64>) =
            entries.into_iter().filter(|e| e.1 > 0.0).unzip();
        Table {
            values,
            cumulative: cumulative(weights),
        }
    }
}

/// A primary injury to draw: condition index, grade and site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InjuryDraw {
    pub condition: u8,
    pub grade: u8,
    pub site: Site,
}

/// A draw table of primary injuries.
#[derive(Debug, Clone, Default)]
pub(crate) struct InjuryTable {
    pub values: Vec<InjuryDraw>,
    pub cumulative: Vec<f64>,
}

/// The primary injuries of one column and injury type.
#[derive(Debug, Clone)]
pub(crate) struct InjuryPool {
    /// The conditions with their weights (grade and site are drawn after, from the
    /// condition's profile and site rule).
    pub conditions: Table,
    /// When the scenario sets triage shares for this injury type: the cumulative shares
    /// and the pool split by the triage each injury calls for (an empty table where no
    /// injury of the pool calls for that category).
    pub by_triage: Option<([f64; 3], [InjuryTable; 3])>,
}

/// The sites a condition can sit at, with their probabilities.
pub(crate) fn site_weights(rule: SiteRule) -> impl Iterator<Item = (Site, f64)> {
    const LIMBS: [Site; 4] = [Site::LeftArm, Site::RightArm, Site::LeftLeg, Site::RightLeg];
    let (list, weights): (&[Site], [f64; 7]) = match rule {
        SiteRule::At(site) => (std::slice::from_ref(&Site::ALL[site.index()]), [1.0; 7]),
        SiteRule::AnyLimb => (&LIMBS, [0.25; 7]),
        SiteRule::AnyLeg => (&LIMBS[2..], [0.5; 7]),
        SiteRule::Anywhere => (
            &Site::ALL[..7],
            std::array::from_fn(|i| BODY_SITES[i].weight),
        ),
        SiteRule::Systemic => (&Site::ALL[7..], [1.0; 7]),
    };
    list.iter().copied().zip(weights)
}

/// One front, ready to draw nationalities from.
#[derive(Debug)]
pub(crate) struct CompiledFront {
    pub nations: Table,
}

/// The scenario as tables.
#[derive(Debug)]
pub(crate) struct CompiledScenario {
    pub scenario: Scenario,
    pub start_unix: i64,
    pub fronts: Table,
    pub front_nations: Vec<CompiledFront>,
    /// Injury-type weights per schedule column.
    pub injury: [[f64; 3]; COLUMNS],
    /// Polytrauma rate per column.
    pub polytrauma: [f64; COLUMNS],
    /// Primary injuries per column and injury type.
    pub injuries: Vec<[InjuryPool; 3]>,
    /// Sum of environmental evacuation delays, minutes.
    pub evacuation_delay_minutes: u32,
    /// Product of mobility factors (at least [`MIN_MOBILITY`]).
    pub mobility: f64,
    pub ranks: Vec<f64>,
    pub blood_groups: Vec<f64>,
    /// Every condition's grade probabilities, cumulative.
    pub grades: Vec<[f64; 6]>,
    /// Every condition's secondary conditions, as indices.
    pub secondaries: Vec<Vec<u8>>,
    /// Index of haemorrhagic shock, coded beside bleeding injuries in class III-IV shock.
    pub haemorrhagic_shock: u8,
}

impl CompiledScenario {
    /// Compiles a scenario that has passed validation.
    pub fn new(scenario: &Scenario, schedule: &CasualtySchedule) -> CompiledScenario {
        let start_unix = parse_start(&scenario.start).expect("validated start");
        let environment = scenario.active_environment();
        let env = |e: Environment| environment.contains(&e);
        let mobility: f64 = environment
            .iter()
            .map(|e| ENVIRONMENT[e.index()].mobility)
            .product();
        let disease_factor: f64 = environment
            .iter()
            .map(|e| ENVIRONMENT[e.index()].disease_multiplier)
            .product();

        let fronts = Table::new(
            scenario
                .fronts
                .iter()
                .enumerate()
                .map(|(i, f)| (i as u8, f.casualty_rate)),
        );
        let front_nations =
            scenario
                .fronts
                .iter()
                .map(|f| CompiledFront {
                    nations: Table::new(f.nationalities.iter().map(|(code, &w)| {
                        (nation_index(code).expect("validated nation") as u8, w)
                    })),
                })
                .collect();

        // Conditions, weighted by the theatre's climate and the season of the start month
        // (northern hemisphere), and infection by the environment.
        let condition_weight = |i: usize, base: f64| {
            let c = &CONDITIONS[i];
            let climate = climate_factor(c.climate, Theatre::of(env), month_of(start_unix));
            let infection = if c.infectious { disease_factor } else { 1.0 };
            base * climate * infection
        };
        let condition_pool = |col: usize, kind: InjuryType| -> Vec<(usize, f64)> {
            match kind {
                InjuryType::BattleInjury => BATTLE_MIX[col.min(8)]
                    .iter()
                    .map(|&(code, w)| {
                        let i = condition_index(code).expect("battle mix codes exist");
                        (i, condition_weight(i, w))
                    })
                    .collect(),
                _ => CONDITIONS
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.injury_type == kind)
                    .map(|(i, c)| (i, condition_weight(i, c.weight)))
                    .collect(),
            }
        };
        let injury_pool = |col: usize, kind: InjuryType| {
            let mut entries = Vec::new();
            for (condition, weight) in condition_pool(col, kind) {
                for (g, &p) in PROFILES[condition].grades.iter().enumerate() {
                    for (site, w) in site_weights(CONDITIONS[condition].site) {
                        let draw = InjuryDraw {
                            condition: condition as u8,
                            grade: g as u8 + 1,
                            site,
                        };
                        entries.push((draw, weight * p * w));
                    }
                }
            }
            let table = |keep: &dyn Fn(&InjuryDraw) -> bool| {
                let (values, weights): (Vec<_>, Vec<_>) = entries
                    .iter()
                    .filter(|(d, w)| *w > 0.0 && keep(d))
                    .copied()
                    .unzip();
                InjuryTable {
                    values,
                    cumulative: cumulative(weights),
                }
            };
            let by_triage = scenario.triage_weights.get(&kind).map(|w| {
                let split = |t: usize| {
                    table(&|d: &InjuryDraw| {
                        let injury = Injury::new(usize::from(d.condition), d.grade, d.site);
                        triage(&injury.picture(), d.grade).index() == t
                    })
                };
                (cumulative3(w.weights()), [split(0), split(1), split(2)])
            });
            InjuryPool {
                conditions: Table::new(
                    condition_pool(col, kind)
                        .into_iter()
                        .map(|(i, w)| (i as u8, w)),
                ),
                by_triage,
            }
        };
        let injuries = (0..COLUMNS)
            .map(|col| std::array::from_fn(|k| injury_pool(col, InjuryType::ALL[k])))
            .collect();

        // Injury mix, modulated by warfare type but honoured overall.
        let mix = scenario.injury_mix.shares();
        let totals = schedule.column_totals();
        let n = schedule.len().max(1) as f64;
        let modifier = |col: usize| {
            if col < 8 {
                WARFARE[col].injury_modifier
            } else {
                [1.0; 3]
            }
        };
        let mut correction = [1.0f64; 3];
        let column_mix = |col: usize, correction: &[f64; 3]| {
            let m = modifier(col);
            let c = if col < 8 { *correction } else { [1.0; 3] };
            let raw = [
                mix[0] * m[0] * c[0],
                mix[1] * m[1] * c[1],
                mix[2] * m[2] * c[2],
            ];
            let sum: f64 = raw.iter().sum();
            if sum > 0.0 { raw.map(|x| x / sum) } else { mix }
        };
        for _ in 0..200 {
            let mut realised = [0.0f64; 3];
            for (col, &total) in totals.iter().enumerate() {
                let share = total as f64 / n;
                let p = column_mix(col, &correction);
                for t in 0..3 {
                    realised[t] += share * p[t];
                }
            }
            for t in 0..3 {
                if realised[t] > 0.0 && mix[t] > 0.0 {
                    correction[t] *= mix[t] / realised[t];
                }
            }
        }
        let mut injury = [[0.0; 3]; COLUMNS];
        let mut polytrauma = [0.0; COLUMNS];
        for col in 0..COLUMNS {
            injury[col] = cumulative3(column_mix(col, &correction));
            polytrauma[col] = if col < 8 {
                WARFARE[col].polytrauma_rate
            } else {
                SPECIAL_EVENT_POLYTRAUMA_RATE
            };
        }

        CompiledScenario {
            scenario: scenario.clone(),
            start_unix,
            fronts,
            front_nations,
            injury,
            polytrauma,
            injuries,
            evacuation_delay_minutes: environment
                .iter()
                .map(|e| ENVIRONMENT[e.index()].evacuation_delay_minutes)
                .sum(),
            mobility: mobility.max(MIN_MOBILITY),
            ranks: cumulative(RANKS.iter().map(|r| r.share)),
            blood_groups: cumulative(BLOOD_GROUPS.iter().map(|b| b.1)),
            grades: PROFILES
                .iter()
                .map(|p| {
                    let mut c = p.grades;
                    for i in 1..6 {
                        c[i] += c[i - 1];
                    }
                    c
                })
                .collect(),
            secondaries: CONDITIONS
                .iter()
                .map(|c| {
                    c.secondary
                        .iter()
                        .map(|code| condition_index(code).expect("secondary exists") as u8)
                        .collect()
                })
                .collect(),
            haemorrhagic_shock: condition_index(HAEMORRHAGIC_SHOCK)
                .expect("haemorrhagic shock is a condition") as u8,
        }
    }

    /// The primary injuries of a column and injury type.
    pub fn injuries(&self, column: usize, kind: InjuryType) -> &InjuryPool {
        &self.injuries[column][kind.index()]
    }
}
