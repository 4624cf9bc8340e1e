//! `run_job` under a budget and a cancel token: each limit stops the job within one batch
//! and is reported with its figures; cancelling from another thread stops it at the next
//! batch; and whatever the stop, the output (plain, gzip, encrypted) is a complete
//! document, read back here by independent parsers.
//!
//! No assertion depends on a clock: time limits are 1 ms against runs that take far
//! longer, and what is checked is where the job stopped (whole batches), not when.

use std::io::{self, Read};
use std::mem::size_of;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use milmed_core::budget::{Budget, CancelToken, Resource};
use milmed_core::format::{Encoder, Format};
use milmed_core::job::{
    EncodedBatch, Job, JobEnd, JobError, JobReport, JobSink, Progress, StreamSink, run_job,
};
use milmed_core::model::Outcome;
use milmed_core::output::{Compression, Encryption, decrypt};
use milmed_core::{Generator, Patient, RangeError, Scenario};

mod common;

use common::parse::{patients_in, stream_formats};

const PASSWORD: &str = "budget test";

/// A run of `patients` patients of a preset (fixed seed).
fn generator(patients: u64) -> Generator {
    let scenario = Scenario {
        patients,
        ..Scenario::preset("nato_article_5").unwrap()
    };
    Generator::new(&scenario, 11).unwrap()
}

/// A run long enough that no 1 ms limit can be missed: 200,000 patients of the default
/// scenario.
fn long_generator() -> Generator {
    let scenario = Scenario {
        patients: 200_000,
        ..Scenario::default()
    };
    Generator::new(&scenario, 3).unwrap()
}

fn stream(
    encoder: &Arc<dyn Encoder>,
    compression: Compression,
    encryption: Option<&Encryption>,
) -> StreamSink<Vec<u8>> {
    StreamSink::new(encoder.clone(), Vec::new(), compression, encryption).unwrap()
}

fn plain(encoder: &Arc<dyn Encoder>) -> StreamSink<Vec<u8>> {
    stream(encoder, Compression::None, None)
}

/// The plain bytes of an output: decrypted, then decompressed.
fn open(bytes: &[u8], compression: Compression, encrypted: bool) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    if encrypted {
        let mut opened = Vec::new();
        decrypt(&bytes[..], &mut opened, PASSWORD.as_bytes()).expect("a complete encrypted file");
        bytes = opened;
    }
    if compression == Compression::Gzip {
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut unpacked)
            .expect("a complete gzip stream (trailer with CRC and length)");
        bytes = unpacked;
    }
    bytes
}

/// Outcome counts of patients `range` of `g`, as the report gives them.
fn outcomes_of(g: &Generator, range: std::ops::Range<u64>) -> [u64; Outcome::ALL.len()] {
    let mut counts = [0; Outcome::ALL.len()];
    for p in g.range(range).unwrap() {
        counts[p.outcome().index()] += 1;
    }
    counts
}

/// What every report of a job that started at patient `start` with batches of `batch`
/// must satisfy, whatever its end: whole batches, except a last partial one that ends
/// the range; outcomes that add up to the patients written.
fn check_figures<T>(g: &Generator, report: &JobReport<T>, start: u64, end: u64, batch: u64) {
    let total = end - start;
    assert!(report.patients <= total);
    assert_eq!(
        report.batches,
        report.patients.div_ceil(batch),
        "{:?}",
        report.end
    );
    assert!(
        report.patients % batch == 0 || report.patients == total,
        "stopped inside a batch: {} patients, batches of {batch}",
        report.patients
    );
    assert_eq!(
        report.outcomes,
        outcomes_of(g, start..start + report.patients)
    );
}

/// A sink around another that records the sink's byte count after each batch and can ask
/// another thread to cancel the job while it writes a given batch.
struct Probe<S> {
    inner: S,
    /// `inner.bytes()` after each batch.
    bytes_after: Vec<u64>,
    cancel: Option<CancelAt>,
}

/// During batch `batch` (1-based), ask the helper thread to cancel, and wait until it did.
struct CancelAt {
    batch: usize,
    request: mpsc::Sender<()>,
    done: mpsc::Receiver<()>,
    token: CancelToken,
}

impl<S> Probe<S> {
    fn new(inner: S) -> Probe<S> {
        Probe {
            inner,
            bytes_after: Vec::new(),
            cancel: None,
        }
    }
}

impl<S: JobSink> JobSink for Probe<S> {
    type Output = (S::Output, Vec<u64>);

    fn per_patient(&self) -> bool {
        self.inner.per_patient()
    }

    fn write_batch(&mut self, batch: &mut EncodedBatch) -> io::Result<()> {
        assert!(batch.count > 0, "an empty batch was written");
        self.inner.write_batch(batch)?;
        self.bytes_after.push(self.inner.bytes());
        if let Some(at) = self
            .cancel
            .as_ref()
            .filter(|at| at.batch == self.bytes_after.len())
        {
            at.request.send(()).unwrap();
            at.done.recv().unwrap(); // the helper thread has cancelled
            assert!(at.token.is_cancelled());
        }
        Ok(())
    }

    fn bytes(&self) -> u64 {
        self.inner.bytes()
    }

    fn memory(&self) -> u64 {
        self.inner.memory()
    }

    fn finish(self) -> io::Result<(Self::Output, u64)> {
        let (inner, bytes) = self.inner.finish()?;
        Ok(((inner, self.bytes_after), bytes))
    }
}

/// A sink that keeps every batch as given.
#[derive(Default)]
struct Batches {
    per_patient: bool,
    batches: Vec<EncodedBatch>,
    bytes: u64,
}

impl JobSink for Batches {
    type Output = Vec<EncodedBatch>;

    fn per_patient(&self) -> bool {
        self.per_patient
    }

    fn write_batch(&mut self, batch: &mut EncodedBatch) -> io::Result<()> {
        self.bytes += batch.bytes.len() as u64;
        self.batches.push(EncodedBatch {
            first: batch.first,
            count: batch.count,
            bytes: batch.bytes.clone(),
            ends: batch.ends.clone(),
        });
        Ok(())
    }

    fn bytes(&self) -> u64 {
        self.bytes
    }

    fn finish(self) -> io::Result<(Vec<EncodedBatch>, u64)> {
        let bytes = self.bytes;
        Ok((self.batches, bytes))
    }
}

// ---------------------------------------------------------------------------------------
// Patients
// ---------------------------------------------------------------------------------------

#[test]
fn patient_limit_is_exact_and_the_output_complete() {
    let g = generator(300);
    for format in [
        Format::Json,
        Format::Xml,
        Format::Csv,
        Format::Fhir,
        Format::Ndjson,
    ] {
        let encoder = format.encoder(&g);
        for threads in [1, 2] {
            let job = Job::new(&g, encoder.clone())
                .batch(50)
                .threads(threads)
                .budget(Budget {
                    max_patients: Some(137),
                    ..Budget::default()
                });
            let report = run_job(&job, plain(&encoder), |_| {}).unwrap();
            assert_eq!(
                report.end,
                JobEnd::BudgetExceeded {
                    resource: Resource::Patients,
                    limit: 137,
                    used: 137
                },
                "{format}"
            );
            assert_eq!(report.patients, 137);
            assert_eq!(report.batches, 3); // 50 + 50 + 37: nothing generated past the limit
            check_figures(&g, &report, 0, 137, 50);
            assert_eq!(patients_in(format, &report.output), 137, "{format}");

            // The same bytes as a run of just those patients.
            let shard = run_job(
                &Job::new(&g, encoder.clone()).range(0..137),
                plain(&encoder),
                |_| {},
            )
            .unwrap();
            assert_eq!(shard.end, JobEnd::Complete);
            assert_eq!(report.output, shard.output, "{format}");
        }
    }
}

#[test]
fn a_range_within_the_patient_limit_completes() {
    let g = generator(300);
    let encoder = Format::Json.encoder(&g);
    for (range, limit) in [(0..100, 137), (0..137, 137), (0..300, 300), (0..300, 1000)] {
        let n = range.end - range.start;
        let job = Job::new(&g, encoder.clone())
            .range(range)
            .batch(50)
            .budget(Budget {
                max_patients: Some(limit),
                ..Budget::default()
            });
        let report = run_job(&job, plain(&encoder), |_| {}).unwrap();
        assert_eq!(report.end, JobEnd::Complete, "{n} patients, limit {limit}");
        assert!(report.end.is_complete());
        assert_eq!(report.patients, n);
        check_figures(&g, &report, 0, n, 50);
        assert_eq!(patients_in(Format::Json, &report.output), n as usize);
    }
}

#[test]
fn a_zero_patient_limit_writes_an_empty_document() {
    let g = generator(100);
    for format in [Format::Json, Format::Xml, Format::Csv, Format::Fhir] {
        let encoder = format.encoder(&g);
        let job = Job::new(&g, encoder.clone()).budget(Budget {
            max_patients: Some(0),
            ..Budget::default()
        });
        let report = run_job(&job, plain(&encoder), |_| {}).unwrap();
        assert_eq!(
            report.end,
            JobEnd::BudgetExceeded {
                resource: Resource::Patients,
                limit: 0,
                used: 0
            }
        );
        assert_eq!((report.patients, report.batches), (0, 0));
        assert_eq!(patients_in(format, &report.output), 0, "{format}");
    }
}

/// A shard (a range not starting at 0) is a document of its own: its first patient is
/// the first record of the output.
#[test]
fn a_shard_is_a_complete_document() {
    let g = generator(300);
    let whole: Vec<serde_json::Value> = {
        let encoder = Format::Ndjson.encoder(&g);
        let report = run_job(&Job::new(&g, encoder.clone()), plain(&encoder), |_| {}).unwrap();
        std::str::from_utf8(&report.output)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    for format in stream_formats() {
        let encoder = format.encoder(&g);
        for threads in [1, 2] {
            let job = Job::new(&g, encoder.clone())
                .range(100..250)
                .batch(40)
                .threads(threads)
                .budget(Budget {
                    max_patients: Some(120),
                    ..Budget::default()
                });
            let report = run_job(&job, plain(&encoder), |_| {}).unwrap();
            assert_eq!(
                report.end,
                JobEnd::BudgetExceeded {
                    resource: Resource::Patients,
                    limit: 120,
                    used: 120
                }
            );
            check_figures(&g, &report, 100, 220, 40);
            assert_eq!(patients_in(format, &report.output), 120, "{format}");
            if format == Format::Json {
                let shard: Vec<serde_json::Value> = serde_json::from_slice(&report.output).unwrap();
                assert_eq!(shard, whole[100..220]);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------

/// Runs `g` whole with batches of `batch`, then with byte limits that the `i`-th batch
/// crosses, for a batch `i` before the last (in the second half of the run if output
/// reaches the writer there); checks the limited job stops
/// right after batch `i`, with the bytes that batch left, and that its output opens to the
/// same bytes as a plain run of just the patients it wrote.
fn check_byte_limit(
    g: &Generator,
    format: Format,
    compression: Compression,
    encryption: Option<&Encryption>,
    threads: usize,
) {
    let batch = 50u64;
    let encoder = format.encoder(g);
    let job = Settings {
        generator: g,
        encoder: encoder.clone(),
        threads,
        batch: batch as usize,
    };
    let full = run_job(
        &job.job(),
        Probe::new(stream(&encoder, compression, encryption)),
        |_| {},
    )
    .unwrap();
    assert_eq!(full.end, JobEnd::Complete);
    let (_, after) = full.output;
    let n = after.len();
    assert_eq!(n as u64, g.len().div_ceil(batch));
    // A batch (not the last, preferably in the second half) after which the sink's
    // count grew.
    let i = (n / 2..n - 1)
        .chain((1..n / 2).rev())
        .find(|&i| after[i] > after[i - 1])
        .expect("output reaches the writer during the run");
    let context = format!(
        "{format}, {compression}, encrypted {}",
        encryption.is_some()
    );

    for limit in [after[i - 1] + 1, after[i]] {
        let budget = Budget {
            max_bytes: Some(limit),
            ..Budget::default()
        };
        let report = run_job(
            &job.clone_with(budget),
            stream(&encoder, compression, encryption),
            |_| {},
        )
        .unwrap();
        assert_eq!(
            report.end,
            JobEnd::BudgetExceeded {
                resource: Resource::Bytes,
                limit,
                used: after[i]
            },
            "{context}"
        );
        // Within one batch of the limit: the batch before left fewer bytes than it.
        assert!(after[i] >= limit && after[i - 1] < limit);
        assert!(after[i] < limit + (after[i] - after[i - 1]));
        assert_eq!(report.batches, i as u64 + 1, "{context}");
        assert_eq!(report.patients, (i as u64 + 1) * batch);
        assert!(report.patients < g.len());
        // The report counts the closing bytes too (footer, gzip trailer, last chunk).
        assert!(report.bytes >= after[i]);
        assert_eq!(report.bytes, report.output.len() as u64);
        check_figures(g, &report, 0, g.len(), batch);

        let opened = open(&report.output, compression, encryption.is_some());
        assert_eq!(
            patients_in(format, &opened),
            report.patients as usize,
            "{context}"
        );
        let reference = run_job(
            &Job::new(g, encoder.clone()).range(0..report.patients),
            plain(&encoder),
            |_| {},
        )
        .unwrap();
        assert_eq!(opened, reference.output, "{context}");
    }
}

/// The settings of a job under test, so that it can be rebuilt with another budget.
#[derive(Clone)]
struct Settings<'a> {
    generator: &'a Generator,
    encoder: Arc<dyn Encoder>,
    threads: usize,
    batch: usize,
}

impl<'a> Settings<'a> {
    fn job(&self) -> Job {
        Job::new(self.generator, self.encoder.clone())
            .threads(self.threads)
            .batch(self.batch)
    }

    /// The same job under `budget`.
    fn clone_with(&self, budget: Budget) -> Job {
        self.job().budget(budget)
    }
}

#[test]
fn byte_limit_stops_after_the_batch_that_reaches_it_in_every_format() {
    let g = generator(600);
    for format in stream_formats() {
        check_byte_limit(&g, format, Compression::None, None, 1);
    }
    check_byte_limit(&g, Format::Json, Compression::None, None, 2);
}

#[test]
fn byte_limit_counts_gzip_bytes() {
    let g = generator(600);
    check_byte_limit(&g, Format::Json, Compression::Gzip, None, 2);
    check_byte_limit(&g, Format::Fhir, Compression::Gzip, None, 1);
}

#[test]
fn byte_limit_counts_encrypted_bytes() {
    let g = generator(600);
    let encryption = Encryption::new(PASSWORD).unwrap();
    check_byte_limit(&g, Format::Xml, Compression::None, Some(&encryption), 1);
    check_byte_limit(&g, Format::Json, Compression::Gzip, Some(&encryption), 2);
}

/// A limit that only the last batch reaches leaves nothing unwritten: the run is complete.
#[test]
fn byte_limit_reached_by_the_last_batch_is_a_complete_run() {
    let g = generator(300);
    let encoder = Format::Ndjson.encoder(&g);
    let settings = Settings {
        generator: &g,
        encoder: encoder.clone(),
        threads: 1,
        batch: 50,
    };
    let full = run_job(&settings.job(), Probe::new(plain(&encoder)), |_| {}).unwrap();
    let (_, after) = full.output;
    let last = *after.last().unwrap();
    let report = run_job(
        &settings.clone_with(Budget {
            max_bytes: Some(last),
            ..Budget::default()
        }),
        plain(&encoder),
        |_| {},
    )
    .unwrap();
    assert_eq!(report.patients, g.len());
    assert_eq!(
        report.end,
        JobEnd::Complete,
        "every patient was written, yet the job reports a stop"
    );
}

/// The report's bytes are the bytes written to the destination: the whole output.
#[test]
fn reported_bytes_are_the_output_length() {
    let g = generator(200);
    let encryption = Encryption::new(PASSWORD).unwrap();
    let mut mismatches = Vec::new();
    let mut wrong = false;
    for (compression, encryption) in [
        (Compression::None, None),
        (Compression::Gzip, None),
        (Compression::None, Some(&encryption)),
    ] {
        let encoder = Format::Json.encoder(&g);
        let report = run_job(
            &Job::new(&g, encoder.clone()).batch(50),
            stream(&encoder, compression, encryption),
            |_| {},
        )
        .unwrap();
        mismatches.push(format!(
            "{compression}, encrypted {}: reported {}, output {}",
            encryption.is_some(),
            report.bytes,
            report.output.len()
        ));
        if report.bytes != report.output.len() as u64 {
            wrong = true;
        }
    }
    assert!(!wrong, "{mismatches:#?}");
}

// ---------------------------------------------------------------------------------------
// Wall time and CPU time
// ---------------------------------------------------------------------------------------

/// A 1 ms limit against a run of seconds: the job stops at a batch boundary, long before
/// the end, and its output is complete.
fn check_time_limit(resource: Resource, threads: usize) {
    let g = long_generator();
    let format = Format::Fhir;
    let encoder = format.encoder(&g);
    let batch = 128u64;
    let limit = Duration::from_millis(1);
    let budget = match resource {
        Resource::WallTime => Budget {
            max_wall_time: Some(limit),
            ..Budget::default()
        },
        Resource::CpuTime => Budget {
            max_cpu_time: Some(limit),
            ..Budget::default()
        },
        _ => unreachable!(),
    };
    let job = Job::new(&g, encoder.clone())
        .batch(batch as usize)
        .threads(threads)
        .budget(budget);
    let report = run_job(&job, plain(&encoder), |_| {}).unwrap();
    match report.end {
        JobEnd::BudgetExceeded {
            resource: r,
            limit,
            used,
        } => {
            assert_eq!(r, resource);
            assert_eq!(limit, 1);
            assert!(
                used >= limit,
                "{resource}: used {used} ms < limit {limit} ms"
            );
        }
        other => panic!("{resource}, {threads} threads: {other:?}"),
    }
    assert!(report.patients > 0, "the limit is checked after a batch");
    assert!(report.patients < g.len());
    assert_eq!(report.patients % batch, 0);
    check_figures(&g, &report, 0, g.len(), batch);
    match resource {
        Resource::WallTime => assert!(report.elapsed >= limit),
        _ => assert!(report.cpu_time >= limit),
    }
    assert_eq!(
        patients_in(format, &report.output),
        report.patients as usize
    );
}

#[test]
fn wall_time_limit_stops_within_a_batch() {
    check_time_limit(Resource::WallTime, 1);
    check_time_limit(Resource::WallTime, 2);
}

#[test]
fn cpu_time_limit_stops_within_a_batch() {
    check_time_limit(Resource::CpuTime, 1);
    check_time_limit(Resource::CpuTime, 2);
}

#[test]
fn a_complete_run_reports_its_cpu_time() {
    let g = generator(300);
    let encoder = Format::Fhir.encoder(&g);
    for threads in [1, 2] {
        let report = run_job(
            &Job::new(&g, encoder.clone()).batch(50).threads(threads),
            plain(&encoder),
            |_| {},
        )
        .unwrap();
        assert_eq!(report.end, JobEnd::Complete);
        assert!(
            report.cpu_time > Duration::ZERO,
            "{threads} threads: no CPU time"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------

#[test]
fn a_tiny_memory_limit_stops_before_any_patient() {
    let g = generator(200);
    for format in [Format::Json, Format::Xml, Format::Csv, Format::Fhir] {
        let encoder = format.encoder(&g);
        for threads in [1, 2] {
            let sink = plain(&encoder);
            // What the job reserves before its first batch.
            let fixed = sink.memory() + (threads * 50 * size_of::<Patient>()) as u64;
            let job = Job::new(&g, encoder.clone())
                .batch(50)
                .threads(threads)
                .budget(Budget {
                    max_memory: Some(1000),
                    ..Budget::default()
                });
            let report = run_job(&job, sink, |_| {}).unwrap();
            assert_eq!(
                report.end,
                JobEnd::BudgetExceeded {
                    resource: Resource::Memory,
                    limit: 1000,
                    used: fixed
                },
                "{format}"
            );
            assert_eq!((report.patients, report.batches), (0, 0));
            assert!(report.peak_memory <= 1000);
            assert_eq!(patients_in(format, &report.output), 0, "{format}");
            if format == Format::Json {
                let empty: Vec<serde_json::Value> = serde_json::from_slice(&report.output).unwrap();
                assert!(empty.is_empty());
            }
        }
    }
}

/// On one thread the job reserves the same memory at the same steps with or without a
/// limit: a limit one byte under the unlimited peak stops it at the reservation that
/// made the peak, and the peak itself as the limit lets it complete.
#[test]
fn a_memory_limit_under_the_peak_stops_the_job_at_a_batch() {
    let g = generator(600);
    for format in [Format::Json, Format::Fhir, Format::Csv] {
        let encoder = format.encoder(&g);
        let settings = Settings {
            generator: &g,
            encoder: encoder.clone(),
            threads: 1,
            batch: 50,
        };
        let free = run_job(&settings.job(), plain(&encoder), |_| {}).unwrap();
        assert_eq!(free.end, JobEnd::Complete);
        let peak = free.peak_memory;
        let fixed = plain(&encoder).memory() + (50 * size_of::<Patient>()) as u64;
        assert!(peak > fixed, "{format}: batches reserve memory");

        let report = run_job(
            &settings.clone_with(Budget {
                max_memory: Some(peak - 1),
                ..Budget::default()
            }),
            plain(&encoder),
            |_| {},
        )
        .unwrap();
        assert_eq!(
            report.end,
            JobEnd::BudgetExceeded {
                resource: Resource::Memory,
                limit: peak - 1,
                used: peak
            },
            "{format}"
        );
        assert!(report.patients < g.len());
        assert!(report.peak_memory < peak);
        check_figures(&g, &report, 0, g.len(), 50);
        assert_eq!(
            patients_in(format, &report.output),
            report.patients as usize
        );

        let report = run_job(
            &settings.clone_with(Budget {
                max_memory: Some(peak),
                ..Budget::default()
            }),
            plain(&encoder),
            |_| {},
        )
        .unwrap();
        assert_eq!(report.end, JobEnd::Complete, "{format}");
        assert_eq!(report.peak_memory, peak);
        assert_eq!(report.output, free.output);
    }
}

/// With several threads the order of reservations varies; whatever happens, the job
/// never accounts more than its limit, and stops at a batch with a complete document.
#[test]
fn a_memory_limit_is_never_exceeded_with_threads() {
    let g = generator(600);
    let encoder = Format::Json.encoder(&g);
    let fixed = plain(&encoder).memory() + (2 * 50 * size_of::<Patient>()) as u64;
    let free = run_job(
        &Job::new(&g, encoder.clone()).batch(50).threads(2),
        plain(&encoder),
        |_| {},
    )
    .unwrap();
    let peak = free.peak_memory;
    assert!(peak > fixed);
    // Fixed costs plus room for one, two, three batches in flight (at the first
    // estimate of 4096 bytes a patient), and the unlimited peak.
    for limit in [
        fixed + 50 * 4096,
        fixed + 2 * 50 * 4096,
        fixed + 3 * 50 * 4096,
        (fixed + peak) / 2,
        peak,
    ] {
        let report = run_job(
            &Job::new(&g, encoder.clone())
                .batch(50)
                .threads(2)
                .budget(Budget {
                    max_memory: Some(limit),
                    ..Budget::default()
                }),
            plain(&encoder),
            |_| {},
        )
        .unwrap();
        assert!(report.peak_memory <= limit, "limit {limit}: {report:?}");
        match report.end {
            JobEnd::Complete => assert_eq!(report.output, free.output),
            JobEnd::BudgetExceeded {
                resource: Resource::Memory,
                limit: l,
                used,
            } => {
                assert_eq!(l, limit);
                assert!(used > limit);
                assert!(report.patients < g.len());
            }
            other => panic!("limit {limit}: {other:?}"),
        }
        check_figures(&g, &report, 0, g.len(), 50);
        assert_eq!(
            patients_in(Format::Json, &report.output),
            report.patients as usize
        );
    }
}

// ---------------------------------------------------------------------------------------
// Cancel
// ---------------------------------------------------------------------------------------

/// Runs a job whose sink, while writing batch `k`, has another thread cancel the job
/// and waits for it: no batch may be written after that one.
fn cancelled_at(k: usize, threads: usize, format: Format) {
    let g = generator(600);
    let encoder = format.encoder(&g);
    let token = CancelToken::new();
    let (request_tx, request_rx) = mpsc::channel::<()>();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let helper = {
        let token = token.clone();
        thread::spawn(move || {
            if request_rx.recv().is_ok() {
                token.cancel();
                done_tx.send(()).unwrap();
            }
        })
    };
    let mut sink = Probe::new(plain(&encoder));
    sink.cancel = Some(CancelAt {
        batch: k,
        request: request_tx,
        done: done_rx,
        token: token.clone(),
    });
    let job = Job::new(&g, encoder.clone())
        .batch(50)
        .threads(threads)
        .cancel(token.clone());
    let report = run_job(&job, sink, |_| {}).unwrap();
    helper.join().unwrap();
    assert!(token.is_cancelled());
    assert_eq!(report.end, JobEnd::Cancelled, "{threads} threads");
    assert_eq!(report.batches, k as u64, "{threads} threads");
    assert_eq!(report.patients, k as u64 * 50);
    check_figures(&g, &report, 0, g.len(), 50);
    let (output, after) = report.output;
    assert_eq!(after.len(), k);
    assert!(report.bytes >= after[k - 1]);
    assert_eq!(report.bytes, output.len() as u64);
    assert_eq!(patients_in(format, &output), k * 50, "{format}");
}

#[test]
fn cancel_from_another_thread_stops_at_the_next_batch() {
    for threads in [1, 2] {
        cancelled_at(3, threads, Format::Json);
        cancelled_at(1, threads, Format::Xml);
    }
    cancelled_at(11, 2, Format::Fhir); // the 12th and last batch is not written
}

#[test]
fn a_job_cancelled_before_it_starts_writes_an_empty_document() {
    let g = generator(200);
    let encoder = Format::Json.encoder(&g);
    let token = CancelToken::new();
    token.cancel();
    for threads in [1, 2] {
        let job = Job::new(&g, encoder.clone())
            .batch(50)
            .threads(threads)
            .cancel(token.clone());
        let report = run_job(&job, plain(&encoder), |_| {}).unwrap();
        assert_eq!(report.end, JobEnd::Cancelled);
        assert_eq!((report.patients, report.batches), (0, 0));
        assert_eq!(patients_in(Format::Json, &report.output), 0);
    }
}

// ---------------------------------------------------------------------------------------
// Determinism, ranges, batches, progress
// ---------------------------------------------------------------------------------------

#[test]
fn threads_and_batch_size_never_change_the_bytes() {
    let g = generator(300);
    for format in [Format::Json, Format::Fhir, Format::Csv, Format::Xml] {
        let encoder = format.encoder(&g);
        for compression in [Compression::None, Compression::Gzip] {
            let run = |threads: usize, batch: usize| {
                let report = run_job(
                    &Job::new(&g, encoder.clone()).threads(threads).batch(batch),
                    stream(&encoder, compression, None),
                    |_| {},
                )
                .unwrap();
                assert_eq!(report.end, JobEnd::Complete);
                assert_eq!(report.patients, 300);
                assert_eq!(report.batches, 300u64.div_ceil(batch as u64));
                check_figures(&g, &report, 0, 300, batch as u64);
                report.output
            };
            let reference = run(1, 128);
            for (threads, batch) in [(2, 128), (1, 7), (2, 7), (3, 1000)] {
                assert!(
                    run(threads, batch) == reference,
                    "{format}, {compression}: {threads} threads, batches of {batch}"
                );
            }
            assert_eq!(
                patients_in(format, &open(&reference, compression, false)),
                300
            );
        }
    }
}

#[test]
fn a_range_outside_the_run_is_an_error() {
    let g = generator(100);
    let encoder = Format::Json.encoder(&g);
    let backwards = std::ops::Range { start: 50, end: 40 };
    for range in [0..101, 100..101, backwards] {
        let (start, end) = (range.start, range.end);
        let err = run_job(
            &Job::new(&g, encoder.clone()).range(range),
            plain(&encoder),
            |_| panic!("no progress for a job that never started"),
        )
        .unwrap_err();
        match err {
            JobError::Range(e) => assert_eq!(
                e,
                RangeError {
                    start,
                    end,
                    len: 100
                }
            ),
            other => panic!("{start}..{end}: {other}"),
        }
    }
    // An empty range inside the run is an empty document.
    let report = run_job(
        &Job::new(&g, encoder.clone()).range(100..100),
        plain(&encoder),
        |_| {},
    )
    .unwrap();
    assert_eq!(report.end, JobEnd::Complete);
    assert_eq!(patients_in(Format::Json, &report.output), 0);
}

/// Batches reach the sink in index order, whole, and with each patient's end when the
/// sink asks for it.
#[test]
fn batches_reach_the_sink_in_order() {
    let g = generator(300);
    let encoder = Format::Ndjson.encoder(&g);
    let whole = run_job(&Job::new(&g, encoder.clone()), plain(&encoder), |_| {})
        .unwrap()
        .output;
    for (per_patient, threads) in [(false, 1), (true, 1), (false, 3), (true, 3)] {
        let sink = Batches {
            per_patient,
            ..Batches::default()
        };
        let report = run_job(
            &Job::new(&g, encoder.clone())
                .range(10..300)
                .batch(7)
                .threads(threads),
            sink,
            |_| {},
        )
        .unwrap();
        assert_eq!(report.end, JobEnd::Complete);
        let batches = report.output;
        assert_eq!(batches.len() as u64, 290u64.div_ceil(7));
        let mut next = 10;
        let mut bytes = Vec::new();
        for b in &batches {
            assert_eq!(b.first, next);
            assert_eq!(b.count, 7.min(300 - next));
            next += b.count;
            if per_patient {
                assert_eq!(b.ends.len() as u64, b.count);
                assert!(b.ends.windows(2).all(|w| w[0] < w[1]));
                assert_eq!(*b.ends.last().unwrap(), b.bytes.len());
                for (i, end) in b.ends.iter().enumerate() {
                    let start = if i == 0 { 0 } else { b.ends[i - 1] };
                    assert_eq!(b.bytes[end - 1], b'\n'); // one NDJSON line each
                    assert_eq!(
                        b.bytes[start..*end].iter().filter(|&&c| c == b'\n').count(),
                        1
                    );
                }
            } else {
                assert!(b.ends.is_empty());
            }
            bytes.extend_from_slice(&b.bytes);
        }
        assert_eq!(next, 300);
        assert_eq!(report.bytes, bytes.len() as u64);
        let lines: Vec<&[u8]> = whole.split_inclusive(|&c| c == b'\n').collect();
        assert_eq!(bytes, lines[10..].concat());
    }
}

#[test]
fn progress_is_monotonic_and_ends_with_the_report() {
    let g = generator(2000);
    let encoder = Format::Fhir.encoder(&g);
    for budget in [
        Budget::default(),
        Budget {
            max_patients: Some(1500),
            ..Budget::default()
        },
    ] {
        let mut seen: Vec<Progress> = Vec::new();
        let report = run_job(
            &Job::new(&g, encoder.clone()).batch(64).budget(budget),
            plain(&encoder),
            |p| seen.push(*p),
        )
        .unwrap();
        let total = budget.max_patients.unwrap_or(2000);
        assert_eq!(report.patients, total);
        let last = seen.last().expect("a final progress report");
        assert_eq!(last.patients, report.patients);
        assert_eq!(last.bytes, report.bytes);
        assert_eq!(last.elapsed, report.elapsed);
        for p in &seen {
            assert_eq!(p.total, total);
            assert!(p.patients <= total);
        }
        for w in seen.windows(2) {
            assert!(w[0].patients <= w[1].patients);
            assert!(w[0].bytes <= w[1].bytes);
            assert!(w[0].elapsed <= w[1].elapsed);
        }
    }
}
