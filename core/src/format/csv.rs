//! CSV, written with the `csv` crate (RFC 4180 quoting, `\n` line ends — the crate's
//! default): `csv` has one row per patient, `events-csv` one row per timeline event.
//!
//! Both start with a header row. Lists inside a cell are `;`-separated; a value that does
//! not apply is an empty cell. `docs/formats.md` documents every column.

use ::csv::{Writer, WriterBuilder};

use super::Encoder;
use super::json_out::{int, tenths};
use super::record::RenderContext;
use super::table::{Row, Table};
use super::time::{write_date, write_timestamp};
use crate::patient::Patient;

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

    /// A cell formatted by `write`.
    fn with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        self.cell.clear();
        write(&mut self.cell);
        self.csv.write_field(&self.cell).expect(IN_MEMORY);
    }

    fn finish(self) {
        self.csv
            .into_inner()
            .map_err(|e| e.into_error())
            .expect(IN_MEMORY);
    }
}

/// Cells as CSV text: decimals with one digit after the point, dates as `YYYY-MM-DD`,
/// timestamps as RFC 3339 UTC, lists `;`-separated, null as an empty cell.
impl Row for Rows<'_> {
    fn int(&mut self, value: i64) {
        self.with(|out| int(out, value));
    }

    fn decimal(&mut self, value: u64) {
        self.with(|out| tenths(out, value));
    }

    fn text(&mut self, value: &str) {
        self.csv.write_field(value).expect(IN_MEMORY);
    }

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

    fn bool(&mut self, value: bool) {
        self.text(if value { "true" } else { "false" });
    }

    fn date(&mut self, days: i64) {
        self.with(|out| write_date(out, days));
    }

    fn timestamp(&mut self, unix: i64) {
        self.with(|out| write_timestamp(out, unix));
    }

    fn null(&mut self) {
        self.text("");
    }

    fn end_row(&mut self) {
        self.csv.write_record(None::<&[u8]>).expect(IN_MEMORY);
    }
}

/// A CSV format: a header row, then the rows of each patient.
pub(crate) struct CsvEncoder {
    ctx: RenderContext,
    table: Table,
}

impl CsvEncoder {
    /// The `csv` format (one row per patient) or `events-csv` (one row per event).
    pub(crate) fn new(ctx: RenderContext, table: Table) -> CsvEncoder {
        CsvEncoder { ctx, table }
    }
}

impl Encoder for CsvEncoder {
    fn header(&self, out: &mut Vec<u8>) {
        let mut rows = Rows::new(out);
        for column in self.table.columns() {
            rows.text(column.name);
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
            self.table.write_rows(&self.ctx, p, &mut rows);
        }
        rows.finish();
    }
}
