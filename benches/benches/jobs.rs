//! Cancel latency of `run_job`: from `CancelToken::cancel` on another thread to
//! `run_job` returning with a finished document, per format and thread count.
//!
//! Run: `cargo bench -p milmed-benches --bench jobs`; figures go to `docs/performance.md`.

use std::io;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use milmed_core::budget::CancelToken;
use milmed_core::format::Format;
use milmed_core::job::{EncodedBatch, Job, JobEnd, JobSink, StreamSink, run_job};
use milmed_core::output::Compression;
use milmed_core::{Generator, Scenario};

/// Tells another thread, at the fifth batch, to cancel.
struct Signalling {
    inner: StreamSink<io::Sink>,
    batches: u64,
    signal: mpsc::Sender<()>,
}

impl JobSink for Signalling {
    type Output = io::Sink;

    fn write_batch(&mut self, batch: &mut EncodedBatch) -> io::Result<()> {
        self.batches += 1;
        if self.batches == 5 {
            let _ = self.signal.send(());
        }
        self.inner.write_batch(batch)
    }

    fn bytes(&self) -> u64 {
        self.inner.bytes()
    }

    fn finish(self) -> io::Result<(io::Sink, u64)> {
        self.inner.finish()
    }
}

fn cancel_latency(c: &mut Criterion) {
    let scenario = Scenario {
        patients: 10_000_000,
        ..Scenario::preset("nato_article_5").unwrap()
    };
    let g = Generator::new(&scenario, 1).unwrap();
    let mut group = c.benchmark_group("cancel_latency");
    group.sample_size(20);
    for (format, threads) in [(Format::Ndjson, 1), (Format::Ndjson, 2), (Format::Fhir, 2)] {
        let encoder = format.encoder(&g);
        let id = BenchmarkId::new(format.as_str(), format!("{threads}t"));
        group.bench_function(id, |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let token = CancelToken::new();
                    let (signal, wait) = mpsc::channel();
                    let canceller = {
                        let token = token.clone();
                        std::thread::spawn(move || {
                            wait.recv().unwrap();
                            token.cancel();
                            Instant::now()
                        })
                    };
                    let sink = Signalling {
                        inner: StreamSink::new(
                            Arc::clone(&encoder),
                            io::sink(),
                            Compression::None,
                            None,
                        )
                        .unwrap(),
                        batches: 0,
                        signal,
                    };
                    let job = Job::new(&g, Arc::clone(&encoder))
                        .threads(threads)
                        .cancel(token);
                    let report = run_job(&job, sink, |_| {}).unwrap();
                    let returned = Instant::now();
                    let cancelled = canceller.join().unwrap();
                    assert_eq!(report.end, JobEnd::Cancelled);
                    total += returned.saturating_duration_since(cancelled);
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, cancel_latency);
criterion_main!(benches);
