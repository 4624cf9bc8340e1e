//! A job running on a thread of its own (milmed-core's [`Job::spawn_with`]), and the
//! Python thread that waits for it.
//!
//! The job's sink sends what it produces (byte chunks, Arrow batches) through a bounded
//! channel, so a slow consumer slows the job down instead of letting memory grow. The
//! waiting Python thread releases the GIL while it waits, and wakes every
//! [`WAKE_INTERVAL`] to run Python's signal handlers — a Ctrl-C (`KeyboardInterrupt`)
//! cancels the job, which stops at its next batch — and to report progress. When the
//! channel closes (the sink is finished and dropped) the job is ending: the thread waits
//! for its [`JobHandle`] the same way, waking to handle signals.
//!
//! The job's threads belong to the process that started it. A forked child has a copy of
//! the [`Running`] but none of its threads, so every call checks the process first and
//! raises a `RuntimeError` in a child instead of waiting forever.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use milmed_core::budget::CancelToken;
use milmed_core::job::{Job, JobEnd, JobHandle, JobReport, JobSink, receiver_gone};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::errors::{budget_exceeded, io_error};

/// How often a waiting Python thread wakes to handle signals and report progress.
const WAKE_INTERVAL: Duration = Duration::from_millis(20);

/// Items in flight between the job and Python, beyond the one being consumed.
const CHANNEL_CAPACITY: usize = 2;

/// The sending half, given to the job's sink: one item and the bytes it holds (for the
/// job's memory account).
pub(crate) struct Outbox<T> {
    tx: Sender<(T, u64)>,
    queued: Arc<AtomicU64>,
}

impl<T> Outbox<T> {
    /// Sends one item, waiting while the channel is full. Fails with core's
    /// [`receiver_gone`] when the consumer has gone (the Python object was dropped): a
    /// `ChunkSink` then stops the job cleanly.
    pub(crate) fn send(&self, item: T, bytes: u64) -> io::Result<()> {
        self.queued.fetch_add(bytes, Ordering::Relaxed);
        self.tx.send((item, bytes)).map_err(|_| receiver_gone())
    }

    /// The count of bytes sent but not yet taken by Python, for sinks that account it in
    /// the job's memory.
    pub(crate) fn queued_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.queued)
    }
}

/// A job started on its own thread, sending items of type `T`; its sink gives back `O`
/// when finished.
pub(crate) struct Running<T, O = ()> {
    rx: Receiver<(T, u64)>,
    job: JobHandle<O>,
    cancel: CancelToken,
    queued: Arc<AtomicU64>,
    /// Patients last reported to the progress callback.
    reported: AtomicU64,
    total: u64,
    /// The process whose threads run the job.
    process: u32,
}

/// How a finished job ended, for the caller to turn into a result or an exception.
pub(crate) struct Finished<O = ()> {
    pub(crate) report: JobReport<O>,
}

impl<O> Finished<O> {
    /// `BudgetExceeded` if a limit stopped the job.
    pub(crate) fn check_budget(&self, py: Python<'_>) -> PyResult<()> {
        match self.report.end {
            JobEnd::BudgetExceeded {
                resource,
                limit,
                used,
            } => Err(budget_exceeded(
                py,
                resource,
                limit,
                used,
                self.report.patients,
            )),
            JobEnd::Complete | JobEnd::Cancelled => Ok(()),
        }
    }
}

impl<T: Send + 'static, O: Send + 'static> Running<T, O> {
    /// Spawns `job` into the sink that `make_sink` builds on the job's thread (building
    /// may be slow: key derivation) from the outbox.
    pub(crate) fn start<S, F>(job: Job, make_sink: F) -> Running<T, O>
    where
        S: JobSink<Output = O> + 'static,
        F: FnOnce(Outbox<T>) -> io::Result<S> + Send + 'static,
    {
        let (tx, rx) = bounded(CHANNEL_CAPACITY);
        let queued = Arc::new(AtomicU64::new(0));
        let outbox = Outbox {
            tx,
            queued: Arc::clone(&queued),
        };
        let cancel = job.cancel_token().clone();
        let total = job.planned();
        let handle = job.spawn_with(move || make_sink(outbox));
        Running {
            rx,
            job: handle,
            cancel,
            queued,
            reported: AtomicU64::new(u64::MAX),
            total,
            process: std::process::id(),
        }
    }
}

impl<T, O> Running<T, O> {
    /// A `RuntimeError` when called in another process than the one that started the
    /// job: a child made by `os.fork()`, which has none of the job's threads.
    pub(crate) fn check_process(&self) -> PyResult<()> {
        let here = std::process::id();
        if here == self.process {
            return Ok(());
        }
        Err(PyRuntimeError::new_err(format!(
            "this iterator was created in process {} and cannot be used after os.fork() in process {here}: its worker threads are not in this process; create a new one in the child",
            self.process
        )))
    }

    /// Patients the job will generate unless a budget stops it first.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Patients written so far, as last reported by the job.
    fn done(&self) -> u64 {
        self.job.progress().patients
    }

    /// Waits up to [`WAKE_INTERVAL`] (GIL released) for the job to end, and takes its
    /// report if it has.
    fn try_finish(&self, py: Python<'_>) -> PyResult<Option<Finished<O>>>
    where
        O: Send,
    {
        let job = &self.job;
        if !py.detach(|| job.wait_timeout(WAKE_INTERVAL)) {
            return Ok(None);
        }
        match job.try_join() {
            Some(report) => Ok(Some(Finished {
                report: report.map_err(io_error)?,
            })),
            None => Err(io_error(
                "the job has ended and its report was already taken",
            )),
        }
    }

    /// Waits for the next item with the GIL released. `Ok(Err(finished))` when the job
    /// has ended. On a Python signal exception (KeyboardInterrupt), or an exception from
    /// the progress callback, the job is cancelled and waited for, and the exception is
    /// returned.
    pub(crate) fn next(
        &self,
        py: Python<'_>,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Result<T, Finished<O>>>
    where
        T: Send,
        O: Send,
    {
        self.check_process()?;
        loop {
            let rx = &self.rx;
            let received = py.detach(|| rx.recv_timeout(WAKE_INTERVAL));
            let item = match received {
                Ok((item, bytes)) => {
                    self.queued.fetch_sub(bytes, Ordering::Relaxed);
                    Some(item)
                }
                Err(RecvTimeoutError::Timeout) => None,
                // Every item is taken and the sink is gone: the job is ending.
                Err(RecvTimeoutError::Disconnected) => {
                    if let Some(finished) = self.try_finish(py)? {
                        self.report_progress(progress, finished.report.patients)?;
                        return Ok(Err(finished));
                    }
                    None
                }
            };
            let checked = py
                .check_signals()
                .and_then(|()| self.report_progress(progress, self.done()));
            if let Err(e) = checked {
                self.stop(py);
                return Err(e);
            }
            if let Some(item) = item {
                return Ok(Ok(item));
            }
        }
    }

    /// Calls `progress(done, total)` if `done` changed since the last call.
    fn report_progress(&self, progress: Option<&Bound<'_, PyAny>>, done: u64) -> PyResult<()> {
        match progress {
            Some(callback) if self.reported.swap(done, Ordering::Relaxed) != done => {
                callback.call1((done, self.total)).map(drop)
            }
            _ => Ok(()),
        }
    }

    /// Waits for the job to end, dropping its items; for sinks that send none (files).
    pub(crate) fn wait(
        &self,
        py: Python<'_>,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Finished<O>>
    where
        T: Send,
        O: Send,
    {
        loop {
            if let Err(finished) = self.next(py, progress)? {
                return Ok(finished);
            }
        }
    }

    /// Cancels the job and waits (GIL released) until it has stopped, which it does at
    /// its next batch. In a forked child there is nothing to stop or wait for.
    pub(crate) fn stop(&self, py: Python<'_>)
    where
        T: Send,
        O: Send,
    {
        if self.check_process().is_err() {
            return;
        }
        self.cancel.cancel();
        let (rx, job) = (&self.rx, &self.job);
        py.detach(|| {
            // Drain, so a sink blocked on a full channel can go on to see the token.
            while rx.recv().is_ok() {}
            while !job.wait_timeout(Duration::from_secs(1)) {}
        });
    }
}
