//! A key's limits and usage over HTTP, on either store: the rate rule (GCRA: a burst of
//! the limit, then one request per interval, no reset at a calendar boundary), its
//! headers, and the patients each key asked for.

mod common;

use common::Server;
use milmed_server::Settings;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_gets_the_limit_then_waits_one_interval() {
    let server = Server::start(Settings::default()).await;
    // 3 a minute: one request frees every 20 s.
    server.add_limited_key("milmed_three_a_minute", 3).await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let (status, headers, _) = server
            .get_with("/api/v1/presets", Some("milmed_three_a_minute"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["ratelimit-limit"], "3");
        remaining.push(headers["ratelimit-remaining"].to_str().unwrap().to_owned());
        let reset: u64 = headers["ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&reset), "{reset}");
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let (status, headers, body) = server
        .get_with("/api/v1/presets", Some("milmed_three_a_minute"))
        .await;
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        common::envelope(status, &body),
        format!(
            "rate limit of 3 requests per minute reached; retry in {} s",
            headers["retry-after"].to_str().unwrap()
        )
    );
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    // The first request's interval, less the time the burst took: about 20 s, not the
    // rest of a calendar minute.
    assert!((15..=20).contains(&retry), "{retry}");
    assert_eq!(headers["ratelimit-remaining"], "0");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_patients_of_jobs_and_streams_count_in_the_key_usage() {
    let server = Server::start(Settings::default()).await;
    server.add_key("milmed_usage_key").await;
    let key = server
        .state
        .keys()
        .verify("milmed_usage_key")
        .await
        .unwrap()
        .unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let (status, job) = server
        .call(
            reqwest::Method::POST,
            "/api/v1/generation",
            "milmed_usage_key",
            Some(json!({"preset": "peacekeeping", "count": 120})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let (status, _, _) = server
        .get_with(
            "/api/v1/streaming/generate?preset=peacekeeping&count=30",
            Some("milmed_usage_key"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (requests, patients) = server.state.keys().usage(key.id, today).await.unwrap();
    if time::OffsetDateTime::now_utc().date() == today {
        assert_eq!((requests, patients), (2, 150));
    }
    server.stop().await;
}
