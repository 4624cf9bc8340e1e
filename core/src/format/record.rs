//! The patient record: the JSON object shared by the NDJSON and JSON formats.
//!
//! Keys follow the ancestor where it had them (so its timeline viewer and scripts keep
//! working) and are always present, in a fixed order; `docs/formats.md` documents each.

use super::json_out::{hours, int, key, string, tenths};
use super::time::{write_date, write_timestamp, years_between};
use crate::Generator;
use crate::care::CarePlan;
use crate::model::EventKind;
use crate::patient::Patient;
use crate::reference::{BODY_SITES, SEVERITIES};
use crate::schedule::Source;

/// What rendering needs from the run besides the patient.
#[derive(Debug, Clone)]
pub struct RenderContext {
    seed: u64,
    start_unix: i64,
    front_names: Vec<String>,
    fronts: Vec<Vec<u8>>,
}

impl RenderContext {
    /// The context of a generator's run.
    pub fn new(generator: &Generator) -> RenderContext {
        let fronts = generator
            .scenario()
            .fronts
            .iter()
            .map(|f| {
                let mut out = Vec::new();
                string(&mut out, &f.name);
                out
            })
            .collect();
        RenderContext {
            seed: generator.seed(),
            start_unix: generator.start_unix(),
            front_names: generator
                .scenario()
                .fronts
                .iter()
                .map(|f| f.name.clone())
                .collect(),
            fronts,
        }
    }

    /// The run's seed (formats that derive identifiers from it, such as FHIR).
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// The name of the patient's front.
    pub(crate) fn front_name(&self, p: &Patient) -> &str {
        &self.front_names[p.front_index()]
    }

    /// Unix time of the patient's injury.
    pub(crate) fn injury_unix(&self, p: &Patient) -> i64 {
        self.start_unix + i64::from(p.injury_minute()) * 60
    }

    /// Appends `,"timestamp":"…"` for `minute` minutes after the patient's injury.
    fn timestamp_field(&self, out: &mut Vec<u8>, p: &Patient, minute: u16) {
        key(out, false, "timestamp");
        out.push(b'"');
        write_timestamp(out, self.injury_unix(p) + i64::from(minute) * 60);
        out.push(b'"');
    }
}

/// Appends the patient's JSON object (no trailing newline).
pub fn write_record(ctx: &RenderContext, p: &Patient, out: &mut Vec<u8>) {
    let nation = p.nation();
    out.push(b'{');
    key(out, true, "id");
    int(out, p.index());
    key(out, false, "nationality");
    string(out, nation.code);
    key(out, false, "gender");
    string(out, p.gender().as_str());
    key(out, false, "injury_type");
    string(out, p.injury_type().as_str());
    key(out, false, "triage_category");
    string(out, p.triage().as_str());
    key(out, false, "front");
    out.extend_from_slice(&ctx.fronts[p.front_index()]);
    key(out, false, "final_status");
    string(out, p.outcome().as_str());
    key(out, false, "last_facility");
    string(out, p.last_facility().as_str());

    let injury_unix = ctx.injury_unix(p);
    let injury_day = injury_unix.div_euclid(86_400);
    let born = injury_day - i64::from(p.age_days());
    key(out, false, "demographics");
    out.push(b'{');
    key(out, true, "given_name");
    string(out, p.given_name());
    key(out, false, "family_name");
    string(out, p.family_name());
    key(out, false, "gender");
    string(out, p.gender().as_str());
    key(out, false, "birthdate");
    out.push(b'"');
    write_date(out, born);
    out.push(b'"');
    key(out, false, "age");
    int(out, years_between(born, injury_day));
    key(out, false, "nationality");
    string(out, nation.code);
    key(out, false, "rank");
    string(out, p.rank().code);
    key(out, false, "service_number");
    string(out, p.service_number().as_str());
    key(out, false, "blood_type");
    string(out, p.blood_group().as_str());
    key(out, false, "weight");
    tenths(out, u64::from(p.weight_dg()));
    out.push(b'}');

    let severity = &SEVERITIES[p.triage().index()];
    key(out, false, "conditions");
    out.push(b'[');
    for (i, c) in p.conditions().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        key(out, true, "code");
        string(out, c.code);
        key(out, false, "name");
        string(out, c.display);
        key(out, false, "primary");
        out.extend_from_slice(if i == 0 { b"true" } else { b"false" });
        key(out, false, "severity");
        string(out, severity.display);
        key(out, false, "severity_code");
        string(out, severity.code);
        out.push(b'}');
    }
    out.push(b']');
    key(out, false, "severity");
    int(out, severity.score);
    key(out, false, "polytrauma");
    out.extend_from_slice(if p.polytrauma() { b"true" } else { b"false" });
    key(out, false, "body_part");
    string(out, p.body_region().as_str());
    key(out, false, "body_site");
    match BODY_SITES.get(p.body_region().index()) {
        Some(site) => {
            out.push(b'{');
            key(out, true, "code");
            string(out, site.code);
            key(out, false, "name");
            string(out, site.display);
            out.push(b'}');
        }
        None => out.extend_from_slice(b"null"),
    }

    let care = CarePlan::of(p);
    key(out, false, "treatments");
    out.push(b'[');
    for (i, t) in care.treatments().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        key(out, true, "code");
        string(out, t.procedure.code);
        key(out, false, "name");
        string(out, t.procedure.display);
        key(out, false, "facility");
        string(out, t.facility.as_str());
        ctx.timestamp_field(out, p, t.minute);
        out.push(b'}');
    }
    out.push(b']');
    key(out, false, "vital_signs");
    out.push(b'[');
    for (i, v) in care.vital_signs().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        key(out, true, "facility");
        string(out, v.facility.as_str());
        ctx.timestamp_field(out, p, v.minute);
        key(out, false, "heart_rate");
        int(out, v.heart_rate);
        key(out, false, "respiratory_rate");
        int(out, v.respiratory_rate);
        key(out, false, "systolic_bp");
        int(out, v.systolic);
        key(out, false, "diastolic_bp");
        int(out, v.diastolic);
        key(out, false, "spo2");
        int(out, v.spo2);
        key(out, false, "temperature");
        tenths(out, u64::from(v.temperature_dc));
        key(out, false, "gcs");
        int(out, v.gcs);
        out.push(b'}');
    }
    out.push(b']');

    key(out, false, "movement_timeline");
    out.push(b'[');
    let timeline = p.timeline();
    let events = timeline.events();
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        key(out, true, "event_type");
        string(out, e.kind.as_str());
        key(out, false, "facility");
        string(out, e.facility.as_str());
        ctx.timestamp_field(out, p, e.minute);
        key(out, false, "hours_since_injury");
        hours(out, u32::from(e.minute));
        match e.kind {
            EventKind::EvacuationStart | EventKind::TransitStart => {
                let departure = if e.kind == EventKind::TransitStart {
                    *e
                } else {
                    events[i + 1]
                };
                let arrival = timeline
                    .next_arrival_after(i)
                    .expect("a departure leads somewhere");
                if e.kind == EventKind::TransitStart {
                    key(out, false, "from_facility");
                    string(out, e.facility.as_str());
                }
                key(out, false, "to_facility");
                string(out, arrival.facility.as_str());
                if e.kind == EventKind::EvacuationStart {
                    key(out, false, "evacuation_duration_hours");
                    hours(out, u32::from(departure.minute - e.minute));
                } else {
                    key(out, false, "transit_duration_hours");
                    hours(out, u32::from(arrival.minute - e.minute));
                }
            }
            _ => {}
        }
        out.push(b'}');
    }
    out.push(b']');

    key(out, false, "injury_time");
    out.push(b'"');
    write_timestamp(out, injury_unix);
    out.push(b'"');
    key(out, false, "day");
    out.extend_from_slice(b"\"Day ");
    int(out, p.injury_minute() / 1440 + 1);
    out.push(b'"');
    let (scenario, special) = scenario_and_special_event(p);
    key(out, false, "scenario");
    string(out, scenario);
    key(out, false, "special_event");
    match special {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
    key(out, false, "event_id");
    out.push(b'"');
    write_event_id(out, p);
    out.push(b'"');
    key(out, false, "mass_casualty");
    out.extend_from_slice(if p.mass_casualty() { b"true" } else { b"false" });
    out.push(b'}');
}

/// The record's `scenario` (warfare type, or `mixed` for a special event) and
/// `special_event` of a patient.
pub(crate) fn scenario_and_special_event(p: &Patient) -> (&'static str, Option<&'static str>) {
    match p.source() {
        Source::Warfare(w) => (w.as_str(), None),
        Source::Special(s) => ("mixed", Some(s.as_str())),
    }
}

/// Appends the record's `event_id` (unquoted):
/// `<kind>_<source>_<day0>_<hour>_<minute>_<n>`, see `docs/formats.md`.
pub(crate) fn write_event_id(out: &mut Vec<u8>, p: &Patient) {
    let (scenario, special) = scenario_and_special_event(p);
    let prefix: &[u8] = match (special, p.mass_casualty()) {
        (Some(_), _) => b"SE",
        (None, true) => b"MC",
        (None, false) => b"IND",
    };
    out.extend_from_slice(prefix);
    out.push(b'_');
    out.extend_from_slice(special.unwrap_or(scenario).as_bytes());
    let day0 = p.injury_minute() / 1440;
    let minute_of_day = p.injury_minute() % 1440;
    for part in [day0, minute_of_day / 60, minute_of_day % 60, p.incident()] {
        out.push(b'_');
        int(out, part);
    }
}
