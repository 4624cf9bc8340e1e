//! CSV, written with the `csv` crate (RFC 4180 quoting, `\n` line ends — the crate's
//! default): `csv` has one row per patient, `events-csv` one row per timeline event.
//!
//! Both start with a header row. Lists inside a cell are `;`-separated; a value that does
//! not apply is an empty cell. `docs/formats.md` documents every column.

use ::csv::{Writer, WriterBuilder};

use super::Encoder;
use super::json_out::{hours, tenths};
use super::record::{Origin, RenderContext, day_number, leg};
use super::time::{write_date, write_timestamp};
use crate::care::CarePlan;
use crate::model::{EventKind, Facility};
use crate::patient::Patient;
use crate::reference::{BODY_SITES, SEVERITIES};

/// Columns of the `csv` format, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "given_name",
    "family_name",
    "gender",
    "birthdate",
    "age",
    "nationality",
    "rank",
    "service_number",
    "blood_type",
    "weight_kg",
    "injury_type",
    "triage_category",
    "severity",
    "severity_name",
    "polytrauma",
    "condition_count",
    "primary_condition_code",
    "primary_condition_name",
    "condition_codes",
    "condition_names",
    "body_part",
    "body_site_code",
    "front",
    "scenario",
    "special_event",
    "event_id",
    "mass_casualty",
    "injury_time",
    "day",
    "final_status",
    "last_facility",
    "outcome_time",
    "hours_to_outcome",
    "hours_to_role1",
    "hours_to_role2",
    "hours_to_role3",
    "hours_to_role4",
    "timeline_events",
    "facilities_visited",
    "treatments_count",
    "treatment_codes",
    "first_heart_rate",
    "first_respiratory_rate",
    "first_systolic_bp",
    "first_diastolic_bp",
    "first_spo2",
    "first_temperature",
    "first_gcs",
];

/// Columns of the `events-csv` format, in order.
pub const EVENTS_CSV_COLUMNS: &[&str] = &[
    "patient_id",
    "event_index",
    "event_type",
    "facility",
    "timestamp",
    "hours_since_injury",
    "to_facility",
    "evacuation_duration_hours",
    "transit_duration_hours",
];

/// Bytes the csv writer buffers before copying into the output.
const CSV_BUFFER: usize = 4096;

const IN_MEMORY: &str = "writing CSV to memory cannot fail";

/// Rows being written into a byte buffer.
struct Rows<'a> {
    csv: Writer<&'a mut Vec<u8>>,
    /// Scratch space for cells that are formatted first (numbers, dates, lists).
    cell: Vec<u8>,
}

impl<'a> Rows<'a> {
    fn new(out: &'a mut Vec<u8>) -> Rows<'a> {
        Rows {
            csv: WriterBuilder::new()
                .has_headers(false)
                .buffer_capacity(CSV_BUFFER)
                .from_writer(out),
            cell: Vec::with_capacity(128),
        }
    }

    fn str(&mut self, value: &str) {
        self.csv.write_field(value).expect(IN_MEMORY);
    }

    fn int(&mut self, value: impl itoa::Integer) {
        self.str(itoa::Buffer::new().format(value));
    }

    /// A cell that does not apply.
    fn empty(&mut self) {
        self.str("");
    }

    fn bool(&mut self, value: bool) {
        self.str(if value { "true" } else { "false" });
    }

    /// A cell formatted by `write`.
    fn with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        self.cell.clear();
        write(&mut self.cell);
        self.csv.write_field(&self.cell).expect(IN_MEMORY);
    }

    /// A cell listing `items`, `;`-separated.
    fn list<'i>(&mut self, items: impl Iterator<Item = &'i str>) {
        self.with(|out| {
            for (i, item) in items.enumerate() {
                if i > 0 {
                    out.push(b';');
                }
                out.extend_from_slice(item.as_bytes());
            }
        });
    }

    fn end_row(&mut self) {
        self.csv.write_record(None::<&[u8]>).expect(IN_MEMORY);
    }

    fn finish(self) {
        self.csv
            .into_inner()
            .map_err(|e| e.into_error())
            .expect(IN_MEMORY);
    }
}

/// A CSV format: a header row, then the rows of each patient.
pub(crate) struct CsvEncoder {
    ctx: RenderContext,
    columns: &'static [&'static str],
    /// Writes one patient's rows.
    rows: fn(&RenderContext, &Patient, &mut Rows<'_>),
}

impl CsvEncoder {
    /// The `csv` format: one row per patient.
    pub(crate) fn patients(ctx: RenderContext) -> CsvEncoder {
        CsvEncoder {
            ctx,
            columns: CSV_COLUMNS,
            rows: patient_row,
        }
    }

    /// The `events-csv` format: one row per timeline event.
    pub(crate) fn events(ctx: RenderContext) -> CsvEncoder {
        CsvEncoder {
            ctx,
            columns: EVENTS_CSV_COLUMNS,
            rows: event_rows,
        }
    }
}

impl Encoder for CsvEncoder {
    fn header(&self, out: &mut Vec<u8>) {
        let mut rows = Rows::new(out);
        for column in self.columns {
            rows.str(column);
        }
        rows.end_row();
        rows.finish();
    }

    fn encode(&self, patient: &Patient, position: u64, out: &mut Vec<u8>) {
        self.encode_chunk(std::slice::from_ref(patient), position, out);
    }

    /// One csv writer for the whole chunk.
    fn encode_chunk(&self, patients: &[Patient], _first: u64, out: &mut Vec<u8>) {
        let mut rows = Rows::new(out);
        for p in patients {
            (self.rows)(&self.ctx, p, &mut rows);
        }
        rows.finish();
    }
}

/// Writes the patient's row, cell by cell in [`CSV_COLUMNS`] order.
fn patient_row(ctx: &RenderContext, p: &Patient, rows: &mut Rows<'_>) {
    let birth = ctx.birth(p);
    rows.int(p.index());
    rows.str(p.given_name());
    rows.str(p.family_name());
    rows.str(p.gender().as_str());
    rows.with(|out| write_date(out, birth.date));
    rows.int(birth.age);
    rows.str(p.nation().code);
    rows.str(p.rank().code);
    rows.str(p.service_number().as_str());
    rows.str(p.blood_group().as_str());
    rows.with(|out| tenths(out, u64::from(p.weight_dg())));

    let severity = &SEVERITIES[p.triage().index()];
    let primary = p
        .conditions()
        .next()
        .expect("a patient has a primary condition");
    rows.str(p.injury_type().as_str());
    rows.str(p.triage().as_str());
    rows.int(severity.score);
    rows.str(severity.display);
    rows.bool(p.polytrauma());
    rows.int(p.conditions().len());
    rows.str(primary.code);
    rows.str(primary.display);
    rows.list(p.conditions().map(|c| c.code));
    rows.list(p.conditions().map(|c| c.display));
    rows.str(p.body_region().as_str());
    rows.str(
        BODY_SITES
            .get(p.body_region().index())
            .map_or("", |s| s.code),
    );

    let origin = Origin::of(p);
    rows.str(ctx.front_name(p));
    rows.str(origin.scenario);
    rows.str(origin.special_event.unwrap_or(""));
    rows.with(|out| origin.write_event_id(out, p));
    rows.bool(p.mass_casualty());
    rows.with(|out| write_timestamp(out, ctx.injury_unix(p)));
    rows.int(day_number(p));

    let timeline = p.timeline();
    let terminal = timeline.terminal();
    rows.str(p.outcome().as_str());
    rows.str(p.last_facility().as_str());
    rows.with(|out| write_timestamp(out, ctx.unix_at(p, terminal.minute)));
    rows.with(|out| hours(out, u32::from(terminal.minute)));
    let arrivals = || {
        timeline
            .events()
            .iter()
            .filter(|e| e.kind == EventKind::Arrival)
    };
    for role in [
        Facility::Role1,
        Facility::Role2,
        Facility::Role3,
        Facility::Role4,
    ] {
        match arrivals().find(|e| e.facility == role) {
            Some(e) => rows.with(|out| hours(out, u32::from(e.minute))),
            None => rows.empty(),
        }
    }
    rows.int(timeline.events().len());
    rows.list(arrivals().map(|e| e.facility.as_str()));

    let care = CarePlan::of(p);
    rows.int(care.treatments().len());
    rows.list(care.treatments().map(|t| t.procedure.code));
    let first = care
        .vital_signs()
        .next()
        .expect("vital signs are taken at the point of injury");
    rows.int(first.heart_rate);
    rows.int(first.respiratory_rate);
    rows.int(first.systolic);
    rows.int(first.diastolic);
    rows.int(first.spo2);
    rows.with(|out| tenths(out, u64::from(first.temperature_dc)));
    rows.int(first.gcs);
    rows.end_row();
}

/// Writes one row per event of the patient's timeline, in [`EVENTS_CSV_COLUMNS`] order.
fn event_rows(ctx: &RenderContext, p: &Patient, rows: &mut Rows<'_>) {
    let timeline = p.timeline();
    for (i, e) in timeline.events().iter().enumerate() {
        rows.int(p.index());
        rows.int(i);
        rows.str(e.kind.as_str());
        rows.str(e.facility.as_str());
        rows.with(|out| write_timestamp(out, ctx.unix_at(p, e.minute)));
        rows.with(|out| hours(out, u32::from(e.minute)));
        match leg(timeline, i) {
            Some(leg) => {
                rows.str(leg.to.as_str());
                let duration = |rows: &mut Rows<'_>| rows.with(|out| hours(out, leg.minutes));
                if e.kind == EventKind::EvacuationStart {
                    duration(rows);
                    rows.empty();
                } else {
                    rows.empty();
                    duration(rows);
                }
            }
            None => {
                for _ in 0..3 {
                    rows.empty();
                }
            }
        }
        rows.end_row();
    }
}
