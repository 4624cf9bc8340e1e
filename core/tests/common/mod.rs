//! Checks shared by the integration tests: the invariants every patient must satisfy.

#![allow(dead_code)]

pub mod parse;

use milmed_core::care::CarePlan;
use milmed_core::format::time::years_between;
use milmed_core::model::{EventKind, Facility, Gender, InjuryType, Outcome};
use milmed_core::reference::personnel::BODY_WEIGHT;
use milmed_core::{Generator, Patient};

/// Checks every invariant of one patient; the error names the broken rule.
pub fn check_patient(g: &Generator, p: &Patient) -> Result<(), String> {
    let s = g.scenario();
    let events = p.timeline().events();
    let first = events.first().ok_or("empty timeline")?;
    // Injuries start at the point of injury; illness presents at Role 1 (sick call).
    let start = if p.injury_type() == InjuryType::Disease {
        Facility::Role1
    } else {
        Facility::Poi
    };
    if (first.kind, first.facility, first.minute) != (EventKind::Arrival, start, 0) {
        return Err(format!(
            "timeline must start with arrival at {start} at the injury: {first:?}"
        ));
    }
    for w in events.windows(2) {
        if w[1].minute < w[0].minute {
            return Err(format!("timestamps decrease: {:?} then {:?}", w[0], w[1]));
        }
        if w[1].facility < w[0].facility {
            return Err(format!(
                "facility goes backwards: {:?} then {:?}",
                w[0], w[1]
            ));
        }
        if w[0].kind.is_terminal() {
            return Err(format!("event after the terminal event: {:?}", w[1]));
        }
    }
    let terminal = *events.last().unwrap();
    if events.iter().filter(|e| e.kind.is_terminal()).count() != 1 || !terminal.kind.is_terminal() {
        return Err("exactly one terminal event, last".into());
    }
    // Every stay but the last: arrival, evacuation request, departure, then a later arrival.
    let mut i = 0;
    while i + 1 < events.len() {
        let e = events[i];
        if e.kind == EventKind::Arrival && !events[i + 1].kind.is_terminal() {
            // Arrival, evacuation request, departure, arrival further up the chain — or a
            // death while waiting for the transport or during the transit.
            let rest = &events[i + 1..(i + 4).min(events.len())];
            let dies_en_route = rest.len() < 3 || rest[rest.len() - 1].kind.is_terminal();
            let ok = rest[0].kind == EventKind::EvacuationStart
                && rest
                    .iter()
                    .all(|x| x.facility == e.facility || x.kind == EventKind::Arrival)
                && match rest {
                    [_, dep, arr] if !dies_en_route => {
                        dep.kind == EventKind::TransitStart
                            && arr.kind == EventKind::Arrival
                            && arr.facility > e.facility
                    }
                    [_, death] => matches!(death.kind, EventKind::Kia | EventKind::Dow),
                    [_, dep, death] => {
                        dep.kind == EventKind::TransitStart
                            && matches!(death.kind, EventKind::Kia | EventKind::Dow)
                    }
                    _ => false,
                };
            if !ok {
                return Err(format!("bad stay sequence at {i}: {rest:?}"));
            }
            if dies_en_route
                && p.timeline()
                    .died_en_route_to()
                    .is_none_or(|to| to <= e.facility)
            {
                return Err("a death en route names no destination further up".into());
            }
            i += rest.len();
        } else {
            i += 1;
        }
    }
    let expected = match p.outcome() {
        Outcome::Kia => (EventKind::Kia, terminal.facility == Facility::Poi),
        Outcome::Dow => (EventKind::Dow, terminal.facility >= Facility::Role1),
        Outcome::Rtd => (EventKind::Rtd, true),
        Outcome::RemainsRole4 => (
            EventKind::RemainsRole4,
            terminal.facility == Facility::Role4,
        ),
    };
    if terminal.kind != expected.0 || !expected.1 {
        return Err(format!(
            "outcome {:?} disagrees with terminal {terminal:?}",
            p.outcome()
        ));
    }
    if p.last_facility() != terminal.facility {
        return Err("last facility is not the terminal event's facility".into());
    }
    if p.outcome() == Outcome::Kia && events.iter().any(|e| e.facility > Facility::Poi) {
        return Err("KIA after reaching Role 1".into());
    }

    // Injuries.
    let conditions: Vec<_> = p.conditions().collect();
    if conditions.is_empty() || conditions[0].injury_type != p.injury_type() {
        return Err(format!(
            "primary condition {:?} does not match {:?}",
            conditions.first().map(|c| c.code),
            p.injury_type()
        ));
    }
    if p.polytrauma() && p.injury_type() != InjuryType::BattleInjury {
        return Err("polytrauma outside battle injuries".into());
    }
    let mut codes: Vec<_> = conditions.iter().map(|c| c.code).collect();
    codes.sort_unstable();
    codes.dedup();
    if codes.len() != conditions.len() {
        return Err("duplicate condition".into());
    }
    for c in &conditions[1..] {
        // Haemorrhagic shock is coded beside any bleeding injury that causes it.
        let shock = c.code == "355001"
            && p.assessment().picture.shock >= 3
            && p.assessment().picture.bleeding != milmed_core::reference::clinical::Bleeding::None;
        if !shock && !conditions[0].secondary.contains(&c.code) {
            return Err(format!(
                "secondary {} not correlated with primary {}",
                c.code, conditions[0].code
            ));
        }
    }

    // Demographics.
    let front = &s.fronts[p.front_index()];
    if front.casualty_rate <= 0.0 {
        return Err("patient from a front with casualty rate 0".into());
    }
    match front.nationalities.get(p.nation().code) {
        Some(&w) if w > 0.0 => {}
        _ => {
            return Err(format!(
                "nationality {} not allowed on front {}",
                p.nation().code,
                front.name
            ));
        }
    }
    let names = match p.gender() {
        Gender::Male => p.nation().given_male,
        Gender::Female => p.nation().given_female,
    };
    if !names.contains(&p.given_name()) {
        return Err(format!(
            "given name {} not of {} {:?}",
            p.given_name(),
            p.nation().code,
            p.gender()
        ));
    }
    let families = match p.gender() {
        Gender::Male => p.nation().family_male,
        Gender::Female => p.nation().family_female,
    };
    if !families.contains(&p.family_name()) {
        return Err(format!(
            "family name {} not of {} {:?}",
            p.family_name(),
            p.nation().code,
            p.gender()
        ));
    }
    let injury_day = (g.start_unix() + i64::from(p.injury_minute()) * 60).div_euclid(86_400);
    let age = years_between(injury_day - i64::from(p.age_days()), injury_day);
    if !(18..=60).contains(&age) || age < u32::from(p.rank().min_age) {
        return Err(format!(
            "age {age} out of 18-50 or below rank {}",
            p.rank().code
        ));
    }
    let body = &BODY_WEIGHT[p.gender().index()];
    let kg = f64::from(p.weight_dg()) / 10.0;
    if kg < body.min_kg || kg > body.max_kg {
        return Err(format!("weight {kg} out of range"));
    }
    if p.injury_minute() >= s.days * 1440 {
        return Err("injury after the end of the operation".into());
    }

    // Care inside the stays, without duplicates.
    let care = CarePlan::of(p);
    let stays: Vec<_> = p.timeline().stays().collect();
    for t in care.treatments() {
        let stay = stays
            .iter()
            .find(|s| s.facility == t.facility)
            .ok_or("treatment at a facility never reached")?;
        if t.minute < stay.arrival || t.minute > stay.end {
            return Err(format!("treatment {} outside its stay", t.procedure.code));
        }
    }
    let mut seen: Vec<(Facility, &str, Option<&str>)> = care
        .treatments()
        .map(|t| {
            (
                t.facility,
                t.procedure.code,
                t.procedure.substance.map(|s| s.code),
            )
        })
        .collect();
    let n = seen.len();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() != n {
        return Err("a procedure repeated within one stay".into());
    }
    // Vital signs after each arrival, and again before a longer stay ends.
    for stay in &stays {
        let sets = care
            .vital_signs()
            .filter(|v| v.facility == stay.facility)
            .count();
        if !(1..=2).contains(&sets) {
            return Err(format!("{sets} sets of vital signs at {}", stay.facility));
        }
    }
    let minutes: Vec<u16> = care.vital_signs().map(|v| v.minute).collect();
    if minutes.windows(2).any(|w| w[0] > w[1]) {
        return Err("vital signs out of time order".into());
    }
    for v in care.vital_signs() {
        let stay = stays.iter().find(|s| s.facility == v.facility).unwrap();
        if v.minute < stay.arrival || v.minute > stay.end || v.diastolic >= v.systolic {
            return Err(format!("implausible or misplaced vital signs {v:?}"));
        }
    }
    Ok(())
}

/// NDJSON bytes of patients `range` (whole run when `None`).
pub fn ndjson(g: &Generator, range: std::ops::Range<u64>) -> Vec<u8> {
    use milmed_core::format::{Format, PatientWriter};
    let mut w = PatientWriter::new(Format::Ndjson.encoder(g), Vec::new());
    let patients: Vec<_> = g.range(range).unwrap().collect();
    w.write_batch(&patients).unwrap();
    w.finish().unwrap().inner
}
