//! Real `milmed-server` processes: several on one database share the job queue, a killed
//! one's job is finished by another, and SIGTERM stops jobs and streams as documented.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use milmed_postgres::testing::TestDb;
use milmed_postgres::{JobStatus, Jobs};
use reqwest::StatusCode;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_milmed-server");

/// A server process, killed when dropped; its JSON log lines are collected as they come.
struct Instance {
    child: Child,
    lines: Arc<Mutex<Vec<Value>>>,
    /// The thread reading the log; it ends when the process closes its stdout.
    reader: Option<std::thread::JoinHandle<()>>,
    url: String,
}

impl Instance {
    /// Starts a server with `env` (in memory unless `DATABASE_URL` is among them) and
    /// waits until it listens.
    fn start(env: &[(&str, &str)]) -> Instance {
        let mut command = Command::new(BIN);
        command
            .env_remove("DATABASE_URL")
            .env("MILMED_BIND", "127.0.0.1:0")
            .env("MILMED_LOG_FORMAT", "json")
            .env("MILMED_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = {
            let lines = Arc::clone(&lines);
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let Ok(value) = serde_json::from_str::<Value>(&line) else {
                        continue;
                    };
                    if value["fields"]["message"] == "listening" {
                        let _ = tx.send(value["fields"]["addr"].as_str().unwrap().to_owned());
                    }
                    lines.lock().unwrap().push(value);
                }
            })
        };
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server listens within a minute");
        Instance {
            child,
            lines,
            reader: Some(reader),
            url: format!("http://{addr}"),
        }
    }

    /// The log lines whose message is `message`.
    fn logged(&self, message: &str) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l["fields"]["message"] == message)
            .cloned()
            .collect()
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit, at most `limit`, and for its last log lines.
    fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                if let Some(reader) = self.reader.take() {
                    reader.join().unwrap();
                }
                return status;
            }
            assert!(started.elapsed() < limit, "still running after {limit:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}{path}", self.url))
            .header("x-api-key", key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn job(&self, key: &str, id: &str) -> Value {
        let (status, job) = self
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/jobs/{id}"),
                key,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{job}");
        job
    }

    /// Polls job `id` until `done` says so, at most `limit`.
    async fn wait_job(
        &self,
        key: &str,
        id: &str,
        limit: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let started = Instant::now();
        loop {
            let job = self.job(key, id).await;
            if done(&job) {
                return job;
            }
            assert!(
                started.elapsed() < limit,
                "job {id} not there after {limit:?}: {job}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A key without tight limits, made with `milmed-server keys create` on `url`.
fn create_key(url: &str) -> String {
    let out = Command::new(BIN)
        .args([
            "keys",
            "create",
            "--name",
            "instances",
            "--patients",
            "10000000",
            "--per-minute",
            "100000",
            "--per-hour",
            "1000000",
        ])
        .env("DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("key "))
        .unwrap()
        .to_owned()
}

fn finished(job: &Value) -> bool {
    ["completed", "failed", "cancelled"].contains(&job["status"].as_str().unwrap())
}

async fn create_job(instance: &Instance, key: &str, body: Value) -> String {
    let (status, job) = instance
        .call(reqwest::Method::POST, "/api/v1/generation", key, Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    job["job_id"].as_str().unwrap().to_owned()
}

/// The job ids of an instance's `job started` lines.
fn started_jobs(instance: &Instance) -> Vec<i64> {
    instance
        .logged("job started")
        .iter()
        .map(|l| l["fields"]["job"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_a_queue_of_20_jobs() {
    let test = TestDb::new().await;
    let key = create_key(&test.url);
    let env = [
        ("DATABASE_URL", test.url.as_str()),
        ("MILMED_JOB_WORKERS", "2"),
    ];
    let a = Instance::start(&env);
    let b = Instance::start(&env);
    let mut ids = Vec::new();
    for i in 0..20u64 {
        let instance = if i % 2 == 0 { &a } else { &b };
        ids.push(
            create_job(
                instance,
                &key,
                json!({"preset": "peacekeeping", "count": 3000, "seed": i}),
            )
            .await,
        );
    }
    for id in &ids {
        let job = a
            .wait_job(&key, id, Duration::from_secs(120), finished)
            .await;
        assert_eq!(job["status"], "completed", "{job}");
        assert_eq!(job["attempt"], 1, "claimed once: {job}");
        assert_eq!(job["summary"]["total_patients"], 3000);
    }
    // Each job was started exactly once, by one instance or the other, and both worked.
    let (by_a, by_b) = (started_jobs(&a), started_jobs(&b));
    let mut all: Vec<i64> = by_a.iter().chain(&by_b).copied().collect();
    all.sort_unstable();
    let mut expected: Vec<i64> = ids.iter().map(|id| id.parse().unwrap()).collect();
    expected.sort_unstable();
    assert_eq!(all, expected, "every job started once");
    assert!(
        !by_a.is_empty() && !by_b.is_empty(),
        "a ran {by_a:?}, b ran {by_b:?}"
    );
}

/// Waits until job `id` runs and has made progress.
async fn wait_running(instance: &Instance, key: &str, id: &str) {
    instance
        .wait_job(key, id, Duration::from_secs(60), |j| {
            j["status"] == "running" && j["patients_done"].as_u64() > Some(0)
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_s_job_is_completed_by_another() {
    let test = TestDb::new().await;
    let key = create_key(&test.url);
    let env = [
        ("DATABASE_URL", test.url.as_str()),
        ("MILMED_JOB_WORKERS", "1"),
        ("MILMED_JOB_LEASE", "3"),
    ];
    let mut a = Instance::start(&env);
    let id = create_job(
        &a,
        &key,
        json!({"preset": "peacekeeping", "count": 400_000}),
    )
    .await;
    wait_running(&a, &key, &id).await;
    a.child.kill().unwrap(); // SIGKILL: no chance to hand the job back
    a.exit_within(Duration::from_secs(10));
    let b = Instance::start(&env);
    let job = b
        .wait_job(&key, &id, Duration::from_secs(180), finished)
        .await;
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(
        job["attempt"], 2,
        "run again after the lease expired: {job}"
    );
    assert_eq!(job["summary"]["total_patients"], 400_000);
    assert_eq!(started_jobs(&b), [id.parse::<i64>().unwrap()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_job_requeues_it_with_postgres() {
    let test = TestDb::new().await;
    let key = create_key(&test.url);
    let env = [
        ("DATABASE_URL", test.url.as_str()),
        ("MILMED_JOB_WORKERS", "1"),
        ("MILMED_SHUTDOWN_GRACE", "10"),
    ];
    let mut a = Instance::start(&env);
    let id = create_job(
        &a,
        &key,
        json!({"preset": "peacekeeping", "count": 400_000}),
    )
    .await;
    wait_running(&a, &key, &id).await;
    a.signal("-TERM");
    let status = a.exit_within(Duration::from_secs(15));
    assert_eq!(status.code(), Some(0));
    // Back in the queue at once, not after the lease (30 s) expires.
    let job = Jobs::new(test.database().await)
        .get(id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!((job.lease_owner, job.attempt), (None, 1));
    let left = a.logged("job left at shutdown");
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["fields"]["status"], "queued");

    let b = Instance::start(&env);
    let job = b
        .wait_job(&key, &id, Duration::from_secs(180), finished)
        .await;
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["attempt"], 2);
}

/// Reads a streamed NDJSON body slowly; returns its lines.
async fn read_slowly(response: reqwest::Response, pause: Duration) -> Vec<Value> {
    let mut body = Vec::new();
    let mut response = response;
    while let Some(chunk) = response.chunk().await.unwrap() {
        body.extend_from_slice(&chunk);
        tokio::time::sleep(pause).await;
    }
    body.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("every line is JSON"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_stream_lets_it_finish() {
    let test = TestDb::new().await;
    let key = create_key(&test.url);
    let mut a = Instance::start(&[
        ("DATABASE_URL", test.url.as_str()),
        ("MILMED_SHUTDOWN_GRACE", "60"),
    ]);
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/streaming/generate?count=20000", a.url))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let count: usize = response.headers()["x-patient-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    a.signal("-TERM");
    let lines = read_slowly(response, Duration::from_millis(1)).await;
    assert_eq!(lines.len(), count, "the whole stream arrived");
    assert!(lines.iter().all(|l| l.get("error").is_none()));
    assert_eq!(a.exit_within(Duration::from_secs(30)).code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_longer_than_the_grace_is_cut_and_the_server_exits() {
    let test = TestDb::new().await;
    let key = create_key(&test.url);
    let mut a = Instance::start(&[
        ("DATABASE_URL", test.url.as_str()),
        ("MILMED_SHUTDOWN_GRACE", "1"),
    ]);
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/streaming/generate?count=100000", a.url))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let signalled = Instant::now();
    a.signal("-TERM");
    let reader = tokio::spawn(async move {
        let mut response = response;
        // Read very slowly: the stream cannot end within the grace.
        while let Ok(Some(_)) = response.chunk().await {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    assert_eq!(a.exit_within(Duration::from_secs(20)).code(), Some(0));
    assert!(
        signalled.elapsed() < Duration::from_secs(15),
        "{:?}",
        signalled.elapsed()
    );
    reader.abort();
}
