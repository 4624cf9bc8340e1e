//! [`run_job`]: one generation job, in parallel, under a budget, cancellable.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::mem::size_of;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use cpu_time::ThreadTime;

use crate::budget::{Budget, CancelToken, Resource};
use crate::format::{Encoder, PatientWriter};
use crate::model::Outcome;
use crate::output::{Compression, DEFAULT_CHUNK_SIZE, Encryption, Output};
use crate::{Generator, Patient, RangeError};

/// Patients per batch unless told otherwise: about a millisecond of work for the
/// costliest formats on one core, so limits and cancellation act within a millisecond.
pub const DEFAULT_BATCH: usize = 128;

/// Shortest interval between two progress reports.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// Most worker threads a front-end accepts for one job (the CLI's `--threads`, Python's
/// `threads=`): far more than any machine has cores, low enough that a typo such as
/// `100000` is refused instead of spawning a hundred thousand threads.
pub const MAX_THREADS: usize = 1024;

/// Largest batch a front-end accepts (the CLI's `--chunk`, Python's `batch_size=`): a
/// batch is held encoded in memory while it waits for the writer, so a million patients
/// (gigabytes in the costliest formats) is already more than useful.
pub const MAX_BATCH: usize = 1 << 20;

/// Bytes per patient assumed for a batch's encoded bytes until the first batch shows
/// the real figure (a JSON record is about 3.6 KB, a FHIR Bundle 28 KB).
const FIRST_ESTIMATE: u64 = 4096;

/// What one job generates and how: build with [`Job::new`], then adjust; run it with
/// [`run_job`] on the calling thread, or with [`Job::spawn`] on a thread of its own.
///
/// A job holds its own handle on the generator (a [`Generator`] is shared, not copied,
/// when cloned), so it can be moved to another thread and cloned to run again.
#[derive(Clone)]
pub struct Job {
    generator: Generator,
    encoder: Arc<dyn Encoder>,
    range: Range<u64>,
    budget: Budget,
    cancel: CancelToken,
    threads: usize,
    batch: usize,
}

impl Job {
    /// The whole run of `generator`, encoded by `encoder`, on one thread, no limits.
    pub fn new(generator: &Generator, encoder: Arc<dyn Encoder>) -> Job {
        Job {
            generator: generator.clone(),
            encoder,
            range: 0..generator.len(),
            budget: Budget::default(),
            cancel: CancelToken::new(),
            threads: 1,
            batch: DEFAULT_BATCH,
        }
    }

    /// Only the patients of `range` (a shard).
    pub fn range(mut self, range: Range<u64>) -> Job {
        self.range = range;
        self
    }

    /// Limits.
    pub fn budget(mut self, budget: Budget) -> Job {
        self.budget = budget;
        self
    }

    /// The token that cancels the job.
    pub fn cancel(mut self, token: CancelToken) -> Job {
        self.cancel = token;
        self
    }

    /// Worker threads (at least 1). Never changes the output.
    pub fn threads(mut self, threads: usize) -> Job {
        self.threads = threads.max(1);
        self
    }

    /// Patients per batch (at least 1): the unit of work, and of checking the budget and
    /// the cancel token. Never changes the output.
    pub fn batch(mut self, batch: usize) -> Job {
        self.batch = batch.max(1);
        self
    }

    /// Patients the job writes unless it is cancelled or another limit stops it: its
    /// range, capped by the budget's `max_patients` (0 for a range outside the run, which
    /// the job refuses when it starts).
    pub fn planned(&self) -> u64 {
        let n = self.range.end.saturating_sub(self.range.start);
        self.budget.max_patients.map_or(n, |max| n.min(max))
    }

    /// The token that cancels the job (shared with whoever else holds a clone).
    pub fn cancel_token(&self) -> &CancelToken {
        &self.cancel
    }
}

/// One batch of encoded patients, handed to a [`JobSink`] in index order.
#[derive(Debug)]
pub struct EncodedBatch {
    /// Index of the batch's first patient.
    pub first: u64,
    /// Patients in the batch.
    pub count: u64,
    /// The encoded patients, one after the other.
    pub bytes: Vec<u8>,
    /// End offset in `bytes` of each patient (only when [`JobSink::per_patient`]).
    pub ends: Vec<usize>,
}

/// Where a job's encoded batches go.
pub trait JobSink {
    /// What [`finish`](Self::finish) gives back.
    type Output;

    /// Whether each patient's bytes are needed apart ([`EncodedBatch::ends`]), e.g. to
    /// write one file per patient.
    fn per_patient(&self) -> bool {
        false
    }

    /// Writes one batch. A sink that keeps the bytes (to hand them on to another
    /// thread, say) may take them with `std::mem::take(&mut batch.bytes)` instead of
    /// copying; the job does not look at them afterwards.
    fn write_batch(&mut self, batch: &mut EncodedBatch) -> io::Result<()>;

    /// Bytes written so far to the final destination.
    fn bytes(&self) -> u64;

    /// Bytes the sink holds in its own buffers (counted in the job's memory).
    fn memory(&self) -> u64 {
        0
    }

    /// Asked after every batch: `Some(end)` stops the job at once, its output finished,
    /// ending with `end`. A sink whose consumer has gone (a closed channel: see
    /// [`ChunkSink`](super::ChunkSink)) says [`JobEnd::Cancelled`], so that the job stops
    /// cleanly instead of failing; a sink that watches a limit the job cannot see (the
    /// memory of a table being built for the caller) says [`JobEnd::BudgetExceeded`].
    ///
    /// As for the job's own limits, a budget end asked after the last batch does not
    /// count: the run is complete. A cancel always counts (the last batch did not reach
    /// its consumer).
    fn stopped(&self) -> Option<JobEnd> {
        None
    }

    /// Closes the output so that it is a complete document; returns what the sink gives
    /// back and the total of bytes written, closing bytes included.
    fn finish(self) -> io::Result<(Self::Output, u64)>;
}

/// Counts the bytes that reach a writer.
#[derive(Debug)]
pub struct Counted<W> {
    inner: W,
    bytes: u64,
}

impl<W> Counted<W> {
    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// Bytes written through.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(data)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Memory of the gzip compressor's state, as accounted (miniz_oxide's deflate state with
/// its dictionary, hash chains and output buffer is about 300 KB).
const GZIP_STATE: u64 = 320 * 1024;

/// One document streamed into a writer, through gzip and encryption if asked: a
/// [`PatientWriter`] over an [`Output`].
pub struct StreamSink<W: Write> {
    writer: PatientWriter<Output<Counted<W>>>,
    memory: u64,
}

impl<W: Write> StreamSink<W> {
    /// Starts the document (with encryption: derives the key and writes the header).
    pub fn new(
        encoder: Arc<dyn Encoder>,
        out: W,
        compression: Compression,
        encryption: Option<&Encryption>,
    ) -> io::Result<StreamSink<W>> {
        let counted = Counted {
            inner: out,
            bytes: 0,
        };
        let output = Output::new(counted, compression, encryption)?;
        let mut memory = crate::format::WRITER_BUFFER as u64;
        if compression == Compression::Gzip {
            memory += GZIP_STATE;
        }
        if let Some(e) = encryption {
            memory += u64::from(e.params().chunk_size.max(DEFAULT_CHUNK_SIZE));
        }
        Ok(StreamSink {
            writer: PatientWriter::new(encoder, output),
            memory,
        })
    }
}

impl<W: Write> JobSink for StreamSink<W> {
    type Output = W;

    fn write_batch(&mut self, batch: &mut EncodedBatch) -> io::Result<()> {
        self.writer.write_encoded(&batch.bytes, batch.count)
    }

    fn bytes(&self) -> u64 {
        self.writer.get_ref().get_ref().bytes()
    }

    fn memory(&self) -> u64 {
        self.memory
    }

    fn finish(self) -> io::Result<(W, u64)> {
        let written = self.writer.finish()?;
        let counted = written.inner.finish()?;
        let bytes = counted.bytes();
        Ok((counted.into_inner(), bytes))
    }
}

/// How a job ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobEnd {
    /// Every patient of the range was written.
    Complete,
    /// A limit was reached; the output holds the patients before it, and is complete as
    /// a document but truncated as a run.
    BudgetExceeded {
        /// Which limit.
        resource: Resource,
        /// The limit, in the resource's [unit](Resource::unit).
        limit: u64,
        /// What the job had used when it stopped.
        used: u64,
    },
    /// The cancel token was set; the output holds the patients written before.
    Cancelled,
}

impl JobEnd {
    /// Whether the whole range was written.
    pub fn is_complete(&self) -> bool {
        matches!(self, JobEnd::Complete)
    }
}

/// How every front-end says how a job ended: `completed`, `cancelled`, or `budget
/// exceeded: wall_time limit 2000 ms, used 2013 ms` (the resource, then its limit and
/// what was used, in the resource's [unit](Resource::unit)). A job that failed is a
/// [`JobError`], whose `Display` says why.
///
/// ```
/// use milmed_core::budget::Resource;
/// use milmed_core::job::JobEnd;
///
/// let end = JobEnd::BudgetExceeded { resource: Resource::Patients, limit: 40, used: 40 };
/// assert_eq!(end.to_string(), "budget exceeded: patients limit 40 patients, used 40 patients");
/// assert_eq!(JobEnd::Complete.to_string(), "completed");
/// ```
impl fmt::Display for JobEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobEnd::Complete => f.write_str("completed"),
            JobEnd::Cancelled => f.write_str("cancelled"),
            JobEnd::BudgetExceeded {
                resource,
                limit,
                used,
            } => write!(
                f,
                "budget exceeded: {resource} limit {limit} {unit}, used {used} {unit}",
                unit = resource.unit()
            ),
        }
    }
}

/// What a job did.
#[derive(Debug)]
pub struct JobReport<T> {
    /// How it ended.
    pub end: JobEnd,
    /// Patients written (from the start of the range, in order).
    pub patients: u64,
    /// Bytes written to the final destination.
    pub bytes: u64,
    /// Batches written.
    pub batches: u64,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// CPU time of the job's threads.
    pub cpu_time: Duration,
    /// Highest accounted memory, in bytes.
    pub peak_memory: u64,
    /// Patients written with each outcome, indexed by [`Outcome::index`].
    pub outcomes: [u64; Outcome::ALL.len()],
    /// What the sink gave back when finished.
    pub output: T,
}

impl<T> JobReport<T> {
    /// The same report with the sink's output mapped by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> JobReport<U> {
        JobReport {
            end: self.end,
            patients: self.patients,
            bytes: self.bytes,
            batches: self.batches,
            elapsed: self.elapsed,
            cpu_time: self.cpu_time,
            peak_memory: self.peak_memory,
            outcomes: self.outcomes,
            output: f(self.output),
        }
    }
}

/// Progress of a running job, reported at most every [`PROGRESS_INTERVAL`].
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Patients written.
    pub patients: u64,
    /// Patients the job will write if it completes.
    pub total: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Time since the job started.
    pub elapsed: Duration,
}

/// Why a job failed (as opposed to stopping at a limit or a cancel, which are normal
/// ends reported in [`JobEnd`]).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The range is not inside the run.
    #[error(transparent)]
    Range(#[from] RangeError),
    /// Writing the output failed.
    #[error("writing the output failed: {0}")]
    Io(#[from] io::Error),
    /// The thread running the job (see [`Job::spawn`]) panicked: a bug in milmed or in
    /// the sink, reported as an error rather than taking the caller down with it.
    #[error("the job's thread panicked: {0}")]
    Panicked(String),
}

/// Memory reserved by a job: checked against its limit before anything is allocated.
struct MemoryAccount {
    reserved: AtomicU64,
    peak: AtomicU64,
    limit: Option<u64>,
}

impl MemoryAccount {
    /// Reserves `bytes`, or returns what the total would have been.
    fn reserve(&self, bytes: u64) -> Result<(), u64> {
        let mut current = self.reserved.load(Ordering::Relaxed);
        loop {
            let next = current + bytes;
            if self.limit.is_some_and(|limit| next > limit) {
                return Err(next);
            }
            match self.reserved.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    self.peak.fetch_max(next, Ordering::Relaxed);
                    return Ok(());
                }
                Err(actual) => current = actual,
            }
        }
    }

    fn release(&self, bytes: u64) {
        self.reserved.fetch_sub(bytes, Ordering::AcqRel);
    }
}

/// CPU time of the job's threads: the calling thread since the job started, plus each
/// worker thread's whole life (workers are spawned for the job).
struct CpuClock {
    caller: ThreadId,
    caller_start: Option<Duration>,
    workers: Mutex<HashMap<ThreadId, Duration>>,
}

impl CpuClock {
    fn new() -> CpuClock {
        CpuClock {
            caller: thread::current().id(),
            caller_start: thread_cpu(),
            workers: Mutex::new(HashMap::new()),
        }
    }

    /// Called on a worker after each batch.
    fn record_worker(&self) {
        let id = thread::current().id();
        if id == self.caller {
            return;
        }
        if let Some(now) = thread_cpu() {
            self.workers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, now);
        }
    }

    /// Called on the calling thread.
    fn total(&self) -> Duration {
        let caller = match (thread_cpu(), self.caller_start) {
            (Some(now), Some(start)) => now.saturating_sub(start),
            _ => Duration::ZERO,
        };
        let workers: Duration = self
            .workers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .sum();
        caller + workers
    }
}

/// This thread's CPU time, when the platform has thread CPU clocks.
fn thread_cpu() -> Option<Duration> {
    ThreadTime::try_now().ok().map(|t| t.as_duration())
}

/// A batch on its way from a worker to the sink.
struct InFlight {
    batch: EncodedBatch,
    /// Bytes reserved for it in the memory account.
    reserved: u64,
    outcomes: [u64; Outcome::ALL.len()],
    /// Set when the memory limit refused the batch (what the total would have been).
    refused: Option<u64>,
}

/// Runs one job: generates the job's range on its threads, batch by batch, encodes each
/// batch and writes them in index order into `sink`, checking the budget and the cancel
/// token at every batch; then finishes the sink, so the output is a complete document
/// even when the job stops early. `progress` is called on the calling thread at most
/// every [`PROGRESS_INTERVAL`], and once at the end.
///
/// The bytes written never depend on the number of threads or the batch size.
///
/// ```
/// use milmed_core::budget::{Budget, Resource};
/// use milmed_core::format::Format;
/// use milmed_core::job::{Job, JobEnd, StreamSink, run_job};
/// use milmed_core::output::Compression;
/// use milmed_core::{Generator, Scenario};
///
/// let generator = Generator::new(&Scenario::preset("training_exercise")?, 1)?;
/// let encoder = Format::Json.encoder(&generator);
/// let sink = StreamSink::new(encoder.clone(), Vec::new(), Compression::None, None)?;
/// let budget = Budget { max_patients: Some(40), ..Budget::default() };
/// let report = run_job(&Job::new(&generator, encoder).budget(budget), sink, |_| {})?;
/// assert_eq!(report.patients, 40);
/// assert_eq!(report.end, JobEnd::BudgetExceeded { resource: Resource::Patients, limit: 40, used: 40 });
/// let json: Vec<serde_json::Value> = serde_json::from_slice(&report.output)?; // still a complete array
/// assert_eq!(json.len(), 40);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_job<S: JobSink>(
    job: &Job,
    mut sink: S,
    mut progress: impl FnMut(&Progress),
) -> Result<JobReport<S::Output>, JobError> {
    let started = Instant::now();
    let budget = job.budget;
    let mut range = job.range.clone();
    job.generator.range(range.clone())?; // checks the range
    // The patient limit is exact: generate no more than it allows.
    let capped = budget
        .max_patients
        .filter(|&max| range.end - range.start > max);
    if let Some(max) = capped {
        range.end = range.start + max;
    }
    let total = range.end - range.start;

    let memory = MemoryAccount {
        reserved: AtomicU64::new(0),
        peak: AtomicU64::new(0),
        limit: budget.max_memory,
    };
    // Fixed costs: the sink's buffers and each worker's batch of compact patients.
    let fixed = sink.memory() + (job.threads * job.batch * size_of::<Patient>()) as u64;
    let cpu = CpuClock::new();
    let estimate = AtomicU64::new(FIRST_ESTIMATE);
    let per_patient = sink.per_patient();
    let encoder = &job.encoder;
    // Encoders number patients by their position in this output, from 0.
    let origin = range.start;

    let mut end = JobEnd::Complete;
    let mut patients = 0u64;
    let mut batches = 0u64;
    let mut outcomes = [0u64; Outcome::ALL.len()];
    let mut last_progress = started;

    if let Err(would_be) = memory.reserve(fixed) {
        end = memory_exceeded(&budget, would_be);
    }

    let map = |first: u64, batch: &[Patient]| -> InFlight {
        let count = batch.len() as u64;
        let guess = count * estimate.load(Ordering::Relaxed);
        let mut flight = InFlight {
            batch: EncodedBatch {
                first,
                count,
                bytes: Vec::new(),
                ends: Vec::new(),
            },
            reserved: 0,
            outcomes: [0; Outcome::ALL.len()],
            refused: None,
        };
        if job.cancel.is_cancelled() {
            return flight; // the writer stops at this batch; don't spend on it
        }
        let ends_bytes = if per_patient { count * 8 } else { 0 };
        if let Err(would_be) = memory.reserve(guess + ends_bytes) {
            flight.refused = Some(would_be);
            return flight;
        }
        flight.reserved = guess + ends_bytes;
        let out = &mut flight.batch.bytes;
        out.reserve_exact(guess as usize);
        if per_patient {
            flight.batch.ends.reserve_exact(batch.len());
            for (i, patient) in batch.iter().enumerate() {
                encoder.encode(patient, first - origin + i as u64, out);
                flight.batch.ends.push(out.len());
            }
        } else {
            encoder.encode_chunk(batch, first - origin, out);
        }
        // Settle the account with what the bytes really took.
        let actual = out.capacity() as u64 + ends_bytes;
        if actual > flight.reserved {
            if let Err(would_be) = memory.reserve(actual - flight.reserved) {
                flight.refused = Some(would_be);
            } else {
                flight.reserved = actual;
            }
        } else {
            memory.release(flight.reserved - actual);
            flight.reserved = actual;
        }
        if let Some(per) = (out.len() as u64).checked_div(count) {
            estimate.fetch_max(per + 1, Ordering::Relaxed);
        }
        for patient in batch {
            flight.outcomes[patient.outcome().index()] += 1;
        }
        cpu.record_worker();
        flight
    };

    let consume = |mut flight: InFlight| -> Result<(), Stop> {
        let result = (|| {
            if job.cancel.is_cancelled() {
                return Err(Stop::End(JobEnd::Cancelled));
            }
            if let Some(would_be) = flight.refused {
                return Err(Stop::End(memory_exceeded(&budget, would_be)));
            }
            sink.write_batch(&mut flight.batch).map_err(Stop::Io)?;
            patients += flight.batch.count;
            batches += 1;
            for (total, n) in outcomes.iter_mut().zip(flight.outcomes) {
                *total += n;
            }
            // The sink's own stop (see `JobSink::stopped`).
            if let Some(stop) = sink.stopped()
                && (patients < total || stop == JobEnd::Cancelled)
            {
                return Err(Stop::End(stop));
            }
            let now = Instant::now();
            if now.duration_since(last_progress) >= PROGRESS_INTERVAL {
                last_progress = now;
                progress(&Progress {
                    patients,
                    total,
                    bytes: sink.bytes(),
                    elapsed: now - started,
                });
            }
            // After the last batch the run is complete, whatever the figures.
            let breach = (patients < total)
                .then(|| over_budget(&budget, sink.bytes(), now - started, &cpu))
                .flatten();
            if let Some(breach) = breach {
                return Err(Stop::End(breach));
            }
            Ok(())
        })();
        memory.release(flight.reserved);
        result
    };

    if end.is_complete() {
        let run = job
            .generator
            .for_each_chunk(range, job.threads, job.batch, map, consume)?;
        match run {
            Ok(()) => {}
            Err(Stop::End(stopped)) => end = stopped,
            Err(Stop::Io(e)) => return Err(JobError::Io(e)),
        }
    }
    if let (true, Some(max)) = (end.is_complete(), capped) {
        end = JobEnd::BudgetExceeded {
            resource: Resource::Patients,
            limit: max,
            used: patients,
        };
    }
    let (output, bytes) = sink.finish()?;
    let elapsed = started.elapsed();
    progress(&Progress {
        patients,
        total,
        bytes,
        elapsed,
    });
    Ok(JobReport {
        end,
        patients,
        bytes,
        batches,
        elapsed,
        cpu_time: cpu.total(),
        peak_memory: memory.peak.load(Ordering::Relaxed),
        outcomes,
        output,
    })
}

/// Why the writer stopped early.
enum Stop {
    End(JobEnd),
    Io(io::Error),
}

fn memory_exceeded(budget: &Budget, would_be: u64) -> JobEnd {
    JobEnd::BudgetExceeded {
        resource: Resource::Memory,
        limit: budget.max_memory.unwrap_or(0),
        used: would_be,
    }
}

/// The first limit reached after a batch, if any.
fn over_budget(budget: &Budget, bytes: u64, elapsed: Duration, cpu: &CpuClock) -> Option<JobEnd> {
    let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if let Some(limit) = budget.max_bytes.filter(|&limit| bytes >= limit) {
        return Some(JobEnd::BudgetExceeded {
            resource: Resource::Bytes,
            limit,
            used: bytes,
        });
    }
    if let Some(limit) = budget.max_wall_time.filter(|&limit| elapsed >= limit) {
        return Some(JobEnd::BudgetExceeded {
            resource: Resource::WallTime,
            limit: millis(limit),
            used: millis(elapsed),
        });
    }
    if let Some(limit) = budget.max_cpu_time {
        let used = cpu.total();
        if used >= limit {
            return Some(JobEnd::BudgetExceeded {
                resource: Resource::CpuTime,
                limit: millis(limit),
                used: millis(used),
            });
        }
    }
    None
}
