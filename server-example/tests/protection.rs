//! Load shedding, request timeouts and CORS.

mod common;

use std::time::Duration;

use common::{Server, TEST_KEY, envelope};
use milmed_server::Settings;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::mpsc;

/// Starts a POST whose body arrives only in part, so the server holds the request open;
/// dropping the returned sender ends the body.
fn stalled_post(
    server: &Server,
    path: &str,
) -> (
    mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
    tokio::task::JoinHandle<reqwest::Response>,
) {
    let (tx, rx) = mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let request = reqwest::Client::new()
        .post(server.url(path))
        .header("x-api-key", TEST_KEY)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream));
    (
        tx,
        tokio::spawn(async move { request.send().await.unwrap() }),
    )
}

#[tokio::test]
async fn requests_beyond_the_limit_are_shed_with_retry_after() {
    let server = Server::start(Settings {
        max_concurrent_requests: 1,
        job_workers: 0,
        ..Settings::default()
    })
    .await;
    let (tx, held) = stalled_post(&server, "/api/v1/generation");
    tx.send(Ok(b"{\"preset\":".to_vec())).await.unwrap();
    // The held request owns the only permit once the server reads its body.
    let mut shed = None;
    for _ in 0..200 {
        let (status, headers, body) = server.get("/api/v1/presets").await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            shed = Some((headers, body));
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (headers, body) = shed.expect("a second request is shed while the first holds the permit");
    assert_eq!(headers["retry-after"], "1");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        envelope(StatusCode::SERVICE_UNAVAILABLE, &body).contains("limit of concurrent requests")
    );
    tx.send(Ok(b"\"peacekeeping\"}".to_vec())).await.unwrap();
    drop(tx);
    assert_eq!(held.await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(
        server.get("/api/v1/presets").await.0,
        StatusCode::OK,
        "the permit came back"
    );
    server.stop().await;
}

#[tokio::test]
async fn slow_requests_get_408() {
    let server = Server::start(Settings {
        request_timeout: Duration::from_secs(1),
        job_workers: 0,
        ..Settings::default()
    })
    .await;
    let (tx, held) = stalled_post(&server, "/api/v1/generation");
    tx.send(Ok(b"{".to_vec())).await.unwrap();
    let response = held.await.unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        envelope(StatusCode::REQUEST_TIMEOUT, &body),
        "the request took longer than 1 s"
    );
    drop(tx);
    server.stop().await;
}

#[tokio::test]
async fn cors_allows_the_configured_origins_only() {
    let server = Server::start(Settings {
        cors_origins: vec!["https://exercise.example".to_owned()],
        ..Settings::default()
    })
    .await;
    let preflight = |origin: &'static str| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, server.url("/api/v1/presets"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "x-api-key")
            .send()
    };
    let allowed = preflight("https://exercise.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://exercise.example"
    );
    assert_eq!(allowed.headers()["access-control-max-age"], "600");
    let refused = preflight("https://elsewhere.example").await.unwrap();
    assert!(
        !refused
            .headers()
            .contains_key("access-control-allow-origin")
    );
    // A page's `Link` to the next one is readable by the allowed origin's scripts.
    let listed = reqwest::Client::new()
        .get(server.url("/api/v1/jobs?limit=1"))
        .header("origin", "https://exercise.example")
        .header("x-api-key", common::TEST_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), reqwest::StatusCode::OK);
    let exposed = listed.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.split(',').any(|h| h.trim() == "link"), "{exposed}");
    server.stop().await;
}
