//! The timeline viewer's input: exactly what the ancestor's React viewer reads.
//!
//! A JSON array of patient objects with the viewer's required fields (`id`,
//! `nationality`, `triage_category`, `last_facility`, `final_status`,
//! `movement_timeline`) and the optional ones it understands. The viewer knows three
//! outcomes and six event types, so a death of wounds is shown as `KIA` with a `kia`
//! event; `current_status` and the event's `kia_timing` keep the distinction.
//! `docs/formats.md` lists the fields and the mapping.

use super::record::{RenderContext, emit_event, write_day};
use super::sink::{JsonSink, Sink};
use super::time::write_timestamp;
use crate::model::{EventKind, Outcome, Triage};
use crate::patient::Patient;
use crate::reference::severity_of_grade;

/// The viewer's `final_status`: `KIA`, `RTD` or `Remains_Role4` (DOW is shown as KIA).
const fn viewer_status(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Kia | Outcome::Dow => "KIA",
        Outcome::Rtd => "RTD",
        Outcome::RemainsRole4 => "Remains_Role4",
    }
}

/// The viewer's event type (its six types; `dow` becomes `kia`).
const fn viewer_event_type(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Arrival => "arrival",
        EventKind::EvacuationStart => "evacuation_start",
        EventKind::TransitStart => "transit_start",
        EventKind::Kia | EventKind::Dow => "kia",
        EventKind::Rtd => "rtd",
        EventKind::RemainsRole4 => "remains_role4",
    }
}

/// `kia_timing` of a death event: which doctrinal death the viewer's `kia` stands for.
const fn kia_timing(kind: EventKind) -> Option<&'static str> {
    match kind {
        EventKind::Kia => Some("killed_in_action"),
        EventKind::Dow => Some("died_of_wounds"),
        EventKind::Arrival
        | EventKind::EvacuationStart
        | EventKind::TransitStart
        | EventKind::Rtd
        | EventKind::RemainsRole4 => None,
    }
}

/// Appends the patient's viewer object (no trailing newline).
pub(crate) fn write_viewer_record(ctx: &RenderContext, p: &Patient, out: &mut Vec<u8>) {
    out.push(b'{');
    let s = &mut JsonSink::new(out);
    s.int("id", p.index());
    s.str("nationality", p.nation().code);
    s.str("gender", p.gender().as_str());
    s.str("injury_type", p.injury_type().as_str());
    // The viewer knows T1-T3 only and drops other records: an expectant casualty (T4) is
    // shown as T1, as DOW is shown as KIA.
    let triage = match p.triage() {
        Triage::T4 => Triage::T1,
        other => other,
    };
    s.str("triage_category", triage.as_str());
    s.str_escaped("front", ctx.front_name(p), ctx.front_json(p));
    s.str("final_status", viewer_status(p.outcome()));
    s.str("current_status", p.outcome().as_str());
    s.str("last_facility", p.last_facility().as_str());
    s.str("given_name", p.given_name());
    s.str("family_name", p.family_name());
    s.text_with("day_of_injury", |out| write_day(out, p));
    s.text_with("injury_timestamp", |out| {
        write_timestamp(out, ctx.injury_unix(p))
    });
    let primary = p
        .conditions()
        .next()
        .expect("a patient has a primary condition");
    let severity = severity_of_grade(p.injuries().next().map_or(1, |i| i.grade));
    s.begin_object("primary_condition");
    s.str("code", primary.code);
    s.str("display", primary.display);
    s.str("severity", severity.display);
    s.str("severity_code", severity.code);
    s.end_object("primary_condition");
    s.begin_array("movement_timeline");
    for (i, e) in p.timeline().events().iter().enumerate() {
        s.begin_item("event");
        emit_event(ctx, p, i, viewer_event_type(e.kind), s);
        if let Some(timing) = kia_timing(e.kind) {
            s.str("kia_timing", timing);
        }
        s.end_item("event");
    }
    s.end_array("movement_timeline");
    out.push(b'}');
}
