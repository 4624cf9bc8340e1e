//! The job queue in this process, with the rules of `milmed_postgres::Jobs`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use milmed_core::job::Priority;
use milmed_postgres::{Error, Job, JobOutcome, JobStatus, NewJob};
use time::OffsetDateTime;

/// Jobs kept in memory; they do not survive a restart.
#[derive(Default)]
pub struct MemoryJobs {
    jobs: Mutex<BTreeMap<i64, Job>>,
}

fn not_found(id: i64) -> Error {
    Error::NotFound {
        what: "job",
        id: id.to_string(),
    }
}

fn rank(p: Priority) -> u8 {
    match p {
        Priority::High => 0,
        Priority::Normal => 1,
        Priority::Low => 2,
    }
}

/// The job must be running under `instance`'s lease.
fn held<'a>(
    jobs: &'a mut BTreeMap<i64, Job>,
    id: i64,
    instance: &str,
) -> Result<&'a mut Job, Error> {
    let job = jobs.get_mut(&id).ok_or_else(|| not_found(id))?;
    if job.status != JobStatus::Running {
        return Err(Error::Conflict(format!(
            "job {id} is {}, not running",
            job.status.as_str()
        )));
    }
    if job.lease_owner.as_deref() != Some(instance) {
        return Err(Error::Conflict(format!(
            "job {id} is held by another instance"
        )));
    }
    Ok(job)
}

impl MemoryJobs {
    pub(super) fn create(&self, new: NewJob) -> Result<Job, Error> {
        if new.range.start > new.range.end {
            return Err(Error::Invalid(format!(
                "patient range {}..{} is reversed",
                new.range.start, new.range.end
            )));
        }
        let mut jobs = self.jobs.lock().expect("not poisoned");
        let id = jobs.keys().next_back().map_or(1, |last| last + 1);
        let now = OffsetDateTime::now_utc();
        let job = Job {
            id,
            owner_key_id: new.owner_key_id,
            status: JobStatus::Queued,
            priority: new.priority,
            scenario_id: new.scenario_id,
            scenario: new.scenario,
            seed: new.seed,
            range: new.range,
            formats: new.formats,
            budget: new.budget,
            persist_patients: new.persist_patients,
            patients_done: 0,
            bytes_done: 0,
            error: None,
            summary: None,
            created_at: now,
            started_at: None,
            finished_at: None,
            updated_at: now,
            lease_owner: None,
            lease_expires_at: None,
            attempt: 0,
        };
        jobs.insert(id, job.clone());
        Ok(job)
    }

    pub(super) fn get(&self, id: i64) -> Result<Job, Error> {
        let jobs = self.jobs.lock().expect("not poisoned");
        jobs.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    pub(super) fn list_by_owner(&self, owner: i64, after: Option<i64>, limit: u32) -> Vec<Job> {
        let jobs = self.jobs.lock().expect("not poisoned");
        jobs.values()
            .rev()
            .filter(|j| j.owner_key_id == Some(owner) && after.is_none_or(|a| j.id < a))
            .take(limit as usize)
            .cloned()
            .collect()
    }

    pub(super) fn claim_next(&self, instance: &str, lease: Duration) -> Option<Job> {
        let mut jobs = self.jobs.lock().expect("not poisoned");
        let id = jobs
            .values()
            .filter(|j| j.status == JobStatus::Queued)
            .min_by_key(|j| (rank(j.priority), j.created_at, j.id))?
            .id;
        let now = OffsetDateTime::now_utc();
        let job = jobs.get_mut(&id)?;
        job.status = JobStatus::Running;
        job.lease_owner = Some(instance.to_owned());
        job.lease_expires_at = Some(now + lease);
        job.attempt += 1;
        job.started_at.get_or_insert(now);
        job.updated_at = now;
        job.patients_done = 0;
        job.bytes_done = 0;
        Some(job.clone())
    }

    pub(super) fn heartbeat(
        &self,
        id: i64,
        instance: &str,
        lease: Duration,
        patients: u64,
        bytes: u64,
    ) -> Result<(), Error> {
        let mut jobs = self.jobs.lock().expect("not poisoned");
        let job = held(&mut jobs, id, instance)?;
        let now = OffsetDateTime::now_utc();
        job.lease_expires_at = Some(now + lease);
        job.patients_done = patients;
        job.bytes_done = bytes;
        job.updated_at = now;
        Ok(())
    }

    pub(super) fn finish(
        &self,
        id: i64,
        instance: &str,
        outcome: JobOutcome,
    ) -> Result<Job, Error> {
        let mut jobs = self.jobs.lock().expect("not poisoned");
        let job = held(&mut jobs, id, instance)?;
        let now = OffsetDateTime::now_utc();
        match outcome {
            JobOutcome::Completed {
                summary,
                patients_done,
                bytes_done,
            } => {
                job.status = JobStatus::Completed;
                job.summary = Some(summary);
                job.patients_done = patients_done;
                job.bytes_done = bytes_done;
            }
            JobOutcome::Failed { error } => {
                job.status = JobStatus::Failed;
                job.error = Some(error);
            }
        }
        job.lease_owner = None;
        job.lease_expires_at = None;
        job.finished_at = Some(now);
        job.updated_at = now;
        Ok(job.clone())
    }

    pub(super) fn cancel(&self, id: i64) -> Result<Job, Error> {
        let mut jobs = self.jobs.lock().expect("not poisoned");
        let job = jobs.get_mut(&id).ok_or_else(|| not_found(id))?;
        match job.status {
            JobStatus::Cancelled => {}
            JobStatus::Queued | JobStatus::Running => {
                let now = OffsetDateTime::now_utc();
                job.status = JobStatus::Cancelled;
                job.lease_owner = None;
                job.lease_expires_at = None;
                job.finished_at = Some(now);
                job.updated_at = now;
            }
            status => {
                return Err(Error::Conflict(format!(
                    "job {id} is {}; only queued or running jobs can be cancelled",
                    status.as_str()
                )));
            }
        }
        Ok(job.clone())
    }

    pub(super) fn delete(&self, id: i64) -> Result<(), Error> {
        let mut jobs = self.jobs.lock().expect("not poisoned");
        jobs.remove(&id).map(drop).ok_or_else(|| not_found(id))
    }

    pub(super) fn counts(&self) -> Vec<(JobStatus, Priority, u64)> {
        let jobs = self.jobs.lock().expect("not poisoned");
        let mut counts: BTreeMap<(&'static str, usize), (JobStatus, Priority, u64)> =
            BTreeMap::new();
        for job in jobs.values() {
            counts
                .entry((job.status.as_str(), job.priority.index()))
                .or_insert((job.status, job.priority, 0))
                .2 += 1;
        }
        counts.into_values().collect()
    }

    pub(super) fn remove_created_before(&self, cutoff: OffsetDateTime) -> u64 {
        let mut jobs = self.jobs.lock().expect("not poisoned");
        let before = jobs.len();
        jobs.retain(|_, job| job.created_at >= cutoff);
        (before - jobs.len()) as u64
    }

    pub(super) fn requeue_expired(&self) -> Vec<i64> {
        let mut jobs = self.jobs.lock().expect("not poisoned");
        let now = OffsetDateTime::now_utc();
        let mut ids = Vec::new();
        for job in jobs.values_mut() {
            if job.status == JobStatus::Running && job.lease_expires_at.is_some_and(|e| e < now) {
                job.status = JobStatus::Queued;
                job.lease_owner = None;
                job.lease_expires_at = None;
                job.updated_at = now;
                ids.push(job.id);
            }
        }
        ids
    }
}
