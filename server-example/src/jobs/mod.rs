//! Generation jobs: the queue, the workers that run it, and the requests that fill it.
//!
//! With PostgreSQL the queue is `milmed_postgres::Jobs`, shared by every instance (claims
//! with `SKIP LOCKED`, leases renewed by heartbeats); without one, [`MemoryJobs`] keeps
//! the same rules in this process. A job's output is not stored: it is a pure function
//! of its scenario, seed and range, so results and downloads regenerate it on request,
//! on any instance.

mod estimate;
mod memory;
pub mod request;
pub mod runner;
pub mod template;

use std::sync::Arc;
use std::time::Duration;

pub use estimate::{
    FHIR_PATIENTS_PER_SECOND, RECORD_PATIENTS_PER_SECOND, STORED_PATIENTS_PER_SECOND,
    estimated_duration,
};
pub use memory::MemoryJobs;
use milmed_core::budget::Budget;
use milmed_core::job::Priority;
use milmed_postgres::{Error, Job, JobOutcome, JobStatus, Jobs, NewJob};
use serde::{Deserialize, Serialize};

use crate::settings::GenerationLimits;

/// What a job may use and how its downloads are written, fixed when it is created and
/// kept in the job's `budget` column, so that any instance runs and serves it alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobBudget {
    /// The key's patient limit per request when the job was created.
    pub max_patients: u64,
    /// Longest run, seconds.
    pub max_seconds: u64,
    /// Most output bytes, per format.
    pub max_bytes: u64,
    /// Memory the run may hold in its buffers (reserved in the pool while it runs).
    pub max_memory: u64,
    /// Downloads are gzipped.
    pub compress: bool,
    /// Downloads are encrypted (the password is asked again at download time).
    pub encrypt: bool,
}

impl JobBudget {
    /// The budget of a job created by a key allowed `max_patients` per request, under
    /// the server's `limits`.
    pub fn new(
        max_patients: u64,
        limits: &GenerationLimits,
        compress: bool,
        encrypt: bool,
    ) -> JobBudget {
        JobBudget {
            max_patients,
            max_seconds: limits.job_seconds.as_secs(),
            max_bytes: limits.job_bytes,
            max_memory: limits.generation_memory,
            compress,
            encrypt,
        }
    }

    /// The budget as milmed-core checks it.
    pub fn core(&self) -> Budget {
        Budget {
            max_patients: Some(self.max_patients),
            max_bytes: Some(self.max_bytes),
            max_wall_time: Some(Duration::from_secs(self.max_seconds)),
            max_cpu_time: None,
            max_memory: Some(self.max_memory),
        }
    }
}

/// Where jobs are queued.
#[derive(Clone)]
pub enum JobQueue {
    /// In this process, with the keys whose usage counts the jobs' patients.
    Memory(Arc<MemoryJobs>, Arc<crate::keys::MemoryKeys>),
    /// In PostgreSQL.
    Postgres(Jobs),
}

impl JobQueue {
    /// Queues a job, adding its patients to its owner key's usage of the day.
    pub async fn create(&self, job: NewJob) -> Result<Job, Error> {
        match self {
            JobQueue::Memory(m, keys) => {
                let job = m.create(job)?;
                if let Some(owner) = job.owner_key_id {
                    keys.count_patients(
                        owner,
                        job.range.end - job.range.start,
                        time::OffsetDateTime::now_utc(),
                    );
                }
                Ok(job)
            }
            JobQueue::Postgres(p) => p.create(job).await,
        }
    }

    /// One job.
    pub async fn get(&self, id: i64) -> Result<Job, Error> {
        match self {
            JobQueue::Memory(m, _) => m.get(id),
            JobQueue::Postgres(p) => p.get(id).await,
        }
    }

    /// A key's jobs, newest first, after id `after`.
    pub async fn list_by_owner(
        &self,
        owner: i64,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Job>, Error> {
        match self {
            JobQueue::Memory(m, _) => Ok(m.list_by_owner(owner, after, limit)),
            JobQueue::Postgres(p) => p.list_by_owner(Some(owner), after, limit).await,
        }
    }

    /// Takes the next queued job for `instance`.
    pub async fn claim_next(&self, instance: &str, lease: Duration) -> Result<Option<Job>, Error> {
        match self {
            JobQueue::Memory(m, _) => Ok(m.claim_next(instance, lease)),
            JobQueue::Postgres(p) => p.claim_next(instance, lease).await,
        }
    }

    /// Renews the lease and records progress; `Conflict` or `NotFound` tell the worker
    /// to stop (cancelled, deleted, or the lease was lost).
    pub async fn heartbeat(
        &self,
        id: i64,
        instance: &str,
        lease: Duration,
        patients: u64,
        bytes: u64,
    ) -> Result<(), Error> {
        match self {
            JobQueue::Memory(m, _) => m.heartbeat(id, instance, lease, patients, bytes),
            JobQueue::Postgres(p) => p.heartbeat(id, instance, lease, patients, bytes).await,
        }
    }

    /// Records how a job ended.
    pub async fn finish(&self, id: i64, instance: &str, outcome: JobOutcome) -> Result<Job, Error> {
        match self {
            JobQueue::Memory(m, _) => m.finish(id, instance, outcome),
            JobQueue::Postgres(p) => p.finish(id, instance, outcome).await,
        }
    }

    /// Cancels a queued or running job (final).
    pub async fn cancel(&self, id: i64) -> Result<Job, Error> {
        match self {
            JobQueue::Memory(m, _) => m.cancel(id),
            JobQueue::Postgres(p) => p.cancel(id).await,
        }
    }

    /// Deletes a job.
    pub async fn delete(&self, id: i64) -> Result<(), Error> {
        match self {
            JobQueue::Memory(m, _) => m.delete(id),
            JobQueue::Postgres(p) => p.delete(id).await,
        }
    }

    /// Leaves a running job this instance holds, because the server is stopping: with
    /// PostgreSQL it goes back to the queue at once, for another instance (or this one,
    /// restarted) to run; in memory it fails, saying why, since nothing would run it.
    /// Returns the status it was left in.
    pub async fn leave_at_shutdown(&self, id: i64, instance: &str) -> Result<JobStatus, Error> {
        match self {
            JobQueue::Memory(m, _) => m
                .finish(
                    id,
                    instance,
                    JobOutcome::Failed {
                        error: "the server shut down before the job finished".to_owned(),
                    },
                )
                .map(|job| job.status),
            JobQueue::Postgres(p) => p.release(id, instance).await.map(|()| JobStatus::Queued),
        }
    }

    /// How many jobs there are of each status and priority, for metrics (with
    /// PostgreSQL, of every instance).
    pub async fn counts(&self) -> Result<Vec<(JobStatus, Priority, u64)>, Error> {
        match self {
            JobQueue::Memory(m, _) => Ok(m.counts()),
            JobQueue::Postgres(p) => p.counts().await,
        }
    }

    /// Removes the jobs created more than `max_age` ago (with PostgreSQL, their stored
    /// patients too); returns how many jobs went.
    pub async fn apply_retention(&self, max_age: Duration) -> Result<u64, Error> {
        let now = time::OffsetDateTime::now_utc();
        match self {
            JobQueue::Memory(m, _) => Ok(m.remove_created_before(now - max_age)),
            JobQueue::Postgres(p) => {
                let retention = milmed_postgres::Retention {
                    max_age,
                    ..milmed_postgres::Retention::default()
                };
                Ok(retention.run(p.database(), now).await?.jobs_deleted)
            }
        }
    }

    /// Queues again the running jobs whose lease expired.
    pub async fn requeue_expired(&self) -> Result<Vec<i64>, Error> {
        match self {
            JobQueue::Memory(m, _) => Ok(m.requeue_expired()),
            JobQueue::Postgres(p) => p.requeue_expired().await,
        }
    }
}
