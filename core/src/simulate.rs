//! Simulating one patient: demographics, injuries and the journey through the chain.
//!
//! Every patient draws from its own ChaCha8 stream (the seed's patient key, with the
//! patient index as stream id), in a fixed order, so patient `i` is the same whatever
//! else is generated around it.

use crate::compiled::CompiledScenario;
use crate::model::{BodyRegion, EventKind, Facility, Gender, InjuryType, Outcome, Triage};
use crate::patient::{MAX_CONDITIONS, Patient, Timeline};
use crate::reference::conditions::{CONDITIONS, Routing, SiteRule};
use crate::reference::flow::{
    BEYOND_GOLDEN_HOUR_DEATH_FACTOR, DEGRADED_KIA_FACTOR, EVACUATION_WAIT_MINUTES,
    GOLDEN_HOUR_DEATH_FACTOR, GOLDEN_HOUR_MINUTES, MASS_CASUALTY_BYPASS_CAP,
    MASS_CASUALTY_BYPASS_FACTOR, MASS_CASUALTY_DEATH_FACTOR, MASS_CASUALTY_RTD_FACTOR, Next,
    STAY_HOURS, TRANSIT_HOURS,
};
use crate::reference::personnel::{BODY_WEIGHT, FEMALE_SHARE, RANKS};
use crate::reference::warfare::POLYTRAUMA_TRIAGE_FACTOR;
use crate::reference::{BLOOD_GROUPS, NATIONS};
use crate::rng::{Stream, pick};
use crate::schedule::Slot;

/// Oldest age, in completed years at the injury date.
pub const MAX_AGE: u32 = 50;

/// Days that are surely `years` full calendar years or more (leap days included).
const fn days_at_least(years: u32) -> u32 {
    years * 365 + years / 4 + 2
}

/// Days that are surely less than `years` full calendar years.
const fn days_below(years: u32) -> u32 {
    years * 365 + years / 4 - 1
}

/// The facility a [`Next`] column leads to.
fn next_facility(next: Next) -> Option<Facility> {
    match next {
        Next::Role1 => Some(Facility::Role1),
        Next::Role2 => Some(Facility::Role2),
        Next::Role3 => Some(Facility::Role3),
        Next::Role4 => Some(Facility::Role4),
        _ => None,
    }
}

/// What changes a transition row for one patient at one facility.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowContext {
    pub mass_casualty: bool,
    pub routing: Routing,
    /// For a T1 patient at POI: whether care ended within the golden hour.
    pub golden_hour: Option<bool>,
    pub degraded: bool,
}

/// The transition row for a patient at `facility`, with the ancestor's modifiers, not
/// normalised (draws use the row's total).
pub(crate) fn transition_row(
    base: [f64; 7],
    facility: Facility,
    triage: Triage,
    ctx: RowContext,
) -> [f64; 7] {
    const R1: usize = Next::Role1 as usize;
    const R2: usize = Next::Role2 as usize;
    const R3: usize = Next::Role3 as usize;
    const RTD: usize = Next::Rtd as usize;
    const DEATH: usize = Next::Death as usize;
    let mut r = base;
    if ctx.mass_casualty {
        r[DEATH] *= MASS_CASUALTY_DEATH_FACTOR;
        r[RTD] *= MASS_CASUALTY_RTD_FACTOR;
        if facility == Facility::Role1 && triage == Triage::T1 {
            r[R2] = (r[R2] * MASS_CASUALTY_BYPASS_FACTOR).min(MASS_CASUALTY_BYPASS_CAP);
        }
    }
    if facility == Facility::Poi {
        if let Some(golden) = ctx.golden_hour {
            r[DEATH] *= if golden {
                GOLDEN_HOUR_DEATH_FACTOR
            } else {
                BEYOND_GOLDEN_HOUR_DEATH_FACTOR
            };
        }
        if ctx.degraded {
            r[DEATH] *= DEGRADED_KIA_FACTOR;
        }
    }
    match (ctx.routing, facility) {
        (Routing::Amputation, Facility::Role1) => {
            r[R2] = (r[R2] * 1.5).min(0.85);
            r[RTD] *= 0.3;
        }
        (Routing::Burn, Facility::Role1) => {
            r[R3] = (r[R3] * 2.0).min(0.60);
            r[RTD] *= 0.2;
        }
        (Routing::BrainInjury, Facility::Role1) => {
            r[R2] = (r[R2] * 1.5).min(0.80);
            r[RTD] *= 0.2;
        }
        (Routing::Psychological, Facility::Poi) => r[R1] = (r[R1] * 1.5).min(0.9),
        (Routing::Psychological, Facility::Role1) => r[RTD] = (r[RTD] * 1.5).min(0.75),
        (Routing::VehicleCrash, Facility::Poi) => {
            let moved = r[R1] * 0.15;
            r[R1] -= moved;
            r[R2] += moved * 0.7;
            r[R3] += moved * 0.3;
        }
        _ => {}
    }
    r
}

/// Minutes drawn uniformly from an hour range.
fn minutes_in(rng: &mut Stream, (lo, hi): (f64, f64)) -> u32 {
    (rng.uniform(lo, hi) * 60.0).round() as u32
}

/// Simulates the patient in `slot`.
pub(crate) fn simulate(c: &CompiledScenario, key: &[u8; 32], slot: &Slot) -> Patient {
    let mut rng = Stream::new(key, slot.index);
    let column = usize::from(slot.column);

    // Who.
    let front = c.fronts.values[rng.pick(&c.fronts.cumulative)];
    let nations = &c.front_nations[usize::from(front)].nations;
    let nation_index = nations.values[rng.pick(&nations.cumulative)];
    let nation = &NATIONS[usize::from(nation_index)];
    let gender = if rng.chance(FEMALE_SHARE) {
        Gender::Female
    } else {
        Gender::Male
    };
    let rank = rng.pick(&c.ranks);
    let min_age = u32::from(RANKS[rank].min_age);
    let age_days = rng.between(days_at_least(min_age), days_below(MAX_AGE + 1)) as u16;
    let given = match gender {
        Gender::Male => rng.below(nation.given_male.len() as u32),
        Gender::Female => rng.below(nation.given_female.len() as u32),
    } as u8;
    let family = rng.below(nation.family_male.len() as u32) as u8;
    let blood_group = BLOOD_GROUPS[rng.pick(&c.blood_groups)].0;
    let body = &BODY_WEIGHT[gender.index()];
    let weight = (body.mean_kg + body.sd_kg * rng.normal()).clamp(body.min_kg, body.max_kg);

    // What.
    let injury_type = InjuryType::ALL[rng.pick(&c.injury[column])];
    let triage = Triage::ALL[rng.pick(&c.triage[column][injury_type.index()])];
    let pool = c.conditions(column, injury_type);
    let primary = pool.values[rng.pick(&pool.cumulative)];
    let mut conditions = [primary; MAX_CONDITIONS];
    let mut condition_count = 1u8;
    let secondaries = CONDITIONS[usize::from(primary)].secondary;
    let polytrauma_rate =
        (c.polytrauma[column] * POLYTRAUMA_TRIAGE_FACTOR[triage.index()]).min(0.95);
    if injury_type == InjuryType::BattleInjury
        && !secondaries.is_empty()
        && rng.chance(polytrauma_rate)
    {
        let u = rng.unit();
        let wanted = if u < 0.5 {
            1
        } else if u < 0.8 {
            2
        } else {
            3
        };
        let wanted = wanted.min(secondaries.len()).min(MAX_CONDITIONS - 1);
        // Partial Fisher-Yates over the secondary list, without allocating.
        let mut order = [0u8; 16];
        let n = secondaries.len().min(order.len());
        for (i, o) in order.iter_mut().enumerate().take(n) {
            *o = i as u8;
        }
        for i in 0..wanted {
            let j = i + rng.below((n - i) as u32) as usize;
            order.swap(i, j);
            let code = secondaries[usize::from(order[i])];
            let index = CONDITIONS
                .iter()
                .position(|x| x.code == code)
                .expect("secondary exists");
            conditions[usize::from(condition_count)] = index as u8;
            condition_count += 1;
        }
    }
    let body_region = match CONDITIONS[usize::from(primary)].site {
        SiteRule::Region(region) => region,
        SiteRule::AnyLimb => BodyRegion::ALL[2 + rng.below(4) as usize],
        SiteRule::AnyLeg => BodyRegion::ALL[4 + rng.below(2) as usize],
        SiteRule::Anywhere => BodyRegion::ALL[rng.pick(&c.body_sites)],
        SiteRule::Systemic => BodyRegion::Systemic,
    };
    let routing = conditions[..usize::from(condition_count)]
        .iter()
        .map(|&i| CONDITIONS[usize::from(i)].routing)
        .find(|&r| r != Routing::Standard)
        .unwrap_or(Routing::Standard);

    // Where: the journey, a Markov chain whose timestamps are sums of sampled durations.
    let mut timeline = Timeline::new();
    let mut facility = Facility::Poi;
    let mut now = 0u32;
    timeline.push(now, EventKind::Arrival, facility);
    let outcome = loop {
        let care = minutes_in(&mut rng, STAY_HOURS[facility.index()][triage.index()]).max(1);
        let golden_hour = (facility == Facility::Poi && triage == Triage::T1)
            .then_some(care <= GOLDEN_HOUR_MINUTES);
        let ctx = RowContext {
            mass_casualty: slot.mass_casualty,
            routing,
            golden_hour,
            degraded: c.degraded,
        };
        let row = transition_row(c.row(facility, triage), facility, triage, ctx);
        let next = Next::ALL[pick(&cumulative7(row), rng.unit())];
        match next {
            Next::Death => {
                let at = now + ((f64::from(care) * rng.uniform(0.1, 1.0)).round() as u32).max(1);
                if facility == Facility::Poi {
                    timeline.push(at, EventKind::Kia, facility);
                    break Outcome::Kia;
                }
                timeline.push(at, EventKind::Dow, facility);
                break Outcome::Dow;
            }
            Next::Rtd => {
                timeline.push(now + care, EventKind::Rtd, facility);
                break Outcome::Rtd;
            }
            Next::Remain => {
                timeline.push(now + care, EventKind::RemainsRole4, facility);
                break Outcome::RemainsRole4;
            }
            _ => {
                let to = next_facility(next).expect("onward column");
                let requested = now + care;
                timeline.push(requested, EventKind::EvacuationStart, facility);
                let (lo, hi) = EVACUATION_WAIT_MINUTES[triage.index()];
                let delay =
                    (f64::from(c.evacuation_delay_minutes) * rng.uniform(0.5, 1.5)).round() as u32;
                let departs = requested + rng.between(lo, hi) + delay;
                timeline.push(departs, EventKind::TransitStart, facility);
                let transit = TRANSIT_HOURS[facility.index()][to.index()][triage.index()];
                let travel =
                    ((f64::from(minutes_in(&mut rng, transit)) / c.mobility).round() as u32).max(1);
                now = departs + travel;
                timeline.push(now, EventKind::Arrival, to);
                facility = to;
            }
        }
    };

    Patient {
        index: slot.index as u32,
        injury_minute: slot.minute,
        incident: slot.incident,
        detail_seed: rng.u64(),
        age_days,
        weight_dg: (weight * 10.0).round() as u16,
        nation: nation_index,
        front,
        given,
        family,
        rank: rank as u8,
        source: slot.column,
        gender,
        injury_type,
        triage,
        blood_group,
        body_region,
        outcome,
        mass_casualty: slot.mass_casualty,
        condition_count,
        conditions,
        timeline,
    }
}

fn cumulative7(row: [f64; 7]) -> [f64; 7] {
    let mut out = row;
    for i in 1..7 {
        out[i] += out[i - 1];
    }
    out
}
