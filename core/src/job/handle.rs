//! [`Job::spawn`]: a job on a thread of its own, and the [`JobHandle`] that watches,
//! cancels and joins it.
//!
//! Every front-end runs jobs this way — the Python module (whose thread must stay free
//! to handle Ctrl-C), the server (whose async tasks must not block), a database load
//! (whose `COPY` runs while the job generates) — so the thread, its cancellation, its
//! progress and its result are kept here, once. The handle depends on no async runtime:
//! it is joined by blocking ([`JobHandle::join`], [`JobHandle::wait_timeout`]) or awaited
//! (it is a [`Future`], woken by the job's thread), so tokio, another executor or none
//! can wait for it.

use std::any::Any;
use std::future::Future;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use super::run::{Job, JobError, JobReport, JobSink, Progress, run_job};
use crate::budget::CancelToken;

/// What a job's thread gives back.
type Outcome<T> = Result<JobReport<T>, JobError>;

/// What the job's thread and its handle share.
struct Shared<T> {
    /// Patients written, as last reported by the job.
    patients: AtomicU64,
    /// Bytes written, as last reported by the job.
    bytes: AtomicU64,
    /// The job has ended; read without the lock (a forked child may find the lock held
    /// by a thread it does not have).
    finished: AtomicBool,
    state: Mutex<State<T>>,
    /// Signalled once, when the outcome is stored.
    ended: Condvar,
}

struct State<T> {
    /// The outcome, from the time the job ends until the handle takes it.
    outcome: Option<Outcome<T>>,
    /// The job has ended (its outcome may have been taken since).
    ended: bool,
    /// The task awaiting the handle, to wake when the job ends.
    waker: Option<Waker>,
}

impl<T> Shared<T> {
    fn state(&self) -> MutexGuard<'_, State<T>> {
        // The lock is never held while user code runs, so a poisoned lock still holds a
        // consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores the outcome and wakes whoever waits.
    fn end(&self, outcome: Outcome<T>) {
        let waker = {
            let mut state = self.state();
            state.outcome = Some(outcome);
            state.ended = true;
            self.finished.store(true, Ordering::Release);
            state.waker.take()
        };
        self.ended.notify_all();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// A job running on a thread of its own (see [`Job::spawn`]): cancel it, watch its
/// progress, and join it for its [`JobReport`] — by blocking, or by awaiting the handle,
/// which is a [`Future`].
///
/// Dropping the handle before the job has ended cancels the job (its token: see
/// [`Job::cancel`]), which stops at its next batch: a job nobody can join any more is
/// not left running.
///
/// ```
/// use std::sync::mpsc::sync_channel;
/// use milmed_core::format::Format;
/// use milmed_core::job::{ChunkSink, Job, JobEnd};
/// use milmed_core::{Generator, Scenario};
///
/// let generator = Generator::new(&Scenario::preset("training_exercise")?, 1)?;
/// let encoder = Format::Ndjson.encoder(&generator);
/// // A bounded channel: the job waits while two chunks are queued.
/// let (tx, rx) = sync_channel(2);
/// let sink = ChunkSink::to_channel(encoder.clone(), false, tx);
/// let handle = Job::new(&generator, encoder).threads(2).spawn(sink);
/// let mut lines = 0;
/// for chunk in rx {
///     lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
/// }
/// let report = handle.join()?;
/// assert_eq!(report.end, JobEnd::Complete);
/// assert_eq!(report.end.to_string(), "completed");
/// assert_eq!(lines, generator.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct JobHandle<T> {
    shared: Arc<Shared<T>>,
    cancel: CancelToken,
    total: u64,
    started: Instant,
}

impl Job {
    /// Runs the job on a new thread, into `sink`, and returns at once. The job's worker
    /// threads are started by that thread, as [`run_job`] starts them.
    pub fn spawn<S>(self, sink: S) -> JobHandle<S::Output>
    where
        S: JobSink + Send + 'static,
        S::Output: Send + 'static,
    {
        self.spawn_with(move || Ok(sink))
    }

    /// Runs the job on a new thread, into the sink that `make_sink` builds on that
    /// thread: building may be slow (an encrypted output derives its key) or need the
    /// thread (a sink that is not `Send`). An error from `make_sink` is the job's error
    /// ([`JobError::Io`]).
    pub fn spawn_with<S, F>(self, make_sink: F) -> JobHandle<S::Output>
    where
        S: JobSink + 'static,
        S::Output: Send + 'static,
        F: FnOnce() -> io::Result<S> + Send + 'static,
    {
        let shared = Arc::new(Shared {
            patients: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            finished: AtomicBool::new(false),
            state: Mutex::new(State {
                outcome: None,
                ended: false,
                waker: None,
            }),
            ended: Condvar::new(),
        });
        let handle = JobHandle {
            shared: Arc::clone(&shared),
            cancel: self.cancel_token().clone(),
            total: self.planned(),
            started: Instant::now(),
        };
        let on_thread = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name("milmed-job".to_owned())
            .spawn(move || {
                let shared = on_thread;
                let run = panic::catch_unwind(AssertUnwindSafe(|| {
                    let sink = make_sink()?;
                    run_job(&self, sink, |p| {
                        shared.patients.store(p.patients, Ordering::Relaxed);
                        shared.bytes.store(p.bytes, Ordering::Relaxed);
                    })
                }));
                shared.end(run.unwrap_or_else(|payload| Err(panicked(payload))));
            });
        if let Err(e) = spawned {
            shared.end(Err(JobError::Io(io::Error::new(
                e.kind(),
                format!("cannot start the job's thread: {e}"),
            ))));
        }
        handle
    }
}

/// The message of a panic.
fn panicked(payload: Box<dyn Any + Send>) -> JobError {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned());
    JobError::Panicked(message)
}

impl<T> JobHandle<T> {
    /// Asks the job to stop; it does so at its next batch, finishes its output and ends
    /// [`Cancelled`](super::JobEnd::Cancelled). The job's token is shared with whoever
    /// holds a clone of it.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The job's cancel token, to cancel it from elsewhere (a signal handler, a
    /// heartbeat that lost its lease) without the handle.
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// Where the job is: patients and bytes written as of its last report (made at most
    /// every [`PROGRESS_INTERVAL`](super::PROGRESS_INTERVAL), and when it ends), the
    /// patients it will write if nothing stops it, and the time since it was spawned.
    pub fn progress(&self) -> Progress {
        Progress {
            patients: self.shared.patients.load(Ordering::Relaxed),
            total: self.total,
            bytes: self.shared.bytes.load(Ordering::Relaxed),
            elapsed: self.started.elapsed(),
        }
    }

    /// Whether the job has ended (then [`join`](Self::join) returns at once).
    pub fn is_finished(&self) -> bool {
        self.shared.finished.load(Ordering::Acquire)
    }

    /// Waits up to `timeout` for the job to end; whether it has. For a caller that must
    /// wake now and then while it waits (to handle Python's signals, say).
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let state = self.shared.state();
        let (state, _) = self
            .shared
            .ended
            .wait_timeout_while(state, timeout, |s| !s.ended)
            .unwrap_or_else(PoisonError::into_inner);
        state.ended
    }

    /// Waits for the job to end and returns its report, or why it failed
    /// ([`JobError::Panicked`] if its thread panicked).
    ///
    /// # Panics
    ///
    /// If the report was already taken with [`try_join`](Self::try_join).
    pub fn join(self) -> Result<JobReport<T>, JobError> {
        let state = self.shared.state();
        let mut state = self
            .shared
            .ended
            .wait_while(state, |s| !s.ended)
            .unwrap_or_else(PoisonError::into_inner);
        state
            .outcome
            .take()
            .expect("a JobHandle's report is taken once (try_join took it)")
    }

    /// The report, if the job has ended and the report was not taken yet: for a caller
    /// that holds the handle behind a shared reference and waits with
    /// [`wait_timeout`](Self::wait_timeout). `None` while the job runs.
    pub fn try_join(&self) -> Option<Result<JobReport<T>, JobError>> {
        self.shared.state().outcome.take()
    }
}

/// Awaiting the handle waits for the job without blocking the executor's thread: the
/// job's thread wakes the task when it ends. Like any future, it gives its output once;
/// polling it again after that panics.
impl<T> Future for JobHandle<T> {
    type Output = Result<JobReport<T>, JobError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.shared.state();
        if let Some(outcome) = state.outcome.take() {
            return Poll::Ready(outcome);
        }
        assert!(
            !state.ended,
            "a JobHandle was polled after its report was taken"
        );
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<T> Drop for JobHandle<T> {
    /// Cancels a job that has not ended: nobody could join it any more.
    fn drop(&mut self) {
        if !self.is_finished() {
            self.cancel.cancel();
        }
    }
}

impl<T> std::fmt::Debug for JobHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobHandle")
            .field("progress", &self.progress())
            .field("finished", &self.is_finished())
            .finish()
    }
}
