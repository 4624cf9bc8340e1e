//! [`Jobs`]: the queue of generation jobs that several milmed instances share.
//!
//! # Lifecycle
//!
//! ```text
//!               claim_next                       finish
//!   queued ─────────────────────▶ running ───────────────────▶ completed | failed
//!     │  ▲                          │
//!     │  └──── requeue_expired ─────┤  (its lease expired: the instance is presumed dead)
//!     │                             │
//!     └────────── cancel ───────────┴──────────────────────────▶ cancelled
//! ```
//!
//! `completed`, `failed` and `cancelled` are final ([`JobStatus::is_final`]): nothing
//! moves a job out of them, which is what lets [`Jobs::cancel`] and the conflict checks
//! below read a job's state after a failed update without racing another writer.
//!
//! # Leases
//!
//! A running job belongs to one instance (`lease_owner`) until `lease_expires_at`. The
//! instance renews the lease with [`Jobs::heartbeat`] while it works, and ends it with
//! [`Jobs::finish`]. Both are conditional on the job still being running *and* held by
//! the caller, and fail with [`Error::Conflict`] otherwise: that is how a worker learns
//! that the job was cancelled, or that it lost the lease (it was too slow to renew it, the
//! job was re-queued and perhaps claimed by another instance), and must stop and discard
//! its work.
//!
//! Why a lease rather than a transaction holding the row lock for the whole run: a job
//! runs for minutes or hours, and a transaction that long would pin a pooled connection
//! per job, hold back vacuum, and lose the job's state whenever the connection drops. A
//! lease is two columns: it survives reconnects, costs nothing between heartbeats, and
//! when an instance crashes any other instance recovers its jobs with
//! [`Jobs::requeue_expired`]. Running a job again from the start is safe because its
//! output is determined by its scenario, seed and range; [`Jobs::claim_next`] therefore
//! resets the progress counters when it hands a re-queued job out again.
//!
//! Every time is the server's `now()`, so the instances' clocks need not agree. A
//! heartbeat that arrives after `lease_expires_at` but before any instance re-queued the
//! job still succeeds: nobody else can hold the job until it is re-queued, so renewing
//! the lease is harmless, and the expiry only takes effect through `requeue_expired`.
//!
//! # Claiming
//!
//! [`Jobs::claim_next`] is a single autocommit `UPDATE` whose target is chosen by a
//! `SELECT … FOR UPDATE SKIP LOCKED LIMIT 1` over the `jobs_queue` index (priority, then
//! age). Concurrent claimers therefore each lock a *different* queued row instead of
//! queueing behind the same one, and a job is marked running and leased in the same
//! statement that picks it: there is no moment at which a crash can leave a job taken but
//! not leased.
//!
//! # Retries
//!
//! Transient errors ([`Error::is_transient`]) are retried with [`Retry::default`] only
//! where running the operation twice has the same effect as running it once:
//!
//! * [`get`](Jobs::get), [`list_by_owner`](Jobs::list_by_owner): reads.
//! * [`heartbeat`](Jobs::heartbeat): it sets absolute values, and repeating it while the
//!   job is held renews the same lease.
//! * [`cancel`](Jobs::cancel): cancelling a cancelled job returns it unchanged.
//! * [`requeue_expired`](Jobs::requeue_expired): it acts on whatever has expired; a retry
//!   after a lost connection may report fewer ids than were re-queued, never more.
//!
//! The others ([`create`](Jobs::create), [`claim_next`](Jobs::claim_next),
//! [`finish`](Jobs::finish), [`delete`](Jobs::delete)) are sent once. Getting the
//! connection is still retried (nothing was sent yet), and so are a serialization
//! failure (40001) or a deadlock (40P01), which prove that the statement rolled back. A
//! connection lost while the statement ran is not retried, because the statement may
//! have committed: a second `create` would create a second job, a second `claim_next`
//! would claim a second job, and a second `finish` would report a conflict for a job that
//! was in fact finished. The caller sees the error and decides (typically: look at the
//! job with [`get`](Jobs::get)).

use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::time::Duration;

use milmed_core::job::Priority;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row};

use crate::{Connection, Database, Error, Retry};

type Result<T, E = Error> = std::result::Result<T, E>;

/// The columns of a [`Job`], in the order of the table.
macro_rules! columns {
    () => {
        "id, owner_key_id, status, priority, scenario_id, scenario, seed, range_start, \
         range_end, formats, budget, persist_patients, patients_done, bytes_done, error, \
         summary, created_at, started_at, finished_at, updated_at, lease_owner, \
         lease_expires_at, attempt"
    };
}

/// Inserts a job and adds its patients to its owner key's usage of the (UTC) day, in
/// one statement.
const INSERT: &str = concat!(
    "WITH job AS (\
         INSERT INTO jobs (owner_key_id, priority, scenario_id, scenario, seed, range_start, \
         range_end, formats, budget, persist_patients) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ",
    columns!(),
    "), counted AS (\
         INSERT INTO api_key_usage AS u (key_id, window_kind, window_start, requests, patients) \
         SELECT owner_key_id, 'day', \
             date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 0, \
             range_end - range_start \
         FROM job WHERE owner_key_id IS NOT NULL \
         ON CONFLICT (key_id, window_kind, window_start) DO UPDATE \
             SET patients = u.patients + excluded.patients\
     ) SELECT * FROM job"
);

const SELECT_ONE: &str = concat!("SELECT ", columns!(), " FROM jobs WHERE id = $1");

// The subquery is an InitPlan, run once; `FOR UPDATE` re-checks `status = 'queued'` on the
// latest row version, so the outer update cannot take a job that another claimer (or a
// cancel) changed in the meantime. Progress is reset because a re-queued job restarts.
const CLAIM: &str = concat!(
    "UPDATE jobs SET status = 'running', lease_owner = $1, \
     lease_expires_at = now() + make_interval(secs => $2), attempt = attempt + 1, \
     started_at = coalesce(started_at, now()), updated_at = now(), \
     patients_done = 0, bytes_done = 0 \
     WHERE id = (SELECT id FROM jobs WHERE status = 'queued' \
                 ORDER BY priority, created_at, id FOR UPDATE SKIP LOCKED LIMIT 1) \
     RETURNING ",
    columns!()
);

const HEARTBEAT: &str = "UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $3), \
     patients_done = $4, bytes_done = $5, updated_at = now() \
     WHERE id = $1 AND status = 'running' AND lease_owner = $2";

const FINISH: &str = concat!(
    "UPDATE jobs SET status = $3, summary = $4, error = $5, \
     patients_done = coalesce($6, patients_done), bytes_done = coalesce($7, bytes_done), \
     finished_at = now(), updated_at = now(), lease_owner = NULL, lease_expires_at = NULL \
     WHERE id = $1 AND status = 'running' AND lease_owner = $2 RETURNING ",
    columns!()
);

const CANCEL: &str = concat!(
    "UPDATE jobs SET status = 'cancelled', finished_at = now(), updated_at = now(), \
     lease_owner = NULL, lease_expires_at = NULL \
     WHERE id = $1 AND status IN ('queued', 'running') RETURNING ",
    columns!()
);

const RELEASE: &str = "UPDATE jobs SET status = 'queued', lease_owner = NULL, \
     lease_expires_at = NULL, updated_at = now() \
     WHERE id = $1 AND status = 'running' AND lease_owner = $2";

const COUNTS: &str = "SELECT status, priority, count(*) FROM jobs GROUP BY status, priority";

const REQUEUE_EXPIRED: &str = "UPDATE jobs SET status = 'queued', lease_owner = NULL, \
     lease_expires_at = NULL, updated_at = now() \
     WHERE status = 'running' AND lease_expires_at < now() RETURNING id";

/// Where a job is in its lifecycle (the `status` column).
///
/// The textual forms ([`as_str`](Self::as_str), [`FromStr`], serde) are the values the
/// table stores: `queued`, `running`, `completed`, `failed` and `cancelled`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "utoipa",
    schema(description = "Where a job is in its lifecycle.")
)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting for an instance to claim it.
    Queued,
    /// Claimed: an instance holds its lease and is generating.
    Running,
    /// Finished successfully (final).
    Completed,
    /// Finished with an error (final).
    Failed,
    /// Cancelled before it finished (final).
    Cancelled,
}

impl JobStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    /// The textual form, as stored: `queued`, `running`, `completed`, `failed` or
    /// `cancelled`.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the job has ended (`completed`, `failed` or `cancelled`). A final job
    /// never changes status again, so its row can be cached, served or deleted without
    /// racing a worker.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job status name that is not one of [`JobStatus::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown job status `{0}`; allowed: queued, running, completed, failed, cancelled")]
pub struct UnknownJobStatus(pub String);

impl FromStr for JobStatus {
    type Err = UnknownJobStatus;

    /// Parses the stored form exactly (lowercase), as the table's CHECK constraint does.
    fn from_str(s: &str) -> Result<JobStatus, UnknownJobStatus> {
        JobStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownJobStatus(s.to_owned()))
    }
}

/// A job to queue with [`Jobs::create`].
#[derive(Clone, Debug, PartialEq)]
pub struct NewJob {
    /// The API key that asked for it, if any (a key's id in `api_keys`).
    pub owner_key_id: Option<i64>,
    /// Claim order: every queued `high` job is claimed before any `normal` one, and so on;
    /// within a priority, oldest first.
    pub priority: Priority,
    /// The stored scenario it was created from, if any (an id in `scenarios`).
    pub scenario_id: Option<i64>,
    /// The scenario itself, as run. Kept even when `scenario_id` is set, so that editing
    /// or deleting the stored scenario does not change what the job generates.
    pub scenario: serde_json::Value,
    /// The generator seed. All 64 bits are kept (stored as the bits of a `bigint`).
    pub seed: u64,
    /// The patient indices to generate; both bounds must fit in an `i64`, and
    /// `start <= end`.
    pub range: Range<u64>,
    /// The output formats to write.
    pub formats: Vec<String>,
    /// The resource budget the job runs under.
    pub budget: serde_json::Value,
    /// Whether to store the generated patients in the `patients` table.
    pub persist_patients: bool,
}

/// A job as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Its identifier, increasing in creation order.
    pub id: i64,
    /// The API key that asked for it; `None` if there was none or it was deleted.
    pub owner_key_id: Option<i64>,
    /// Where it is in its lifecycle.
    pub status: JobStatus,
    /// Its claim priority.
    pub priority: Priority,
    /// The stored scenario it came from; `None` if there was none or it was deleted.
    pub scenario_id: Option<i64>,
    /// The scenario it runs.
    pub scenario: serde_json::Value,
    /// The generator seed.
    pub seed: u64,
    /// The patient indices it generates.
    pub range: Range<u64>,
    /// The output formats.
    pub formats: Vec<String>,
    /// Its resource budget.
    pub budget: serde_json::Value,
    /// Whether its patients are stored in the `patients` table.
    pub persist_patients: bool,
    /// Patients generated so far in the current attempt (as last reported).
    pub patients_done: u64,
    /// Output bytes written so far in the current attempt (as last reported).
    pub bytes_done: u64,
    /// Why it failed, when `status` is `failed`.
    pub error: Option<String>,
    /// What it produced, when `status` is `completed`.
    pub summary: Option<serde_json::Value>,
    /// When it was queued.
    pub created_at: OffsetDateTime,
    /// When it was first claimed (kept when it is re-queued and claimed again).
    pub started_at: Option<OffsetDateTime>,
    /// When it became final.
    pub finished_at: Option<OffsetDateTime>,
    /// When the row last changed (heartbeats included).
    pub updated_at: OffsetDateTime,
    /// The instance holding it while it runs.
    pub lease_owner: Option<String>,
    /// When the lease runs out unless renewed, while it runs.
    pub lease_expires_at: Option<OffsetDateTime>,
    /// How many times it has been claimed: 1 for a job that ran once, more if it was
    /// re-queued after a lease expired.
    pub attempt: i32,
}

/// How a running job ended, for [`Jobs::finish`].
#[derive(Clone, Debug, PartialEq)]
pub enum JobOutcome {
    /// It generated everything; the counters are the final ones.
    Completed {
        /// What it produced (files, counts, timings…).
        summary: serde_json::Value,
        /// Patients generated.
        patients_done: u64,
        /// Output bytes written.
        bytes_done: u64,
    },
    /// It stopped with an error; the progress of the last heartbeat is kept.
    Failed {
        /// Why, for the user.
        error: String,
    },
}

/// The job store: queueing, claiming, leasing and finishing jobs. Cheap to clone (it
/// shares the [`Database`]'s pool).
#[derive(Clone, Debug)]
pub struct Jobs {
    db: Database,
}

impl Jobs {
    /// A store on `db`, whose migrations must have been applied.
    pub fn new(db: Database) -> Jobs {
        Jobs { db }
    }

    /// The database it works on.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Queues a job; it is `queued` with `attempt` 0 and no lease. Its patients are added
    /// to its owner key's usage of the day ([`ApiKeys::usage`](crate::ApiKeys::usage)).
    ///
    /// Fails with [`Error::Invalid`] when a bound of `range` does not fit in an `i64`,
    /// when `range.start > range.end`, or when `owner_key_id` or `scenario_id` names no
    /// row. Sent once (see the module documentation): a lost connection may hide a job
    /// that was created.
    pub async fn create(&self, job: NewJob) -> Result<Job> {
        let range_start = to_i64(job.range.start, "range start")?;
        let range_end = to_i64(job.range.end, "range end")?;
        if range_start > range_end {
            return Err(Error::Invalid(format!(
                "job range {}..{} is reversed: its start must not exceed its end",
                job.range.start, job.range.end
            )));
        }
        let priority = priority_to_sql(job.priority);
        let seed = job.seed as i64;
        let conn = self.connection().await?;
        let row = once("create job", || async {
            conn.query_one(
                INSERT,
                &[
                    &job.owner_key_id,
                    &priority,
                    &job.scenario_id,
                    &job.scenario,
                    &seed,
                    &range_start,
                    &range_end,
                    &job.formats,
                    &job.budget,
                    &job.persist_patients,
                ],
            )
            .await
            .map_err(reference_error)
        })
        .await?;
        let job = job_from_row(&row)?;
        tracing::debug!(job = job.id, priority = %job.priority, "job queued");
        Ok(job)
    }

    /// The job `id`, or [`Error::NotFound`]. Retried on transient errors.
    pub async fn get(&self, id: i64) -> Result<Job> {
        Retry::default().run("get job", || self.get_once(id)).await
    }

    async fn get_once(&self, id: i64) -> Result<Job> {
        let conn = self.db.get().await?;
        fetch(&conn, id).await
    }

    /// Up to `limit` jobs of the API key `owner`, newest first; `owner` `None` lists the
    /// jobs that have no owner (created without a key, or whose key was deleted).
    ///
    /// Pages are keyed on the id, not numbered: pass the last id of the previous page as
    /// `after` (or `None` for the first page). Unlike `OFFSET`, this reads only the rows
    /// returned (through the `jobs_by_owner` index) however deep the page, and jobs
    /// created meanwhile do not shift later pages. Retried on transient errors.
    pub async fn list_by_owner(
        &self,
        owner: Option<i64>,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Job>> {
        Retry::default()
            .run("list jobs", || self.list_once(owner, after, limit))
            .await
    }

    async fn list_once(
        &self,
        owner: Option<i64>,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Job>> {
        let limit = i64::from(limit);
        // Separate texts rather than `$2 IS NULL OR …`, which would keep the planner from
        // using the index for one of the cases.
        let (filter, params): (&str, Vec<&(dyn ToSql + Sync)>) = match (&owner, &after) {
            (Some(owner), Some(after)) => {
                ("owner_key_id = $2 AND id < $3", vec![&limit, owner, after])
            }
            (Some(owner), None) => ("owner_key_id = $2", vec![&limit, owner]),
            (None, Some(after)) => ("owner_key_id IS NULL AND id < $2", vec![&limit, after]),
            (None, None) => ("owner_key_id IS NULL", vec![&limit]),
        };
        let sql = format!(
            concat!(
                "SELECT ",
                columns!(),
                " FROM jobs WHERE {} ORDER BY id DESC LIMIT $1"
            ),
            filter
        );
        let conn = self.db.get().await?;
        let rows = conn.query(&sql, &params).await?;
        rows.iter().map(job_from_row).collect()
    }

    /// Claims the next queued job for `instance`: the highest priority, then the oldest.
    /// The job becomes `running`, held by `instance` for `lease`, with `attempt` one
    /// higher and its progress reset to zero; `None` when nothing is queued.
    ///
    /// Concurrent claimers never block each other nor get the same job (`SKIP LOCKED`,
    /// see the module documentation). Sent once, apart from errors that prove it rolled
    /// back: retrying after a lost connection could claim a second job while the first
    /// stays leased to this instance until its lease expires.
    pub async fn claim_next(&self, instance: &str, lease: Duration) -> Result<Option<Job>> {
        let seconds = lease.as_secs_f64();
        let conn = self.connection().await?;
        let row = once("claim job", || async {
            Ok(conn.query_opt(CLAIM, &[&instance, &seconds]).await?)
        })
        .await?;
        let Some(row) = row else { return Ok(None) };
        let job = job_from_row(&row)?;
        tracing::debug!(job = job.id, instance, attempt = job.attempt, "job claimed");
        Ok(Some(job))
    }

    /// Renews the lease of job `id` to `lease` from now and records its progress, provided
    /// it is running and held by `instance`.
    ///
    /// Otherwise fails with [`Error::Conflict`] (cancelled, finished, or the lease was
    /// lost: the job was re-queued and perhaps claimed by another instance), or with
    /// [`Error::NotFound`] if it was deleted. Either means the worker must stop and
    /// discard its output. Call it well within the lease (a third of it, say), so that
    /// a slow round trip does not cost the job. Fails with [`Error::Invalid`] if a counter
    /// does not fit in an `i64`. Retried on transient errors.
    pub async fn heartbeat(
        &self,
        id: i64,
        instance: &str,
        lease: Duration,
        patients_done: u64,
        bytes_done: u64,
    ) -> Result<()> {
        let patients = to_i64(patients_done, "patients done")?;
        let bytes = to_i64(bytes_done, "bytes done")?;
        let seconds = lease.as_secs_f64();
        Retry::default()
            .run("job heartbeat", || async {
                let conn = self.db.get().await?;
                let updated = conn
                    .execute(HEARTBEAT, &[&id, &instance, &seconds, &patients, &bytes])
                    .await?;
                if updated == 0 {
                    return Err(not_held(&conn, id, instance).await);
                }
                Ok(())
            })
            .await
    }

    /// Ends job `id`, running and held by `instance`: `completed` with its summary and
    /// final counters, or `failed` with its error. The lease is released and
    /// `finished_at` set.
    ///
    /// Fails like [`heartbeat`](Self::heartbeat) when the job is not running on
    /// `instance` any more: the result of a worker that lost its lease, or whose job was
    /// cancelled, is refused. Sent once, apart from errors that prove it rolled back (a
    /// retry after it committed would report a conflict).
    pub async fn finish(&self, id: i64, instance: &str, outcome: JobOutcome) -> Result<Job> {
        let (status, summary, error, patients, bytes) = match &outcome {
            JobOutcome::Completed {
                summary,
                patients_done,
                bytes_done,
            } => (
                JobStatus::Completed,
                Some(summary),
                None,
                Some(to_i64(*patients_done, "patients done")?),
                Some(to_i64(*bytes_done, "bytes done")?),
            ),
            JobOutcome::Failed { error } => {
                (JobStatus::Failed, None, Some(error.as_str()), None, None)
            }
        };
        let status_text = status.as_str();
        let conn = self.connection().await?;
        let row = once("finish job", || async {
            Ok(conn
                .query_opt(
                    FINISH,
                    &[
                        &id,
                        &instance,
                        &status_text,
                        &summary,
                        &error,
                        &patients,
                        &bytes,
                    ],
                )
                .await?)
        })
        .await?;
        let Some(row) = row else {
            return Err(not_held(&conn, id, instance).await);
        };
        let job = job_from_row(&row)?;
        tracing::debug!(job = id, instance, status = %job.status, "job finished");
        Ok(job)
    }

    /// Cancels job `id` if it is queued or running; it becomes `cancelled` (final), with
    /// its lease released. A worker running it learns of it at its next heartbeat.
    ///
    /// Cancelling a cancelled job returns it unchanged, so a retried or repeated request
    /// succeeds; cancelling a completed or failed job is an [`Error::Conflict`] naming its
    /// status; a missing one is [`Error::NotFound`]. Retried on transient errors (it is
    /// idempotent).
    pub async fn cancel(&self, id: i64) -> Result<Job> {
        Retry::default()
            .run("cancel job", || self.cancel_once(id))
            .await
    }

    async fn cancel_once(&self, id: i64) -> Result<Job> {
        let conn = self.db.get().await?;
        if let Some(row) = conn.query_opt(CANCEL, &[&id]).await? {
            let job = job_from_row(&row)?;
            tracing::info!(job = id, "job cancelled");
            return Ok(job);
        }
        // Not queued nor running: absent or final, and a final status never changes, so
        // this read cannot race another writer (only a delete, reported as NotFound).
        let job = fetch(&conn, id).await?;
        match job.status {
            JobStatus::Cancelled => Ok(job),
            status => Err(Error::Conflict(format!(
                "job {id} is {status}: only a queued or running job can be cancelled"
            ))),
        }
    }

    /// Deletes job `id`, whatever its status; [`Error::NotFound`] if there is none. A
    /// worker still running it gets [`Error::NotFound`] at its next heartbeat. Sent once
    /// (a retry after it committed would report NotFound).
    pub async fn delete(&self, id: i64) -> Result<()> {
        let conn = self.connection().await?;
        let deleted = once("delete job", || async {
            Ok(conn
                .execute("DELETE FROM jobs WHERE id = $1", &[&id])
                .await?)
        })
        .await?;
        if deleted == 0 {
            return Err(not_found(id));
        }
        tracing::debug!(job = id, "job deleted");
        Ok(())
    }

    /// Puts job `id`, running and held by `instance`, back in the queue at once (lease
    /// released, `attempt` kept), for an instance that stops without finishing it: another
    /// instance can claim it without waiting for the lease to expire.
    ///
    /// Fails like [`heartbeat`](Self::heartbeat) when the job is not running on
    /// `instance` any more. Retried on transient errors (a repeat finds nothing to do and
    /// reports the conflict, which the caller may ignore).
    pub async fn release(&self, id: i64, instance: &str) -> Result<()> {
        Retry::default()
            .run("release job", || async {
                let conn = self.db.get().await?;
                if conn.execute(RELEASE, &[&id, &instance]).await? == 0 {
                    return Err(not_held(&conn, id, instance).await);
                }
                tracing::info!(job = id, instance, "job released to the queue");
                Ok(())
            })
            .await
    }

    /// How many jobs there are of each status and priority (pairs with none are left
    /// out), for metrics.
    pub async fn counts(&self) -> Result<Vec<(JobStatus, Priority, u64)>> {
        let rows = Retry::default()
            .run("count jobs", || async {
                let conn = self.db.get().await?;
                Ok(conn.query(COUNTS, &[]).await?)
            })
            .await?;
        rows.iter()
            .map(|row| {
                let status: &str = row.try_get(0)?;
                let priority: i16 = row.try_get(1)?;
                let count: i64 = row.try_get(2)?;
                Ok((
                    status
                        .parse()
                        .map_err(|e: UnknownJobStatus| Error::Invalid(e.to_string()))?,
                    priority_from_sql(priority)?,
                    u64::try_from(count).unwrap_or(0),
                ))
            })
            .collect()
    }

    /// Puts every running job whose lease has expired back in the queue (lease
    /// released, `attempt` kept), and returns their ids in increasing order.
    ///
    /// Their instances are presumed dead or stuck; if one is merely slow, its next
    /// heartbeat or finish fails with [`Error::Conflict`], so the job is never finished
    /// twice. Any instance may call this periodically; concurrent calls re-queue each job
    /// once. Retried on transient errors (see the module documentation).
    pub async fn requeue_expired(&self) -> Result<Vec<i64>> {
        let mut ids = Retry::default()
            .run("re-queue expired jobs", || async {
                let conn = self.db.get().await?;
                let rows = conn.query(REQUEUE_EXPIRED, &[]).await?;
                rows.iter()
                    .map(|row| row.try_get::<_, i64>(0).map_err(Error::from))
                    .collect::<Result<Vec<i64>>>()
            })
            .await?;
        ids.sort_unstable();
        if !ids.is_empty() {
            tracing::warn!(?ids, "re-queued jobs whose lease expired");
        }
        Ok(ids)
    }

    /// A connection, retrying transient failures to get one: nothing has been sent yet,
    /// so this is safe even for the writes that are sent once.
    async fn connection(&self) -> Result<Connection<'_>> {
        Retry::default()
            .run("get a connection for jobs", || self.db.get())
            .await
    }
}

/// Runs a write that must not be repeated if it may have committed: retries only the
/// errors that prove it rolled back (serialization failure, deadlock), with the schedule
/// of [`Retry::default`].
async fn once<T, F, Fut>(what: &str, mut op: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    // Errors that must not be retried travel inside `Ok`, out of `Retry::run`'s sight.
    Retry::default()
        .run(what, || {
            let attempt = op();
            async move {
                match attempt.await {
                    Err(e) if e.is_transient() && !rolled_back(&e) => Ok(Err(e)),
                    other => other.map(Ok),
                }
            }
        })
        .await?
}

/// Whether the server reported that the statement was rolled back.
fn rolled_back(e: &Error) -> bool {
    matches!(
        e.code(),
        Some(code) if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
    )
}

/// A reference to a missing API key or scenario, as [`Error::Invalid`].
fn reference_error(e: tokio_postgres::Error) -> Error {
    match e.as_db_error() {
        Some(db) if *db.code() == SqlState::FOREIGN_KEY_VIOLATION => Error::Invalid(format!(
            "job not created: {}",
            db.detail().unwrap_or(db.message())
        )),
        _ => Error::Db(e),
    }
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "job",
        id: id.to_string(),
    }
}

async fn fetch(conn: &Client, id: i64) -> Result<Job> {
    match conn.query_opt(SELECT_ONE, &[&id]).await? {
        Some(row) => job_from_row(&row),
        None => Err(not_found(id)),
    }
}

/// Why job `id` is not running on `instance`, after a conditional update matched nothing.
/// Read in a new statement (so it sees the change that made the update miss).
async fn not_held(conn: &Client, id: i64, instance: &str) -> Error {
    let row = match conn
        .query_opt("SELECT status, lease_owner FROM jobs WHERE id = $1", &[&id])
        .await
    {
        Ok(Some(row)) => row,
        Ok(None) => return not_found(id),
        Err(e) => return e.into(),
    };
    let status: String = row.get(0);
    let owner: Option<String> = row.get(1);
    let why = match (status.as_str(), owner) {
        ("running", Some(owner)) if owner != instance => {
            format!("its lease expired, it was re-queued, and instance `{owner}` holds it now")
        }
        ("running", _) => "its lease changed concurrently".to_owned(),
        ("queued", _) => "its lease expired and it was re-queued".to_owned(),
        ("cancelled", _) => "it was cancelled".to_owned(),
        (status, _) => format!("it is already {status}"),
    };
    Error::Conflict(format!(
        "job {id} is no longer running on instance `{instance}`: {why}"
    ))
}

fn to_i64(value: u64, what: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| {
        Error::Invalid(format!(
            "job {what} {value} is too large: at most {} (a PostgreSQL bigint) is allowed",
            i64::MAX
        ))
    })
}

fn to_u64(value: i64, column: &str) -> Result<u64> {
    u64::try_from(value)
        .map_err(|_| Error::Invalid(format!("stored job {column} {value} is negative")))
}

fn priority_to_sql(priority: Priority) -> i16 {
    match priority {
        Priority::High => 0,
        Priority::Normal => 1,
        Priority::Low => 2,
    }
}

fn priority_from_sql(value: i16) -> Result<Priority> {
    match value {
        0 => Ok(Priority::High),
        1 => Ok(Priority::Normal),
        2 => Ok(Priority::Low),
        _ => Err(Error::Invalid(format!(
            "stored job priority {value} is not 0, 1 or 2"
        ))),
    }
}

fn job_from_row(row: &Row) -> Result<Job> {
    let status: &str = row.try_get("status")?;
    let status = status
        .parse()
        .map_err(|e: UnknownJobStatus| Error::Invalid(format!("stored {e}")))?;
    let seed: i64 = row.try_get("seed")?;
    Ok(Job {
        id: row.try_get("id")?,
        owner_key_id: row.try_get("owner_key_id")?,
        status,
        priority: priority_from_sql(row.try_get("priority")?)?,
        scenario_id: row.try_get("scenario_id")?,
        scenario: row.try_get("scenario")?,
        seed: seed as u64,
        range: to_u64(row.try_get("range_start")?, "range start")?
            ..to_u64(row.try_get("range_end")?, "range end")?,
        formats: row.try_get("formats")?,
        budget: row.try_get("budget")?,
        persist_patients: row.try_get("persist_patients")?,
        patients_done: to_u64(row.try_get("patients_done")?, "patients done")?,
        bytes_done: to_u64(row.try_get("bytes_done")?, "bytes done")?,
        error: row.try_get("error")?,
        summary: row.try_get("summary")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        updated_at: row.try_get("updated_at")?,
        lease_owner: row.try_get("lease_owner")?,
        lease_expires_at: row.try_get("lease_expires_at")?,
        attempt: row.try_get("attempt")?,
    })
}
