//! Prometheus metrics, served at `GET /metrics` in the OpenMetrics text format.
//!
//! Requests are labelled by method, route template (`/api/v1/presets/{id}`, never the
//! raw path, so the number of series stays bounded) and status. Gauges of state kept
//! elsewhere — jobs by status and priority (with PostgreSQL, of every instance), the
//! generation pool of this instance, the database pool — are read at scrape time.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use milmed_core::budget::Resource;
use milmed_core::job::Priority;
use milmed_postgres::JobStatus;

use crate::error::ApiError;
use crate::state::AppState;

/// Labels of a request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

/// Labels of a latency observation.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// Labels of a count of jobs.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    status: String,
    priority: String,
}

/// Labels of a count by priority.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PriorityLabels {
    priority: String,
}

/// Labels of what generated patients: `job` or `stream`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: String,
}

/// Labels of a budget breach.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResourceLabels {
    resource: String,
}

/// Labels of a rate-limited request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: String,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    connections_open: Gauge,
    connections_refused: Counter,
    rate_limited: Family<LimitLabels, Counter>,
    patients: Family<SourceLabels, Counter>,
    bytes_streamed: Counter,
    job_seconds: Histogram,
    budget_exceeded: Family<ResourceLabels, Counter>,
    jobs: Family<JobLabels, Gauge>,
    queue_depth: Family<PriorityLabels, Gauge>,
    generations: GenerationGauges,
    pool: PoolGauges,
}

/// The generation pool of this instance, set from its snapshot at each scrape.
#[derive(Default)]
struct GenerationGauges {
    running: Gauge,
    reserved_memory: Gauge,
    waiting: Family<PriorityLabels, Gauge>,
}

/// The pool's figures, set from `PoolState` at each scrape.
#[derive(Default)]
struct PoolGauges {
    connections: Gauge,
    idle: Gauge,
    in_use: Gauge,
    max_size: Gauge,
    waiting: Gauge,
    gets: Counter<u64, AtomicU64>,
    gets_timed_out: Counter<u64, AtomicU64>,
    connections_created: Counter<u64, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("milmed");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let in_flight = Gauge::default();
        let connections_open = Gauge::default();
        let connections_refused = Counter::default();
        let rate_limited = Family::<LimitLabels, Counter>::default();
        let patients = Family::<SourceLabels, Counter>::default();
        let bytes_streamed = Counter::default();
        // 10 ms to about 5.8 h.
        let job_seconds = Histogram::new(exponential_buckets(0.01, 4.0, 11));
        let budget_exceeded = Family::<ResourceLabels, Counter>::default();
        let jobs = Family::<JobLabels, Gauge>::default();
        let queue_depth = Family::<PriorityLabels, Gauge>::default();
        let generations = GenerationGauges::default();
        let pool = PoolGauges::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (for streams, until the headers)",
            latency.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being answered",
            in_flight.clone(),
        );
        registry.register(
            "connections_open",
            "TCP connections open",
            connections_open.clone(),
        );
        registry.register(
            "connections_refused",
            "Connections refused because their IP address had MILMED_MAX_CONNECTIONS_PER_IP open",
            connections_refused.clone(),
        );
        registry.register(
            "rate_limited_requests",
            "Requests refused by a key's limit",
            rate_limited.clone(),
        );
        registry.register(
            "patients_generated",
            "Patients generated, by jobs (each run) and by streams",
            patients.clone(),
        );
        registry.register(
            "job_generation_seconds",
            "Time a job's run took, from admission to its last patient",
            job_seconds.clone(),
        );
        registry.register(
            "budget_exceeded",
            "Jobs and streams stopped by a budget, by resource",
            budget_exceeded.clone(),
        );
        registry.register(
            "jobs",
            "Jobs by status and priority (with PostgreSQL, of every instance)",
            jobs.clone(),
        );
        registry.register(
            "job_queue_depth",
            "Queued jobs waiting for a worker, by priority",
            queue_depth.clone(),
        );
        registry.register(
            "generations_running",
            "Jobs and streams running on this instance",
            generations.running.clone(),
        );
        registry.register(
            "generations_reserved_memory_bytes",
            "Memory reserved by the jobs and streams running on this instance",
            generations.reserved_memory.clone(),
        );
        registry.register(
            "generations_waiting",
            "Jobs and streams waiting for room on this instance, by priority",
            generations.waiting.clone(),
        );
        registry.register(
            "bytes_streamed",
            "Bytes sent by streaming responses",
            bytes_streamed.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool.connections.clone(),
        );
        registry.register(
            "db_pool_idle",
            "Idle database connections",
            pool.idle.clone(),
        );
        registry.register(
            "db_pool_in_use",
            "Database connections in use",
            pool.in_use.clone(),
        );
        registry.register(
            "db_pool_max_size",
            "Most database connections",
            pool.max_size.clone(),
        );
        registry.register(
            "db_pool_waiting",
            "Requests waiting for a connection",
            pool.waiting.clone(),
        );
        registry.register(
            "db_pool_gets",
            "Connections taken from the pool",
            pool.gets.clone(),
        );
        registry.register(
            "db_pool_gets_timed_out",
            "Requests that gave up waiting for a connection",
            pool.gets_timed_out.clone(),
        );
        registry.register(
            "db_pool_connections_created",
            "Database connections opened",
            pool.connections_created.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            in_flight,
            connections_open,
            connections_refused,
            rate_limited,
            patients,
            bytes_streamed,
            job_seconds,
            budget_exceeded,
            jobs,
            queue_depth,
            generations,
            pool,
        }
    }
}

/// Takes one from a gauge when dropped: what was counted up is counted down however
/// the work ends, even when its future is dropped (a client that hangs up).
#[must_use = "the gauge goes down when this is dropped"]
pub struct GaugeGuard(Gauge);

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Metrics {
    /// Counts an open connection until the guard is dropped.
    pub fn connection_opened(&self) -> GaugeGuard {
        self.connections_open.inc();
        GaugeGuard(self.connections_open.clone())
    }

    /// Counts a connection refused by the per-address ceiling.
    pub fn connection_refused(&self) {
        self.connections_refused.inc();
    }

    /// Counts a request refused by `limit` (`minute`, `hour`, `day`, `patients`).
    pub fn rate_limited(&self, limit: &str) {
        self.rate_limited
            .get_or_create(&LimitLabels {
                limit: limit.to_owned(),
            })
            .inc();
    }

    /// Counts a finished stream.
    pub fn streamed(&self, patients: u64, bytes: u64) {
        self.source("stream").inc_by(patients);
        self.bytes_streamed.inc_by(bytes);
    }

    /// Counts a job's run that generated `patients` in `seconds`.
    pub fn generated(&self, patients: u64, seconds: f64) {
        self.source("job").inc_by(patients);
        self.job_seconds.observe(seconds);
    }

    /// Counts a job or stream stopped by its budget's `resource`.
    pub fn budget_exceeded(&self, resource: Resource) {
        self.budget_exceeded
            .get_or_create(&ResourceLabels {
                resource: resource.as_str().to_owned(),
            })
            .inc();
    }

    fn source(&self, source: &str) -> Counter {
        self.patients
            .get_or_create(&SourceLabels {
                source: source.to_owned(),
            })
            .clone()
    }
}

/// Counts every request and times it, by route template.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let metrics = Arc::clone(state.metrics());
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    // A guard, not a decrement after the await: when the client hangs up, hyper drops
    // this future before it completes, and the request must still leave the gauge.
    metrics.in_flight.inc();
    let in_flight = GaugeGuard(metrics.in_flight.clone());
    let started = Instant::now();
    let response = next.run(request).await;
    drop(in_flight);
    metrics
        .latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// `GET /metrics`.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    summary = "Prometheus metrics",
    tag = "metrics",
    responses((
        status = 200,
        description = "The server's metrics in the OpenMetrics text format, names prefixed `milmed_`.",
        body = String,
        content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"
    ))
)]
pub async fn serve(State(state): State<AppState>) -> Result<Response, ApiError> {
    let metrics = state.metrics();
    let set = |gauge: &Gauge, value: u64| {
        gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
    };
    // Every status and priority has a series, zero when there are no such jobs, so that
    // a series does not vanish when its last job ends.
    let counts = state.jobs().counts().await.map_err(ApiError::internal)?;
    for status in JobStatus::ALL {
        for priority in Priority::ALL {
            let n = counts
                .iter()
                .find(|(s, p, _)| *s == status && *p == priority)
                .map_or(0, |c| c.2);
            let labels = JobLabels {
                status: status.as_str().to_owned(),
                priority: priority.as_str().to_owned(),
            };
            set(&metrics.jobs.get_or_create(&labels), n);
            if status == JobStatus::Queued {
                let labels = PriorityLabels {
                    priority: priority.as_str().to_owned(),
                };
                set(&metrics.queue_depth.get_or_create(&labels), n);
            }
        }
    }
    let pool = state.generations().snapshot();
    set(&metrics.generations.running, pool.running as u64);
    set(&metrics.generations.reserved_memory, pool.reserved_memory);
    for priority in Priority::ALL {
        let labels = PriorityLabels {
            priority: priority.as_str().to_owned(),
        };
        set(
            &metrics.generations.waiting.get_or_create(&labels),
            pool.queued_with(priority) as u64,
        );
    }
    if let Some(db) = state.database() {
        let p = db.pool_state();
        set(&metrics.pool.connections, u64::from(p.connections));
        set(&metrics.pool.idle, u64::from(p.idle));
        set(&metrics.pool.in_use, u64::from(p.in_use));
        set(&metrics.pool.max_size, u64::from(p.max_size));
        set(&metrics.pool.waiting, p.waiting);
        let catch_up = |counter: &Counter<u64, AtomicU64>, total: u64| {
            counter.inc_by(total.saturating_sub(counter.get()));
        };
        catch_up(&metrics.pool.gets, p.gets);
        catch_up(&metrics.pool.gets_timed_out, p.gets_timed_out);
        catch_up(&metrics.pool.connections_created, p.connections_created);
    }
    let mut body = String::new();
    encode(&mut body, &metrics.registry).map_err(ApiError::internal)?;
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    Ok(response)
}
