//! Output formats, streamed.
//!
//! A format is an [`Encoder`]: it writes an optional header, then each patient, then an
//! optional footer that closes the document. [`PatientWriter`] drives an encoder over any
//! [`std::io::Write`], batch by batch, so memory stays flat whatever the number of
//! patients; [`finish`](PatientWriter::finish) closes the document. Encoding one patient
//! depends only on the patient and its position, so chunks can be encoded on worker
//! threads ([`Encoder::encode_chunk`]) and written in order with
//! [`PatientWriter::write_encoded`] — the bytes are the same either way.

mod csv;
pub mod fhir;
mod json_out;
pub mod ndef;
mod record;
mod sink;
pub mod table;
pub mod time;
mod viewer;
mod xml;

use std::io::{self, Write};
use std::str::FromStr;
use std::sync::Arc;

pub use record::{RenderContext, write_record};

use crate::Generator;
use crate::patient::Patient;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON object per line (newline-delimited JSON).
    Ndjson,
    /// One JSON array of patient objects.
    Json,
    /// CSV, one row per patient ([`table::PATIENT_COLUMNS`]).
    Csv,
    /// CSV, one row per timeline event ([`table::EVENT_COLUMNS`]).
    EventsCsv,
    /// One XML document, `<patients>` with one `<patient>` per patient.
    Xml,
    /// The JSON array read by the ancestor's timeline viewer.
    Viewer,
    /// FHIR R4 (4.0.1): one Bundle of type `collection` per patient, one per line.
    Fhir,
    /// FHIR R4 (4.0.1): one Bundle of type `transaction` per patient (every entry a
    /// `POST`), one per line.
    FhirTransaction,
    /// One NFC Forum NDEF message per patient ([`ndef`]); the CLI writes one file each.
    Ndef,
}

impl Format {
    /// Every format.
    pub const ALL: &'static [Format] = &[
        Format::Ndjson,
        Format::Json,
        Format::Csv,
        Format::EventsCsv,
        Format::Xml,
        Format::Viewer,
        Format::Fhir,
        Format::FhirTransaction,
        Format::Ndef,
    ];

    /// Name used on the command line and in APIs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Ndjson => "ndjson",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::EventsCsv => "events-csv",
            Format::Xml => "xml",
            Format::Viewer => "viewer",
            Format::Ndef => "ndef",
            Format::Fhir => "fhir",
            Format::FhirTransaction => "fhir-transaction",
        }
    }

    /// The names of every format, comma-separated (for messages).
    pub fn names() -> String {
        Format::ALL
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Usual file extension (without the leading dot). Both FHIR formats use
    /// `fhir.ndjson`: newline-delimited JSON whose lines are FHIR Bundles.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Ndjson => "ndjson",
            Format::Json => "json",
            Format::Csv | Format::EventsCsv => "csv",
            Format::Xml => "xml",
            Format::Viewer => "json",
            Format::Ndef => "ndef",
            Format::Fhir | Format::FhirTransaction => "fhir.ndjson",
        }
    }

    /// Whether each patient is a document of its own (one file per patient), rather
    /// than a record in one stream.
    pub const fn one_file_per_patient(self) -> bool {
        matches!(self, Format::Ndef)
    }

    /// The encoder of this format for a generator's run.
    pub fn encoder(self, generator: &Generator) -> Arc<dyn Encoder> {
        let ctx = RenderContext::new(generator);
        match self {
            Format::Ndjson => Arc::new(NdjsonEncoder { ctx }),
            Format::Json => Arc::new(JsonArrayEncoder {
                ctx,
                record: write_record,
            }),
            Format::Csv => Arc::new(csv::CsvEncoder::new(ctx, table::Table::Patients)),
            Format::EventsCsv => Arc::new(csv::CsvEncoder::new(ctx, table::Table::Events)),
            Format::Xml => Arc::new(xml::XmlEncoder { ctx }),
            Format::Viewer => Arc::new(JsonArrayEncoder {
                ctx,
                record: viewer::write_viewer_record,
            }),
            Format::Ndef => Arc::new(ndef::NdefEncoder::new(
                ctx,
                crate::output::Compression::None,
            )),
            Format::Fhir => Arc::new(fhir::FhirEncoder::new(ctx, fhir::BundleType::Collection)),
            Format::FhirTransaction => {
                Arc::new(fhir::FhirEncoder::new(ctx, fhir::BundleType::Transaction))
            }
        }
    }
}

impl Format {
    /// The encoder of this format for an output that is compressed and encrypted as
    /// asked. Stream formats ignore both here (their bytes pass through an
    /// [`Output`](crate::output::Output) chain); NDEF packs each tag's payload itself, so
    /// its encoder compresses and encrypts every tag (the error is the operating system's
    /// random source failing).
    pub fn encoder_for_output(
        self,
        generator: &Generator,
        compression: crate::output::Compression,
        encryption: Option<&crate::output::Encryption>,
    ) -> io::Result<Arc<dyn Encoder>> {
        let ctx = || RenderContext::new(generator);
        Ok(match (self, encryption) {
            (Format::Ndef, None) => Arc::new(ndef::NdefEncoder::new(ctx(), compression)),
            (Format::Ndef, Some(e)) => {
                Arc::new(ndef::NdefEncoder::encrypted(ctx(), compression, e.clone())?)
            }
            (other, _) => other.encoder(generator),
        })
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}`; allowed: {allowed}", allowed = Format::names())]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// Turns patients into bytes of one format.
pub trait Encoder: Send + Sync {
    /// Bytes before the first patient.
    fn header(&self, _out: &mut Vec<u8>) {}

    /// Appends one patient; `position` is its 0-based position in the output.
    fn encode(&self, patient: &Patient, position: u64, out: &mut Vec<u8>);

    /// Bytes after the last of `count` patients, closing the document.
    fn footer(&self, _out: &mut Vec<u8>, _count: u64) {}

    /// Appends a chunk of patients whose first one is at output position `first`.
    fn encode_chunk(&self, patients: &[Patient], first: u64, out: &mut Vec<u8>) {
        for (i, p) in patients.iter().enumerate() {
            self.encode(p, first + i as u64, out);
        }
    }
}

/// NDJSON: one patient record per line.
struct NdjsonEncoder {
    ctx: RenderContext,
}

impl Encoder for NdjsonEncoder {
    fn encode(&self, patient: &Patient, _position: u64, out: &mut Vec<u8>) {
        write_record(&self.ctx, patient, out);
        out.push(b'\n');
    }
}

/// JSON (and the viewer's JSON): one array, one object per line inside it.
struct JsonArrayEncoder {
    ctx: RenderContext,
    /// Appends one patient's object.
    record: fn(&RenderContext, &Patient, &mut Vec<u8>),
}

impl Encoder for JsonArrayEncoder {
    fn header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"[\n");
    }

    fn encode(&self, patient: &Patient, position: u64, out: &mut Vec<u8>) {
        if position > 0 {
            out.extend_from_slice(b",\n");
        }
        (self.record)(&self.ctx, patient, out);
    }

    fn footer(&self, out: &mut Vec<u8>, _count: u64) {
        out.extend_from_slice(b"\n]\n");
    }
}

/// What a finished writer wrote.
#[derive(Debug)]
pub struct Written<W> {
    /// The underlying writer, flushed.
    pub inner: W,
    /// Patients written.
    pub patients: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// Flush to the underlying writer once this many bytes are buffered.
const FLUSH_AT: usize = 1 << 16;

/// Bytes a [`PatientWriter`] reserves for its buffer.
pub(crate) const WRITER_BUFFER: usize = FLUSH_AT * 2;

/// Streams patients of one format into a writer.
///
/// ```
/// use milmed_core::format::{Format, PatientWriter};
/// use milmed_core::{Generator, Scenario};
///
/// let generator = Generator::new(&Scenario::preset("training_exercise").unwrap(), 1).unwrap();
/// let mut writer = PatientWriter::new(Format::Json.encoder(&generator), Vec::new());
/// let patients: Vec<_> = generator.patients().collect();
/// writer.write_batch(&patients).unwrap();
/// let written = writer.finish().unwrap();
/// let parsed: serde_json::Value = serde_json::from_slice(&written.inner).unwrap();
/// assert_eq!(parsed.as_array().unwrap().len(), 100);
/// ```
pub struct PatientWriter<W: Write> {
    encoder: Arc<dyn Encoder>,
    out: W,
    buffer: Vec<u8>,
    patients: u64,
    bytes: u64,
}

impl<W: Write> PatientWriter<W> {
    /// A writer that starts the document (header) on `out`.
    pub fn new(encoder: Arc<dyn Encoder>, out: W) -> PatientWriter<W> {
        let mut buffer = Vec::with_capacity(WRITER_BUFFER);
        encoder.header(&mut buffer);
        PatientWriter {
            encoder,
            out,
            buffer,
            patients: 0,
            bytes: 0,
        }
    }

    /// Encodes and writes a batch of patients.
    pub fn write_batch(&mut self, patients: &[Patient]) -> io::Result<()> {
        for p in patients {
            self.encoder.encode(p, self.patients, &mut self.buffer);
            self.patients += 1;
            if self.buffer.len() >= FLUSH_AT {
                self.flush_buffer()?;
            }
        }
        Ok(())
    }

    /// Writes `count` patients already encoded by this format's [`Encoder::encode_chunk`]
    /// at the writer's current position (see [`position`](Self::position)).
    pub fn write_encoded(&mut self, bytes: &[u8], count: u64) -> io::Result<()> {
        self.flush_buffer()?;
        self.out.write_all(bytes)?;
        self.bytes += bytes.len() as u64;
        self.patients += count;
        Ok(())
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Output position of the next patient (patients written so far).
    pub fn position(&self) -> u64 {
        self.patients
    }

    /// Bytes handed to the underlying writer so far, plus those buffered.
    pub fn bytes(&self) -> u64 {
        self.bytes + self.buffer.len() as u64
    }

    /// The writer's encoder, shared: to encode chunks on other threads for
    /// [`write_encoded`](Self::write_encoded).
    pub fn encoder(&self) -> Arc<dyn Encoder> {
        Arc::clone(&self.encoder)
    }

    fn flush_buffer(&mut self) -> io::Result<()> {
        if !self.buffer.is_empty() {
            self.out.write_all(&self.buffer)?;
            self.bytes += self.buffer.len() as u64;
            self.buffer.clear();
        }
        Ok(())
    }

    /// Closes the document (footer), flushes, and returns the writer with its counts.
    pub fn finish(mut self) -> io::Result<Written<W>> {
        self.encoder.footer(&mut self.buffer, self.patients);
        self.flush_buffer()?;
        self.out.flush()?;
        Ok(Written {
            inner: self.out,
            patients: self.patients,
            bytes: self.bytes,
        })
    }
}
