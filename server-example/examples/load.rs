//! A small load generator for `milmed-server`; `scripts/load.sh` runs it against a release
//! server on a throwaway database and prints a Markdown table of what it measured:
//!
//! - p50/p99 latency and requests per second of `GET /api/v1/health/live` and of
//!   `POST /api/v1/generation`, each from `--connections` concurrent clients (200) for
//!   `--seconds` (10) after a 2 s warm-up; with several `--key`s, client `i` creates its
//!   jobs with key `i mod keys` (one key is the single-key case: its rate-limit state is
//!   one row that every request updates in turn);
//! - streaming throughput of one stream and of 50 concurrent streams;
//! - the server's resident memory at idle and its peak during the 50 streams (read from
//!   `/proc/<pid>/status` every 100 ms, with `--server-pid`).
//!
//! ```text
//! cargo run --release -p milmed-server --example load -- \
//!     --url http://127.0.0.1:8000 --key milmed_… --server-pid 1234
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use reqwest::Client;

/// Measures a running milmed-server.
#[derive(Debug, Parser)]
struct Args {
    /// The server, e.g. http://127.0.0.1:8000.
    #[arg(long)]
    url: String,
    /// API keys whose limits the load cannot reach (repeat for several; the first also
    /// streams).
    #[arg(long = "key", required = true)]
    keys: Vec<String>,
    /// The server's process id, to read its memory (Linux).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Concurrent clients of the request phases.
    #[arg(long, default_value_t = 200)]
    connections: usize,
    /// Seconds each request phase is measured (after a 2 s warm-up).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Patients of the single stream.
    #[arg(long, default_value_t = 100_000)]
    stream_patients: u64,
    /// Concurrent streams of the second streaming phase.
    #[arg(long, default_value_t = 50)]
    streams: usize,
    /// Patients of each of those streams.
    #[arg(long, default_value_t = 20_000)]
    patients_per_stream: u64,
    /// Only the request phases (no streams).
    #[arg(long)]
    no_streams: bool,
}

/// What one request phase measured.
struct Latencies {
    /// Successful requests' latencies, sorted.
    samples: Vec<Duration>,
    /// Answers that were not 2xx, and failed requests.
    failures: u64,
    seconds: f64,
}

impl Latencies {
    fn percentile(&self, p: f64) -> Duration {
        if self.samples.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.samples.len() as f64).ceil() as usize;
        self.samples[rank.clamp(1, self.samples.len()) - 1]
    }

    fn row(&self, name: &str, connections: usize) -> String {
        format!(
            "| {name} | {connections} | {:.2} | {:.2} | {:.0} | {} |",
            self.percentile(50.0).as_secs_f64() * 1000.0,
            self.percentile(99.0).as_secs_f64() * 1000.0,
            self.samples.len() as f64 / self.seconds,
            self.failures
        )
    }
}

/// `connections` clients sending `request` in a loop: 2 s of warm-up, then `seconds`
/// measured.
async fn hammer<F>(connections: usize, seconds: u64, request: F) -> Latencies
where
    F: Fn(usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let request = Arc::new(request);
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..connections)
        .map(|client| {
            let (request, measuring, stop) = (
                Arc::clone(&request),
                Arc::clone(&measuring),
                Arc::clone(&stop),
            );
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut failures = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let ok = match request(client).send().await {
                        Ok(response) => {
                            let ok = response.status().is_success();
                            ok && response.bytes().await.is_ok()
                        }
                        Err(_) => false,
                    };
                    if measuring.load(Ordering::Relaxed) {
                        if ok {
                            samples.push(started.elapsed());
                        } else {
                            failures += 1;
                        }
                    }
                }
                (samples, failures)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut all = Latencies {
        samples: Vec::new(),
        failures: 0,
        seconds: elapsed,
    };
    for task in tasks {
        let (samples, failures) = task.await.expect("a client task");
        all.samples.extend(samples);
        all.failures += failures;
    }
    all.samples.sort_unstable();
    all
}

/// The resident set size of `pid`, bytes.
fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// What streaming measured: patients and bytes received, seconds, failed streams.
struct Streamed {
    patients: u64,
    bytes: u64,
    seconds: f64,
    failures: u64,
}

impl Streamed {
    fn row(&self, name: &str) -> String {
        format!(
            "| {name} | {:.0} | {:.1} | {:.2} | {} |",
            self.patients as f64 / self.seconds,
            self.bytes as f64 / self.seconds / 1e6,
            self.seconds,
            self.failures
        )
    }
}

/// `streams` concurrent NDJSON streams of `patients` each, read as fast as they come.
async fn stream(client: &Client, args: &Args, streams: usize, patients: u64) -> Streamed {
    let started = Instant::now();
    let tasks: Vec<_> = (0..streams)
        .map(|i| {
            let request = client
                .get(format!(
                    "{}/api/v1/streaming/generate?preset=nato_article_5&count={patients}&seed={i}",
                    args.url
                ))
                .header("x-api-key", &args.keys[0]);
            tokio::spawn(async move {
                let Ok(mut response) = request.send().await else {
                    return (0, 0, 1);
                };
                if !response.status().is_success() {
                    return (0, 0, 1);
                }
                let count: u64 = response
                    .headers()
                    .get("x-patient-count")
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or(0);
                let mut bytes = 0u64;
                let mut lines = 0u64;
                while let Ok(Some(chunk)) = response.chunk().await {
                    bytes += chunk.len() as u64;
                    lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
                }
                let failed = u64::from(lines != count);
                (lines, bytes, failed)
            })
        })
        .collect();
    let mut out = Streamed {
        patients: 0,
        bytes: 0,
        seconds: 0.0,
        failures: 0,
    };
    for task in tasks {
        let (patients, bytes, failed) = task.await.expect("a stream task");
        out.patients += patients;
        out.bytes += bytes;
        out.failures += failed;
    }
    out.seconds = started.elapsed().as_secs_f64();
    out
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let client = Client::builder()
        .pool_max_idle_per_host(args.connections * 2)
        .build()
        .expect("an HTTP client");
    let idle = args.server_pid.and_then(rss);

    let health = {
        let (client, url) = (client.clone(), format!("{}/api/v1/health/live", args.url));
        hammer(args.connections, args.seconds, move |_| client.get(&url)).await
    };
    let creation = {
        let (client, url, keys) = (
            client.clone(),
            format!("{}/api/v1/generation", args.url),
            args.keys.clone(),
        );
        hammer(args.connections, args.seconds, move |i| {
            client
                .post(&url)
                .header("x-api-key", &keys[i % keys.len()])
                .json(&serde_json::json!({"preset": "peacekeeping", "count": 100}))
        })
        .await
    };

    println!("| requests | clients | p50 ms | p99 ms | requests/s | failed |");
    println!("| --- | --- | --- | --- | --- | --- |");
    println!(
        "{}",
        health.row("GET /api/v1/health/live", args.connections)
    );
    println!(
        "{}",
        creation.row(
            &format!(
                "POST /api/v1/generation, {} key{}",
                args.keys.len(),
                if args.keys.len() == 1 { "" } else { "s" }
            ),
            args.connections
        )
    );
    if args.no_streams {
        return;
    }
    let one = stream(&client, &args, 1, args.stream_patients).await;
    let peak = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = args.server_pid.map(|pid| {
        let (peak, sampling) = (Arc::clone(&peak), Arc::clone(&sampling));
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                if let Some(bytes) = rss(pid) {
                    peak.fetch_max(bytes, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    });
    let many = stream(&client, &args, args.streams, args.patients_per_stream).await;
    sampling.store(false, Ordering::Relaxed);
    if let Some(sampler) = sampler {
        let _ = sampler.await;
    }

    println!();
    println!("| streams (NDJSON, nato_article_5) | patients/s | MB/s | seconds | failed |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "{}",
        one.row(&format!("1 stream of {} patients", args.stream_patients))
    );
    println!(
        "{}",
        many.row(&format!(
            "{} streams of {} patients",
            args.streams, args.patients_per_stream
        ))
    );
    if let Some(idle) = idle {
        println!();
        println!(
            "server RSS: {:.1} MiB at idle, {:.1} MiB at peak during the {} streams",
            idle as f64 / 1048576.0,
            peak.load(Ordering::Relaxed) as f64 / 1048576.0,
            args.streams
        );
    }
}
