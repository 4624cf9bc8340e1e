//! The arguments every generating function shares, checked once.
//!
//! Each whole-number argument is read by an extractor of its own (`#[pyo3(from_py_with)]`),
//! so that every mistake — a bool, another type, a value out of range — is reported the
//! same way wherever the argument is taken: `name: value is not allowed; give what is
//! allowed`. A count of patients is checked by one function, [`patient_count`], whatever
//! its argument (a run's `patients`, `shards`' `patients`, `Budget(max_patients=…)`).

use std::ops::Range;
use std::sync::Arc;

use milmed_core::budget::Budget;
use milmed_core::format::{Encoder, Format, UnknownFormat};
use milmed_core::job::{Job, MAX_BATCH, MAX_THREADS, shards as split};
use milmed_core::output::{Compression, UnknownCompression};
use milmed_core::scenario::MAX_PATIENTS;
use milmed_core::{Generator, Scenario};
use pyo3::exceptions::{PyMemoryError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyBool;

use crate::budget::PyBudget;
use crate::errors::{bad_argument, scenario_error};
use crate::scenario::PyScenario;

/// What a whole-number argument allows: a range, said in words for messages.
#[derive(Clone, Copy)]
pub(crate) struct Whole {
    /// What is counted (`patients`, `bytes`), or `None` for a plain number.
    unit: Option<&'static str>,
    min: u64,
    max: u64,
    /// Appended to the range when the argument may also be None (`, or None for …`).
    or_none: &'static str,
}

impl Whole {
    const fn new(unit: Option<&'static str>, min: u64, max: u64) -> Whole {
        Whole {
            unit,
            min,
            max,
            or_none: "",
        }
    }

    const fn or_none(self, meaning: &'static str) -> Whole {
        Whole {
            or_none: meaning,
            ..self
        }
    }

    /// `give a number of patients from 1 to 4294967295`, `give a whole number from 0 to
    /// 2**64 - 1, or None for the end of the run`.
    fn allowed(&self) -> String {
        let max = if self.max == u64::MAX {
            "2**64 - 1".to_owned()
        } else {
            self.max.to_string()
        };
        let what = self.unit.map_or_else(
            || "a whole number".to_owned(),
            |u| format!("a number of {u}"),
        );
        format!("give {what} from {} to {max}{}", self.min, self.or_none)
    }
}

/// Patients in a run (and any other count of patients): what a scenario allows.
const PATIENTS: Whole = Whole::new(Some("patients"), 1, MAX_PATIENTS);
/// Any `u64`: seeds and positions in a run.
const ANY: Whole = Whole::new(None, 0, u64::MAX);
/// Bytes of a budget.
const BYTES: Whole = Whole::new(Some("bytes"), 0, u64::MAX);
/// Shards of `shards(patients, n)`: at most one per possible patient.
const SHARDS: Whole = Whole::new(Some("shards"), 1, MAX_PATIENTS);
const THREADS: Whole =
    Whole::new(Some("threads"), 1, MAX_THREADS as u64).or_none(", or None for every core");
const BATCH: Whole = Whole::new(Some("patients"), 1, MAX_BATCH as u64);
const STOP: Whole = ANY.or_none(", or None for the end of the run");

/// The message of every refused argument after its name: `value is not allowed[ (why)];
/// give what is allowed`, the value as Python shows it.
fn not_allowed(value: &Bound<'_, PyAny>, why: &str, allowed: &str) -> String {
    let shown = value
        .repr()
        .map_or_else(|_| "the value".to_owned(), |r| r.to_string());
    format!("{shown} is not allowed{why}; {allowed}")
}

/// A `TypeError` for a value of the wrong type: `(a bool, not an int)`.
fn wrong_type(name: &str, value: &Bound<'_, PyAny>, expected: &str, allowed: &str) -> PyErr {
    let given = value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string());
    let why = format!(" (a {given}, not {expected})");
    PyTypeError::new_err(format!("{name}: {}", not_allowed(value, &why, allowed)))
}

/// Reads the whole-number argument `name` within `range`: an int, or any integer type
/// (`__index__`, e.g. NumPy's). A bool is refused with a `TypeError` (it is an int in
/// Python, but `patients=True` is a mistake, not a run of one patient), as is any
/// other type; a value out of range, however large, gets a `ValueError`.
pub(crate) fn whole(name: &str, value: &Bound<'_, PyAny>, range: Whole) -> PyResult<u64> {
    let allowed = range.allowed();
    if value.is_instance_of::<PyBool>() {
        return Err(wrong_type(name, value, "an int", &allowed));
    }
    match value.extract::<u64>() {
        Ok(n) if (range.min..=range.max).contains(&n) => Ok(n),
        // Not an integer at all (a float, a str, None).
        Err(e) if e.is_instance_of::<PyTypeError>(value.py()) => {
            Err(wrong_type(name, value, "an int", &allowed))
        }
        // Out of range, negative or too large for 64 bits.
        _ => Err(bad_argument(name, not_allowed(value, "", &allowed))),
    }
}

/// [`whole`], or `None` for None.
fn optional(name: &str, value: &Bound<'_, PyAny>, range: Whole) -> PyResult<Option<u64>> {
    if value.is_none() {
        Ok(None)
    } else {
        whole(name, value, range).map(Some)
    }
}

/// The one check of a count of patients, named `name`: 1 to [`MAX_PATIENTS`].
pub(crate) fn patient_count(name: &str, value: &Bound<'_, PyAny>) -> PyResult<u64> {
    whole(name, value, PATIENTS)
}

/// A number of seconds (a budget's time limits): an int or a float (anything with
/// `__float__`), finite and not negative; a bool is refused with a `TypeError`.
pub(crate) fn seconds(name: &str, value: &Bound<'_, PyAny>) -> PyResult<f64> {
    let allowed = "give a finite number of seconds >= 0";
    if value.is_instance_of::<PyBool>() {
        return Err(wrong_type(name, value, "a number", allowed));
    }
    match value.extract::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.0 => Ok(s),
        Err(e) if e.is_instance_of::<PyTypeError>(value.py()) => {
            Err(wrong_type(name, value, "a number", allowed))
        }
        // Negative, NaN, infinite, or an int too large for a float.
        _ => Err(bad_argument(name, not_allowed(value, "", allowed))),
    }
}

// The extractors of `#[pyo3(from_py_with = …)]`, one per argument name.

/// `patients=`: a count of patients, or None for the scenario's.
pub(crate) fn patients_arg(value: &Bound<'_, PyAny>) -> PyResult<Option<u64>> {
    if value.is_none() {
        return Ok(None);
    }
    patient_count("patients", value).map(Some)
}

/// `seed=`.
pub(crate) fn seed_arg(value: &Bound<'_, PyAny>) -> PyResult<u64> {
    whole("seed", value, ANY)
}

/// `start=`.
pub(crate) fn start_arg(value: &Bound<'_, PyAny>) -> PyResult<u64> {
    whole("start", value, ANY)
}

/// `stop=`, None for the end of the run.
pub(crate) fn stop_arg(value: &Bound<'_, PyAny>) -> PyResult<Option<u64>> {
    optional("stop", value, STOP)
}

/// `threads=`, None for every core.
pub(crate) fn threads_arg(value: &Bound<'_, PyAny>) -> PyResult<Option<usize>> {
    Ok(optional("threads", value, THREADS)?.map(|t| t as usize))
}

/// `batch_size=`.
pub(crate) fn batch_size_arg(value: &Bound<'_, PyAny>) -> PyResult<usize> {
    Ok(whole("batch_size", value, BATCH)? as usize)
}

/// A budget's byte limit (`max_bytes=`, `max_memory=`), None for none.
pub(crate) fn bytes_limit(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Option<u64>> {
    optional(name, value, BYTES)
}

/// What to generate: the run, the range of it, and how.
pub(crate) struct RunOptions {
    /// The run, built from the scenario (with its patient count overridden) and the seed.
    pub(crate) generator: Generator,
    /// The patients to generate (a shard, or the whole run).
    pub(crate) range: Range<u64>,
    pub(crate) threads: usize,
    pub(crate) batch: usize,
    pub(crate) budget: Budget,
}

impl RunOptions {
    /// Builds the run from arguments already read by the extractors above; checks what
    /// depends on the run (`start` and `stop` within it).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        py: Python<'_>,
        scenario: Option<&PyScenario>,
        patients: Option<u64>,
        seed: u64,
        start: u64,
        stop: Option<u64>,
        threads: Option<usize>,
        budget: Option<&PyBudget>,
        batch: usize,
    ) -> PyResult<RunOptions> {
        let mut scenario = scenario.map_or_else(Scenario::default, |s| s.inner().clone());
        if let Some(n) = patients {
            scenario.patients = n;
        }
        let generator = Generator::new(&scenario, seed).map_err(|e| scenario_error(py, &e))?;
        let len = generator.len();
        let stop = stop.unwrap_or(len);
        if start > stop || stop > len {
            return Err(bad_argument(
                "start/stop",
                format!(
                    "patients {start}..{stop} are not within the run's {len} patients; allowed: 0 <= start <= stop <= {len}"
                ),
            ));
        }
        let threads =
            threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        Ok(RunOptions {
            generator,
            range: start..stop,
            threads,
            batch,
            budget: budget.map_or_else(Budget::default, |b| b.inner()),
        })
    }

    /// The job of these options, encoded by `encoder`, with a cancel token of its own.
    pub(crate) fn job(&self, encoder: Arc<dyn Encoder>) -> Job {
        Job::new(&self.generator, encoder)
            .range(self.range.clone())
            .threads(self.threads)
            .batch(self.batch)
            .budget(self.budget)
    }
}

/// Parses a format name: exactly one of the names [`formats`] lists (core's parser also
/// takes other cases; one spelling here keeps scripts consistent). The error lists the
/// allowed names.
pub(crate) fn parse_format(name: &str) -> PyResult<Format> {
    Format::ALL
        .iter()
        .copied()
        .find(|f| f.as_str() == name)
        .ok_or_else(|| bad_argument("format", UnknownFormat(name.to_owned())))
}

/// Parses `compress`: None, or exactly one of core's compression names.
pub(crate) fn parse_compression(compress: Option<&str>) -> PyResult<Compression> {
    let Some(name) = compress else {
        return Ok(Compression::None);
    };
    Compression::ALL
        .iter()
        .copied()
        .find(|c| c.as_str() == name)
        .ok_or_else(|| bad_argument("compress", UnknownCompression(name.to_owned())))
}

/// The encoder of a stream format (NDEF without payload compression or encryption).
pub(crate) fn encoder(format: Format, generator: &Generator) -> Arc<dyn Encoder> {
    format.encoder(generator)
}

/// Splits `patients` into `n` contiguous ranges `(start, stop)` of nearly equal size, in
/// order (milmed-core's `shards`); generating each and concatenating gives the whole run.
#[pyfunction]
pub(crate) fn shards(
    #[pyo3(from_py_with = shards_patients_arg)] patients: u64,
    #[pyo3(from_py_with = shards_n_arg)] n: u64,
) -> PyResult<Vec<(u64, u64)>> {
    // `n` was checked to be at least 1.
    let ranges = split(patients, n).map_err(|e| bad_argument("n", e))?;
    let mut shards = Vec::new();
    shards
        .try_reserve_exact(usize::try_from(n).unwrap_or(usize::MAX))
        .map_err(|_| PyMemoryError::new_err(format!("n: {n} shards do not fit in memory")))?;
    shards.extend(ranges.map(|r| (r.start, r.end)));
    Ok(shards)
}

fn shards_patients_arg(value: &Bound<'_, PyAny>) -> PyResult<u64> {
    patient_count("patients", value)
}

fn shards_n_arg(value: &Bound<'_, PyAny>) -> PyResult<u64> {
    whole("n", value, SHARDS)
}

/// The names of the output formats.
#[pyfunction]
pub(crate) fn formats() -> Vec<&'static str> {
    Format::ALL.iter().map(|f| f.as_str()).collect()
}
