//! A job running on a thread of its own, and the Python thread that waits for it.
//!
//! The job's sink sends what it produces (byte chunks, Arrow batches) through a bounded
//! channel, so a slow consumer slows the job down instead of letting memory grow. The
//! waiting Python thread releases the GIL while it waits, and wakes every
//! [`WAKE_INTERVAL`] to run Python's signal handlers — a Ctrl-C (`KeyboardInterrupt`)
//! cancels the job, which stops at its next batch — and to report progress.
//!
//! A sink may stop its job at a limit that the job does not check itself (the memory of
//! an Arrow table being built) with [`Outbox::exceed`]: the job stops at its next batch,
//! as for a cancel, but ends `BudgetExceeded`.
//!
//! The job's threads belong to the process that started it. A forked child has a copy of
//! the [`Running`] but none of its threads, so every call checks the process first and
//! raises a `RuntimeError` in a child instead of waiting forever.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use milmed_core::budget::{CancelToken, Resource};
use milmed_core::format::Encoder;
use milmed_core::job::{Job, JobEnd, JobReport, JobSink, run_job};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::errors::{budget_exceeded, io_error};
use crate::options::RunOptions;

/// How often a waiting Python thread wakes to handle signals and report progress.
const WAKE_INTERVAL: Duration = Duration::from_millis(20);

/// Items in flight between the job and Python, beyond the one being consumed.
const CHANNEL_CAPACITY: usize = 2;

/// What the job thread sends.
pub(crate) enum Message<T> {
    /// One item and the bytes it holds (for the job's memory account).
    Item(T, u64),
    /// The job ended: its report (without output), or why it failed.
    Done(Result<JobReport<()>, String>),
}

/// The sending half, given to the job's sink.
pub(crate) struct Outbox<T> {
    tx: Sender<Message<T>>,
    queued: Arc<AtomicU64>,
    cancel: CancelToken,
    /// How the sink ended the job, if it did ([`exceed`](Self::exceed)).
    ended: Arc<OnceLock<JobEnd>>,
}

impl<T> Outbox<T> {
    /// Sends one item, waiting while the channel is full. Fails when the consumer has
    /// gone (the Python object was dropped): the job then stops.
    pub(crate) fn send(&self, item: T, bytes: u64) -> io::Result<()> {
        self.queued.fetch_add(bytes, Ordering::Relaxed);
        self.tx
            .send(Message::Item(item, bytes))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the consumer stopped reading"))
    }

    /// The count of bytes sent but not yet taken by Python, for sinks that account it in
    /// the job's memory.
    pub(crate) fn queued_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.queued)
    }

    /// Stops the job at its next batch because the sink passed a limit of the budget:
    /// the job then ends with `BudgetExceeded { resource, limit, used }` (the first call
    /// counts), its output finished like at any other limit.
    pub(crate) fn exceed(&self, resource: Resource, limit: u64, used: u64) {
        let _ = self.ended.set(JobEnd::BudgetExceeded {
            resource,
            limit,
            used,
        });
        self.cancel.cancel();
    }
}

/// A job started on its own thread.
pub(crate) struct Running<T> {
    rx: Receiver<Message<T>>,
    cancel: CancelToken,
    queued: Arc<AtomicU64>,
    done: Arc<AtomicU64>,
    /// Patients last reported to the progress callback.
    reported: AtomicU64,
    total: u64,
    /// The process whose threads run the job.
    process: u32,
}

/// How a finished job ended, for the caller to turn into a result or an exception.
pub(crate) struct Finished {
    pub(crate) report: JobReport<()>,
}

impl Finished {
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

impl<T: Send + 'static> Running<T> {
    /// Starts the job of `options`, encoded by `encoder`, into the sink that `make_sink`
    /// builds on the job's thread (building may be slow: key derivation) from the outbox.
    /// `finish` runs on the job's thread once the sink is closed, unless the job was
    /// cancelled.
    pub(crate) fn start<S, F>(
        options: RunOptions,
        encoder: Arc<dyn Encoder>,
        make_sink: F,
        finish: impl FnOnce(S::Output) -> io::Result<()> + Send + 'static,
    ) -> Running<T>
    where
        S: JobSink,
        F: FnOnce(Outbox<T>) -> io::Result<S> + Send + 'static,
    {
        let (tx, rx) = bounded(CHANNEL_CAPACITY);
        let cancel = CancelToken::new();
        let queued = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicU64::new(0));
        let total = options.total();
        let ended = Arc::new(OnceLock::new());
        let outbox = Outbox {
            tx: tx.clone(),
            queued: Arc::clone(&queued),
            cancel: cancel.clone(),
            ended: Arc::clone(&ended),
        };
        let token = cancel.clone();
        let progress = Arc::clone(&done);
        thread::spawn(move || {
            let result = (|| {
                let sink = make_sink(outbox).map_err(|e| e.to_string())?;
                let job = Job::new(&options.generator, encoder)
                    .range(options.range.clone())
                    .threads(options.threads)
                    .batch(options.batch)
                    .budget(options.budget)
                    .cancel(token);
                let report = run_job(&job, sink, |p| {
                    progress.store(p.patients, Ordering::Relaxed);
                })
                .map_err(|e| e.to_string())?;
                progress.store(report.patients, Ordering::Relaxed);
                let mut output = None;
                let mut report = report.map(|o| output = Some(o));
                // Stopped by the sink at a limit: a budget end, not a cancel.
                if let (JobEnd::Cancelled, Some(&end)) = (report.end, ended.get()) {
                    report.end = end;
                }
                // Cancelled: Python is raising (Ctrl-C, a failing progress callback) and
                // will never see a result, so the output is not finished but dropped
                // (a `.partial` file is removed).
                if report.end != JobEnd::Cancelled {
                    finish(output.expect("the report carried the output"))
                        .map_err(|e| e.to_string())?;
                }
                Ok(report)
            })();
            // The receiver may be gone (the consumer was dropped): nothing to tell.
            let _ = tx.send(Message::Done(result));
        });
        Running {
            rx,
            cancel,
            queued,
            done,
            reported: AtomicU64::new(u64::MAX),
            total,
            process: std::process::id(),
        }
    }

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

    /// Waits for the next item with the GIL released. `Ok(Err(finished))` when the job
    /// has ended. On a Python signal exception (KeyboardInterrupt), or an exception from
    /// the progress callback, the job is cancelled and waited for, and the exception is
    /// returned.
    pub(crate) fn next(
        &self,
        py: Python<'_>,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Result<T, Finished>> {
        self.check_process()?;
        loop {
            let rx = &self.rx;
            let received = py.detach(|| rx.recv_timeout(WAKE_INTERVAL));
            let item = match received {
                Ok(Message::Item(item, bytes)) => {
                    self.queued.fetch_sub(bytes, Ordering::Relaxed);
                    Some(item)
                }
                Ok(Message::Done(result)) => {
                    let report = result.map_err(io_error)?;
                    self.report_progress(progress, report.patients)?;
                    return Ok(Err(Finished { report }));
                }
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(io_error("the generating thread ended without a report"));
                }
            };
            let checked = py
                .check_signals()
                .and_then(|()| self.report_progress(progress, self.done.load(Ordering::Relaxed)));
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
    ) -> PyResult<Finished> {
        loop {
            if let Err(finished) = self.next(py, progress)? {
                return Ok(finished);
            }
        }
    }

    /// Cancels the job and waits (GIL released) until it has stopped, which it does at
    /// its next batch. In a forked child there is nothing to stop or wait for.
    pub(crate) fn stop(&self, py: Python<'_>) {
        if self.check_process().is_err() {
            return;
        }
        self.cancel.cancel();
        let rx = &self.rx;
        py.detach(|| {
            // Drain, so a sink blocked on a full channel can go on to see the token.
            while let Ok(message) = rx.recv() {
                if matches!(message, Message::Done(_)) {
                    break;
                }
            }
        });
    }
}

impl<T> Drop for Running<T> {
    /// A consumer dropped before the end cancels the job; the job's thread then stops at
    /// its next batch, or at once if it is waiting to send (the channel is closed).
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
