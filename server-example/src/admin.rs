//! `milmed-server keys create|list|revoke`: API keys managed from the command line.
//!
//! Keys live in PostgreSQL (`DATABASE_URL`), where every instance sees them; a new key is
//! printed once and never again (only its hash is stored).

use clap::{Args, Subcommand};
use milmed_postgres::{ApiKeys, Database, Limits, NewApiKey, PoolConfig};
use time::OffsetDateTime;

use crate::settings::Tier;

/// What to do with keys.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Creates a key and prints it (once).
    Create(CreateArgs),
    /// Lists the keys (never the keys themselves: their prefixes).
    List,
    /// Revokes a key: it stops working at once, on every instance.
    Revoke {
        /// The key's id (see `list`).
        id: i64,
    },
}

/// `keys create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Who or what the key is for.
    #[arg(long)]
    pub name: String,
    /// The tier whose limits the key gets (`MILMED_TIERS`; built in: demo, standard,
    /// premium); the options below override them one by one.
    #[arg(long, default_value = "standard")]
    pub tier: String,
    /// Most patients per request (default: the tier's).
    #[arg(long)]
    pub patients: Option<u64>,
    /// Most requests per minute (default: the tier's).
    #[arg(long)]
    pub per_minute: Option<u32>,
    /// Most requests per hour (default: the tier's).
    #[arg(long)]
    pub per_hour: Option<u32>,
    /// Most requests per day (default: the tier's).
    #[arg(long)]
    pub per_day: Option<u32>,
    /// The key expires after this many days (default: never).
    #[arg(long)]
    pub expires_days: Option<u32>,
}

impl CreateArgs {
    /// Refuses a key that could never be used or never be told apart: an empty name,
    /// no patients, no requests in a window, or an expiry of 0 days (already expired).
    /// The error is the one line to print, naming the option and what it takes.
    pub fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err(
                "--name: give a name that says who or what the key is for (it is empty)".to_owned(),
            );
        }
        if self.patients == Some(0) {
            return Err(
                "--patients 0: a key allowed no patients could generate nothing; give 1 or more"
                    .to_owned(),
            );
        }
        for (option, value) in [
            ("--per-minute", self.per_minute),
            ("--per-hour", self.per_hour),
            ("--per-day", self.per_day),
        ] {
            if value == Some(0) {
                return Err(format!(
                    "{option} 0: a key allowed no requests could do nothing; give 1 or more, or leave it out for the tier's limit"
                ));
            }
        }
        if self.expires_days == Some(0) {
            return Err(
                "--expires-days 0: the key would expire at once; give 1 or more days, or leave it out for a key that does not expire"
                    .to_owned(),
            );
        }
        Ok(())
    }
}

/// Runs a keys command with the `tiers` of the settings; the error is the one line to
/// print.
pub async fn run(
    command: KeysCommand,
    database_url: Option<&str>,
    tiers: &[Tier],
) -> Result<String, String> {
    if let KeysCommand::Create(args) = &command {
        args.check()?;
    }
    let url = database_url
        .ok_or("keys are kept in PostgreSQL so that every instance sees them: set DATABASE_URL")?;
    let config = PoolConfig::from_env(Some(url)).map_err(|e| e.to_string())?;
    let db = Database::connect(config).await.map_err(|e| e.to_string())?;
    db.migrate()
        .await
        .map_err(|e| format!("cannot migrate the database: {e}"))?;
    let keys = ApiKeys::new(db);
    match command {
        KeysCommand::Create(args) => {
            let tier = tiers.iter().find(|t| t.name == args.tier).ok_or_else(|| {
                let names: Vec<&str> = tiers.iter().map(|t| t.name.as_str()).collect();
                format!(
                    "--tier {:?}: no such tier; give one of {} (MILMED_TIERS adds tiers)",
                    args.tier,
                    names.join(", ")
                )
            })?;
            let expires_at = args
                .expires_days
                .map(|d| OffsetDateTime::now_utc() + time::Duration::days(i64::from(d)));
            let (record, key) = keys
                .create(NewApiKey {
                    name: args.name,
                    tier: args.tier,
                    is_demo: false,
                    limits: Limits {
                        max_patients_per_request: args
                            .patients
                            .unwrap_or(tier.limits.max_patients_per_request),
                        per_minute: args.per_minute.or(tier.limits.per_minute),
                        per_hour: args.per_hour.or(tier.limits.per_hour),
                        per_day: args.per_day.or(tier.limits.per_day),
                    },
                    expires_at,
                })
                .await
                .map_err(|e| e.to_string())?;
            Ok(format!(
                "id {}\nkey {key}\n(the key is shown only now: keep it; only its hash is stored)",
                record.id
            ))
        }
        KeysCommand::List => {
            let mut out = format!(
                "{:>5}  {:<12}  {:<20}  {:<10}  {:<6}  {:>9}  {:>6}  {:>6}  {:>6}\n",
                "id", "prefix", "name", "tier", "active", "patients", "/min", "/hour", "/day"
            );
            let limit = |v: Option<u32>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
            for k in keys.list().await.map_err(|e| e.to_string())? {
                out.push_str(&format!(
                    "{:>5}  {:<12}  {:<20}  {:<10}  {:<6}  {:>9}  {:>6}  {:>6}  {:>6}\n",
                    k.id,
                    k.prefix,
                    k.name,
                    k.tier,
                    k.active,
                    k.limits.max_patients_per_request,
                    limit(k.limits.per_minute),
                    limit(k.limits.per_hour),
                    limit(k.limits.per_day)
                ));
            }
            Ok(out.trim_end().to_owned())
        }
        KeysCommand::Revoke { id } => {
            keys.revoke(id).await.map_err(|e| e.to_string())?;
            Ok(format!("key {id} revoked"))
        }
    }
}
