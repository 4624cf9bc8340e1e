//! The arguments every generating function shares, checked once.

use std::ops::Range;
use std::str::FromStr;
use std::sync::Arc;

use milmed_core::budget::Budget;
use milmed_core::format::{Encoder, Format};
use milmed_core::{Generator, Scenario};
use pyo3::prelude::*;

use crate::budget::PyBudget;
use crate::errors::{bad_argument, scenario_error};
use crate::scenario::PyScenario;

/// Most worker threads a job accepts (as the CLI's `--threads`).
const MAX_THREADS: u64 = 1024;

/// Most patients per batch.
const MAX_BATCH: u64 = 1 << 20;

/// A whole number from 0 to 2**64 - 1. Python ints of any size come in as `i128`, so
/// that a negative or huge value gets an error naming the argument (pyo3's own
/// conversion error would not).
pub(crate) fn natural(name: &str, value: i128) -> PyResult<u64> {
    u64::try_from(value).map_err(|_| {
        bad_argument(
            name,
            format!("{value} is not allowed; give a whole number from 0 to 2**64 - 1"),
        )
    })
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
    /// Checks the shared arguments; errors name the argument and what is allowed.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        py: Python<'_>,
        scenario: Option<&PyScenario>,
        patients: Option<i128>,
        seed: i128,
        start: i128,
        stop: Option<i128>,
        threads: Option<i128>,
        budget: Option<&PyBudget>,
        batch_size: i128,
    ) -> PyResult<RunOptions> {
        let patients = patients.map(|n| natural("patients", n)).transpose()?;
        let seed = natural("seed", seed)?;
        let start = natural("start", start)?;
        let stop = stop.map(|n| natural("stop", n)).transpose()?;
        let threads = threads.map(|n| natural("threads", n)).transpose()?;
        let batch_size = natural("batch_size", batch_size)?;
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
        let threads = match threads {
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
            Some(t @ 1..=MAX_THREADS) => t as usize,
            Some(t) => {
                return Err(bad_argument(
                    "threads",
                    format!("{t} is not allowed; give 1 to {MAX_THREADS}, or None for every core"),
                ));
            }
        };
        if !(1..=MAX_BATCH).contains(&batch_size) {
            return Err(bad_argument(
                "batch_size",
                format!("{batch_size} is not allowed; give 1 to {MAX_BATCH} patients"),
            ));
        }
        Ok(RunOptions {
            generator,
            range: start..stop,
            threads,
            batch: batch_size as usize,
            budget: budget.map_or_else(Budget::default, |b| b.inner()),
        })
    }

    /// Patients the job will generate unless a budget stops it first.
    pub(crate) fn total(&self) -> u64 {
        let n = self.range.end - self.range.start;
        self.budget.max_patients.map_or(n, |max| n.min(max))
    }
}

/// Parses a format name; the error lists the allowed ones.
pub(crate) fn parse_format(name: &str) -> PyResult<Format> {
    Format::from_str(name).map_err(|e| bad_argument("format", e))
}

/// The encoder of a stream format (NDEF without payload compression or encryption).
pub(crate) fn encoder(format: Format, generator: &Generator) -> Arc<dyn Encoder> {
    format.encoder(generator)
}

/// Splits `patients` into `n` contiguous ranges `(start, stop)` of nearly equal size, in
/// order; generating each and concatenating gives the whole run.
#[pyfunction]
pub(crate) fn shards(patients: i128, n: i128) -> PyResult<Vec<(u64, u64)>> {
    let patients = natural("patients", patients)?;
    let n = natural("n", n)?;
    if n == 0 {
        return Err(bad_argument(
            "n",
            "0 shards is not allowed; give at least 1",
        ));
    }
    let (size, extra) = (patients / n, patients % n);
    let mut start = 0;
    Ok((0..n)
        .map(|i| {
            let stop = start + size + u64::from(i < extra);
            let shard = (start, stop);
            start = stop;
            shard
        })
        .collect())
}

/// The names of the output formats.
#[pyfunction]
pub(crate) fn formats() -> Vec<&'static str> {
    Format::ALL.iter().map(|f| f.as_str()).collect()
}
