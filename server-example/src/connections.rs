//! The accept loop: every TCP connection the server takes, and how long it may keep it.
//!
//! `axum::serve` keeps a connection for as long as the client likes: 300 idle
//! connections, or one slowloris client sending a header byte now and then, were held
//! indefinitely. Here each connection is served by hyper's HTTP/1.1 connection with
//!
//! - a header timeout ([`Settings::header_timeout`]): hyper closes a connection whose
//!   request headers are not complete this long after it started waiting for them (on
//!   a keep-alive connection, after the previous response), so a slowloris client and an
//!   idle keep-alive connection are both let go;
//! - an idle timeout ([`Settings::idle_timeout`]): a connection on which no byte is read
//!   or written for this long is closed whatever it is doing (a stalled upload, a client
//!   that stopped reading its stream), checked by a timer of its own;
//! - a ceiling of connections per client IP address
//!   ([`Settings::max_connections_per_ip`]): beyond it a new connection is answered
//!   `503` at once and closed, and is counted in `milmed_connections_refused_total`.
//!
//! On shutdown the listener closes, idle connections close at once and the others after
//! their response (hyper's graceful shutdown); [`serve`](crate::serve) bounds the wait.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::Request;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::metrics::Metrics;
use crate::settings::Settings;

/// What the accept loop enforces, from the settings.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Time to send a request's headers.
    pub header_timeout: Duration,
    /// Longest time without a byte either way.
    pub idle_timeout: Duration,
    /// Most connections from one IP address; `None` for no ceiling.
    pub per_ip: Option<usize>,
}

impl ConnectionLimits {
    /// The limits of `settings`.
    pub fn of(settings: &Settings) -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: settings.header_timeout,
            idle_timeout: settings.idle_timeout,
            per_ip: settings.max_connections_per_ip,
        }
    }
}

/// The answer to a connection over its address's ceiling, written before anything is
/// read (a server may answer early) so that the client learns why it is closed.
const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 94\r\n\r\n\
{\"error\":\"Service Unavailable\",\"status\":503,\"detail\":\"too many connections from your address\"}";

/// Serves `app` on every connection `listener` accepts until `shutdown` completes; then
/// stops accepting, lets each connection finish its response (idle ones close at
/// once), and returns when all are closed.
pub async fn run<S>(
    listener: TcpListener,
    app: S,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()>
where
    S: tower::Service<
            Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let per_ip = PerIp::default();
    let (stop, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::error!(error = %e, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Some(slot) = per_ip.take(peer.ip(), limits.per_ip) else {
                    metrics.connection_refused();
                    tracing::debug!(ip = %peer.ip(), "connection over the per-address ceiling refused");
                    let _ = stream.try_write(REFUSED);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                connections.spawn(connection(
                    stream,
                    app.clone(),
                    limits,
                    stopped.clone(),
                    slot,
                    Arc::clone(&metrics),
                ));
            }
        }
    }
    drop(listener);
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Serves one connection until it ends, its idle timeout passes, or (after `stopped`
/// turns true) its last response is sent.
async fn connection<S>(
    stream: TcpStream,
    app: S,
    limits: ConnectionLimits,
    mut stopped: watch::Receiver<bool>,
    _slot: Slot,
    metrics: Arc<Metrics>,
) where
    S: tower::Service<
            Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let _open = metrics.connection_opened();
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: Arc::clone(&activity),
    });
    let service = TowerToHyperService::new(tower::ServiceExt::map_request(
        app,
        |request: hyper::Request<hyper::body::Incoming>| request.map(axum::body::Body::new),
    ));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut check = tokio::time::interval((limits.idle_timeout / 4).max(Duration::from_millis(50)));
    let mut closing = *stopped.borrow();
    if closing {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            changed = stopped.changed(), if !closing => {
                if changed.is_err() || *stopped.borrow() {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
            _ = check.tick() => {
                if activity.idle_for() >= limits.idle_timeout {
                    tracing::debug!(idle = ?limits.idle_timeout, "idle connection closed");
                    return;
                }
            }
        }
    }
}

/// When a connection last read or wrote a byte.
struct Activity {
    started: Instant,
    /// Milliseconds since `started` of the last byte read or written.
    last: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            started: Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let now = self.started.elapsed().as_millis() as u64;
        self.last.store(now, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let now = self.started.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last.load(Ordering::Relaxed)))
    }
}

/// A stream that records in [`Activity`] every read or write that moved bytes.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Open connections per client IP address.
#[derive(Clone, Default)]
struct PerIp {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl PerIp {
    /// A place for one more connection from `ip`, or `None` at the ceiling.
    fn take(&self, ip: IpAddr, ceiling: Option<usize>) -> Option<Slot> {
        let mut open = self.open.lock().expect("not poisoned");
        let count = open.entry(ip).or_insert(0);
        if ceiling.is_some_and(|c| *count >= c) {
            return None;
        }
        *count += 1;
        Some(Slot {
            ip,
            open: Arc::clone(&self.open),
        })
    }
}

/// One connection's place in [`PerIp`], given back when the connection ends.
struct Slot {
    ip: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().expect("not poisoned");
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_counts_each_address_and_frees_places() {
        let per_ip = PerIp::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = per_ip.take(a, Some(2)).unwrap();
        let _second = per_ip.take(a, Some(2)).unwrap();
        assert!(per_ip.take(a, Some(2)).is_none());
        assert!(
            per_ip.take(b, Some(2)).is_some(),
            "another address is not affected"
        );
        drop(first);
        assert!(per_ip.take(a, Some(2)).is_some());
        assert!((0..1000).all(|_| per_ip.take(a, None).map(std::mem::forget).is_some()));
    }

    #[test]
    fn the_refusal_is_a_complete_answer() {
        let text = std::str::from_utf8(REFUSED).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["status"], 503);
    }
}
