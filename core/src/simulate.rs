//! Simulating one patient: who he is, what happened to him, and his journey through the
//! evacuation chain.
//!
//! Every patient draws from his own ChaCha8 stream (the seed's patient key, with the
//! patient index as stream id), in a fixed order, so patient `i` is the same whatever
//! else is generated around it.
//!
//! The injuries come first and everything follows from them: the clinical assessment
//! gives the triage ([`crate::clinical`]); the care each injury needs and how it ends
//! ([`disposition`]) gives the route; the route gives the times to first aid, to the first
//! medical facility and to surgery; and the race between each threat to life and the care
//! that stops it decides whether, when and where the patient dies.

use crate::clinical::{Assessment, Injury, triage as triage_of};
use crate::compiled::{CompiledScenario, InjuryDraw, InjuryTable, site_weights};
use crate::model::{
    Asset, EventKind, Facility, Gender, InjuryType, Mechanism, Outcome, Site, Triage, WarfareType,
};
use crate::patient::{Course, MAX_CONDITIONS, Patient, Timeline};
use crate::reference::clinical::{
    AIRWAY_DEATH_MEDIAN_MINUTES, BLEED_DEATH_MEDIAN_MINUTES, Bleeding, FIRST_AID, LATE_DEATH_HOURS,
    LATE_FIRST_AID_MINUTES, LATE_SURGERY_RISK_PER_HOUR, MEDIC_AT_POINT_OF_INJURY, MEDIC_MINUTES,
    Picture, RESUSCITATION_TIME_FACTOR, ROLE1_HOLDING_HOURS, SURGERY_AFTER_ARRIVAL_MINUTES,
    TENSION_DEATH_MEDIAN_MINUTES, THREAT_SPREAD, UNSURVIVABLE_DEATH_MINUTES, disposition,
    kills_by_grade, late_mortality,
};
use crate::reference::conditions::CONDITIONS;
use crate::reference::evacuation::{
    ASSETS, COLLECTION_MINUTES, POLICIES, ROLE1_MINUTES, STAY_HOURS, STRATEGIC_HOURS, leg_km,
};
use crate::reference::personnel::{BODY_WEIGHT, age_days, female_share};
use crate::reference::{BLOOD_GROUPS, NATIONS, PROFILES};
use crate::rng::{Stream, round_non_negative};
use crate::schedule::{Slot, Source};

/// Minutes drawn uniformly from an hour range.
fn minutes_in(rng: &mut Stream, (lo, hi): (f64, f64)) -> u32 {
    round_non_negative(rng.uniform(lo, hi) * 60.0)
}

/// Minutes drawn uniformly from a minute range.
fn uniform_minutes(rng: &mut Stream, (lo, hi): (f64, f64)) -> u32 {
    if hi <= lo {
        return round_non_negative(lo);
    }
    round_non_negative(rng.uniform(lo, hi))
}

/// A log-normal draw with this median and σ.
fn log_normal(rng: &mut Stream, median: f64, sigma: f64) -> f64 {
    median * (sigma * rng.normal()).exp()
}

fn draw_from(rng: &mut Stream, table: &InjuryTable) -> Option<InjuryDraw> {
    if table.values.is_empty() {
        return None;
    }
    Some(table.values[rng.pick(&table.cumulative)])
}

/// Draws a grade of condition `i`, restricted to grades whose triage is not more urgent
/// than `ceiling` (when set); `None` when no grade qualifies.
fn draw_grade(
    c: &CompiledScenario,
    rng: &mut Stream,
    i: usize,
    site: Site,
    ceiling: Option<Triage>,
) -> Option<u8> {
    let cumulative = &c.grades[i];
    let Some(ceiling) = ceiling else {
        return Some(crate::rng::pick(cumulative, rng.unit()) as u8 + 1);
    };
    let mut allowed = [0.0f64; 6];
    let mut sum = 0.0;
    for g in 0..6 {
        let p = cumulative[g] - if g > 0 { cumulative[g - 1] } else { 0.0 };
        let injury = Injury::new(i, g as u8 + 1, site);
        if p > 0.0 && triage_of(&injury.picture(), g as u8 + 1).urgency() >= ceiling.urgency() {
            sum += p;
        }
        allowed[g] = sum;
    }
    if sum <= 0.0 {
        return None;
    }
    Some(crate::rng::pick(&allowed, rng.unit()) as u8 + 1)
}

/// Draws a site for condition `i`.
fn draw_site(rng: &mut Stream, i: usize) -> Site {
    let mut u = rng.unit();
    let mut last = Site::Systemic;
    for (site, w) in site_weights(CONDITIONS[i].site) {
        last = site;
        if u < w {
            return site;
        }
        u -= w;
    }
    last
}

/// Simulates the patient in `slot`.
pub(crate) fn simulate(c: &CompiledScenario, key: &[u8; 32], slot: &Slot) -> Patient {
    let mut rng = Stream::new(key, slot.index);
    let column = usize::from(slot.column);
    let injury_type = Source::from_column(slot.column)
        .expect("the schedule makes valid columns")
        .injury_type();

    // Who.
    let front = slot.front;
    let nations = &c.front_nations[usize::from(front)].nations;
    let nation_index = nations.values[rng.pick(&nations.cumulative)];
    let nation = &NATIONS[usize::from(nation_index)];
    let battle = injury_type == InjuryType::BattleInjury;
    let gender = if rng.chance(female_share(usize::from(nation_index), battle)) {
        Gender::Female
    } else {
        Gender::Male
    };
    let rank = rng.pick(&c.ranks);
    let age_days = age_days(rank, rng.unit(), rng.unit()) as u16;
    let given = match gender {
        Gender::Male => rng.below(nation.given_male.len() as u32),
        Gender::Female => rng.below(nation.given_female.len() as u32),
    } as u8;
    let family = rng.below(nation.family_male.len() as u32) as u8;
    let blood_group = BLOOD_GROUPS[rng.pick(&c.blood_groups)].0;
    let body = &BODY_WEIGHT[gender.index()];
    let weight = (body.mean_kg + body.sd_kg * rng.normal()).clamp(body.min_kg, body.max_kg);

    // What: the injuries come first; everything else follows from them. Everyone hurt in
    // one attack is hurt by the attack's mechanism.
    let (pool, attack_mechanism) = match injury_type {
        InjuryType::BattleInjury => {
            let battle = &c.battle[usize::from(slot.attack)];
            let u = f64::from(slot.draw) / 65_536.0;
            let m = battle.mechanisms.values[crate::rng::pick(&battle.mechanisms.cumulative, u)];
            (
                &battle.by_mechanism[usize::from(m)],
                Some(Mechanism::ALL[usize::from(m)]),
            )
        }
        InjuryType::NonBattleInjury => (&c.non_battle, None),
        InjuryType::Disease => (&c.disease, None),
    };
    let mut ceiling = None;
    let mut primary = None;
    if let Some((shares, tables)) = &pool.by_triage {
        let wanted = rng.pick(shares);
        primary = draw_from(&mut rng, &tables[wanted]);
        ceiling = primary.map(|_| Triage::ALL[wanted]);
    }
    let primary = match primary {
        Some(p) => p,
        None => {
            let condition = pool.conditions.values[rng.pick(&pool.conditions.cumulative)];
            let grade = crate::rng::pick(&c.grades[usize::from(condition)], rng.unit()) as u8 + 1;
            let site = draw_site(&mut rng, usize::from(condition));
            InjuryDraw {
                condition,
                grade,
                site,
            }
        }
    };
    let profile = &PROFILES[usize::from(primary.condition)];
    let mechanism =
        attack_mechanism.unwrap_or_else(|| pick_mechanism(&mut rng, profile.mechanisms));

    let mut conditions = [primary.condition; MAX_CONDITIONS];
    let mut grades = [primary.grade; MAX_CONDITIONS];
    let mut sites = [primary.site; MAX_CONDITIONS];
    let mut count = 1usize;
    let secondaries = &c.secondaries[usize::from(primary.condition)];
    if injury_type == InjuryType::BattleInjury
        && !secondaries.is_empty()
        && rng.chance(c.polytrauma[column])
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
            let index = usize::from(secondaries[usize::from(order[i])]);
            let site = draw_site(&mut rng, index);
            if let Some(grade) = draw_grade(c, &mut rng, index, site, ceiling) {
                conditions[count] = index as u8;
                grades[count] = grade;
                sites[count] = site;
                count += 1;
            }
        }
    }
    let injuries = |conditions: [u8; MAX_CONDITIONS],
                    grades: [u8; MAX_CONDITIONS],
                    sites: [Site; MAX_CONDITIONS],
                    count: usize| {
        (0..count).map(move |i| Injury::new(usize::from(conditions[i]), grades[i], sites[i]))
    };
    let mut assessment = Assessment::of(injuries(conditions, grades, sites, count));
    // Bleeding into shock of class III or IV is coded as haemorrhagic shock too, at the
    // site of the worst bleeding.
    let shock = usize::from(c.haemorrhagic_shock);
    if assessment.picture.shock >= 3
        && assessment.picture.bleeding != Bleeding::None
        && count < MAX_CONDITIONS
        && !conditions[..count].contains(&(shock as u8))
    {
        let source = injuries(conditions, grades, sites, count)
            .filter(|i| i.picture().bleeding != Bleeding::None)
            .max_by_key(|i| i.picture().shock)
            .map_or(Site::Systemic, |i| i.site);
        conditions[count] = shock as u8;
        grades[count] = if assessment.picture.shock >= 4 { 5 } else { 3 };
        sites[count] = source;
        count += 1;
        assessment = Assessment::of(injuries(conditions, grades, sites, count));
    }
    let picture = assessment.picture;
    let triage = if c.scenario.expectant_triage && picture.unsurvivable {
        Triage::T4
    } else {
        assessment.triage
    };

    // Where the injuries are cared for and how the journey ends, if the patient lives.
    let mut level = Facility::Role1;
    let mut holding = (1, 12);
    let mut stays = 1.0;
    for injury in injuries(conditions, grades, sites, count) {
        let d = disposition(injury.effect(), injury.grade, injury.site);
        if d.level > level || (d.level == level && d.holding_hours.1 > holding.1) {
            level = d.level;
            holding = d.holding_hours;
        }
        stays *= 1.0 - d.leaves_theatre;
    }
    // (No draw when nothing could take the patient out of theatre.)
    let leaves_theatre = stays < 1.0 && rng.chance(1.0 - stays);
    if leaves_theatre {
        level = level.max(Facility::Role2);
    }
    if level == Facility::Role1 {
        holding.1 = holding.1.min(ROLE1_HOLDING_HOURS);
    }

    // The first minutes: first aid, a medic, and how long surgery takes to start — five
    // draws from one 64-bit word (16 bits of resolution is plenty for minutes).
    let mut word = rng.u64();
    let mut part = || {
        let u = (word & 0xFFFF) as f64 / 65_536.0;
        word >>= 16;
        u
    };
    let between = |u: f64, (lo, hi): (f64, f64)| lo + (hi - lo) * u;
    let helped_soon = part() < FIRST_AID.0;
    let first_aid = if helped_soon {
        between(part(), FIRST_AID.1)
    } else {
        between(part(), LATE_FIRST_AID_MINUTES)
    };
    let medic_minute = between(part(), MEDIC_MINUTES);
    let medic = (part() < MEDIC_AT_POINT_OF_INJURY).then_some(medic_minute);
    // Waiting for an operating table: the surgical backlog of the hour after wounding.
    let surgery_delay = rng.uniform(
        SURGERY_AFTER_ARRIVAL_MINUTES.0,
        SURGERY_AFTER_ARRIVAL_MINUTES.1,
    ) + f64::from(
        c.congestion
            .surgery
            .wait(slot.minute as usize / 60 + 1, triage.flow_index() == 0),
    );
    // A medic who arrives before anyone has helped gives the first aid himself.
    let first_aid = first_aid.min(medic.unwrap_or(f64::INFINITY));
    let course = Course {
        first_aid_minute: round_non_negative(first_aid) as u8,
        medic_minute: medic.map(|m| round_non_negative(m) as u8),
        surgery_delay: round_non_negative(surgery_delay) as u16,
    };

    // The planned journey: up the chain to the level of care needed, then a return to
    // duty after the holding time, or on to Role 4. Illness presents at Role 1 (sick
    // call); injuries start at the point of injury.
    let last = if leaves_theatre {
        Facility::Role4
    } else {
        level
    };
    let policy = &POLICIES[c.scenario.evacuation_policy.index()];
    let hour = (slot.minute / 60) as usize;
    let row = triage.flow_index();
    let immediate = row == 0;
    let urgent = triage != Triage::T3;
    let at_sea = injury_type == InjuryType::BattleInjury && slot.attack == WarfareType::Naval as u8;
    let mut plan = Timeline::new();
    let mut facility = if injury_type == InjuryType::Disease {
        Facility::Role1
    } else {
        Facility::Poi
    };
    let mut now = 0u32;
    let mut arrivals = [u32::MAX; 5];
    arrivals[facility.index()] = 0;
    plan.push(now, EventKind::Arrival, facility);
    let planned_outcome = loop {
        if facility == last {
            if facility == Facility::Role4 {
                let care = minutes_in(&mut rng, STAY_HOURS[facility.index()][row]);
                plan.push(now + care.max(1), EventKind::RemainsRole4, facility);
                break Outcome::RemainsRole4;
            }
            let hold = rng.between(holding.0 * 60, holding.1 * 60).max(1);
            plan.push(now + hold, EventKind::Rtd, facility);
            break Outcome::Rtd;
        }
        let air = urgent
            && facility < Facility::Role3
            && policy.air_availability > 0.0
            && rng.chance(policy.air_availability * c.air_visibility);
        let to = match facility {
            Facility::Poi
                if air && policy.bypass_role1 && immediate && level >= Facility::Role2 =>
            {
                Facility::Role2
            }
            Facility::Poi => Facility::Role1,
            Facility::Role1 => Facility::Role2,
            Facility::Role2 if !(last == Facility::Role4 && level == Facility::Role2) => {
                Facility::Role3
            }
            _ => Facility::Role4,
        };
        let care = match facility {
            Facility::Poi => uniform_minutes(&mut rng, COLLECTION_MINUTES[row]),
            Facility::Role1 => uniform_minutes(&mut rng, ROLE1_MINUTES[row]),
            f => minutes_in(&mut rng, STAY_HOURS[f.index()][row]),
        }
        .max(1);
        let requested = now + care;
        plan.push(requested, EventKind::EvacuationStart, facility);
        let asset = if to == Facility::Role4 {
            Asset::FixedWing
        } else if air {
            Asset::RotaryWing
        } else if at_sea && facility == Facility::Poi {
            Asset::Naval
        } else {
            Asset::Ground
        };
        let platform = &ASSETS[asset.index()];
        let (lo, hi) = leg_km(facility, to);
        let km = if hi > lo { rng.uniform(lo, hi) } else { lo };
        let speed = if asset == Asset::RotaryWing {
            platform.speed_kmh
        } else {
            platform.speed_kmh * c.mobility
        };
        let departs = if asset == Asset::FixedWing {
            requested
        } else {
            let hold = match (asset, facility) {
                (Asset::RotaryWing, _) => (0.0, 0.0),
                (_, Facility::Poi) => policy.forward_hold_minutes,
                (_, Facility::Role1) => policy.role1_hold_minutes,
                _ => (0.0, 0.0),
            };
            let queue = if facility == Facility::Poi {
                c.congestion.evacuation.wait(hour, immediate)
            } else {
                0
            };
            // Weather and terrain hold surface platforms; they ground aircraft instead
            // (the visibility in the chance of flying).
            let weather = if asset == Asset::RotaryWing {
                0.0
            } else {
                f64::from(c.evacuation_delay_minutes) * rng.uniform(0.5, 1.5)
            };
            // The platform comes from its base at the receiving end of the leg.
            let fetch = km / speed * 60.0;
            requested
                + uniform_minutes(&mut rng, platform.dispatch_minutes)
                + uniform_minutes(&mut rng, hold)
                + queue
                + round_non_negative(weather + fetch)
        };
        plan.push(departs, EventKind::TransitStart, facility);
        let travel = if asset == Asset::FixedWing {
            minutes_in(&mut rng, STRATEGIC_HOURS)
        } else {
            round_non_negative(km / speed * 60.0 + platform.handling_minutes)
        };
        now = departs + travel.max(1);
        plan.push(now, EventKind::Arrival, to);
        arrivals[to.index()] = now;
        facility = to;
    };

    // Whether, when and where the patient dies: each threat to life races the care that
    // stops it.
    let first_facility = f64::from(arrivals[1..].iter().copied().min().unwrap_or(u32::MAX));
    let surgical = arrivals[2..4].iter().copied().find(|&a| a != u32::MAX);
    let surgery = surgical.map_or(f64::INFINITY, |a| f64::from(a) + surgery_delay);
    let lethal_grade = injuries(conditions, grades, sites, count)
        .filter(|i| kills_by_grade(i.effect()))
        .map(|i| i.grade)
        .max()
        .unwrap_or(0);
    let death = death_minute(
        &mut rng,
        &picture,
        lethal_grade,
        Threats {
            first_aid,
            medic,
            first_facility,
            surgery,
        },
    );
    let (timeline, outcome) = match death {
        None => (plan, planned_outcome),
        Some(minute) => die(&plan, minute),
    };

    Patient {
        index: slot.index as u32,
        injury_minute: slot.minute,
        incident: slot.incident,
        detail_seed: rng.u64(),
        age_days,
        weight_dg: round_non_negative(weight * 10.0) as u16,
        nation: nation_index,
        front,
        given,
        family,
        rank: rank as u8,
        source: slot.column,
        attack: slot.attack,
        gender,
        injury_type,
        triage,
        blood_group,
        mechanism,
        outcome,
        mass_casualty: slot.mass_casualty,
        condition_count: count as u8,
        conditions,
        grades,
        sites,
        course,
        timeline,
    }
}

fn pick_mechanism(rng: &mut Stream, mechanisms: &[(Mechanism, f64)]) -> Mechanism {
    if mechanisms.len() == 1 {
        return mechanisms[0].0;
    }
    let mut u = rng.unit();
    for &(m, w) in mechanisms {
        if u < w {
            return m;
        }
        u -= w;
    }
    mechanisms[mechanisms.len() - 1].0
}

/// When the care that stops each threat comes, minutes after injury.
#[derive(Clone, Copy, Debug)]
struct Threats {
    /// Tourniquet or pressure at the point of injury.
    first_aid: f64,
    /// A medic's decompression, airway or TXA at the point of injury, if any.
    medic: Option<f64>,
    /// Arrival at the first medical facility (Role 1): resuscitation starts.
    first_facility: f64,
    /// Start of damage-control surgery (infinite when the route has no surgery).
    surgery: f64,
}

/// The minute the patient dies, if he does.
fn death_minute(rng: &mut Stream, p: &Picture, max_grade: u8, t: Threats) -> Option<f64> {
    if p.unsurvivable {
        return Some(rng.uniform(UNSURVIVABLE_DEATH_MINUTES.0, UNSURVIVABLE_DEATH_MINUTES.1));
    }
    let mut death = f64::INFINITY;
    let reached_by_medic = t.medic.unwrap_or(t.first_facility + 10.0);
    let shock = usize::from(p.shock.min(4));
    if p.shock >= 2 {
        let median = BLEED_DEATH_MEDIAN_MINUTES[shock];
        match p.bleeding {
            Bleeding::Compressible => {
                let lasts = log_normal(rng, median, THREAT_SPREAD);
                if t.first_aid > lasts {
                    death = death.min(lasts);
                }
            }
            Bleeding::NonCompressible => {
                let mut lasts = log_normal(rng, median, THREAT_SPREAD);
                if t.first_facility < lasts {
                    lasts =
                        t.first_facility + (lasts - t.first_facility) * RESUSCITATION_TIME_FACTOR;
                }
                if t.surgery > lasts {
                    death = death.min(lasts);
                }
            }
            Bleeding::None if p.shock >= 3 => {
                // Burn, septic or hypovolaemic shock: fluids at the first facility stop it.
                let lasts = log_normal(rng, median * 4.0, THREAT_SPREAD);
                if t.first_facility + 15.0 > lasts {
                    death = death.min(lasts);
                }
            }
            Bleeding::None => {}
        }
    }
    if p.tension {
        let lasts = log_normal(rng, TENSION_DEATH_MEDIAN_MINUTES, THREAT_SPREAD);
        if reached_by_medic > lasts {
            death = death.min(lasts);
        }
    }
    if p.airway {
        let lasts = log_normal(rng, AIRWAY_DEATH_MEDIAN_MINUTES, THREAT_SPREAD);
        if reached_by_medic > lasts {
            death = death.min(lasts);
        }
    }
    if death.is_finite() {
        return Some(death);
    }
    let mut risk = late_mortality(p, max_grade);
    if p.bleeding == Bleeding::NonCompressible && p.shock >= 2 && t.surgery > 120.0 {
        risk *= 1.0 + LATE_SURGERY_RISK_PER_HOUR * (t.surgery - 120.0) / 60.0;
    }
    if risk > 0.0 && rng.chance(risk.min(0.95)) {
        let hours = log_normal(rng, LATE_DEATH_HOURS.0, LATE_DEATH_HOURS.1);
        return Some((hours * 60.0).max(t.first_facility + 30.0));
    }
    None
}

/// The planned journey cut at the death at `minute`: the patient dies where he is then —
/// at a facility, waiting for evacuation, or in transit. Killed in action if he had not
/// reached Role 1, died of wounds otherwise.
fn die(plan: &Timeline, minute: f64) -> (Timeline, Outcome) {
    let events = plan.events();
    let terminal = plan.terminal().minute;
    let minute = round_non_negative(minute).min(u32::from(terminal));
    let mut timeline = Timeline::new();
    let mut reached_care = false;
    let mut last = 0;
    for (i, e) in events.iter().enumerate() {
        if e.kind.is_terminal() || u32::from(e.minute) > minute {
            break;
        }
        timeline.push(u32::from(e.minute), e.kind, e.facility);
        reached_care |= e.kind == EventKind::Arrival && e.facility != Facility::Poi;
        last = i;
    }
    let (kind, outcome) = if reached_care {
        (EventKind::Dow, Outcome::Dow)
    } else {
        (EventKind::Kia, Outcome::Kia)
    };
    let at = minute.max(u32::from(events[last].minute));
    match events[last].kind {
        EventKind::EvacuationStart | EventKind::TransitStart => {
            let to = plan
                .destination_after(last)
                .expect("a departure leads somewhere");
            timeline.die_en_route(at, kind, to);
        }
        _ => timeline.push(at, kind, events[last].facility),
    }
    (timeline, outcome)
}
