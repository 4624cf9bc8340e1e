//! [`PoolConfig`]: how to reach PostgreSQL and how to size and recycle the pool.

use std::str::FromStr;
use std::time::Duration;

/// Pool and connection settings, built from a `postgres://` URL and `MILMED_DB_*`
/// variables ([`PoolConfig::from_env`]) or in code ([`PoolConfig::new`], then the fields).
#[derive(Clone, Debug, PartialEq)]
pub struct PoolConfig {
    /// The connection URL (`postgres://user@host:port/database?…`).
    pub url: String,
    /// Most connections open at once (`MILMED_DB_MAX_SIZE`, default 20).
    pub max_size: u32,
    /// Idle connections the pool keeps open (`MILMED_DB_MIN_IDLE`, default none).
    pub min_idle: Option<u32>,
    /// Longest wait for a connection before [`Error::PoolTimeout`](crate::Error::PoolTimeout)
    /// (`MILMED_DB_CONNECTION_TIMEOUT`, seconds, default 30).
    pub connection_timeout: Duration,
    /// Longest wait for PostgreSQL to accept one new connection
    /// (`MILMED_DB_CONNECT_TIMEOUT`, seconds, default 5): a database host that does not
    /// answer at all is reported unreachable after this long instead of after the
    /// operating system's TCP timeout (minutes).
    pub connect_timeout: Duration,
    /// Connections are closed and replaced after this age (`MILMED_DB_MAX_LIFETIME`,
    /// seconds, default 3600; 0 for never).
    pub max_lifetime: Option<Duration>,
    /// Idle connections are closed after this time (`MILMED_DB_IDLE_TIMEOUT`, seconds,
    /// default 600; 0 for never).
    pub idle_timeout: Option<Duration>,
    /// Check each connection with a round trip when it is taken from the pool
    /// (`MILMED_DB_TEST_ON_CHECKOUT`, default true).
    pub test_on_checkout: bool,
    /// `statement_timeout` of every connection (`MILMED_DB_STATEMENT_TIMEOUT`, seconds,
    /// default 30; 0 for none).
    pub statement_timeout: Option<Duration>,
    /// `application_name` of every connection (`MILMED_DB_APPLICATION_NAME`, default
    /// `milmed`), shown in `pg_stat_activity`.
    pub application_name: String,
}

/// A setting that is not valid: which, what was given, and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{setting}={value:?}: {message}")]
pub struct ConfigError {
    /// The variable or field.
    pub setting: String,
    /// What it was set to.
    pub value: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// Most connections a pool may hold.
pub const MAX_POOL_SIZE: u32 = 10_000;

impl PoolConfig {
    /// The defaults for `url`, which is checked.
    pub fn new(url: &str) -> Result<PoolConfig, ConfigError> {
        let config = PoolConfig {
            url: url.to_owned(),
            max_size: 20,
            min_idle: None,
            connection_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            max_lifetime: Some(Duration::from_secs(3600)),
            idle_timeout: Some(Duration::from_secs(600)),
            test_on_checkout: true,
            statement_timeout: Some(Duration::from_secs(30)),
            application_name: "milmed".to_owned(),
        };
        config.connection()?;
        Ok(config)
    }

    /// The URL `url` (or, if `None`, `DATABASE_URL`) with the `MILMED_DB_*` variables of
    /// the process environment applied.
    pub fn from_env(url: Option<&str>) -> Result<PoolConfig, ConfigError> {
        PoolConfig::from_vars(url, |name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env), reading variables through `var`.
    pub fn from_vars(
        url: Option<&str>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<PoolConfig, ConfigError> {
        let url = match url {
            Some(url) => url.to_owned(),
            None => var("DATABASE_URL").ok_or_else(|| ConfigError {
                setting: "DATABASE_URL".to_owned(),
                value: String::new(),
                message: "not set; give a postgres:// URL".to_owned(),
            })?,
        };
        let mut config = PoolConfig::new(&url)?;
        let read = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        if let Some(v) = read("MILMED_DB_MAX_SIZE") {
            config.max_size = number("MILMED_DB_MAX_SIZE", &v, 1, MAX_POOL_SIZE)?;
        }
        if let Some(v) = read("MILMED_DB_MIN_IDLE") {
            config.min_idle = Some(number("MILMED_DB_MIN_IDLE", &v, 0, MAX_POOL_SIZE)?);
        }
        if let Some(v) = read("MILMED_DB_CONNECTION_TIMEOUT") {
            config.connection_timeout =
                seconds("MILMED_DB_CONNECTION_TIMEOUT", &v)?.ok_or_else(|| {
                    error(
                        "MILMED_DB_CONNECTION_TIMEOUT",
                        &v,
                        "must be more than 0 seconds",
                    )
                })?;
        }
        if let Some(v) = read("MILMED_DB_CONNECT_TIMEOUT") {
            config.connect_timeout =
                seconds("MILMED_DB_CONNECT_TIMEOUT", &v)?.ok_or_else(|| {
                    error(
                        "MILMED_DB_CONNECT_TIMEOUT",
                        &v,
                        "must be more than 0 seconds",
                    )
                })?;
        }
        if let Some(v) = read("MILMED_DB_MAX_LIFETIME") {
            config.max_lifetime = seconds("MILMED_DB_MAX_LIFETIME", &v)?;
        }
        if let Some(v) = read("MILMED_DB_IDLE_TIMEOUT") {
            config.idle_timeout = seconds("MILMED_DB_IDLE_TIMEOUT", &v)?;
        }
        if let Some(v) = read("MILMED_DB_TEST_ON_CHECKOUT") {
            config.test_on_checkout = match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    return Err(error(
                        "MILMED_DB_TEST_ON_CHECKOUT",
                        &v,
                        "give true or false",
                    ));
                }
            };
        }
        if let Some(v) = read("MILMED_DB_STATEMENT_TIMEOUT") {
            config.statement_timeout = seconds("MILMED_DB_STATEMENT_TIMEOUT", &v)?;
        }
        if let Some(v) = var("MILMED_DB_APPLICATION_NAME") {
            config.application_name = v;
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks the settings together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.connection()?;
        if !(1..=MAX_POOL_SIZE).contains(&self.max_size) {
            return Err(error(
                "max_size",
                &self.max_size.to_string(),
                &format!("give 1 to {MAX_POOL_SIZE} connections"),
            ));
        }
        if let Some(min) = self.min_idle.filter(|&m| m > self.max_size) {
            return Err(error(
                "min_idle",
                &min.to_string(),
                &format!("must not exceed max_size ({})", self.max_size),
            ));
        }
        if self.connection_timeout.is_zero() {
            return Err(error(
                "connection_timeout",
                "0",
                "must be more than 0 seconds",
            ));
        }
        if self.connect_timeout.is_zero() {
            return Err(error("connect_timeout", "0", "must be more than 0 seconds"));
        }
        if self.application_name.len() >= 64 || !self.application_name.is_ascii() {
            return Err(error(
                "application_name",
                &self.application_name,
                "give at most 63 ASCII characters",
            ));
        }
        Ok(())
    }

    /// The connection settings: the URL's, plus `application_name` and the statement
    /// timeout, which PostgreSQL applies to every session of the pool.
    pub(crate) fn connection(&self) -> Result<tokio_postgres::Config, ConfigError> {
        let mut config = tokio_postgres::Config::from_str(&self.url).map_err(|e| ConfigError {
            setting: "url".to_owned(),
            value: redact(&self.url),
            message: format!("not a PostgreSQL URL ({e}); give postgres://user@host:port/database"),
        })?;
        config.application_name(&self.application_name);
        let timeout_ms = self.statement_timeout.map_or(0, |t| t.as_millis());
        config.options(format!("-c statement_timeout={timeout_ms}"));
        config.connect_timeout(self.connect_timeout);
        Ok(config)
    }
}

fn error(setting: &str, value: &str, message: &str) -> ConfigError {
    ConfigError {
        setting: setting.to_owned(),
        value: value.to_owned(),
        message: message.to_owned(),
    }
}

fn number(setting: &str, value: &str, min: u32, max: u32) -> Result<u32, ConfigError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            error(
                setting,
                value,
                &format!("give a whole number from {min} to {max}"),
            )
        })
}

/// Whole or fractional seconds; 0 means none.
fn seconds(setting: &str, value: &str) -> Result<Option<Duration>, ConfigError> {
    let secs: f64 = value
        .trim()
        .parse()
        .map_err(|_| error(setting, value, "give a number of seconds (0 for none)"))?;
    let duration = Duration::try_from_secs_f64(secs)
        .map_err(|_| error(setting, value, "give a finite number of seconds >= 0"))?;
    Ok((!duration.is_zero()).then_some(duration))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn with(vars: &[(&str, &str)]) -> Result<PoolConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        PoolConfig::from_vars(None, |name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_follow_the_issue() {
        let c = with(&[("DATABASE_URL", "postgres://milmed@localhost/milmed")]).unwrap();
        assert_eq!(c.max_size, 20);
        assert_eq!(c.connection_timeout, Duration::from_secs(30));
        assert_eq!(c.connect_timeout, Duration::from_secs(5));
        assert_eq!(c.max_lifetime, Some(Duration::from_secs(3600)));
        assert_eq!(c.idle_timeout, Some(Duration::from_secs(600)));
        assert_eq!(c.statement_timeout, Some(Duration::from_secs(30)));
        assert!(c.test_on_checkout);
        assert_eq!(c.application_name, "milmed");
    }

    #[test]
    fn variables_override_the_defaults() {
        let c = with(&[
            ("DATABASE_URL", "postgres://milmed@localhost/milmed"),
            ("MILMED_DB_MAX_SIZE", "64"),
            ("MILMED_DB_MIN_IDLE", "4"),
            ("MILMED_DB_CONNECTION_TIMEOUT", "2.5"),
            ("MILMED_DB_MAX_LIFETIME", "0"),
            ("MILMED_DB_CONNECT_TIMEOUT", "0.5"),
            ("MILMED_DB_TEST_ON_CHECKOUT", "false"),
            ("MILMED_DB_STATEMENT_TIMEOUT", "5"),
            ("MILMED_DB_APPLICATION_NAME", "milmed-server-a"),
        ])
        .unwrap();
        assert_eq!((c.max_size, c.min_idle), (64, Some(4)));
        assert_eq!(c.connection_timeout, Duration::from_millis(2500));
        assert_eq!(c.max_lifetime, None);
        assert_eq!(c.connect_timeout, Duration::from_millis(500));
        assert!(!c.test_on_checkout);
        assert_eq!(c.statement_timeout, Some(Duration::from_secs(5)));
        assert_eq!(c.application_name, "milmed-server-a");
    }

    #[test]
    fn bad_values_name_the_variable_and_what_is_allowed() {
        let url = ("DATABASE_URL", "postgres://milmed@localhost/milmed");
        let cases = [
            (
                ("MILMED_DB_MAX_SIZE", "0"),
                "MILMED_DB_MAX_SIZE=\"0\": give a whole number from 1 to 10000",
            ),
            (
                ("MILMED_DB_MAX_SIZE", "lots"),
                "MILMED_DB_MAX_SIZE=\"lots\": give a whole number",
            ),
            (
                ("MILMED_DB_CONNECTION_TIMEOUT", "0"),
                "MILMED_DB_CONNECTION_TIMEOUT=\"0\": must be more than 0 seconds",
            ),
            (
                ("MILMED_DB_CONNECT_TIMEOUT", "0"),
                "MILMED_DB_CONNECT_TIMEOUT=\"0\": must be more than 0 seconds",
            ),
            (
                ("MILMED_DB_IDLE_TIMEOUT", "-1"),
                "MILMED_DB_IDLE_TIMEOUT=\"-1\": give a finite number of seconds",
            ),
            (
                ("MILMED_DB_TEST_ON_CHECKOUT", "maybe"),
                "give true or false",
            ),
            (
                ("MILMED_DB_MIN_IDLE", "30"),
                "min_idle=\"30\": must not exceed max_size (20)",
            ),
        ];
        for (var, message) in cases {
            let err = with(&[url, var]).unwrap_err().to_string();
            assert!(err.contains(message), "{var:?}: {err}");
        }
        let err = with(&[]).unwrap_err().to_string();
        assert_eq!(err, "DATABASE_URL=\"\": not set; give a postgres:// URL");
        let err = with(&[("DATABASE_URL", "mysql://root:secret@db/x")]).unwrap_err();
        assert_eq!(err.setting, "url");
        assert!(!err.to_string().contains("secret"), "{err}");
    }
}
