//! Byte streams of any format (`iter_bytes`, and `generate` over NDJSON) and files
//! (`write`).

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use milmed_core::format::Format;
use milmed_core::job::{ChunkSink, DirectorySink, JobEnd, StreamSink};
use milmed_core::output::{Encryption, Partial};
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::budget::PyBudget;
use crate::errors::{bad_argument, io_error};
use crate::options::{
    RunOptions, batch_size_arg, encoder, parse_compression, parse_format, patients_arg, seed_arg,
    start_arg, stop_arg, threads_arg,
};
use crate::running::{Outbox, Running};
use crate::scenario::PyScenario;

/// An iterator of `bytes` chunks of one format, produced by a job on its own thread.
#[pyclass(module = "milmed._native", frozen)]
pub(crate) struct ByteStream {
    running: Running<Vec<u8>>,
    progress: Option<Py<PyAny>>,
    ended: AtomicBool,
}

#[pymethods]
impl ByteStream {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        // Before anything else: in a forked child, every call says so.
        self.running.check_process()?;
        if self.ended.load(Ordering::Relaxed) {
            return Err(PyStopIteration::new_err(()));
        }
        let progress = self.progress.as_ref().map(|p| p.bind(py));
        let next = self.running.next(py, progress);
        match next {
            Ok(Ok(chunk)) => Ok(PyBytes::new(py, &chunk)),
            Ok(Err(finished)) => {
                self.ended.store(true, Ordering::Relaxed);
                finished.check_budget(py)?;
                Err(PyStopIteration::new_err(()))
            }
            Err(e) => {
                self.ended.store(true, Ordering::Relaxed);
                Err(e)
            }
        }
    }

    /// Patients the stream will hold unless a budget stops it first.
    #[getter]
    fn total(&self) -> u64 {
        self.running.total()
    }

    /// Raises `RuntimeError` if called in another process than the one that created the
    /// stream (a child made by `os.fork()`); `__next__` does so itself.
    fn check_process(&self) -> PyResult<()> {
        self.running.check_process()
    }

    /// Stops the job (at its next batch); the iterator then ends. Does nothing in a
    /// forked child, which has no job to stop.
    fn close(&self, py: Python<'_>) {
        if !self.ended.swap(true, Ordering::Relaxed) {
            self.running.stop(py);
        }
    }
}

/// Starts a job streaming `format` as `bytes` chunks.
#[pyfunction]
#[pyo3(signature = (scenario=None, *, patients=None, seed=0, start=0, stop=None, threads=None, budget=None, format="ndjson", batch_size=128, progress=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn stream(
    py: Python<'_>,
    scenario: Option<PyRef<'_, PyScenario>>,
    #[pyo3(from_py_with = patients_arg)] patients: Option<u64>,
    #[pyo3(from_py_with = seed_arg)] seed: u64,
    #[pyo3(from_py_with = start_arg)] start: u64,
    #[pyo3(from_py_with = stop_arg)] stop: Option<u64>,
    #[pyo3(from_py_with = threads_arg)] threads: Option<usize>,
    budget: Option<PyRef<'_, PyBudget>>,
    format: &str,
    #[pyo3(from_py_with = batch_size_arg)] batch_size: usize,
    progress: Option<Py<PyAny>>,
) -> PyResult<ByteStream> {
    let format = parse_format(format)?;
    let options = RunOptions::new(
        py,
        scenario.as_deref(),
        patients,
        seed,
        start,
        stop,
        threads,
        budget.as_deref(),
        batch_size,
    )?;
    let encoder = encoder(format, &options.generator);
    let sink_encoder = Arc::clone(&encoder);
    let per_patient = format.one_file_per_patient();
    let running = Running::start(options.job(encoder), move |outbox: Outbox<Vec<u8>>| {
        let queued = outbox.queued_counter();
        Ok(
            ChunkSink::new(sink_encoder, per_patient, move |chunk: Vec<u8>| {
                let len = chunk.len() as u64;
                outbox.send(chunk, len)
            })
            .queued(queued),
        )
    });
    Ok(ByteStream {
        running,
        progress,
        ended: AtomicBool::new(false),
    })
}

/// Writes a run into `path` (a directory for NDEF) as `<path>.partial`, renamed into place
/// when the document is complete, or in place into a device or a pipe (core's [`Partial`]
/// decides); returns the summary as a dict (without the path).
#[pyfunction]
#[pyo3(signature = (path, scenario=None, *, patients=None, seed=0, start=0, stop=None, threads=None, budget=None, format="ndjson", compress=None, password=None, batch_size=128, progress=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn write<'py>(
    py: Python<'py>,
    path: PathBuf,
    scenario: Option<PyRef<'_, PyScenario>>,
    #[pyo3(from_py_with = patients_arg)] patients: Option<u64>,
    #[pyo3(from_py_with = seed_arg)] seed: u64,
    #[pyo3(from_py_with = start_arg)] start: u64,
    #[pyo3(from_py_with = stop_arg)] stop: Option<u64>,
    #[pyo3(from_py_with = threads_arg)] threads: Option<usize>,
    budget: Option<PyRef<'_, PyBudget>>,
    format: &str,
    compress: Option<&str>,
    password: Option<&str>,
    #[pyo3(from_py_with = batch_size_arg)] batch_size: usize,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let format = parse_format(format)?;
    let compression = parse_compression(compress)?;
    let encryption = match password {
        None => None,
        Some(p) => Some(Encryption::new(p).map_err(|e| bad_argument("password", e))?),
    };
    let options = RunOptions::new(
        py,
        scenario.as_deref(),
        patients,
        seed,
        start,
        stop,
        threads,
        budget.as_deref(),
        batch_size,
    )?;
    let encoder = format
        .encoder_for_output(&options.generator, compression, encryption.as_ref())
        .map_err(io_error)?;
    let job = options.job(Arc::clone(&encoder));
    let total = job.planned();
    let report = if format.one_file_per_patient() {
        let partial =
            Partial::directory(&path, &format!("the {format} format")).map_err(io_error)?;
        let dir = partial.path().to_owned();
        let running: Running<()> = Running::start(job, move |_outbox| {
            Ok(DirectorySink::new(dir, format, total))
        });
        let finished = running.wait(py, progress.as_ref())?;
        if finished.report.end != JobEnd::Cancelled {
            py.detach(|| partial.commit()).map_err(io_error)?;
        }
        finished.report
    } else {
        let (partial, file) = Partial::file(&path).map_err(io_error)?;
        // A new file is synced before it is renamed into place; a device or a pipe
        // written in place (`/dev/null`, a FIFO) cannot be synced (EINVAL) and need not be.
        let sync = partial.removable().is_some();
        let running: Running<(), BufWriter<std::fs::File>> = Running::start(job, move |_outbox| {
            StreamSink::new(
                encoder,
                BufWriter::new(file),
                compression,
                encryption.as_ref(),
            )
        });
        let finished = running.wait(py, progress.as_ref())?;
        // Cancelled: Python is raising (Ctrl-C, a failing progress callback) and never
        // sees a result, so the output is not finished but dropped (the `.partial` file
        // is removed).
        let mut output = None;
        let report = finished.report.map(|out| output = Some(out));
        if let (true, Some(mut out)) = (report.end != JobEnd::Cancelled, output) {
            py.detach(|| -> std::io::Result<()> {
                out.flush()?;
                let file = out.into_inner().map_err(|e| e.into_error())?;
                if sync {
                    file.sync_all()?;
                }
                partial.commit()
            })
            .map_err(io_error)?;
        }
        report
    };
    summary(py, &report, format, total)
}

/// The summary of a written run.
fn summary<'py>(
    py: Python<'py>,
    report: &milmed_core::job::JobReport<()>,
    format: Format,
    total: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("format", format.as_str())?;
    d.set_item("patients", report.patients)?;
    d.set_item("requested", total)?;
    d.set_item("bytes", report.bytes)?;
    d.set_item("seconds", report.elapsed.as_secs_f64())?;
    d.set_item("cpu_seconds", report.cpu_time.as_secs_f64())?;
    d.set_item("peak_memory", report.peak_memory)?;
    // How every front-end says how a job ended: core's `JobEnd` Display.
    let (truncated, reason) = match report.end {
        JobEnd::Complete => (false, None),
        end => (true, Some(end.to_string())),
    };
    d.set_item("truncated", truncated)?;
    d.set_item("reason", reason)?;
    Ok(d)
}
