//! A validated scenario turned into ready-to-draw tables.
//!
//! Everything that does not depend on the individual patient is worked out once here —
//! cumulative weights, the injury-mix correction, transition rows with the scenario's
//! overrides — so that simulating a patient is only table look-ups and a few dozen
//! random draws.

use crate::model::{Environment, Facility, InjuryType, Triage};
use crate::reference::conditions::{BATTLE_MIX, CONDITIONS, Climate};
use crate::reference::flow::{Next, TRANSITIONS};
use crate::reference::personnel::{BLOOD_GROUPS, RANKS};
use crate::reference::warfare::{
    CLIMATE_CONDITION_FACTOR, DEGRADED_MOBILITY, ENVIRONMENT, SPECIAL_EVENT_POLYTRAUMA_RATE,
    SPECIAL_EVENT_TRIAGE, WARFARE,
};
use crate::reference::{BODY_SITES, condition_index, nation_index};
use crate::rng::{cumulative, cumulative3};
use crate::scenario::Scenario;
use crate::scenario::validate::parse_start;
use crate::schedule::{COLUMNS, CasualtySchedule};

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
    /// Triage weights per column and injury type.
    pub triage: [[[f64; 3]; 3]; COLUMNS],
    /// Polytrauma rate per column.
    pub polytrauma: [f64; COLUMNS],
    /// Battle-injury conditions per column.
    pub battle_conditions: Vec<Table>,
    /// Non-battle-injury and disease conditions (same for every column).
    pub non_battle_conditions: Table,
    /// Disease conditions.
    pub disease_conditions: Table,
    /// Transition rows with the scenario's facility overrides.
    pub rows: [[[f64; 7]; 3]; 5],
    /// Whether the POI death probability gets the degraded-environment factor.
    pub degraded: bool,
    /// Sum of environmental evacuation delays, minutes.
    pub evacuation_delay_minutes: u32,
    /// Product of mobility factors (at least [`MIN_MOBILITY`]).
    pub mobility: f64,
    pub ranks: Vec<f64>,
    pub blood_groups: Vec<f64>,
    pub body_sites: Vec<f64>,
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

        // Conditions, with environmental emphasis on climate and infection.
        let condition_weight = |i: usize, base: f64| {
            let c = &CONDITIONS[i];
            let climate = match c.climate {
                Climate::Heat if env(Environment::ExtremeHeat) => CLIMATE_CONDITION_FACTOR,
                Climate::Cold if env(Environment::ExtremeCold) => CLIMATE_CONDITION_FACTOR,
                _ => 1.0,
            };
            let infection = if c.infectious { disease_factor } else { 1.0 };
            base * climate * infection
        };
        let pool = |kind: InjuryType| {
            Table::new(
                CONDITIONS
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.injury_type == kind)
                    .map(|(i, c)| (i as u8, condition_weight(i, c.weight))),
            )
        };
        let battle_conditions = (0..COLUMNS)
            .map(|col| {
                let mix = BATTLE_MIX[col.min(8)];
                Table::new(mix.iter().map(|&(code, w)| {
                    let i = condition_index(code).expect("battle mix codes exist");
                    (i as u8, condition_weight(i, w))
                }))
            })
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
        let mut triage = [[[0.0; 3]; 3]; COLUMNS];
        let mut polytrauma = [0.0; COLUMNS];
        for col in 0..COLUMNS {
            injury[col] = cumulative3(column_mix(col, &correction));
            for kind in InjuryType::ALL {
                let weights = match scenario.triage_weights.get(kind) {
                    Some(w) => w.weights(),
                    None if col < 8 => WARFARE[col].triage[kind.index()],
                    None => SPECIAL_EVENT_TRIAGE[kind.index()],
                };
                triage[col][kind.index()] = cumulative3(weights);
            }
            polytrauma[col] = if col < 8 {
                WARFARE[col].polytrauma_rate
            } else {
                SPECIAL_EVENT_POLYTRAUMA_RATE
            };
        }

        // Transition rows with facility overrides: death and RTD replaced, the onward
        // columns rescaled to fill the rest in the base row's proportions.
        let mut rows = TRANSITIONS;
        for (facility, rates) in &scenario.facility_outcomes {
            for row in rows[facility.index()].iter_mut() {
                let onward: f64 = row
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != Next::Death as usize && j != Next::Rtd as usize)
                    .map(|(_, p)| p)
                    .sum();
                let rest = (1.0 - rates.kia - rates.rtd).max(0.0);
                for (j, p) in row.iter_mut().enumerate() {
                    if j == Next::Death as usize {
                        *p = rates.kia;
                    } else if j == Next::Rtd as usize {
                        *p = rates.rtd;
                    } else if onward > 0.0 {
                        *p *= rest / onward;
                    }
                }
            }
        }

        CompiledScenario {
            scenario: scenario.clone(),
            start_unix,
            fronts,
            front_nations,
            injury,
            triage,
            polytrauma,
            battle_conditions,
            non_battle_conditions: pool(InjuryType::NonBattleInjury),
            disease_conditions: pool(InjuryType::Disease),
            rows,
            degraded: mobility < DEGRADED_MOBILITY,
            evacuation_delay_minutes: environment
                .iter()
                .map(|e| ENVIRONMENT[e.index()].evacuation_delay_minutes)
                .sum(),
            mobility: mobility.max(MIN_MOBILITY),
            ranks: cumulative(RANKS.iter().map(|r| r.share)),
            blood_groups: cumulative(BLOOD_GROUPS.iter().map(|b| b.1)),
            body_sites: cumulative(BODY_SITES.iter().map(|b| b.weight)),
        }
    }

    /// The condition table to draw a primary condition from.
    pub fn conditions(&self, column: usize, kind: InjuryType) -> &Table {
        match kind {
            InjuryType::BattleInjury => &self.battle_conditions[column],
            InjuryType::NonBattleInjury => &self.non_battle_conditions,
            InjuryType::Disease => &self.disease_conditions,
        }
    }

    /// Base transition row for a facility and triage (with overrides).
    pub fn row(&self, facility: Facility, triage: Triage) -> [f64; 7] {
        self.rows[facility.index()][triage.index()]
    }
}
