//! A validated scenario turned into ready-to-draw tables.
//!
//! Everything that does not depend on the individual patient is worked out once here —
//! cumulative weights, the injury pools of each warfare type split by mechanism, the joint table of primary injuries
//! (condition, grade, site) and, when the scenario asks for triage shares, that table
//! split by the triage each injury calls for — so that simulating a patient is only
//! table look-ups and a few dozen random draws.

use crate::clinical::{Injury, triage};
use crate::congestion::Congestion;
use crate::model::{Environment, Facility, InjuryType, Mechanism, Site, Triage};
use crate::reference::climate::{Theatre, climate_factor, month_of};
use crate::reference::clinical::disposition;
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

/// What a pool of primary injuries asks of the medical system, as shares of its
/// casualties (primary injuries only): the expected load, for capacity and congestion.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Demand {
    /// Triaged T1 (or expectant).
    pub immediate: f64,
    /// Needing care at Role 2 or beyond (a surgical facility).
    pub surgical: f64,
}

impl Demand {
    fn add(&mut self, other: Demand, weight: f64) {
        self.immediate += other.immediate * weight;
        self.surgical += other.surgical * weight;
    }
}

/// The battle injuries of one warfare type: its attacks' mechanisms, and the injuries of
/// each mechanism, so that everyone hurt in one attack is hurt the same way.
#[derive(Debug, Clone)]
pub(crate) struct BattlePool {
    /// Mechanisms (as [`Mechanism`] indices) with their weights.
    pub mechanisms: Table,
    /// The injuries of each mechanism, indexed by [`Mechanism::index`].
    pub by_mechanism: Vec<InjuryPool>,
    /// What these casualties ask of the medical system.
    pub demand: Demand,
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
    pub front_nations: Vec<CompiledFront>,
    /// Polytrauma rate per column.
    pub polytrauma: [f64; COLUMNS],
    /// Battle injuries per warfare type ([`crate::model::WarfareType::index`]).
    pub battle: Vec<BattlePool>,
    /// Non-battle injuries.
    pub non_battle: InjuryPool,
    /// Illnesses.
    pub disease: InjuryPool,
    /// Waits from the load the schedule puts on surgery and evacuation.
    pub congestion: Congestion,
    /// Sum of environmental evacuation delays, minutes.
    pub evacuation_delay_minutes: u32,
    /// Product of the visibility factors: the share of helicopter missions weather and
    /// light allow.
    pub air_visibility: f64,
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
        let pool_of = |conditions: Vec<(usize, f64)>, kind: InjuryType| {
            let mut entries = Vec::new();
            for &(condition, weight) in &conditions {
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
            let mut demand = Demand::default();
            let total: f64 = entries.iter().map(|e| e.1).sum();
            for (d, w) in entries.iter().filter(|e| e.1 > 0.0) {
                let injury = Injury::new(usize::from(d.condition), d.grade, d.site);
                let picture = injury.picture();
                let share = if total > 0.0 { w / total } else { 0.0 };
                if triage(&picture, d.grade) == Triage::T1 {
                    demand.immediate += share;
                }
                if disposition(injury.effect(), d.grade, d.site).level >= Facility::Role2 {
                    demand.surgical += share;
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
            let pool = InjuryPool {
                conditions: Table::new(conditions.into_iter().map(|(i, w)| (i as u8, w))),
                by_triage,
            };
            (pool, demand)
        };
        let class = |kind: InjuryType| -> Vec<(usize, f64)> {
            CONDITIONS
                .iter()
                .enumerate()
                .filter(|(_, c)| c.injury_type == kind)
                .map(|(i, c)| (i, condition_weight(i, c.weight)))
                .collect()
        };
        let battle: Vec<BattlePool> = (0..8)
            .map(|k| {
                let base: Vec<(usize, f64)> = BATTLE_MIX[k]
                    .iter()
                    .map(|&(code, w)| {
                        let i = condition_index(code).expect("battle mix codes exist");
                        (i, condition_weight(i, w))
                    })
                    .collect();
                let demand = pool_of(base.clone(), InjuryType::BattleInjury).1;
                let mut mechanism_weights = vec![0.0; Mechanism::ALL.len()];
                let by_mechanism = Mechanism::ALL
                    .iter()
                    .map(|&m| {
                        let part: Vec<(usize, f64)> = base
                            .iter()
                            .filter_map(|&(i, w)| {
                                let p: f64 = PROFILES[i]
                                    .mechanisms
                                    .iter()
                                    .filter(|e| e.0 == m)
                                    .map(|e| e.1)
                                    .sum();
                                (p > 0.0).then_some((i, w * p))
                            })
                            .collect();
                        mechanism_weights[m.index()] = part.iter().map(|e| e.1).sum();
                        pool_of(part, InjuryType::BattleInjury).0
                    })
                    .collect();
                BattlePool {
                    mechanisms: Table::new(
                        mechanism_weights
                            .iter()
                            .enumerate()
                            .map(|(i, &w)| (i as u8, w)),
                    ),
                    by_mechanism,
                    demand,
                }
            })
            .collect();
        let (non_battle, non_battle_demand) = pool_of(
            class(InjuryType::NonBattleInjury),
            InjuryType::NonBattleInjury,
        );
        let (disease, disease_demand) = pool_of(class(InjuryType::Disease), InjuryType::Disease);

        // What each schedule column asks of the medical system: a special event is an
        // attack of one of the active warfare types, by the schedule's attack weights.
        let mut demand = [Demand::default(); COLUMNS];
        for (k, pool) in battle.iter().enumerate() {
            demand[k] = pool.demand;
        }
        let attacks: Vec<(usize, f64)> = scenario
            .active_warfare()
            .iter()
            .map(|&(k, w)| (k.index(), w))
            .collect();
        let attack_total: f64 = attacks.iter().map(|a| a.1).sum();
        for d in &mut demand[8..11] {
            for &(k, w) in &attacks {
                d.add(battle[k].demand, w / attack_total.max(f64::MIN_POSITIVE));
            }
        }
        demand[11] = non_battle_demand;
        demand[12] = disease_demand;
        let congestion = Congestion::new(schedule, &demand, scenario.medical_capacity);

        let mut polytrauma = [0.0; COLUMNS];
        for (col, rate) in polytrauma.iter_mut().enumerate() {
            *rate = match col {
                0..=7 => WARFARE[col].polytrauma_rate,
                8..=10 => SPECIAL_EVENT_POLYTRAUMA_RATE,
                _ => 0.0,
            };
        }

        CompiledScenario {
            scenario: scenario.clone(),
            start_unix,
            front_nations,
            polytrauma,
            battle,
            non_battle,
            disease,
            congestion,
            evacuation_delay_minutes: environment
                .iter()
                .map(|e| ENVIRONMENT[e.index()].evacuation_delay_minutes)
                .sum(),
            air_visibility: environment
                .iter()
                .map(|e| ENVIRONMENT[e.index()].visibility)
                .product::<f64>()
                .clamp(0.0, 1.0),
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
}
