//! Settings from `MILMED_*` environment variables, checked at start: a bad value stops
//! the server with one line naming the variable, the value and what is allowed.

use std::net::SocketAddr;
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
    /// Origins allowed by CORS (`MILMED_CORS_ORIGINS`, comma-separated; default none).
    pub cors_origins: Vec<String>,
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
            cors_origins: Vec::new(),
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
    fn bad_values_name_the_variable() {
        for (var, value, message) in [
            ("MILMED_BIND", "localhost", "give an address and port"),
            ("MILMED_LOG_FORMAT", "xml", "give json or text"),
            ("MILMED_MAX_STREAM_PATIENTS", "0", "from 1 to 4294967295"),
            ("MILMED_BODY_LIMIT", "12", "from 1024"),
            ("MILMED_CORS_ORIGINS", "example.com", "is not an origin"),
            ("MILMED_REQUEST_TIMEOUT", "0", "from 1 to 3600"),
            ("MILMED_JOB_WORKERS", "many", "from 0 to 256"),
        ] {
            let err = with(&[(var, value)]).unwrap_err().to_string();
            assert!(err.starts_with(&format!("{var}=\"{value}\": ")), "{err}");
            assert!(err.contains(message), "{err}");
        }
    }
}
