//! Retention: jobs and their patients older than a configured age are removed.
//!
//! Whole months of patients go by dropping their partitions, which frees the space at
//! once and writes almost no WAL; what remains older than the cutoff (the cutoff's own
//! month) and the jobs themselves are deleted in bounded batches, each its own short
//! transaction, so retention never holds long locks or builds one huge transaction.

use std::time::Duration;

use time::OffsetDateTime;

use crate::{Database, Error, PatientStore, Retry};

/// What to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Jobs (and their patients) created longer ago than this are removed.
    pub max_age: Duration,
    /// Rows deleted per statement.
    pub batch: u32,
}

impl Default for Retention {
    /// 30 days, 10,000 rows per statement.
    fn default() -> Retention {
        Retention {
            max_age: Duration::from_secs(30 * 86_400),
            batch: 10_000,
        }
    }
}

/// What a retention run removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Monthly patient partitions dropped.
    pub partitions_dropped: Vec<String>,
    /// Patient rows deleted one by one (those of the cutoff's month).
    pub patients_deleted: u64,
    /// Jobs deleted.
    pub jobs_deleted: u64,
}

impl Retention {
    /// Removes what is older than `max_age` before `now`.
    pub async fn run(&self, db: &Database, now: OffsetDateTime) -> Result<RetentionReport, Error> {
        let cutoff = now - self.max_age;
        let batch = i64::from(self.batch.max(1));
        let partitions_dropped = PatientStore::new(db.clone())
            .drop_partitions_before(cutoff)
            .await?;
        let patients_deleted = delete_in_batches(
            db,
            "DELETE FROM patients p USING ( \
                 SELECT job_created_at, job_id, index FROM patients \
                 WHERE job_created_at < $1 LIMIT $2) old \
             WHERE p.job_created_at = old.job_created_at AND p.job_id = old.job_id \
               AND p.index = old.index",
            cutoff,
            batch,
        )
        .await?;
        let jobs_deleted = delete_in_batches(
            db,
            "DELETE FROM jobs WHERE id IN ( \
                 SELECT id FROM jobs WHERE created_at < $1 ORDER BY id LIMIT $2)",
            cutoff,
            batch,
        )
        .await?;
        let report = RetentionReport {
            partitions_dropped,
            patients_deleted,
            jobs_deleted,
        };
        tracing::info!(?report, %cutoff, "retention run");
        Ok(report)
    }
}

/// Runs `sql` (deleting up to `$2` rows older than `$1`) until it deletes nothing.
async fn delete_in_batches(
    db: &Database,
    sql: &str,
    cutoff: OffsetDateTime,
    batch: i64,
) -> Result<u64, Error> {
    let mut total = 0;
    loop {
        let deleted = Retry::default()
            .run("retention", || async {
                let conn = db.get().await?;
                Ok(conn.execute(sql, &[&cutoff, &batch]).await?)
            })
            .await?;
        total += deleted;
        if deleted == 0 {
            return Ok(total);
        }
    }
}
