//! The workers that run queued jobs.
//!
//! Each worker claims the next job (by priority, then age), waits for room in the
//! instance's `ResourcePool` (shared with streams: generations at once and their memory),
//! runs it on a blocking thread with milmed-core's `run_job` under the job's budget, and
//! renews its lease with a heartbeat that also records progress. A heartbeat refused (the
//! job was cancelled or deleted, or the lease was lost to another instance) cancels the
//! run within one batch; so does a shutdown, after which the job is left to be re-run
//! (PostgreSQL) or marked failed (in memory). Running a job means generating it once, to
//! check it runs within its budget and to measure it (patients, outcomes, bytes); the
//! output is regenerated on request, and stored in PostgreSQL when the job asked.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use milmed_core::budget::CancelToken;
use milmed_core::format::Format;
use milmed_core::job::{AcquireError, Job as CoreJob, JobEnd, Request, StreamSink, run_job};
use milmed_core::model::Outcome;
use milmed_core::output::Compression;
use milmed_core::{Generator, Scenario};
use milmed_postgres::{Error, Job, JobOutcome, JobRef, PatientStore};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::jobs::JobBudget;
use crate::state::AppState;

/// How often a running job's lease is renewed and its progress recorded: every 2 s, or
/// a third of the lease if that is shorter.
fn heartbeat_every(lease: Duration) -> Duration {
    (lease / 3).min(Duration::from_secs(2))
}

/// How long a job waiting for room in the pool sleeps between checks of its cancel token.
const POOL_WAIT: Duration = Duration::from_millis(250);

/// How long an idle worker waits before looking at the queue again.
const IDLE: Duration = Duration::from_millis(200);

/// Starts `workers` workers and the maintenance task (the last handle; it only sleeps,
/// re-queues and deletes, so it may be aborted at shutdown).
pub fn spawn(state: &AppState, workers: usize) -> Vec<JoinHandle<()>> {
    let instance = format!(
        "milmed-server-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000
    );
    let mut tasks: Vec<JoinHandle<()>> = (0..workers)
        .map(|i| tokio::spawn(worker(state.clone(), format!("{instance}-w{i}"))))
        .collect();
    tasks.push(tokio::spawn(maintain(state.clone())));
    tasks
}

/// How often old jobs are removed.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// How often the patients table's partitions of this month and the next are made (if
/// missing), so that a load never has to create one (and two loads never race to).
const PARTITIONS_EVERY: Duration = Duration::from_secs(86_400);

/// Re-queues the jobs of crashed instances every [`requeue_every`], makes the patients'
/// partitions ahead daily and, hourly (or once per retention period if shorter),
/// removes jobs older than the retention.
///
/// How late a crashed instance's job runs again, after the crash, with lease `L`,
/// heartbeats every `h = heartbeat_every(L)` and this task every `h` too: its lease ran
/// out between `L − h` and `L` after the crash (its last heartbeat was at most `h`
/// before it), some instance re-queues it at most `h` later, and an idle worker claims
/// it within [`IDLE`]. So between `L − h` and `L + h + 0.2 s`, plus a few round trips:
/// 28 s to 32.2 s with the default lease of 30 s (tests/requeue.rs checks the bound).
async fn maintain(state: AppState) {
    let lease = state.settings().job_lease;
    let mut last_retention: Option<Instant> = None;
    let mut last_partitions: Option<Instant> = None;
    while !state.shutting_down() {
        match state.jobs().requeue_expired().await {
            Ok(ids) if !ids.is_empty() => {
                tracing::warn!(?ids, "jobs re-queued after their lease expired")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "cannot re-queue expired jobs"),
        }
        if let Some(db) = state.database()
            && state.database_ready()
            && last_partitions.is_none_or(|t| t.elapsed() >= PARTITIONS_EVERY)
        {
            let ahead = PatientStore::new(db.clone())
                .ensure_partitions_ahead(time::OffsetDateTime::now_utc(), 1)
                .await;
            match ahead {
                Ok(_) => last_partitions = Some(Instant::now()),
                Err(e) => {
                    tracing::error!(error = %e, "cannot make the patients' partitions ahead; will try again")
                }
            }
        }
        if let Some(max_age) = state.settings().retention
            && last_retention.is_none_or(|t| t.elapsed() >= RETENTION_EVERY.min(max_age))
        {
            last_retention = Some(Instant::now());
            match state.jobs().apply_retention(max_age).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(jobs = n, "old jobs removed"),
                Err(e) => tracing::error!(error = %e, "retention failed; will try again"),
            }
        }
        tokio::time::sleep(requeue_every(lease)).await;
    }
}

/// How often expired leases are re-queued: as often as heartbeats are sent, so that a
/// crashed instance's job waits at most one more heartbeat interval once its lease is
/// over. The statement reads only expired leases (through an index), so it is cheap.
fn requeue_every(lease: Duration) -> Duration {
    heartbeat_every(lease)
}

async fn worker(state: AppState, instance: String) {
    // Doubled after each failure to claim (the database is down), up to 5 s.
    let mut backoff = IDLE;
    while !state.shutting_down() {
        if !state.database_ready() {
            tokio::time::sleep(IDLE * 5).await;
            continue;
        }
        match state
            .jobs()
            .claim_next(&instance, state.settings().job_lease)
            .await
        {
            Ok(Some(job)) => {
                backoff = IDLE;
                run(&state, &instance, job).await;
            }
            Ok(None) => {
                backoff = IDLE;
                tokio::time::sleep(IDLE).await;
            }
            Err(e) => {
                if backoff == IDLE {
                    tracing::error!(error = %e, "cannot claim a job");
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                tokio::time::sleep(backoff).await;
            }
        }
    }
}

/// The longest wait between two tries of a step that failed with a transient error.
const RETRY_MAX_DELAY: Duration = Duration::from_secs(2);

/// Runs `op` until it succeeds, fails with an error that is not transient, or has failed
/// transiently for `within` (the job's lease: beyond it another instance may have
/// re-queued the job, and this run is moot); waits 100 ms, 200 ms, … up to
/// [`RETRY_MAX_DELAY`] between tries. Each transient failure is logged with its cause.
/// Only for steps that can be repeated: storing the patients replaces the job's rows.
async fn retry_transient<T, F, Fut>(
    what: &str,
    job: i64,
    within: Duration,
    mut op: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let started = Instant::now();
    let mut delay = Duration::from_millis(100);
    loop {
        match op().await {
            Err(e) if e.is_transient() && started.elapsed() + delay < within => {
                tracing::warn!(job, error = %e, ?delay, "{what} failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(RETRY_MAX_DELAY);
            }
            result => return result,
        }
    }
}

/// Records how job `id` ended, retrying transient failures within the lease. A retry of
/// a finish that did commit before its answer was lost is refused as a conflict; the
/// job's stored status tells whether it was ours.
async fn record_outcome(state: &AppState, instance: &str, id: i64, outcome: JobOutcome) {
    let lease = state.settings().job_lease;
    let wanted = match &outcome {
        JobOutcome::Completed { .. } => milmed_postgres::JobStatus::Completed,
        JobOutcome::Failed { .. } => milmed_postgres::JobStatus::Failed,
    };
    let mut tried = false;
    let result = retry_transient("recording the job's result", id, lease, || {
        let again = std::mem::replace(&mut tried, true);
        let outcome = outcome.clone();
        async move {
            match state.jobs().finish(id, instance, outcome).await {
                Err(Error::Conflict(reason)) if again => {
                    // An earlier try may have committed.
                    match state.jobs().get(id).await {
                        Ok(job) if job.status == wanted => Ok(job),
                        Ok(_) => Err(Error::Conflict(reason)),
                        Err(e) => Err(e),
                    }
                }
                other => other,
            }
        }
    })
    .await;
    match result {
        Ok(job) => tracing::info!(job = id, status = job.status.as_str(), "job finished"),
        Err(e) => tracing::warn!(job = id, error = %e, "job result not recorded"),
    }
}

/// What a run of a job measured.
struct Measured {
    patients: u64,
    bytes: u64,
    end: JobEnd,
    outcomes: [u64; Outcome::ALL.len()],
    seconds: f64,
    /// Most memory the run held in its buffers at once (milmed-core's account).
    peak_memory: u64,
}

async fn run(state: &AppState, instance: &str, job: Job) {
    let id = job.id;
    tracing::info!(job = id, attempt = job.attempt, "job started");
    let outcome = match prepare(&job) {
        Err(error) => JobOutcome::Failed { error },
        Ok((generator, format, budget)) => {
            match measure(state, instance, &job, generator.clone(), format, budget).await {
                Stop::Measured(m) if m.end == JobEnd::Cancelled => {
                    if state.shutting_down() {
                        match state.jobs().leave_at_shutdown(id, instance).await {
                            Ok(status) => tracing::info!(
                                job = id,
                                status = status.as_str(),
                                "job left at shutdown"
                            ),
                            Err(e) => tracing::warn!(job = id, error = %e, "job not left"),
                        }
                    }
                    // Otherwise cancelled or deleted (final already), or lost to another
                    // instance: nothing to record.
                    return;
                }
                Stop::Measured(Measured {
                    end:
                        JobEnd::BudgetExceeded {
                            resource,
                            limit,
                            used,
                        },
                    ..
                }) => {
                    state.metrics().budget_exceeded(resource);
                    JobOutcome::Failed {
                        error: format!(
                            "budget exceeded: {resource} limit {limit} {unit}, used {used} {unit}",
                            unit = resource.unit()
                        ),
                    }
                }
                Stop::Measured(m) => {
                    state.metrics().generated(m.patients, m.seconds);
                    match store_patients(state, &job, generator).await {
                        Err(error) => JobOutcome::Failed { error },
                        Ok(()) => JobOutcome::Completed {
                            summary: summary(&job, &m),
                            patients_done: m.patients,
                            bytes_done: m.bytes,
                        },
                    }
                }
                Stop::Failed(error) => JobOutcome::Failed { error },
            }
        }
    };
    record_outcome(state, instance, id, outcome).await;
}

fn prepare(job: &Job) -> Result<(Generator, Format, JobBudget), String> {
    let scenario = Scenario::from_value(job.scenario.clone()).map_err(|e| e.to_string())?;
    let generator = Generator::new(&scenario, job.seed).map_err(|e| e.to_string())?;
    let format = job
        .formats
        .first()
        .ok_or("the job names no format")?
        .parse::<Format>()
        .map_err(|e| e.to_string())?;
    let budget: JobBudget = serde_json::from_value(job.budget.clone())
        .map_err(|e| format!("the job's stored budget is not readable: {e}"))?;
    Ok((generator, format, budget))
}

enum Stop {
    Measured(Measured),
    Failed(String),
}

/// Generates the job once into nothing, counting, with heartbeats, once the pool admits
/// it.
async fn measure(
    state: &AppState,
    instance: &str,
    job: &Job,
    generator: Generator,
    format: Format,
    budget: JobBudget,
) -> Stop {
    let cancel = CancelToken::new();
    let patients = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let range = job.range.clone();
    let lease = state.settings().job_lease;
    let pool = state.generations().clone();
    let request = Request::new(budget.max_memory, job.priority);
    let mut blocking = {
        let (cancel, patients, bytes) = (cancel.clone(), Arc::clone(&patients), Arc::clone(&bytes));
        tokio::task::spawn_blocking(move || {
            // Wait for room, checking the cancel token (heartbeats go on meanwhile).
            let _permit = loop {
                match pool.acquire(request, POOL_WAIT) {
                    Ok(permit) => break permit,
                    Err(AcquireError::Timeout { .. }) if !cancel.is_cancelled() => {}
                    Err(AcquireError::Timeout { .. }) => {
                        return Ok(Measured {
                            patients: 0,
                            bytes: 0,
                            end: JobEnd::Cancelled,
                            outcomes: [0; Outcome::ALL.len()],
                            seconds: 0.0,
                            peak_memory: 0,
                        });
                    }
                    Err(e) => return Err(io::Error::other(e)),
                }
            };
            let started = Instant::now();
            let encoder = format.encoder(&generator);
            let core = CoreJob::new(&generator, Arc::clone(&encoder))
                .range(range)
                .budget(budget.core())
                .cancel(cancel);
            let sink = StreamSink::new(encoder, io::sink(), Compression::None, None)?;
            let report = run_job(&core, sink, |p| {
                patients.store(p.patients, Ordering::Relaxed);
                bytes.store(p.bytes, Ordering::Relaxed);
            })
            .map_err(io::Error::other)?;
            Ok::<Measured, io::Error>(Measured {
                patients: report.patients,
                bytes: report.bytes,
                end: report.end,
                outcomes: report.outcomes,
                seconds: started.elapsed().as_secs_f64(),
                peak_memory: report.peak_memory,
            })
        })
    };
    let mut tick = tokio::time::interval(heartbeat_every(lease));
    tick.tick().await;
    loop {
        tokio::select! {
            done = &mut blocking => {
                return match done {
                    Ok(Ok(m)) => Stop::Measured(m),
                    Ok(Err(e)) => Stop::Failed(e.to_string()),
                    Err(e) => Stop::Failed(format!("the generating thread failed: {e}")),
                };
            }
            _ = tick.tick() => {
                if state.shutting_down() {
                    cancel.cancel();
                    continue;
                }
                let beat = state.jobs().heartbeat(
                    job.id,
                    instance,
                    lease,
                    patients.load(Ordering::Relaxed),
                    bytes.load(Ordering::Relaxed),
                );
                match beat.await {
                    Ok(()) => {}
                    Err(e @ (Error::Conflict(_) | Error::NotFound { .. })) => {
                        tracing::info!(job = job.id, reason = %e, "job stopped");
                        cancel.cancel();
                    }
                    Err(e) => tracing::warn!(job = job.id, error = %e, "heartbeat failed; will retry"),
                }
            }
        }
    }
}

/// Stores the job's patients when it asked and a database is configured. A transient
/// failure (the database dropped for a moment) is retried within the job's lease; the
/// load replaces the job's rows in one transaction, so a retry leaves one copy.
async fn store_patients(state: &AppState, job: &Job, generator: Generator) -> Result<(), String> {
    let Some(db) = state.database().filter(|_| job.persist_patients) else {
        return Ok(());
    };
    let store = PatientStore::new(db.clone());
    let lease = state.settings().job_lease;
    retry_transient("storing the patients", job.id, lease, || {
        store.load(
            JobRef {
                id: job.id,
                created_at: job.created_at,
            },
            generator.clone(),
            job.range.clone(),
            1,
            milmed_core::budget::Budget::default(),
            CancelToken::new(),
        )
    })
    .await
    .map(drop)
    .map_err(|e| format!("storing the patients failed: {e}"))
}

fn summary(job: &Job, m: &Measured) -> Value {
    let outcomes: serde_json::Map<String, Value> = Outcome::ALL
        .iter()
        .zip(m.outcomes)
        .map(|(o, n)| (o.as_str().to_owned(), json!(n)))
        .collect();
    json!({
        "total_patients": m.patients,
        "outcomes": outcomes,
        "bytes": {job.formats[0].clone(): m.bytes},
        "seconds": m.seconds,
        "peak_memory": m.peak_memory,
        "complete": m.end == JobEnd::Complete,
    })
}
