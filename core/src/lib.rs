//! milmed-core: deterministic synthetic casualties for military medical exercises.
//!
//! milmed turns a [`Scenario`] and a seed into patients who are injured in a NATO
//! operation and carried through the evacuation chain — point of injury, Role 1, 2, 3
//! and 4 — until they are killed in action, die of wounds, return to duty or remain in
//! care. Output is a pure function of the scenario, the seed and the milmed version, is
//! generated in bounded memory, and can be split into shards that concatenate to the
//! whole run.
//!
//! ```
//! use milmed_core::format::{Format, PatientWriter};
//! use milmed_core::{Generator, Scenario};
//!
//! let scenario = Scenario::preset("nato_article_5")?;
//! let generator = Generator::new(&scenario, 7)?;
//! let mut writer = PatientWriter::new(Format::Ndjson.encoder(&generator), Vec::new());
//! for patient in generator.range(0..50)? {
//!     writer.write_batch(&[patient])?;
//! }
//! let written = writer.finish()?;
//! assert_eq!(written.patients, 50);
//! let first = written.inner.split(|&b| b == b'\n').next().unwrap();
//! let record: serde_json::Value = serde_json::from_slice(first)?;
//! assert_eq!(record["id"], 0);
//! assert_eq!(record["movement_timeline"][0]["facility"], "POI");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod audit;
pub mod budget;
pub mod care;
pub mod clinical;
mod compiled;
mod congestion;
pub mod format;
mod generator;
pub mod job;
pub mod model;
pub mod output;
pub mod patient;
pub mod reference;
mod rng;
pub mod scenario;
pub mod schedule;
mod simulate;

pub use generator::{DEFAULT_CHUNK, Generator, Patients, RangeError};
pub use output::{Compression, DecryptError, Encryption, Output};
pub use patient::Patient;
pub use scenario::{Scenario, ScenarioError};

/// The README's library example, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
