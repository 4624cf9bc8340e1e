//! `estimated_duration`: how long a job will likely run, told when it is created.
//!
//! A job runs once, in its first format, to measure itself (and stores its patients in
//! PostgreSQL when asked); its other formats cost nothing until they are downloaded. The
//! estimate is that run at documented rates, deliberately conservative — a release build
//! measured about 100,000 patients a second in ndjson (docs/http-api.md's example job),
//! five times the record rate below; a debug build of the server about 11,000 in json and
//! 8,000 in FHIR — so that a client polling at the estimate rarely polls too early in a
//! release deployment. The time waiting in the queue is not included.

use milmed_core::format::Format;

/// Patients per second a worker generates and measures in a record format (json,
/// ndjson, csv, events-csv, xml, viewer).
pub const RECORD_PATIENTS_PER_SECOND: u64 = 20_000;

/// Patients per second in a FHIR format (a Bundle of many resources per patient).
pub const FHIR_PATIENTS_PER_SECOND: u64 = 5_000;

/// Patients per second written to PostgreSQL when the job stores them.
pub const STORED_PATIENTS_PER_SECOND: u64 = 5_000;

/// Seconds (at least 1) a job of `patients` in `formats` (milmed's names; the first is
/// the one it runs) will likely run, storing its patients or not.
pub fn estimated_duration(patients: u64, formats: &[String], persist_patients: bool) -> u64 {
    let rate = match formats.first().and_then(|f| f.parse::<Format>().ok()) {
        Some(Format::Fhir | Format::FhirTransaction) => FHIR_PATIENTS_PER_SECOND,
        _ => RECORD_PATIENTS_PER_SECOND,
    };
    let mut seconds = patients.div_ceil(rate);
    if persist_patients {
        seconds += patients.div_ceil(STORED_PATIENTS_PER_SECOND);
    }
    seconds.max(1)
}
