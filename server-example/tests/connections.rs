//! Hostile clients: a slowloris client, idle keep-alive connections, a client that stops
//! reading, too many connections from one address, and a client that hangs up before
//! its answer. Raw TCP, to control every byte.

mod common;

use std::time::{Duration, Instant};

use common::{Server, TEST_KEY};
use milmed_server::Settings;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection (EOF or reset); returns the bytes read
/// and when it closed. Panics if it stays open for `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, Instant) {
    let deadline = Instant::now() + within;
    let mut bytes = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (bytes, Instant::now()),
            Ok(Ok(n)) => bytes.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the connection stayed open for {within:?}"),
        }
    }
}

/// Reads one whole answer to a GET (its headers and `Content-Length` bytes of body).
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap();
        assert!(n > 0, "closed before the answer");
        bytes.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(|v| v.trim().parse().unwrap())
                })
                .expect("a content-length");
            if body.len() >= length {
                return text;
            }
        }
    }
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: milmed\r\nX-API-Key: {TEST_KEY}\r\n\r\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_client_is_disconnected_after_the_header_timeout() {
    let server = Server::start(Settings {
        header_timeout: Duration::from_secs(1),
        ..Settings::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /api/v1/health/live HTTP/1.1\r\nHost: milmed\r\n")
        .await
        .unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // One header line every 200 ms, never the blank line that ends them.
    let dripping = tokio::spawn(async move {
        for i in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer
                .write_all(format!("X-Drip-{i}: 1\r\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    });
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return Instant::now(),
                Ok(_) => {}
            }
        }
    })
    .await
    .expect("the slowloris client is still connected after 5 s");
    let after = closed - started;
    assert!(
        after >= Duration::from_millis(900) && after < Duration::from_secs(3),
        "{after:?}"
    );
    dripping.abort();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed() {
    let server = Server::start(Settings {
        header_timeout: Duration::from_secs(1),
        ..Settings::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    // Two requests on one connection: keep-alive works.
    for _ in 0..2 {
        stream
            .write_all(get("/api/v1/health/live").as_bytes())
            .await
            .unwrap();
        let answer = read_answer(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    // Then nothing: the server closes it once the next request's headers are overdue.
    let idle_from = Instant::now();
    let (bytes, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(bytes.is_empty(), "{}", String::from_utf8_lossy(&bytes));
    let after = closed - idle_from;
    assert!(
        after >= Duration::from_millis(900) && after < Duration::from_secs(3),
        "{after:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_its_stream_is_cut_after_the_idle_timeout() {
    let server = Server::start(Settings {
        request_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        ..Settings::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            get("/api/v1/streaming/generate?preset=nato_article_5&count=100000&format=ndjson")
                .as_bytes(),
        )
        .await
        .unwrap();
    // Read the beginning, then stop reading: the stream fills the socket's buffers and
    // then no byte moves.
    let mut buf = vec![0u8; 64 * 1024];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (bytes, _) = read_until_closed(&mut stream, Duration::from_secs(20)).await;
    // Closed before its end (100,000 patients are some 380 MB).
    assert!(bytes.len() < 100_000_000, "{} bytes", bytes.len());
    // And its generation stopped, giving back its place in the pool.
    let started = Instant::now();
    while server.metric("milmed_generations_running").await != Some(0.0) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still generating"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_per_address_ceiling_are_refused() {
    let server = Server::start(Settings {
        max_connections_per_ip: Some(3),
        ..Settings::default()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(server.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The fourth is answered 503 at once and closed.
    let mut fourth = TcpStream::connect(server.addr).await.unwrap();
    let (bytes, _) = read_until_closed(&mut fourth, Duration::from_secs(5)).await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{text}"
    );
    assert!(text.contains("retry-after: 1\r\n"), "{text}");
    assert!(
        text.ends_with("\"detail\":\"too many connections from your address\"}"),
        "{text}"
    );
    // The three held ones still work.
    for stream in &mut held[..2] {
        stream
            .write_all(get("/api/v1/health/live").as_bytes())
            .await
            .unwrap();
        assert!(read_answer(stream).await.starts_with("HTTP/1.1 200"));
    }
    // Once one closes, a new connection is taken again.
    held.pop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fresh = TcpStream::connect(server.addr).await.unwrap();
    fresh
        .write_all(get("/api/v1/health/live").as_bytes())
        .await
        .unwrap();
    assert!(read_answer(&mut fresh).await.starts_with("HTTP/1.1 200"));
    drop((held, fresh));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        server.metric("milmed_connections_refused_total").await,
        Some(1.0)
    );
    // Every connection closed was counted down: only the scrape's own stays (the
    // previous scrape's client may take a moment to close its connection).
    let started = Instant::now();
    while server.metric("milmed_connections_open").await != Some(1.0) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "connections still counted"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_hangs_up_before_its_answer_leaves_the_in_flight_gauge() {
    let mut settings = Settings::default();
    settings.limits.max_generations = 1;
    let server = Server::start(settings).await;
    let before = server
        .metric("milmed_http_requests_in_flight")
        .await
        .unwrap();
    // One stream holds the only place in the generation pool (its client reads nothing).
    let mut holder = TcpStream::connect(server.addr).await.unwrap();
    holder
        .write_all(get("/api/v1/streaming/generate?preset=nato_article_5&count=100000").as_bytes())
        .await
        .unwrap();
    let mut buf = [0u8; 16];
    holder.read_exact(&mut buf).await.unwrap();
    // A second stream waits (up to 2 s) for room; its client hangs up meanwhile.
    let mut quitter = TcpStream::connect(server.addr).await.unwrap();
    quitter
        .write_all(get("/api/v1/streaming/generate?preset=peacekeeping&count=10").as_bytes())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        server.metric("milmed_http_requests_in_flight").await,
        Some(before + 1.0),
        "the waiting request is in flight"
    );
    drop(quitter);
    let started = Instant::now();
    loop {
        let now = server
            .metric("milmed_http_requests_in_flight")
            .await
            .unwrap();
        if now == before {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "in flight stays at {now}, not {before}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(holder);
    server.stop().await;
}
