//! `milmed-server`: serves milmed's HTTP API. Settings: `MILMED_*` variables (see
//! `docs/operations.md`); a bad value prints one line and exits with status 2.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use milmed_postgres::{Database, PoolConfig};
use milmed_server::admin::{self, KeysCommand};
use milmed_server::{AppState, LogFormat, Settings, serve, shutdown_signal};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// The example HTTP server of milmed. Without a subcommand it serves; settings come from
/// `MILMED_*` environment variables (docs/http-api.md).
#[derive(Debug, Parser)]
#[command(name = "milmed-server", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manages API keys (in the PostgreSQL database of DATABASE_URL).
    #[command(subcommand)]
    Keys(KeysCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("milmed-server: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(Command::Keys(command)) = cli.command {
        let runtime = match tokio::runtime::Runtime::new() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("milmed-server: cannot start the runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        return match runtime.block_on(admin::run(
            command,
            settings.database_url.as_deref(),
            &settings.tiers,
        )) {
            Ok(out) => {
                println!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("milmed-server: {e}");
                ExitCode::from(2)
            }
        };
    }
    let filter = EnvFilter::try_from_env("MILMED_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    match settings.log_format {
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init(),
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("milmed-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(settings))
}

async fn run(settings: Settings) -> ExitCode {
    let database = match &settings.database_url {
        None => {
            tracing::info!(
                "no DATABASE_URL: data is kept in memory and jobs do not survive a restart"
            );
            None
        }
        Some(url) => {
            let config = match PoolConfig::from_env(Some(url)) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("milmed-server: {e}");
                    return ExitCode::from(2);
                }
            };
            // Connects lazily: a database that is down does not stop the server, which
            // migrates it when it answers (AppState::new).
            match Database::connect(config).await {
                Ok(db) => Some(db),
                Err(e) => {
                    eprintln!("milmed-server: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    let shutdown = match shutdown_signal() {
        Ok(signal) => signal,
        Err(e) => {
            eprintln!("milmed-server: cannot install the signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(settings.bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("milmed-server: cannot listen on {}: {e}", settings.bind);
            return ExitCode::from(2);
        }
    };
    let state = match AppState::new(settings, database).await {
        Ok(state) => state,
        Err(e) => {
            eprintln!("milmed-server: cannot set up the database: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The address actually bound (with port 0 in MILMED_BIND, the one the system chose).
    match listener.local_addr() {
        Ok(addr) => tracing::info!(%addr, "listening"),
        Err(e) => tracing::info!(bind = %state.settings().bind, error = %e, "listening"),
    }
    match serve(listener, state, shutdown).await {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            ExitCode::FAILURE
        }
    }
}
