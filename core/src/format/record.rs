//! The patient record: the JSON object shared by the NDJSON and JSON formats.
//!
//! Keys follow the ancestor where it had them (so its timeline viewer and scripts keep
//! working) and are always present, in a fixed order; `docs/formats.md` documents each.
//! The record is described once ([`emit_record`]) on a [`Sink`], so the XML format carries
//! the same names in the same order. The small helpers below derive the values that
//! several formats show (birth date and age, incident id, where a departure leads).

use super::json_out::{int, string};
use super::sink::{JsonSink, Sink};
use super::time::{write_date, write_timestamp, years_between};
use crate::Generator;
use crate::care::CarePlan;
use crate::model::{EventKind, Facility};
use crate::patient::{Patient, Timeline};
use crate::reference::{BODY_SITES, severity_of_grade, severity_score};
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

    /// The run's seed (the XML root shows it; formats such as FHIR derive identifiers from it).
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// The name of the patient's front.
    pub(crate) fn front_name(&self, p: &Patient) -> &str {
        &self.front_names[p.front_index()]
    }

    /// The name of the patient's front as a quoted JSON string.
    pub(crate) fn front_json(&self, p: &Patient) -> &[u8] {
        &self.fronts[p.front_index()]
    }

    /// Unix time of the patient's injury.
    pub(crate) fn injury_unix(&self, p: &Patient) -> i64 {
        self.start_unix + i64::from(p.injury_minute()) * 60
    }

    /// Unix time `minute` minutes after the patient's injury.
    pub(crate) fn unix_at(&self, p: &Patient, minute: u16) -> i64 {
        self.injury_unix(p) + i64::from(minute) * 60
    }

    /// The patient's birth date and age at the injury date.
    pub(crate) fn birth(&self, p: &Patient) -> Birth {
        let injury_day = self.injury_unix(p).div_euclid(86_400);
        let date = injury_day - i64::from(p.age_days());
        Birth {
            date,
            age: years_between(date, injury_day),
        }
    }
}

/// A patient's birth date and age.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Birth {
    /// Birth date, days since 1970-01-01.
    pub(crate) date: i64,
    /// Completed years at the injury date.
    pub(crate) age: u32,
}

/// Where a patient's casualty came from, as the record names it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Origin {
    /// Warfare type of the attack; `non_battle` or `disease` outside combat.
    pub(crate) scenario: &'static str,
    /// The special event, if any.
    pub(crate) special_event: Option<&'static str>,
    /// Incident kind of the `event_id`: `MC` (mass-casualty event), `SE` (other special
    /// event), `IND` (combat incident), `NBI` (non-battle injury) or `SICK` (sick call).
    prefix: &'static str,
}

impl Origin {
    /// The origin of a patient's casualty.
    pub(crate) fn of(p: &Patient) -> Origin {
        match p.source() {
            Source::Warfare(w) => Origin {
                scenario: w.as_str(),
                special_event: None,
                prefix: "IND",
            },
            Source::Special(s) => Origin {
                scenario: p.attack().map_or("mixed", |w| w.as_str()),
                special_event: Some(s.as_str()),
                prefix: if p.mass_casualty() { "MC" } else { "SE" },
            },
            Source::NonBattle => Origin {
                scenario: "non_battle",
                special_event: None,
                prefix: "NBI",
            },
            Source::Disease => Origin {
                scenario: "disease",
                special_event: None,
                prefix: "SICK",
            },
        }
    }

    /// Appends the incident id `<kind>_<source>_<day0>_<hour>_<minute>_<n>` (unquoted).
    pub(crate) fn write_event_id(&self, out: &mut Vec<u8>, p: &Patient) {
        out.extend_from_slice(self.prefix.as_bytes());
        out.push(b'_');
        out.extend_from_slice(self.special_event.unwrap_or(self.scenario).as_bytes());
        let minute_of_day = p.injury_minute() % 1440;
        for part in [
            p.injury_minute() / 1440,
            minute_of_day / 60,
            minute_of_day % 60,
            p.incident(),
        ] {
            out.push(b'_');
            int(out, part);
        }
    }
}

/// Day of the operation of the injury, 1 for the first day.
pub(crate) fn day_number(p: &Patient) -> u32 {
    p.injury_minute() / 1440 + 1
}

/// Appends `Day k` (unquoted).
pub(crate) fn write_day(out: &mut Vec<u8>, p: &Patient) {
    out.extend_from_slice(b"Day ");
    int(out, day_number(p));
}

/// Where a departure leads: the destination of an `evacuation_start` or `transit_start`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Leg {
    /// The facility the patient is evacuated to.
    pub(crate) to: Facility,
    /// Evacuation request: minutes until departure; transit: minutes until arrival.
    pub(crate) minutes: u32,
}

/// The leg that event `i` of `timeline` starts, if it is a departure.
pub(crate) fn leg(timeline: &Timeline, i: usize) -> Option<Leg> {
    let events = timeline.events();
    let e = events[i];
    let evacuation = match e.kind {
        EventKind::EvacuationStart => true,
        EventKind::TransitStart => false,
        EventKind::Arrival
        | EventKind::Kia
        | EventKind::Dow
        | EventKind::Rtd
        | EventKind::RemainsRole4 => return None,
    };
    let to = timeline
        .destination_after(i)
        .expect("a departure leads somewhere");
    // An evacuation request lasts until the departure (or death) that follows it; a
    // transit until the arrival, or the death of a patient who died on the way.
    let end = if evacuation {
        events[i + 1]
    } else {
        timeline.next_arrival_after(i).unwrap_or(events[i + 1])
    };
    Some(Leg {
        to,
        minutes: u32::from(end.minute - e.minute),
    })
}

/// Appends the patient's JSON object (no trailing newline).
pub fn write_record(ctx: &RenderContext, p: &Patient, out: &mut Vec<u8>) {
    out.push(b'{');
    emit_record(ctx, p, &mut JsonSink::new(out));
    out.push(b'}');
}

/// Describes the patient record on `s`, member by member.
pub(crate) fn emit_record<S: Sink>(ctx: &RenderContext, p: &Patient, s: &mut S) {
    let nation = p.nation();
    s.int("id", p.index());
    s.str("nationality", nation.code);
    s.str("gender", p.gender().as_str());
    s.str("injury_type", p.injury_type().as_str());
    s.str("triage_category", p.triage().as_str());
    s.str_escaped("front", ctx.front_name(p), ctx.front_json(p));
    s.str("final_status", p.outcome().as_str());
    s.str("last_facility", p.last_facility().as_str());

    let birth = ctx.birth(p);
    s.begin_object("demographics");
    s.str("given_name", p.given_name());
    s.str("family_name", p.family_name());
    s.str("gender", p.gender().as_str());
    s.text_with("birthdate", |out| write_date(out, birth.date));
    s.int("age", birth.age);
    s.str("nationality", nation.code);
    s.str("rank", p.rank().code);
    s.str("service_number", p.service_number().as_str());
    s.str("blood_type", p.blood_group().as_str());
    s.tenths("weight", u64::from(p.weight_dg()));
    s.end_object("demographics");

    let mut max_grade = 0;
    s.begin_array("conditions");
    for (i, injury) in p.injuries().enumerate() {
        let severity = severity_of_grade(injury.grade);
        max_grade = max_grade.max(injury.grade);
        s.begin_item("condition");
        s.str("code", injury.condition.code);
        s.str("name", injury.condition.display);
        s.bool("primary", i == 0);
        s.str("severity", severity.display);
        s.str("severity_code", severity.code);
        s.int("grade", injury.grade);
        s.str("site", injury.site.as_str());
        s.end_item("condition");
    }
    s.end_array("conditions");
    s.int("severity", severity_score(max_grade));
    match p.injury_severity_score() {
        Some(iss) => s.int("injury_severity_score", iss),
        None => s.null("injury_severity_score"),
    }
    s.str("mechanism", p.mechanism().as_str());
    s.bool("polytrauma", p.polytrauma());
    s.str("body_part", p.body_region().as_str());
    match BODY_SITES.get(p.site().index()) {
        Some(site) => {
            s.begin_object("body_site");
            s.str("code", site.code);
            s.str("name", site.display);
            s.end_object("body_site");
        }
        None => s.null("body_site"),
    }

    let care = CarePlan::of(p);
    s.begin_array("treatments");
    for t in care.treatments() {
        s.begin_item("treatment");
        s.str("code", t.procedure.code);
        s.str("name", t.procedure.display);
        // Only a drug administration names its drug.
        if let Some(drug) = t.procedure.substance {
            s.str("substance", drug.display);
        }
        s.str("facility", t.facility.as_str());
        s.text_with("timestamp", |out| {
            write_timestamp(out, ctx.unix_at(p, t.minute))
        });
        s.end_item("treatment");
    }
    s.end_array("treatments");
    s.begin_array("vital_signs");
    for v in care.vital_signs() {
        s.begin_item("reading");
        s.str("facility", v.facility.as_str());
        s.text_with("timestamp", |out| {
            write_timestamp(out, ctx.unix_at(p, v.minute))
        });
        s.int("heart_rate", v.heart_rate);
        s.int("respiratory_rate", v.respiratory_rate);
        s.int("systolic_bp", v.systolic);
        s.int("diastolic_bp", v.diastolic);
        s.int("spo2", v.spo2);
        s.tenths("temperature", u64::from(v.temperature_dc));
        s.int("gcs", v.gcs);
        s.end_item("reading");
    }
    s.end_array("vital_signs");

    s.begin_array("movement_timeline");
    for (i, e) in p.timeline().events().iter().enumerate() {
        s.begin_item("event");
        emit_event(ctx, p, i, e.kind.as_str(), s);
        s.end_item("event");
    }
    s.end_array("movement_timeline");

    s.text_with("injury_time", |out| {
        write_timestamp(out, ctx.injury_unix(p))
    });
    s.text_with("day", |out| write_day(out, p));
    let origin = Origin::of(p);
    s.str("scenario", origin.scenario);
    match origin.special_event {
        Some(e) => s.str("special_event", e),
        None => s.null("special_event"),
    }
    s.text_with("event_id", |out| origin.write_event_id(out, p));
    s.bool("mass_casualty", p.mass_casualty());
}

/// Describes the members of timeline event `i` on `s`, its type named `event_type`:
/// `event_type`, `facility`, `timestamp`, `hours_since_injury`, then for a departure where
/// it leads and how long it takes.
pub(crate) fn emit_event<S: Sink>(
    ctx: &RenderContext,
    p: &Patient,
    i: usize,
    event_type: &str,
    s: &mut S,
) {
    let timeline = p.timeline();
    let e = timeline.events()[i];
    s.str("event_type", event_type);
    s.str("facility", e.facility.as_str());
    s.text_with("timestamp", |out| {
        write_timestamp(out, ctx.unix_at(p, e.minute))
    });
    s.hours("hours_since_injury", u32::from(e.minute));
    if let Some(leg) = leg(timeline, i) {
        if e.kind == EventKind::TransitStart {
            s.str("from_facility", e.facility.as_str());
            s.str("to_facility", leg.to.as_str());
            s.hours("transit_duration_hours", leg.minutes);
        } else {
            s.str("to_facility", leg.to.as_str());
            s.hours("evacuation_duration_hours", leg.minutes);
        }
    }
}
