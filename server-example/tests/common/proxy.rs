//! A TCP proxy to the test PostgreSQL server that a test switches off and on, to play a
//! database that goes away and comes back.
//!
//! Off, nothing listens on its port (connections are refused) and every connection it
//! was forwarding is cut; on, it listens on the same port again and forwards.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The proxy; off when made.
pub struct Proxy {
    /// Its port on 127.0.0.1.
    pub port: u16,
    upstream: String,
    accepting: Option<JoinHandle<()>>,
    forwarding: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    /// A proxy (off) to the server of `milmed_postgres::testing::admin_url()`, on a port
    /// that was free.
    pub async fn new() -> Proxy {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.local_addr().unwrap().port()
        };
        Proxy {
            port,
            upstream: upstream(&milmed_postgres::testing::admin_url()),
            accepting: None,
            forwarding: Arc::default(),
        }
    }

    /// `url` (a `postgres://` URL of the test server) through this proxy.
    pub fn url(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (user, after) = match rest.split_once('@') {
            Some((user, after)) => (format!("{user}@"), after),
            None => (String::new(), rest),
        };
        let path = after.find('/').map_or("", |i| &after[i..]);
        format!("{scheme}://{user}127.0.0.1:{}{path}", self.port)
    }

    /// Listens and forwards.
    pub async fn on(&mut self) {
        assert!(self.accepting.is_none(), "the proxy is on already");
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], self.port)))
            .await
            .unwrap();
        let (upstream, forwarding) = (self.upstream.clone(), Arc::clone(&self.forwarding));
        self.accepting = Some(tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                forwarding.lock().unwrap().push(task);
            }
        }));
    }

    /// Stops listening (new connections are refused) and cuts every connection.
    pub async fn off(&mut self) {
        if let Some(accepting) = self.accepting.take() {
            accepting.abort();
            let _ = accepting.await;
        }
        let tasks: Vec<_> = self.forwarding.lock().unwrap().drain(..).collect();
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
    }
}

/// `host:port` of a `postgres://` URL (port 5432 when it names none).
fn upstream(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    let after = rest.rsplit_once('@').map_or(rest, |(_, after)| after);
    let authority = after.split(['/', '?']).next().unwrap();
    if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:5432")
    }
}
