//! A real server on an ephemeral port, and helpers to speak to it.
#![allow(dead_code)]

pub mod proxy;

use std::net::SocketAddr;

use milmed_postgres::{Database, Limits, NewApiKey};
use milmed_server::{AppState, Settings, serve};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A key without limits, made for the tests.
pub const TEST_KEY: &str = "milmed_test_key_without_limits";

/// A server running on an ephemeral port until dropped.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pub state: AppState,
    /// The database made for this server by [`Server::start`] (dropped last).
    _database: Option<milmed_postgres::testing::TestDb>,
}

impl Server {
    /// A server on the store the tests run against: in memory, or on a database of its
    /// own when `MILMED_TEST_STORE=postgres` (scripts/test.sh runs the HTTP tests both
    /// ways).
    pub async fn start(settings: Settings) -> Server {
        match std::env::var("MILMED_TEST_STORE").as_deref() {
            Ok("postgres") => {
                let test = milmed_postgres::testing::TestDb::new().await;
                let mut server = Server::start_on(settings, Some(test.database().await)).await;
                server._database = Some(test);
                server
            }
            Ok("memory") | Err(_) => Server::start_on(settings, None).await,
            Ok(other) => panic!("MILMED_TEST_STORE={other:?}: give memory or postgres"),
        }
    }

    /// A server on `database` (migrated), or in memory, with [`TEST_KEY`].
    pub async fn start_on(settings: Settings, database: Option<Database>) -> Server {
        let server = Server::start_bare(settings, database).await;
        server.add_key(TEST_KEY).await;
        server
    }

    /// A server on `database` (which may be unreachable), or in memory, with only the
    /// demo key.
    pub async fn start_bare(settings: Settings, database: Option<Database>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(settings, database).await.unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        Server {
            addr,
            stop: Some(stop),
            task: Some(task),
            state,
            _database: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// GET with the test key.
    pub async fn get(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        self.get_with(path, Some(TEST_KEY)).await
    }

    pub async fn get_with(
        &self,
        path: &str,
        key: Option<&str>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let mut request = reqwest::Client::new().get(self.url(path));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let (status, _, body) = self.get(path).await;
        (status, serde_json::from_slice(&body).unwrap())
    }

    /// Adds a key allowed `per_minute` requests a minute.
    pub async fn add_limited_key(&self, key: &str, per_minute: u32) {
        self.add_key_with(
            key,
            Limits {
                max_patients_per_request: 1_000,
                per_minute: Some(per_minute),
                per_hour: None,
                per_day: None,
            },
        )
        .await;
    }

    /// Adds a key without limits.
    pub async fn add_key(&self, key: &str) {
        self.add_key_with(
            key,
            Limits {
                max_patients_per_request: 1_000_000,
                per_minute: None,
                per_hour: None,
                per_day: None,
            },
        )
        .await;
    }

    async fn add_key_with(&self, key: &str, limits: Limits) {
        self.state
            .keys()
            .ensure(
                key,
                NewApiKey {
                    name: key.to_owned(),
                    tier: "test".to_owned(),
                    is_demo: false,
                    limits,
                    expires_at: None,
                },
            )
            .await
            .unwrap();
    }

    /// Sends `method` `path` with `key` and a JSON body; returns the status and JSON.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (status, _, body) = self.call_with_headers(method, path, key, body).await;
        (status, body)
    }

    /// As [`Server::call`], with the answer's headers (a list's `Link`, …).
    pub async fn call_with_headers(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut request = reqwest::Client::new()
            .request(method, self.url(path))
            .header("x-api-key", key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            headers,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// The `Link: <…>; rel="next"` address of a list answer's next page, if any.
    pub fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
        let link = headers.get("link")?.to_str().unwrap();
        let (target, rel) = link.split_once(">; ").unwrap();
        assert_eq!(rel, "rel=\"next\"", "{link}");
        Some(target.trim_start_matches('<').to_owned())
    }

    /// Polls job `id` until its status is final; returns it. Gives up after a minute.
    pub async fn wait_for_job(&self, id: &str, key: &str) -> Value {
        self.wait_until(id, key, |job| {
            ["completed", "failed", "cancelled"].contains(&job["status"].as_str().unwrap())
        })
        .await
    }

    /// Polls job `id` until it is running; returns it. Gives up after a minute.
    pub async fn wait_running(&self, id: &str, key: &str) -> Value {
        self.wait_until(id, key, |job| job["status"] == "running")
            .await
    }

    /// Polls job `id` every 50 ms until `done` holds; returns it. Gives up after a minute.
    async fn wait_until(&self, id: &str, key: &str, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..1200 {
            let (status, job) = self
                .call(
                    reqwest::Method::GET,
                    &format!("/api/v1/jobs/{id}"),
                    key,
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{job}");
            if done(&job) {
                return job;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("job {id} did not get there within a minute");
    }

    /// The value of the metric line that starts with `series` (name and labels).
    pub async fn metric(&self, series: &str) -> Option<f64> {
        let (_, _, body) = self.get_with("/metrics", None).await;
        let text = String::from_utf8(body).unwrap();
        text.lines()
            .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
    }

    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
    }
}

/// The envelope of an error answer: its status and detail (and it has a request id).
pub fn envelope(status: StatusCode, body: &Value) -> &str {
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(
        body["request_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{body}"
    );
    assert_eq!(body["error"], status.canonical_reason().unwrap(), "{body}");
    body["detail"].as_str().unwrap()
}
