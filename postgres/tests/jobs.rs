//! The job store: queueing, pagination, claiming by priority, leases shared by concurrent
//! workers, expiry, cancellation and deletion, against a real PostgreSQL.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TestDb;
use milmed_core::job::Priority;
use milmed_postgres::{Database, Error, Job, JobOutcome, JobStatus, Jobs, NewJob};
use serde_json::json;

const LEASE: Duration = Duration::from_secs(30);

/// A job with the given owner and priority; the rest fixed.
fn new_job(owner_key_id: Option<i64>, priority: Priority) -> NewJob {
    NewJob {
        owner_key_id,
        priority,
        scenario_id: None,
        scenario: json!({"name": "test", "fronts": ["north"]}),
        seed: 42,
        range: 0..100,
        formats: vec!["csv".to_owned(), "json".to_owned()],
        budget: json!({"max_memory": 1_000_000}),
        persist_patients: false,
    }
}

/// An API key row, for owners; returns its id.
async fn insert_key(db: &Database, n: u8) -> i64 {
    db.get()
        .await
        .unwrap()
        .query_one(
            "INSERT INTO api_keys (key_hash, prefix, name, tier, max_patients_per_request) \
             VALUES ($1, 'mk_test', 'test', 'free', 1000) RETURNING id",
            &[&vec![n; 32]],
        )
        .await
        .unwrap()
        .get(0)
}

fn completed(n: u64) -> JobOutcome {
    JobOutcome::Completed {
        summary: json!({"patients": n}),
        patients_done: n,
        bytes_done: n * 10,
    }
}

fn assert_conflict(result: Result<impl std::fmt::Debug, Error>, needle: &str) {
    match result {
        Err(Error::Conflict(message)) => {
            assert!(message.contains(needle), "{message:?} lacks {needle:?}")
        }
        other => panic!("expected a conflict about {needle:?}, got {other:?}"),
    }
}

fn assert_not_found(result: Result<impl std::fmt::Debug, Error>, id: i64) {
    match result {
        Err(Error::NotFound {
            what: "job",
            id: got,
        }) => assert_eq!(got, id.to_string()),
        other => panic!("expected job {id} not found, got {other:?}"),
    }
}

#[test]
fn job_status_text_round_trips() {
    for status in JobStatus::ALL {
        assert_eq!(status.as_str().parse::<JobStatus>(), Ok(status));
        assert_eq!(status.to_string(), status.as_str());
        assert_eq!(
            serde_json::to_value(status).unwrap(),
            json!(status.as_str())
        );
    }
    let finals: Vec<JobStatus> = JobStatus::ALL
        .into_iter()
        .filter(|s| s.is_final())
        .collect();
    assert_eq!(
        finals,
        [
            JobStatus::Completed,
            JobStatus::Failed,
            JobStatus::Cancelled
        ]
    );
    let err = "done".parse::<JobStatus>().unwrap_err();
    assert!(err.to_string().contains("`done`"), "{err}");
}

#[tokio::test]
async fn create_get_and_list_by_owner_in_pages() {
    let test = TestDb::new().await;
    let db = test.database().await;
    let jobs = Jobs::new(db.clone());
    let (alice, bob) = (insert_key(&db, 1).await, insert_key(&db, 2).await);

    // Every field round-trips, the seed's high bit and the largest range bound included.
    let mut job = new_job(Some(bob), Priority::Low);
    job.seed = u64::MAX - 1;
    job.range = 5..i64::MAX as u64;
    job.persist_patients = true;
    let created = jobs.create(job.clone()).await.unwrap();
    assert_eq!(created.owner_key_id, Some(bob));
    assert_eq!(created.status, JobStatus::Queued);
    assert_eq!(created.priority, Priority::Low);
    assert_eq!(created.seed, u64::MAX - 1);
    assert_eq!(created.range, 5..i64::MAX as u64);
    assert_eq!(created.formats, ["csv", "json"]);
    assert_eq!(created.scenario, job.scenario);
    assert_eq!(created.budget, job.budget);
    assert!(created.persist_patients);
    assert_eq!((created.patients_done, created.bytes_done), (0, 0));
    assert_eq!(
        (created.error.as_ref(), created.summary.as_ref()),
        (None, None)
    );
    assert_eq!((created.started_at, created.finished_at), (None, None));
    assert_eq!(
        (created.lease_owner.as_ref(), created.lease_expires_at),
        (None, None)
    );
    assert_eq!(created.attempt, 0);
    assert_eq!(jobs.get(created.id).await.unwrap(), created);

    // Seven jobs of alice, interleaved with an ownerless one.
    let mut alices = Vec::new();
    for i in 0..7 {
        alices.push(
            jobs.create(new_job(Some(alice), Priority::Normal))
                .await
                .unwrap()
                .id,
        );
        if i == 3 {
            jobs.create(new_job(None, Priority::Normal)).await.unwrap();
        }
    }
    alices.reverse(); // newest first

    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = jobs.list_by_owner(Some(alice), after, 3).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.iter().all(|j| j.owner_key_id == Some(alice)));
        after = page.last().map(|j| j.id);
        pages.push(page.iter().map(|j| j.id).collect::<Vec<i64>>());
    }
    assert_eq!(
        pages,
        [&alices[0..3], &alices[3..6], &alices[6..7]],
        "three pages, newest first"
    );

    let bobs = jobs.list_by_owner(Some(bob), None, 10).await.unwrap();
    assert_eq!(bobs, [created]);
    let ownerless = jobs.list_by_owner(None, None, 10).await.unwrap();
    assert_eq!(ownerless.len(), 1);
    assert_eq!(ownerless[0].owner_key_id, None);
    assert!(
        jobs.list_by_owner(None, Some(ownerless[0].id), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        jobs.list_by_owner(Some(alice), None, 0)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn missing_jobs_are_not_found() {
    let test = TestDb::new().await;
    let jobs = Jobs::new(test.database().await);
    assert_not_found(jobs.get(12345).await, 12345);
    assert_not_found(jobs.cancel(12345).await, 12345);
    assert_not_found(jobs.delete(12345).await, 12345);
    assert_not_found(jobs.heartbeat(12345, "a", LEASE, 0, 0).await, 12345);
    assert_not_found(jobs.finish(12345, "a", completed(1)).await, 12345);
}

#[tokio::test]
async fn values_that_cannot_be_stored_are_invalid() {
    let test = TestDb::new().await;
    let jobs = Jobs::new(test.database().await);
    let invalid = |result: Result<Job, Error>, needle: &str| match result {
        Err(Error::Invalid(message)) => {
            assert!(message.contains(needle), "{message:?} lacks {needle:?}")
        }
        other => panic!("expected invalid ({needle}), got {other:?}"),
    };

    let mut job = new_job(None, Priority::Normal);
    job.range = 0..i64::MAX as u64 + 1;
    invalid(jobs.create(job).await, "range end 9223372036854775808");

    let mut job = new_job(None, Priority::Normal);
    job.range = u64::MAX..u64::MAX;
    invalid(jobs.create(job).await, "range start");

    let mut job = new_job(None, Priority::Normal);
    job.range = std::ops::Range { start: 10, end: 5 };
    invalid(jobs.create(job).await, "reversed");

    invalid(
        jobs.create(new_job(Some(999), Priority::Normal)).await,
        "api_keys",
    );
    let mut job = new_job(None, Priority::Normal);
    job.scenario_id = Some(999);
    invalid(jobs.create(job).await, "scenarios");

    // Nothing was stored.
    assert!(jobs.list_by_owner(None, None, 10).await.unwrap().is_empty());

    // Progress beyond a bigint is refused too, before anything is sent.
    let id = jobs
        .create(new_job(None, Priority::Normal))
        .await
        .unwrap()
        .id;
    jobs.claim_next("a", LEASE).await.unwrap().unwrap();
    match jobs.heartbeat(id, "a", LEASE, u64::MAX, 0).await {
        Err(Error::Invalid(message)) => assert!(message.contains("patients done"), "{message}"),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn claims_follow_priority_then_age() {
    let test = TestDb::new().await;
    let jobs = Jobs::new(test.database().await);
    assert_eq!(jobs.claim_next("a", LEASE).await.unwrap(), None);

    let low = jobs.create(new_job(None, Priority::Low)).await.unwrap().id;
    let normal_old = jobs
        .create(new_job(None, Priority::Normal))
        .await
        .unwrap()
        .id;
    let high = jobs.create(new_job(None, Priority::High)).await.unwrap().id;
    let normal_new = jobs
        .create(new_job(None, Priority::Normal))
        .await
        .unwrap()
        .id;

    let mut claimed = Vec::new();
    while let Some(job) = jobs.claim_next("a", LEASE).await.unwrap() {
        assert_eq!(job.status, JobStatus::Running);
        assert_eq!(job.lease_owner.as_deref(), Some("a"));
        assert_eq!(job.attempt, 1);
        let (started, expires) = (job.started_at.unwrap(), job.lease_expires_at.unwrap());
        let lease = expires - started;
        assert!(
            lease > time::Duration::seconds(29) && lease <= time::Duration::seconds(30),
            "{lease}"
        );
        claimed.push(job.id);
    }
    assert_eq!(claimed, [high, normal_old, normal_new, low]);
}

/// `workers` tasks, each its own instance, drain 50 queued jobs: claim, heartbeat,
/// finish. Every job must be held by one worker at a time and completed exactly once.
async fn workers_complete_each_job_once(workers: usize) {
    let test = TestDb::new().await;
    let jobs = Jobs::new(test.database().await);
    let mut ids = HashSet::new();
    for i in 0..50 {
        let priority = Priority::ALL[i % 3];
        ids.insert(jobs.create(new_job(None, priority)).await.unwrap().id);
    }

    // The jobs held right now; a claim of a job in it would be a double lease.
    let held = Arc::new(Mutex::new(HashSet::new()));
    let tasks: Vec<_> = (0..workers)
        .map(|w| {
            let (jobs, held) = (jobs.clone(), held.clone());
            tokio::spawn(async move {
                let instance = format!("worker-{w}");
                let mut claims = Vec::new();
                while let Some(job) = jobs.claim_next(&instance, LEASE).await.unwrap() {
                    assert!(
                        held.lock().unwrap().insert(job.id),
                        "job {} claimed by {instance} while held",
                        job.id
                    );
                    claims.push((job.id, instance.clone()));
                    jobs.heartbeat(job.id, &instance, LEASE, 5, 50)
                        .await
                        .unwrap();
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    assert!(held.lock().unwrap().remove(&job.id));
                    let done = jobs.finish(job.id, &instance, completed(7)).await.unwrap();
                    assert_eq!(done.status, JobStatus::Completed);
                }
                claims
            })
        })
        .collect();

    let mut claims: HashMap<i64, Vec<String>> = HashMap::new();
    for task in tasks {
        for (id, instance) in task.await.unwrap() {
            claims.entry(id).or_default().push(instance);
        }
    }
    assert_eq!(claims.keys().copied().collect::<HashSet<i64>>(), ids);
    for (id, instances) in &claims {
        assert_eq!(instances.len(), 1, "job {id} claimed by {instances:?}");
    }
    let busy: HashSet<&String> = claims.values().flatten().collect();
    assert!(busy.len() >= 2, "only {busy:?} claimed jobs");

    for id in ids {
        let job = jobs.get(id).await.unwrap();
        assert_eq!(job.status, JobStatus::Completed, "job {id}");
        assert_eq!(job.attempt, 1, "job {id}");
        assert_eq!(job.lease_owner.as_deref(), None);
        assert_eq!(job.lease_expires_at, None);
        assert_eq!((job.patients_done, job.bytes_done), (7, 70));
        assert_eq!(job.summary, Some(json!({"patients": 7})));
        assert!(job.finished_at.is_some() && job.finished_at >= job.started_at);
    }
    assert_eq!(jobs.claim_next("late", LEASE).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_complete_each_job_once() {
    workers_complete_each_job_once(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_workers_complete_each_job_once() {
    workers_complete_each_job_once(8).await;
}

#[tokio::test]
async fn an_expired_lease_is_requeued_and_claimed_again() {
    let test = TestDb::new().await;
    let jobs = Jobs::new(test.database().await);
    let id = jobs.create(new_job(None, Priority::High)).await.unwrap().id;
    let other = jobs.create(new_job(None, Priority::Low)).await.unwrap().id;

    let first = jobs
        .claim_next("a", Duration::from_millis(200))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.id, first.attempt), (id, 1));
    jobs.heartbeat(id, "a", Duration::from_millis(200), 3, 30)
        .await
        .unwrap();
    assert_eq!(jobs.get(id).await.unwrap().patients_done, 3);
    assert_conflict(jobs.heartbeat(id, "b", LEASE, 0, 0).await, "`a`");
    // A long lease on the other job: it must not be re-queued.
    let long = jobs.claim_next("c", LEASE).await.unwrap().unwrap();
    assert_eq!(long.id, other);

    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(jobs.requeue_expired().await.unwrap(), [id]);
    assert_eq!(jobs.requeue_expired().await.unwrap(), Vec::<i64>::new());
    let requeued = jobs.get(id).await.unwrap();
    assert_eq!(requeued.status, JobStatus::Queued);
    assert_eq!(
        (requeued.lease_owner, requeued.lease_expires_at),
        (None, None)
    );
    assert_eq!(requeued.attempt, 1);

    // The first instance has lost it, queued or claimed by another.
    assert_conflict(jobs.heartbeat(id, "a", LEASE, 4, 40).await, "re-queued");
    assert_conflict(jobs.finish(id, "a", completed(100)).await, "re-queued");
    let second = jobs.claim_next("b", LEASE).await.unwrap().unwrap();
    assert_eq!((second.id, second.attempt), (id, 2));
    assert_eq!(second.lease_owner.as_deref(), Some("b"));
    assert_eq!(second.started_at, first.started_at, "first start kept");
    assert_eq!(
        (second.patients_done, second.bytes_done),
        (0, 0),
        "restarts"
    );
    assert_conflict(jobs.heartbeat(id, "a", LEASE, 4, 40).await, "`b` holds it");
    assert_conflict(jobs.finish(id, "a", completed(100)).await, "`b` holds it");

    jobs.heartbeat(id, "b", LEASE, 50, 500).await.unwrap();
    let done = jobs.finish(id, "b", completed(100)).await.unwrap();
    assert_eq!(done.status, JobStatus::Completed);
    assert_eq!(
        (done.attempt, done.patients_done, done.bytes_done),
        (2, 100, 1000)
    );
    assert_eq!((done.lease_owner, done.lease_expires_at), (None, None));
    assert!(done.finished_at.is_some());
    assert_eq!(jobs.get(other).await.unwrap().status, JobStatus::Running);
    assert_conflict(
        jobs.finish(id, "b", completed(100)).await,
        "already completed",
    );
}

#[tokio::test]
async fn a_released_job_is_queued_at_once_and_counted() {
    let test = TestDb::new().await;
    let jobs = Jobs::new(test.database().await);
    let id = jobs.create(new_job(None, Priority::High)).await.unwrap().id;
    jobs.create(new_job(None, Priority::Low)).await.unwrap();
    let claimed = jobs.claim_next("a", LEASE).await.unwrap().unwrap();
    assert_eq!(claimed.id, id);
    let mut counts = jobs.counts().await.unwrap();
    counts.sort_by_key(|(status, priority, _)| (status.as_str(), priority.index()));
    assert_eq!(
        counts,
        [
            (JobStatus::Queued, Priority::Low, 1),
            (JobStatus::Running, Priority::High, 1)
        ]
    );

    assert_conflict(jobs.release(id, "b").await, "`a`");
    jobs.release(id, "a").await.unwrap();
    let released = jobs.get(id).await.unwrap();
    assert_eq!(released.status, JobStatus::Queued);
    assert_eq!((released.lease_owner, released.attempt), (None, 1));
    assert_conflict(jobs.heartbeat(id, "a", LEASE, 1, 1).await, "re-queued");
    // Another instance takes it without waiting for the lease.
    let again = jobs.claim_next("b", LEASE).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempt), (id, 2));
}

#[tokio::test]
async fn cancel_stops_queued_and_running_jobs() {
    let test = TestDb::new().await;
    let jobs = Jobs::new(test.database().await);

    // Queued → cancelled, never claimed; cancelling again changes nothing.
    let queued = jobs.create(new_job(None, Priority::High)).await.unwrap().id;
    let cancelled = jobs.cancel(queued).await.unwrap();
    assert_eq!(cancelled.status, JobStatus::Cancelled);
    assert!(cancelled.finished_at.is_some() && cancelled.started_at.is_none());
    assert_eq!(jobs.cancel(queued).await.unwrap(), cancelled);
    assert_eq!(jobs.claim_next("a", LEASE).await.unwrap(), None);

    // Running → cancelled; the worker learns it at its next heartbeat, and cannot finish.
    let running = jobs
        .create(new_job(None, Priority::Normal))
        .await
        .unwrap()
        .id;
    assert_eq!(
        jobs.claim_next("a", LEASE).await.unwrap().unwrap().id,
        running
    );
    jobs.heartbeat(running, "a", LEASE, 1, 10).await.unwrap();
    let cancelled = jobs.cancel(running).await.unwrap();
    assert_eq!(cancelled.status, JobStatus::Cancelled);
    assert_eq!(
        (cancelled.lease_owner, cancelled.lease_expires_at),
        (None, None)
    );
    assert!(cancelled.started_at.is_some() && cancelled.finished_at.is_some());
    assert_conflict(
        jobs.heartbeat(running, "a", LEASE, 2, 20).await,
        "cancelled",
    );
    assert_conflict(jobs.finish(running, "a", completed(5)).await, "cancelled");
    let failed = JobOutcome::Failed {
        error: "boom".to_owned(),
    };
    assert_conflict(jobs.finish(running, "a", failed.clone()).await, "cancelled");
    assert_eq!(
        jobs.cancel(running).await.unwrap().status,
        JobStatus::Cancelled
    );
    assert_eq!(jobs.requeue_expired().await.unwrap(), Vec::<i64>::new());

    // Completed and failed jobs cannot be cancelled.
    let done = jobs
        .create(new_job(None, Priority::Normal))
        .await
        .unwrap()
        .id;
    jobs.claim_next("a", LEASE).await.unwrap().unwrap();
    jobs.finish(done, "a", completed(5)).await.unwrap();
    assert_conflict(jobs.cancel(done).await, "is completed");
    assert_eq!(jobs.get(done).await.unwrap().status, JobStatus::Completed);

    let broken = jobs
        .create(new_job(None, Priority::Normal))
        .await
        .unwrap()
        .id;
    jobs.claim_next("a", LEASE).await.unwrap().unwrap();
    let job = jobs.finish(broken, "a", failed).await.unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!((job.error.as_deref(), job.summary), (Some("boom"), None));
    assert_eq!((job.patients_done, job.bytes_done), (0, 0));
    assert_conflict(jobs.cancel(broken).await, "is failed");
}

#[tokio::test]
async fn deleted_jobs_are_gone() {
    let test = TestDb::new().await;
    let jobs = Jobs::new(test.database().await);
    let kept = jobs
        .create(new_job(None, Priority::Normal))
        .await
        .unwrap()
        .id;
    let id = jobs
        .create(new_job(None, Priority::Normal))
        .await
        .unwrap()
        .id;
    assert_eq!(jobs.claim_next("a", LEASE).await.unwrap().unwrap().id, kept);
    jobs.delete(id).await.unwrap();
    assert_not_found(jobs.get(id).await, id);
    assert_not_found(jobs.delete(id).await, id);

    // A running job can be deleted; its worker learns it at its next heartbeat.
    jobs.delete(kept).await.unwrap();
    assert_not_found(jobs.heartbeat(kept, "a", LEASE, 1, 1).await, kept);
    assert!(jobs.list_by_owner(None, None, 10).await.unwrap().is_empty());
}
