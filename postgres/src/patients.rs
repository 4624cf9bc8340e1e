//! Generated patients in PostgreSQL: binary COPY into a table partitioned by month.
//!
//! [`PatientStore::load`] spawns a milmed-core job (its worker threads, budget and
//! cancellation) whose `ChunkSink` hands packed rows through a bounded channel to a
//! `COPY patients … FROM STDIN BINARY` on one connection, so memory stays flat whatever
//! the number of patients. The whole load is one transaction that first deletes the
//! job's earlier rows: loading a job again (a retry after a crash) leaves one copy.

use std::ops::Range;
use std::sync::Arc;

use futures_util::pin_mut;
use milmed_core::Generator;
use milmed_core::budget::{Budget, CancelToken};
use milmed_core::format::{Encoder, RenderContext, write_record};
use milmed_core::job::{ChunkSink, Job, JobEnd, receiver_gone};
use milmed_core::patient::Patient;
use time::{Date, Month, OffsetDateTime};
use tokio::sync::mpsc;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use crate::{Database, Error, Retry};

/// The job whose patients are stored: rows are keyed (and partitioned) by the job's
/// creation time, so that retention can drop whole months.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobRef {
    /// The job's id.
    pub id: i64,
    /// When the job was created (selects the monthly partition).
    pub created_at: OffsetDateTime,
}

/// What [`PatientStore::load`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadReport {
    /// Rows written.
    pub patients: u64,
    /// How the generating job ended (a budget may have stopped it early).
    pub end: JobEnd,
}

/// Batches in flight between the generating threads and the COPY.
const CHANNEL_BATCHES: usize = 4;

/// The patients table and its partitions.
#[derive(Clone, Debug)]
pub struct PatientStore {
    db: Database,
}

impl PatientStore {
    /// The store over `db`.
    pub fn new(db: Database) -> PatientStore {
        PatientStore { db }
    }

    /// Generates `range` of `generator`'s run for `job` and stores it, replacing any rows
    /// the job already had, in one transaction. `threads`, `budget` and `cancel` drive the
    /// generating job as everywhere in milmed; a cancelled load stores nothing.
    pub async fn load(
        &self,
        job: JobRef,
        generator: Generator,
        range: Range<u64>,
        threads: usize,
        budget: Budget,
        cancel: CancelToken,
    ) -> Result<LoadReport, Error> {
        self.ensure_partition(job.created_at).await?;
        let mut conn = self.db.get().await?;
        let tx = conn.transaction().await?;
        // A load is one COPY as long as its job: the job's budget and cancel token bound
        // it, not the pool's per-statement timeout (meant for queries), which a large or
        // slow load would overrun and lose the whole job.
        tx.batch_execute("SET LOCAL statement_timeout = 0").await?;
        tx.execute(
            "DELETE FROM patients WHERE job_created_at = $1 AND job_id = $2",
            &[&job.created_at, &job.id],
        )
        .await?;
        let sink = tx
            .copy_in(
                "COPY patients (job_created_at, job_id, index, injury_time, nationality, \
                 front, injury_type, triage, outcome, last_facility, record) FROM STDIN BINARY",
            )
            .await?;
        let writer = BinaryCopyInWriter::new(sink, COLUMN_TYPES);
        pin_mut!(writer);

        let (tx_rows, mut rx_rows) = mpsc::channel::<Vec<u8>>(CHANNEL_BATCHES);
        let encoder = Arc::new(RowEncoder {
            ctx: RenderContext::new(&generator),
            start_unix: generator.start_unix(),
            generator: generator.clone(),
        });
        // Each batch's packed rows are one chunk (the row format has no header or
        // footer); the job waits while the channel is full, so the COPY sets the pace.
        let sink = ChunkSink::new(Arc::clone(&encoder) as Arc<dyn Encoder>, false, {
            move |rows: Vec<u8>| tx_rows.blocking_send(rows).map_err(|_| receiver_gone())
        });
        let generating = Job::new(&generator, encoder)
            .range(range)
            .threads(threads)
            .budget(budget)
            .cancel(cancel)
            .spawn(sink);

        let mut patients = 0u64;
        let mut copy_error = None;
        while let Some(batch) = rx_rows.recv().await {
            if let Err(e) = write_rows(writer.as_mut(), job, &batch, &mut patients).await {
                copy_error = Some(e);
                break;
            }
        }
        drop(rx_rows); // a generating job blocked on a full channel stops now, cancelled
        let report = generating.await;
        if let Some(e) = copy_error {
            return Err(e);
        }
        let report = report.map_err(|e| Error::Invalid(format!("generation failed: {e}")))?;
        if report.end == JobEnd::Cancelled {
            return Ok(LoadReport {
                patients: 0,
                end: JobEnd::Cancelled,
            }); // the transaction is rolled back when dropped
        }
        let written = writer.finish().await?;
        tx.commit().await?;
        debug_assert_eq!(written, patients);
        Ok(LoadReport {
            patients,
            end: report.end,
        })
    }

    /// Creates the monthly partition holding `at`, if it does not exist yet.
    pub async fn ensure_partition(&self, at: OffsetDateTime) -> Result<(), Error> {
        let (name, from, to) = partition_of(at);
        let conn = self.db.get().await?;
        conn.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {name} PARTITION OF patients \
             FOR VALUES FROM ('{from}') TO ('{to}')"
        ))
        .await?;
        Ok(())
    }

    /// Creates the partitions of the month of `at` and of the `months` after it, so that
    /// loads never wait on DDL; run it at start and daily.
    pub async fn ensure_partitions_ahead(
        &self,
        at: OffsetDateTime,
        months: u32,
    ) -> Result<Vec<String>, Error> {
        let mut names = Vec::new();
        let mut month = month_start(at.date());
        for _ in 0..=months {
            let at = month.midnight().assume_utc();
            self.ensure_partition(at).await?;
            names.push(partition_of(at).0);
            month = next_month(month);
        }
        Ok(names)
    }

    /// Drops the partitions whose whole month is before `cutoff`'s month: retention that
    /// frees space at once, without deleting row by row. Returns their names.
    pub async fn drop_partitions_before(
        &self,
        cutoff: OffsetDateTime,
    ) -> Result<Vec<String>, Error> {
        let (cutoff_name, _, _) = partition_of(cutoff);
        let conn = self.db.get().await?;
        let rows = conn
            .query(
                "SELECT c.relname::text FROM pg_inherits i \
                 JOIN pg_class c ON c.oid = i.inhrelid \
                 JOIN pg_class p ON p.oid = i.inhparent \
                 WHERE p.relname = 'patients' ORDER BY 1",
                &[],
            )
            .await?;
        let mut dropped = Vec::new();
        for row in rows {
            let name: String = row.get(0);
            // Partition names sort by month (patients_yYYYYmMM).
            if name.starts_with("patients_y") && name < cutoff_name {
                conn.batch_execute(&format!("DROP TABLE IF EXISTS {name}"))
                    .await?;
                dropped.push(name);
            }
        }
        Ok(dropped)
    }

    /// The records of `job`'s patients with indices in `range`, in index order, as JSON
    /// text (as PostgreSQL renders JSONB: the same values as the generator's NDJSON
    /// records, keys in JSONB's order). Indices without a stored row are skipped.
    pub async fn records(&self, job: JobRef, range: Range<u64>) -> Result<Vec<String>, Error> {
        let start = i64::try_from(range.start)
            .map_err(|_| Error::Invalid(format!("patient index {} is too large", range.start)))?;
        let end = i64::try_from(range.end)
            .map_err(|_| Error::Invalid(format!("patient index {} is too large", range.end)))?;
        let rows = Retry::default()
            .run("read patient records", || async {
                let conn = self.db.get().await?;
                Ok(conn
                    .query(
                        "SELECT record::text FROM patients \
                         WHERE job_created_at = $1 AND job_id = $2 AND index >= $3 AND index < $4 \
                         ORDER BY index",
                        &[&job.created_at, &job.id, &start, &end],
                    )
                    .await?)
            })
            .await?;
        rows.iter()
            .map(|row| row.try_get::<_, String>(0).map_err(Error::from))
            .collect()
    }

    /// Rows stored for `job`.
    pub async fn count(&self, job: JobRef) -> Result<u64, Error> {
        let conn = self.db.get().await?;
        let n: i64 = conn
            .query_one(
                "SELECT count(*) FROM patients WHERE job_created_at = $1 AND job_id = $2",
                &[&job.created_at, &job.id],
            )
            .await?
            .get(0);
        Ok(n as u64)
    }
}

/// Name and bounds of the monthly partition holding `at`.
fn partition_of(at: OffsetDateTime) -> (String, String, String) {
    let at = at.to_offset(time::UtcOffset::UTC);
    let start = month_start(at.date());
    let end = next_month(start);
    (
        format!(
            "patients_y{:04}m{:02}",
            start.year(),
            u8::from(start.month())
        ),
        format!("{start} 00:00:00+00"),
        format!("{end} 00:00:00+00"),
    )
}

fn month_start(day: Date) -> Date {
    Date::from_calendar_date(day.year(), day.month(), 1).expect("the first of a month exists")
}

fn next_month(first: Date) -> Date {
    let (year, month) = match first.month() {
        Month::December => (first.year() + 1, Month::January),
        m => (first.year(), m.next()),
    };
    Date::from_calendar_date(year, month, 1).expect("the first of a month exists")
}

/// Column types of the COPY, in order.
const COLUMN_TYPES: &[Type] = &[
    Type::TIMESTAMPTZ,
    Type::INT8,
    Type::INT8,
    Type::TIMESTAMPTZ,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::JSONB,
];

/// Packs each patient's row on the worker threads: the queried columns, then the
/// record's JSON (as the NDJSON format writes it), each text length-prefixed.
struct RowEncoder {
    ctx: RenderContext,
    start_unix: i64,
    generator: Generator,
}

fn put_text(out: &mut Vec<u8>, text: &[u8]) {
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(text);
}

impl Encoder for RowEncoder {
    fn encode(&self, p: &Patient, _position: u64, out: &mut Vec<u8>) {
        out.extend_from_slice(&p.index().to_le_bytes());
        let injury = self.start_unix + i64::from(p.injury_minute()) * 60;
        out.extend_from_slice(&injury.to_le_bytes());
        put_text(out, p.nation().code.as_bytes());
        put_text(out, self.generator.front_name(p).as_bytes());
        put_text(out, p.injury_type().as_str().as_bytes());
        put_text(out, p.triage().as_str().as_bytes());
        put_text(out, p.outcome().as_str().as_bytes());
        put_text(out, p.last_facility().as_str().as_bytes());
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        write_record(&self.ctx, p, out);
        let len = (out.len() - at - 4) as u32;
        out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }
}

/// Reads the rows [`RowEncoder`] packed.
struct Rows<'a> {
    bytes: &'a [u8],
}

impl<'a> Rows<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if self.bytes.len() < n {
            return Err(Error::Invalid(
                "a packed patient row is cut short".to_owned(),
            ));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn word(&mut self) -> Result<[u8; 8], Error> {
        Ok(self.take(8)?.try_into().expect("8 bytes"))
    }

    fn text(&mut self) -> Result<&'a [u8], Error> {
        let len = u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes"));
        self.take(len as usize)
    }

    fn str(&mut self) -> Result<&'a str, Error> {
        std::str::from_utf8(self.text()?)
            .map_err(|_| Error::Invalid("a packed patient row holds bad UTF-8".to_owned()))
    }
}

/// Writes one batch of packed rows into the COPY.
async fn write_rows(
    mut writer: std::pin::Pin<&mut BinaryCopyInWriter>,
    job: JobRef,
    batch: &[u8],
    patients: &mut u64,
) -> Result<(), Error> {
    let mut rows = Rows { bytes: batch };
    while !rows.bytes.is_empty() {
        let index = u64::from_le_bytes(rows.word()?);
        let index = i64::try_from(index)
            .map_err(|_| Error::Invalid(format!("patient index {index} exceeds i64")))?;
        let injury = i64::from_le_bytes(rows.word()?);
        let injury = OffsetDateTime::from_unix_timestamp(injury)
            .map_err(|_| Error::Invalid(format!("injury time {injury} out of range")))?;
        let nationality = rows.str()?;
        let front = rows.str()?;
        let injury_type = rows.str()?;
        let triage = rows.str()?;
        let outcome = rows.str()?;
        let last_facility = rows.str()?;
        let record = RawJson(rows.text()?);
        writer
            .as_mut()
            .write(&[
                &job.created_at,
                &job.id,
                &index,
                &injury,
                &nationality,
                &front,
                &injury_type,
                &triage,
                &outcome,
                &last_facility,
                &record,
            ])
            .await?;
        *patients += 1;
    }
    Ok(())
}

/// JSON text already rendered by milmed, sent as `jsonb` without parsing it again in
/// Rust (the binary `jsonb` format is a version byte, 1, then the text).
#[derive(Debug)]
struct RawJson<'a>(&'a [u8]);

impl ToSql for RawJson<'_> {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut tokio_postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&[1]);
        out.extend_from_slice(self.0);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB
    }

    to_sql_checked!();
}
