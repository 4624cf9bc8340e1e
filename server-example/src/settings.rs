//! Settings from `MILMED_*` environment variables, checked at start: a bad value stops
//! the server with one line naming the variable, the value and what is allowed.

use std::net::SocketAddr;

use milmed_postgres::Limits;
use std::time::Duration;

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (for log collectors).
    Json,
    /// Human-readable lines.
    Text,
}

/// Everything the server is configured with.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Where to listen (`MILMED_BIND`, default `127.0.0.1:8000`).
    pub bind: SocketAddr,
    /// PostgreSQL (`DATABASE_URL`); without it the server keeps its data in memory.
    pub database_url: Option<String>,
    /// Log format (`MILMED_LOG_FORMAT`: `json`, the default, or `text`).
    pub log_format: LogFormat,
    /// Most patients one streaming request may ask for (`MILMED_MAX_STREAM_PATIENTS`,
    /// default 100,000).
    pub max_stream_patients: u64,
    /// Largest request body, bytes (`MILMED_BODY_LIMIT`, default 1 MiB).
    pub body_limit: usize,
    /// How long running requests may finish after a shutdown signal
    /// (`MILMED_SHUTDOWN_GRACE`, seconds, default 10).
    pub shutdown_grace: Duration,
    /// Jobs this instance runs at once (`MILMED_JOB_WORKERS`, default 2; 0 for an
    /// instance that only answers requests).
    pub job_workers: usize,
    /// Longest time for a request that is not a stream (`MILMED_REQUEST_TIMEOUT`,
    /// seconds, default 30); slower ones get 408.
    pub request_timeout: Duration,
    /// Requests answered at once (`MILMED_MAX_CONCURRENT_REQUESTS`, default 512); more
    /// are shed with 503 and `Retry-After` instead of queuing without bound.
    pub max_concurrent_requests: usize,
    /// Time a client has to send a request's headers (`MILMED_HEADER_TIMEOUT`, seconds,
    /// default 10), counted from when the connection is ready for a request: opened, or
    /// its previous response sent. A client that sends them slowly (slowloris), or a
    /// keep-alive connection that sends no next request, is disconnected after it.
    pub header_timeout: Duration,
    /// A connection on which no byte moves either way for this long is closed, whatever
    /// it is doing (`MILMED_IDLE_TIMEOUT`, seconds, default 60; longer than the request
    /// timeout, so that a request the server is still computing is not cut): a stalled
    /// upload, or a client that stopped reading its stream.
    pub idle_timeout: Duration,
    /// Most connections open at once from one IP address
    /// (`MILMED_MAX_CONNECTIONS_PER_IP`, default 100; `None`, from 0, for no ceiling,
    /// e.g. behind a proxy whose address every connection has). More are answered 503
    /// and closed.
    pub max_connections_per_ip: Option<usize>,
    /// Origins allowed by CORS (`MILMED_CORS_ORIGINS`, comma-separated; default none).
    pub cors_origins: Vec<String>,
    /// How long a claimed job is leased without a heartbeat (`MILMED_JOB_LEASE`,
    /// seconds, default 30): after an instance dies, another starts its job again
    /// between `lease − h` and `lease + h + 0.2 s` later, `h` = min(lease / 3, 2 s).
    pub job_lease: Duration,
    /// The limits every job and stream runs under, whatever the key.
    pub limits: GenerationLimits,
    /// The tiers keys are created in (`MILMED_TIERS`), each with its limits.
    pub tiers: Vec<Tier>,
    /// Jobs (and their stored patients) are removed this long after they were created
    /// (`MILMED_RETENTION_DAYS`, default 30; 0 keeps them forever). Checked hourly.
    pub retention: Option<Duration>,
}

/// A named set of limits that `milmed-server keys create --tier NAME` gives a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tier {
    /// Its name.
    pub name: String,
    /// Patients per request and requests per minute, hour and day.
    pub limits: Limits,
}

impl Tier {
    fn new(name: &str, patients: u64, minute: u32, hour: u32, day: Option<u32>) -> Tier {
        Tier {
            name: name.to_owned(),
            limits: Limits {
                max_patients_per_request: patients,
                per_minute: Some(minute),
                per_hour: Some(hour),
                per_day: day,
            },
        }
    }

    /// The built-in tiers: `demo` (the demo key's: 500 patients, 10 a minute, 50 an
    /// hour, 100 a day), `standard` (10,000 patients, 60 a minute, 1,000 an hour) and
    /// `premium` (100,000 patients, 600 a minute, 10,000 an hour).
    pub fn defaults() -> Vec<Tier> {
        vec![
            Tier::new("demo", 500, 10, 50, Some(100)),
            Tier::new("standard", 10_000, 60, 1_000, None),
            Tier::new("premium", 100_000, 600, 10_000, None),
        ]
    }

    /// Reads `name=patients/minute/hour/day`, `-` for no limit.
    fn parse(text: &str) -> Option<Tier> {
        let (name, limits) = text.split_once('=')?;
        let name = name.trim();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        {
            return None;
        }
        let parts: Vec<&str> = limits.split('/').map(str::trim).collect();
        let [patients, minute, hour, day] = parts.as_slice() else {
            return None;
        };
        let count = |v: &str| -> Option<Option<u32>> {
            if v == "-" {
                Some(None)
            } else {
                v.parse().ok().map(Some)
            }
        };
        Some(Tier {
            name: name.to_owned(),
            limits: Limits {
                max_patients_per_request: patients.parse().ok()?,
                per_minute: count(minute)?,
                per_hour: count(hour)?,
                per_day: count(day)?,
            },
        })
    }
}

/// What one generation (a job or a stream) may use, and what all of them together may
/// reserve on this instance. A request's budget is the key's patient limit plus these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenerationLimits {
    /// Longest run of a job (`MILMED_JOB_MAX_SECONDS`, default 3600).
    pub job_seconds: Duration,
    /// Most output bytes of a job, per format (`MILMED_JOB_MAX_BYTES`, default 20 GiB).
    pub job_bytes: u64,
    /// Longest stream (`MILMED_STREAM_MAX_SECONDS`, default 600).
    pub stream_seconds: Duration,
    /// Memory one generation may hold in its buffers, bytes (`MILMED_GENERATION_MEMORY`,
    /// default 32 MiB); reserved in the pool while it runs.
    pub generation_memory: u64,
    /// Generations (jobs and streams) running at once on this instance
    /// (`MILMED_MAX_GENERATIONS`, default 64).
    pub max_generations: usize,
    /// Memory all running generations may reserve together, bytes (`MILMED_MAX_MEMORY`,
    /// default 2 GiB); a generation that does not fit waits (a job) or is refused with
    /// 503 (a stream).
    pub max_memory: u64,
}

impl Default for GenerationLimits {
    fn default() -> GenerationLimits {
        GenerationLimits {
            job_seconds: Duration::from_secs(3600),
            job_bytes: 20 << 30,
            stream_seconds: Duration::from_secs(600),
            generation_memory: 32 << 20,
            max_generations: 64,
            max_memory: 2 << 30,
        }
    }
}

/// A setting that is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?}: {message}")]
pub struct SettingsError {
    /// The variable.
    pub variable: &'static str,
    /// Its value.
    pub value: String,
    /// What is allowed.
    pub message: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            bind: SocketAddr::from(([127, 0, 0, 1], 8000)),
            database_url: None,
            log_format: LogFormat::Json,
            max_stream_patients: 100_000,
            body_limit: 1 << 20,
            shutdown_grace: Duration::from_secs(10),
            job_workers: 2,
            request_timeout: Duration::from_secs(30),
            max_concurrent_requests: 512,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections_per_ip: Some(100),
            cors_origins: Vec::new(),
            job_lease: Duration::from_secs(30),
            limits: GenerationLimits::default(),
            retention: Some(Duration::from_secs(30 * 86_400)),
            tiers: Tier::defaults(),
        }
    }
}

impl Settings {
    /// The settings of the process environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_vars(|name| std::env::var(name).ok())
    }

    /// The settings read through `var` (unset or empty variables keep their default).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let read = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let mut s = Settings::default();
        if let Some(v) = read("MILMED_BIND") {
            s.bind = v.trim().parse().map_err(|_| SettingsError {
                variable: "MILMED_BIND",
                value: v.clone(),
                message: "give an address and port, e.g. 127.0.0.1:8000 or 0.0.0.0:8080".to_owned(),
            })?;
        }
        s.database_url = read("DATABASE_URL");
        if let Some(v) = read("MILMED_LOG_FORMAT") {
            s.log_format = match v.trim() {
                "json" => LogFormat::Json,
                "text" => LogFormat::Text,
                _ => {
                    return Err(SettingsError {
                        variable: "MILMED_LOG_FORMAT",
                        value: v,
                        message: "give json or text".to_owned(),
                    });
                }
            };
        }
        if let Some(v) = read("MILMED_MAX_STREAM_PATIENTS") {
            s.max_stream_patients =
                whole("MILMED_MAX_STREAM_PATIENTS", &v, 1, u64::from(u32::MAX))?;
        }
        if let Some(v) = read("MILMED_BODY_LIMIT") {
            s.body_limit = whole("MILMED_BODY_LIMIT", &v, 1024, 1 << 30)? as usize;
        }
        if let Some(v) = read("MILMED_SHUTDOWN_GRACE") {
            s.shutdown_grace = Duration::from_secs(whole("MILMED_SHUTDOWN_GRACE", &v, 0, 3600)?);
        }
        if let Some(v) = read("MILMED_REQUEST_TIMEOUT") {
            s.request_timeout = Duration::from_secs(whole("MILMED_REQUEST_TIMEOUT", &v, 1, 3600)?);
        }
        if let Some(v) = read("MILMED_MAX_CONCURRENT_REQUESTS") {
            s.max_concurrent_requests =
                whole("MILMED_MAX_CONCURRENT_REQUESTS", &v, 1, 1_000_000)? as usize;
        }
        if let Some(v) = read("MILMED_HEADER_TIMEOUT") {
            s.header_timeout = Duration::from_secs(whole("MILMED_HEADER_TIMEOUT", &v, 1, 3600)?);
        }
        if let Some(v) = read("MILMED_IDLE_TIMEOUT") {
            s.idle_timeout = Duration::from_secs(whole("MILMED_IDLE_TIMEOUT", &v, 1, 86_400)?);
        }
        if s.idle_timeout <= s.request_timeout {
            let request = s.request_timeout.as_secs();
            return Err(match read("MILMED_IDLE_TIMEOUT") {
                Some(value) => SettingsError {
                    variable: "MILMED_IDLE_TIMEOUT",
                    value,
                    message: format!(
                        "give more seconds than MILMED_REQUEST_TIMEOUT ({request}), or requests \
                         still being answered are cut"
                    ),
                },
                None => SettingsError {
                    variable: "MILMED_REQUEST_TIMEOUT",
                    value: request.to_string(),
                    message: format!(
                        "give fewer seconds than MILMED_IDLE_TIMEOUT ({}), or raise it",
                        s.idle_timeout.as_secs()
                    ),
                },
            });
        }
        if let Some(v) = read("MILMED_MAX_CONNECTIONS_PER_IP") {
            let n = whole("MILMED_MAX_CONNECTIONS_PER_IP", &v, 0, 1_000_000)? as usize;
            s.max_connections_per_ip = (n > 0).then_some(n);
        }
        if let Some(v) = read("MILMED_CORS_ORIGINS") {
            for origin in v.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                if !(origin.starts_with("http://") || origin.starts_with("https://"))
                    || axum::http::HeaderValue::from_str(origin).is_err()
                {
                    return Err(SettingsError {
                        variable: "MILMED_CORS_ORIGINS",
                        value: v.clone(),
                        message: format!(
                            "{origin:?} is not an origin; give http(s)://host[:port], comma-separated"
                        ),
                    });
                }
                s.cors_origins.push(origin.to_owned());
            }
        }
        if let Some(v) = read("MILMED_JOB_WORKERS") {
            s.job_workers = whole("MILMED_JOB_WORKERS", &v, 0, 256)? as usize;
        }
        if let Some(v) = read("MILMED_JOB_LEASE") {
            s.job_lease = Duration::from_secs(whole("MILMED_JOB_LEASE", &v, 3, 3600)?);
        }
        if let Some(v) = read("MILMED_TIERS") {
            for item in v.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                let tier = Tier::parse(item).ok_or_else(|| SettingsError {
                    variable: "MILMED_TIERS",
                    value: v.clone(),
                    message: format!(
                        "{item:?} is not a tier; give name=patients/per_minute/per_hour/per_day \
                         (whole numbers, - for no limit), comma-separated"
                    ),
                })?;
                s.tiers.retain(|t| t.name != tier.name);
                s.tiers.push(tier);
            }
        }
        if let Some(v) = read("MILMED_RETENTION_DAYS") {
            let days = whole("MILMED_RETENTION_DAYS", &v, 0, 36_500)?;
            s.retention = (days > 0).then(|| Duration::from_secs(days * 86_400));
        }
        let limits = &mut s.limits;
        if let Some(v) = read("MILMED_JOB_MAX_SECONDS") {
            limits.job_seconds =
                Duration::from_secs(whole("MILMED_JOB_MAX_SECONDS", &v, 1, 7 * 86_400)?);
        }
        if let Some(v) = read("MILMED_JOB_MAX_BYTES") {
            limits.job_bytes = whole("MILMED_JOB_MAX_BYTES", &v, 1024, u64::MAX >> 1)?;
        }
        if let Some(v) = read("MILMED_STREAM_MAX_SECONDS") {
            limits.stream_seconds =
                Duration::from_secs(whole("MILMED_STREAM_MAX_SECONDS", &v, 1, 86_400)?);
        }
        if let Some(v) = read("MILMED_GENERATION_MEMORY") {
            limits.generation_memory = whole("MILMED_GENERATION_MEMORY", &v, 1 << 20, 1 << 40)?;
        }
        if let Some(v) = read("MILMED_MAX_GENERATIONS") {
            limits.max_generations = whole("MILMED_MAX_GENERATIONS", &v, 1, 100_000)? as usize;
        }
        if let Some(v) = read("MILMED_MAX_MEMORY") {
            limits.max_memory = whole("MILMED_MAX_MEMORY", &v, 1 << 20, 1 << 44)?;
        }
        if limits.generation_memory > limits.max_memory {
            return Err(match read("MILMED_GENERATION_MEMORY") {
                Some(value) => SettingsError {
                    variable: "MILMED_GENERATION_MEMORY",
                    value,
                    message: format!(
                        "one generation cannot hold more than MILMED_MAX_MEMORY ({} bytes)",
                        limits.max_memory
                    ),
                },
                None => SettingsError {
                    variable: "MILMED_MAX_MEMORY",
                    value: limits.max_memory.to_string(),
                    message: format!(
                        "give at least the memory of one generation, MILMED_GENERATION_MEMORY ({} bytes)",
                        limits.generation_memory
                    ),
                },
            });
        }
        Ok(s)
    }
}

fn whole(variable: &'static str, value: &str, min: u64, max: u64) -> Result<u64, SettingsError> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| SettingsError {
            variable,
            value: value.to_owned(),
            message: format!("give a whole number from {min} to {max}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_vars(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(with(&[]).unwrap(), Settings::default());
        let s = with(&[
            ("MILMED_BIND", "0.0.0.0:9000"),
            ("MILMED_LOG_FORMAT", "text"),
            ("MILMED_MAX_STREAM_PATIENTS", "500"),
            ("DATABASE_URL", "postgres://x@y/z"),
        ])
        .unwrap();
        assert_eq!(s.bind.port(), 9000);
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.max_stream_patients, 500);
        assert_eq!(s.database_url.as_deref(), Some("postgres://x@y/z"));
    }

    #[test]
    fn one_generation_must_fit_in_the_pool() {
        let err = with(&[
            ("MILMED_MAX_MEMORY", "10485760"),
            ("MILMED_GENERATION_MEMORY", "20971520"),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("cannot hold more than MILMED_MAX_MEMORY (10485760 bytes)"),
            "{err}"
        );
        let err = with(&[("MILMED_MAX_MEMORY", "10485760")])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("MILMED_MAX_MEMORY=\"10485760\": give at least the memory of one generation, MILMED_GENERATION_MEMORY (33554432 bytes)"), "{err}");
        let s = with(&[
            ("MILMED_MAX_MEMORY", "104857600"),
            ("MILMED_JOB_LEASE", "5"),
        ])
        .unwrap();
        assert_eq!(s.limits.max_memory, 100 << 20);
        assert_eq!(s.job_lease, Duration::from_secs(5));
        let s = with(&[
            ("MILMED_HEADER_TIMEOUT", "3"),
            ("MILMED_IDLE_TIMEOUT", "90"),
            ("MILMED_MAX_CONNECTIONS_PER_IP", "0"),
        ])
        .unwrap();
        assert_eq!(s.header_timeout, Duration::from_secs(3));
        assert_eq!(s.idle_timeout, Duration::from_secs(90));
        assert_eq!(s.max_connections_per_ip, None);
        assert_eq!(Settings::default().max_connections_per_ip, Some(100));
        assert_eq!(
            with(&[("MILMED_RETENTION_DAYS", "0")]).unwrap().retention,
            None
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value, message) in [
            ("MILMED_BIND", "localhost", "give an address and port"),
            ("MILMED_LOG_FORMAT", "xml", "give json or text"),
            ("MILMED_MAX_STREAM_PATIENTS", "0", "from 1 to 4294967295"),
            ("MILMED_BODY_LIMIT", "12", "from 1024"),
            ("MILMED_CORS_ORIGINS", "example.com", "is not an origin"),
            ("MILMED_REQUEST_TIMEOUT", "0", "from 1 to 3600"),
            (
                "MILMED_REQUEST_TIMEOUT",
                "60",
                "fewer seconds than MILMED_IDLE_TIMEOUT (60)",
            ),
            ("MILMED_HEADER_TIMEOUT", "0", "from 1 to 3600"),
            ("MILMED_HEADER_TIMEOUT", "10s", "give a whole number"),
            (
                "MILMED_IDLE_TIMEOUT",
                "30",
                "more seconds than MILMED_REQUEST_TIMEOUT (30)",
            ),
            ("MILMED_MAX_CONNECTIONS_PER_IP", "-1", "from 0 to 1000000"),
            ("MILMED_JOB_WORKERS", "many", "from 0 to 256"),
            ("MILMED_JOB_LEASE", "1", "from 3 to 3600"),
            ("MILMED_RETENTION_DAYS", "-1", "from 0 to 36500"),
            (
                "MILMED_TIERS",
                "gold=1000/60",
                "\"gold=1000/60\" is not a tier",
            ),
            ("MILMED_MAX_MEMORY", "1k", "from 1048576"),
            ("MILMED_MAX_GENERATIONS", "0", "from 1 to 100000"),
        ] {
            let err = with(&[(var, value)]).unwrap_err().to_string();
            assert!(err.starts_with(&format!("{var}=\"{value}\": ")), "{err}");
            assert!(err.contains(message), "{err}");
        }
    }
}
