//! Flat tables of typed cells: one row per patient or one row per timeline event.
//!
//! The rows are described once, as calls on a [`Row`]. The CSV formats render the cells
//! as text; [`TableEncoder`] packs them as typed values so that columnar consumers (the
//! Python module's Arrow tables, for one) get integers, decimals, dates and lists without
//! parsing text — and the same columns as the CSV files, by construction.
//!
//! ```
//! use milmed_core::format::table::{Cell, Table, TableEncoder, cells};
//! use milmed_core::format::Encoder;
//! use milmed_core::{Generator, Scenario};
//!
//! let generator = Generator::new(&Scenario::preset("nato_article_5")?, 7)?;
//! let encoder = TableEncoder::new(&generator, Table::Patients);
//! let mut packed = Vec::new();
//! for (i, patient) in generator.range(0..3)?.enumerate() {
//!     encoder.encode(&patient, i as u64, &mut packed);
//! }
//! let columns = Table::Patients.columns();
//! let values: Vec<Cell<'_>> = cells(&packed).collect::<Result<_, _>>()?;
//! assert_eq!(values.len(), 3 * columns.len());
//! assert_eq!(columns[0].name, "id");
//! assert_eq!(values[columns.len()], Cell::Int(1)); // the second row's id
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::Encoder;
use super::json_out::hours_in_tenths;
use super::record::{Origin, RenderContext, day_number, leg};
use crate::Generator;
use crate::care::CarePlan;
use crate::model::{EventKind, Facility};
use crate::patient::Patient;
use crate::reference::{BODY_SITES, severity_of_grade, severity_score};

/// The type of a column's cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// A signed 64-bit integer.
    Int,
    /// A decimal with one digit after the point, carried in tenths ([`Cell::Decimal`]).
    Decimal,
    /// UTF-8 text.
    Text,
    /// A list of texts (`;`-separated in CSV).
    TextList,
    /// `true` or `false`.
    Bool,
    /// A calendar date, as days since 1970-01-01.
    Date,
    /// An instant in UTC, as seconds since 1970-01-01T00:00:00Z.
    Timestamp,
}

/// One column of a [`Table`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Name, as in the CSV header.
    pub name: &'static str,
    /// Type of the cells.
    pub kind: ColumnType,
    /// Whether a cell may be [`Cell::Null`] (an empty cell in CSV): the value does not
    /// apply to this patient or event.
    pub nullable: bool,
}

const fn col(name: &'static str, kind: ColumnType) -> Column {
    Column {
        name,
        kind,
        nullable: false,
    }
}

const fn nullable(name: &'static str, kind: ColumnType) -> Column {
    Column {
        name,
        kind,
        nullable: true,
    }
}

use ColumnType::{Bool, Date, Decimal, Int, Text, TextList, Timestamp};

/// Columns of the patient table (the `csv` format), in order.
pub const PATIENT_COLUMNS: &[Column] = &[
    col("id", Int),
    col("given_name", Text),
    col("family_name", Text),
    col("gender", Text),
    col("birthdate", Date),
    col("age", Int),
    col("nationality", Text),
    col("rank", Text),
    col("service_number", Text),
    col("blood_type", Text),
    col("weight_kg", Decimal),
    col("injury_type", Text),
    col("triage_category", Text),
    col("severity", Int),
    col("severity_name", Text),
    col("polytrauma", Bool),
    col("condition_count", Int),
    col("primary_condition_code", Text),
    col("primary_condition_name", Text),
    col("condition_codes", TextList),
    col("condition_names", TextList),
    col("body_part", Text),
    nullable("body_site_code", Text),
    col("front", Text),
    col("scenario", Text),
    nullable("special_event", Text),
    col("event_id", Text),
    col("mass_casualty", Bool),
    col("injury_time", Timestamp),
    col("day", Int),
    col("final_status", Text),
    col("last_facility", Text),
    col("outcome_time", Timestamp),
    col("hours_to_outcome", Decimal),
    nullable("hours_to_role1", Decimal),
    nullable("hours_to_role2", Decimal),
    nullable("hours_to_role3", Decimal),
    nullable("hours_to_role4", Decimal),
    col("timeline_events", Int),
    col("facilities_visited", TextList),
    col("treatments_count", Int),
    col("treatment_codes", TextList),
    col("first_heart_rate", Int),
    col("first_respiratory_rate", Int),
    col("first_systolic_bp", Int),
    col("first_diastolic_bp", Int),
    col("first_spo2", Int),
    col("first_temperature", Decimal),
    col("first_gcs", Int),
];

/// Columns of the event table (the `events-csv` format), in order.
pub const EVENT_COLUMNS: &[Column] = &[
    col("patient_id", Int),
    col("event_index", Int),
    col("event_type", Text),
    col("facility", Text),
    col("timestamp", Timestamp),
    col("hours_since_injury", Decimal),
    nullable("to_facility", Text),
    nullable("evacuation_duration_hours", Decimal),
    nullable("transit_duration_hours", Decimal),
];

/// Which table: one row per patient, or one row per timeline event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    /// One row per patient ([`PATIENT_COLUMNS`]).
    Patients,
    /// One row per timeline event ([`EVENT_COLUMNS`]); join on `patient_id` = `id`.
    Events,
}

impl Table {
    /// Both tables.
    pub const ALL: [Table; 2] = [Table::Patients, Table::Events];

    /// Name used in APIs: `patients` or `events`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Table::Patients => "patients",
            Table::Events => "events",
        }
    }

    /// The table's columns, in order.
    pub const fn columns(self) -> &'static [Column] {
        match self {
            Table::Patients => PATIENT_COLUMNS,
            Table::Events => EVENT_COLUMNS,
        }
    }

    /// Writes the patient's rows (one, or one per event) on `row`.
    pub(crate) fn write_rows(self, ctx: &RenderContext, p: &Patient, row: &mut impl Row) {
        match self {
            Table::Patients => patient_row(ctx, p, row),
            Table::Events => event_rows(ctx, p, row),
        }
    }
}

impl std::str::FromStr for Table {
    type Err = String;

    /// Parses `patients` or `events`; the error names what is allowed.
    fn from_str(s: &str) -> Result<Table, String> {
        Table::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("unknown table `{s}`; allowed: patients, events"))
    }
}

/// Receives the cells of rows, in column order.
pub(crate) trait Row {
    /// An [`Int`](ColumnType::Int) cell.
    fn int(&mut self, value: i64);
    /// A [`Decimal`](ColumnType::Decimal) cell, in tenths.
    fn decimal(&mut self, tenths: u64);
    /// A [`Text`](ColumnType::Text) cell.
    fn text(&mut self, value: &str);
    /// A [`TextList`](ColumnType::TextList) cell.
    fn list<'i>(&mut self, items: impl Iterator<Item = &'i str>);
    /// A [`Bool`](ColumnType::Bool) cell.
    fn bool(&mut self, value: bool);
    /// A [`Date`](ColumnType::Date) cell, days since 1970-01-01.
    fn date(&mut self, days: i64);
    /// A [`Timestamp`](ColumnType::Timestamp) cell, Unix seconds.
    fn timestamp(&mut self, unix: i64);
    /// A cell whose value does not apply (nullable columns only).
    fn null(&mut self);
    /// Ends the row.
    fn end_row(&mut self);

    /// A text cell, or null.
    fn text_or_null(&mut self, value: Option<&str>) {
        match value {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    /// A decimal cell of `minutes` as hours (one decimal, rounded half up), or null.
    fn hours_or_null(&mut self, minutes: Option<u32>) {
        match minutes {
            Some(m) => self.decimal(hours_in_tenths(m)),
            None => self.null(),
        }
    }

    /// An integer cell from a count or index (all of ours are far below `i64::MAX`).
    fn count(&mut self, value: impl TryInto<i64>) {
        self.int(value.try_into().unwrap_or(i64::MAX));
    }
}

/// Writes the patient's row, cell by cell in [`PATIENT_COLUMNS`] order.
fn patient_row(ctx: &RenderContext, p: &Patient, row: &mut impl Row) {
    let birth = ctx.birth(p);
    row.count(p.index());
    row.text(p.given_name());
    row.text(p.family_name());
    row.text(p.gender().as_str());
    row.date(birth.date);
    row.int(i64::from(birth.age));
    row.text(p.nation().code);
    row.text(p.rank().code);
    row.text(p.service_number().as_str());
    row.text(p.blood_group().as_str());
    row.decimal(u64::from(p.weight_dg()));

    let assessment = p.assessment();
    let primary = p
        .conditions()
        .next()
        .expect("a patient has a primary condition");
    let primary_grade = p.injuries().next().map_or(1, |i| i.grade);
    let severity = severity_of_grade(primary_grade);
    row.text(p.injury_type().as_str());
    row.text(p.triage().as_str());
    row.int(i64::from(severity_score(assessment.max_grade)));
    row.text(severity.display);
    row.bool(p.polytrauma());
    row.count(p.conditions().len());
    row.text(primary.code);
    row.text(primary.display);
    row.list(p.conditions().map(|c| c.code));
    row.list(p.conditions().map(|c| c.display));
    row.text(p.body_region().as_str());
    row.text_or_null(BODY_SITES.get(p.site().index()).map(|s| s.code));

    let origin = Origin::of(p);
    row.text(ctx.front_name(p));
    row.text(origin.scenario);
    row.text_or_null(origin.special_event);
    let mut event_id = Vec::with_capacity(32);
    origin.write_event_id(&mut event_id, p);
    row.text(std::str::from_utf8(&event_id).expect("event ids are ASCII"));
    row.bool(p.mass_casualty());
    row.timestamp(ctx.injury_unix(p));
    row.int(i64::from(day_number(p)));

    let timeline = p.timeline();
    let terminal = timeline.terminal();
    row.text(p.outcome().as_str());
    row.text(p.last_facility().as_str());
    row.timestamp(ctx.unix_at(p, terminal.minute));
    row.decimal(hours_in_tenths(u32::from(terminal.minute)));
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
        row.hours_or_null(
            arrivals()
                .find(|e| e.facility == role)
                .map(|e| u32::from(e.minute)),
        );
    }
    row.count(timeline.events().len());
    row.list(arrivals().map(|e| e.facility.as_str()));

    let care = CarePlan::of(p);
    row.count(care.treatments().len());
    row.list(care.treatments().map(|t| t.procedure.code));
    let first = care
        .vital_signs()
        .next()
        .expect("vital signs are taken at the point of injury");
    row.int(i64::from(first.heart_rate));
    row.int(i64::from(first.respiratory_rate));
    row.int(i64::from(first.systolic));
    row.int(i64::from(first.diastolic));
    row.int(i64::from(first.spo2));
    row.decimal(u64::from(first.temperature_dc));
    row.int(i64::from(first.gcs));
    row.end_row();
}

/// Writes one row per event of the patient's timeline, in [`EVENT_COLUMNS`] order.
fn event_rows(ctx: &RenderContext, p: &Patient, row: &mut impl Row) {
    let timeline = p.timeline();
    for (i, e) in timeline.events().iter().enumerate() {
        row.count(p.index());
        row.count(i);
        row.text(e.kind.as_str());
        row.text(e.facility.as_str());
        row.timestamp(ctx.unix_at(p, e.minute));
        row.decimal(hours_in_tenths(u32::from(e.minute)));
        let leg = leg(timeline, i);
        row.text_or_null(leg.map(|l| l.to.as_str()));
        let evacuation = e.kind == EventKind::EvacuationStart;
        row.hours_or_null(leg.filter(|_| evacuation).map(|l| l.minutes));
        row.hours_or_null(leg.filter(|_| !evacuation).map(|l| l.minutes));
        row.end_row();
    }
}

/// One typed cell, as read back by [`cells`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell<'a> {
    /// No value (nullable columns).
    Null,
    /// An [`Int`](ColumnType::Int).
    Int(i64),
    /// A [`Decimal`](ColumnType::Decimal), in tenths (`362` is 36.2).
    Decimal(u64),
    /// A [`Text`](ColumnType::Text).
    Text(&'a str),
    /// A [`TextList`](ColumnType::TextList); iterate it with [`ListItems`].
    List(ListItems<'a>),
    /// A [`Bool`](ColumnType::Bool).
    Bool(bool),
    /// A [`Date`](ColumnType::Date), days since 1970-01-01.
    Date(i64),
    /// A [`Timestamp`](ColumnType::Timestamp), Unix seconds.
    Timestamp(i64),
}

// Tags of the packed cells. The layout is private to this module: it only carries cells
// from the worker threads that encode them to the consumer that reads them, in one process.
const NULL: u8 = 0;
const INT: u8 = 1;
const DECIMAL: u8 = 2;
const TEXT: u8 = 3;
const LIST: u8 = 4;
const BOOL: u8 = 5;
const DATE: u8 = 6;
const TIMESTAMP: u8 = 7;

/// An [`Encoder`] that packs a table's rows as typed cells, for [`cells`] to read back.
///
/// It plugs into everything that drives encoders ([`PatientWriter`](super::PatientWriter),
/// [`run_job`](crate::job::run_job) with its threads, budgets and cancellation), so a
/// columnar consumer gets parallel generation for free. The packed bytes are an
/// in-process interchange, not a file format: they have no header and no version.
#[derive(Debug, Clone)]
pub struct TableEncoder {
    ctx: RenderContext,
    table: Table,
}

impl TableEncoder {
    /// An encoder of `table`'s rows for a generator's run.
    pub fn new(generator: &Generator, table: Table) -> TableEncoder {
        TableEncoder {
            ctx: RenderContext::new(generator),
            table,
        }
    }
}

impl Encoder for TableEncoder {
    fn encode(&self, patient: &Patient, _position: u64, out: &mut Vec<u8>) {
        self.table
            .write_rows(&self.ctx, patient, &mut Packer { out });
    }
}

/// Packs cells into a byte buffer.
struct Packer<'a> {
    out: &'a mut Vec<u8>,
}

impl Packer<'_> {
    fn tagged(&mut self, tag: u8, value: [u8; 8]) {
        self.out.push(tag);
        self.out.extend_from_slice(&value);
    }

    fn str(&mut self, value: &str) {
        // Our texts are names and codes; a cell longer than 4 GiB cannot occur.
        let len = u32::try_from(value.len()).expect("a cell is shorter than 4 GiB");
        self.out.extend_from_slice(&len.to_le_bytes());
        self.out.extend_from_slice(value.as_bytes());
    }
}

impl Row for Packer<'_> {
    fn int(&mut self, value: i64) {
        self.tagged(INT, value.to_le_bytes());
    }

    fn decimal(&mut self, tenths: u64) {
        self.tagged(DECIMAL, tenths.to_le_bytes());
    }

    fn text(&mut self, value: &str) {
        self.out.push(TEXT);
        self.str(value);
    }

    fn list<'i>(&mut self, items: impl Iterator<Item = &'i str>) {
        self.out.push(LIST);
        let count_at = self.out.len();
        self.out.extend_from_slice(&[0; 4]);
        let mut count = 0u32;
        for item in items {
            self.str(item);
            count += 1;
        }
        self.out[count_at..count_at + 4].copy_from_slice(&count.to_le_bytes());
    }

    fn bool(&mut self, value: bool) {
        self.out.extend_from_slice(&[BOOL, u8::from(value)]);
    }

    fn date(&mut self, days: i64) {
        self.tagged(DATE, days.to_le_bytes());
    }

    fn timestamp(&mut self, unix: i64) {
        self.tagged(TIMESTAMP, unix.to_le_bytes());
    }

    fn null(&mut self) {
        self.out.push(NULL);
    }

    fn end_row(&mut self) {}
}

/// Bytes that [`TableEncoder`] did not write: cut short, or not packed cells at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed packed cells at byte {offset}")]
pub struct MalformedCells {
    /// Where the bad cell starts.
    pub offset: usize,
}

/// Reads back the cells that [`TableEncoder`] packed, row after row: cell `i` belongs to
/// column `i % columns.len()` of the table.
pub fn cells(packed: &[u8]) -> Cells<'_> {
    Cells {
        bytes: packed,
        at: 0,
    }
}

/// Iterator over packed cells (see [`cells`]).
#[derive(Clone, Debug)]
pub struct Cells<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// Reads a little-endian `u32` length and that many bytes of UTF-8 from `bytes[at..]`;
/// returns the text and the offset after it.
fn read_str(bytes: &[u8], at: usize) -> Option<(&str, usize)> {
    let len = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
    let start = at + 4;
    let end = start.checked_add(len)?;
    let text = std::str::from_utf8(bytes.get(start..end)?).ok()?;
    Some((text, end))
}

impl<'a> Cells<'a> {
    fn read(&self) -> Option<(Cell<'a>, usize)> {
        let bytes = self.bytes;
        let at = self.at;
        let tag = *bytes.get(at)?;
        let word = || -> Option<[u8; 8]> { bytes.get(at + 1..at + 9)?.try_into().ok() };
        Some(match tag {
            NULL => (Cell::Null, at + 1),
            INT => (Cell::Int(i64::from_le_bytes(word()?)), at + 9),
            DECIMAL => (Cell::Decimal(u64::from_le_bytes(word()?)), at + 9),
            DATE => (Cell::Date(i64::from_le_bytes(word()?)), at + 9),
            TIMESTAMP => (Cell::Timestamp(i64::from_le_bytes(word()?)), at + 9),
            BOOL => match *bytes.get(at + 1)? {
                0 => (Cell::Bool(false), at + 2),
                1 => (Cell::Bool(true), at + 2),
                _ => return None,
            },
            TEXT => {
                let (text, end) = read_str(bytes, at + 1)?;
                (Cell::Text(text), end)
            }
            LIST => {
                let count = u32::from_le_bytes(bytes.get(at + 1..at + 5)?.try_into().ok()?);
                let start = at + 5;
                let mut end = start;
                for _ in 0..count {
                    end = read_str(bytes, end)?.1;
                }
                let items = ListItems {
                    bytes: &bytes[start..end],
                    left: count,
                };
                (Cell::List(items), end)
            }
            _ => return None,
        })
    }
}

impl<'a> Iterator for Cells<'a> {
    type Item = Result<Cell<'a>, MalformedCells>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.bytes.len() {
            return None;
        }
        match self.read() {
            Some((cell, end)) => {
                self.at = end;
                Some(Ok(cell))
            }
            None => {
                let offset = self.at;
                self.at = self.bytes.len(); // stop after reporting
                Some(Err(MalformedCells { offset }))
            }
        }
    }
}

/// The texts of a [`Cell::List`], in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListItems<'a> {
    /// The items, already checked by [`Cells`].
    bytes: &'a [u8],
    left: u32,
}

impl ListItems<'_> {
    /// Number of items.
    pub fn len(&self) -> usize {
        self.left as usize
    }

    /// Whether the list has no items.
    pub fn is_empty(&self) -> bool {
        self.left == 0
    }
}

impl<'a> Iterator for ListItems<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.left == 0 {
            return None;
        }
        // Checked when the cell was read, so this cannot fail.
        let (text, end) = read_str(self.bytes, 0)?;
        self.bytes = &self.bytes[end..];
        self.left -= 1;
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    fn packed(table: Table, patients: u64) -> Vec<u8> {
        let generator = Generator::new(&Scenario::preset("nato_article_5").unwrap(), 3).unwrap();
        let encoder = TableEncoder::new(&generator, table);
        let mut out = Vec::new();
        for (i, p) in generator.range(0..patients).unwrap().enumerate() {
            encoder.encode(&p, i as u64, &mut out);
        }
        out
    }

    /// Every cell read back has its column's type, and nulls only in nullable columns.
    #[test]
    fn cells_match_their_columns() {
        for table in Table::ALL {
            let columns = table.columns();
            let bytes = packed(table, 200);
            let mut n = 0;
            for (i, cell) in cells(&bytes).enumerate() {
                let column = columns[i % columns.len()];
                let cell = cell.unwrap();
                let fits = match cell {
                    Cell::Null => column.nullable,
                    Cell::Int(_) => column.kind == ColumnType::Int,
                    Cell::Decimal(_) => column.kind == ColumnType::Decimal,
                    Cell::Text(_) => column.kind == ColumnType::Text,
                    Cell::List(items) => {
                        assert_eq!(items.count(), items.len());
                        column.kind == ColumnType::TextList
                    }
                    Cell::Bool(_) => column.kind == ColumnType::Bool,
                    Cell::Date(_) => column.kind == ColumnType::Date,
                    Cell::Timestamp(_) => column.kind == ColumnType::Timestamp,
                };
                assert!(fits, "{}: {cell:?} in column {column:?}", table.as_str());
                n += 1;
            }
            assert_eq!(n % columns.len(), 0, "whole rows");
            assert!(n >= 200 * columns.len());
        }
    }

    /// Cut or corrupted bytes are reported with their offset, never a panic.
    #[test]
    fn malformed_cells_are_errors() {
        let bytes = packed(Table::Patients, 2);
        for cut in [1, 5, 20, bytes.len() - 1] {
            let result: Result<Vec<_>, _> = cells(&bytes[..cut]).collect();
            assert!(result.is_err(), "cut at {cut}");
        }
        let mut bad = bytes.clone();
        bad[0] = 42;
        assert_eq!(cells(&bad).next(), Some(Err(MalformedCells { offset: 0 })));
    }
}
