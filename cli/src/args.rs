//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use milmed_core::budget::Budget;
use milmed_core::format::Format;
use milmed_core::job::{MAX_BATCH, MAX_THREADS};
use milmed_core::output::Compression;
use std::time::Duration;

/// Exit codes, shown after `--help` and documented in docs/cli.md.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    success (also when a reader closes the pipe early, e.g. `milmed generate | head`)
  1    runtime failure: an I/O error while writing the output
  2    bad input or usage: unknown flag or value, unreadable or invalid scenario, unknown preset,
       output path that cannot be created, no password; for decrypt: a wrong password, or a
       file that is not milmed's, truncated or tampered with
  3    a --max-* budget stopped generate: the output is a complete document of the patients
       written before the limit
  129  SIGHUP, 130 SIGINT (Ctrl-C), 143 SIGTERM (128 + the signal number): generate stops
       at the next batch and closes the document, as for a budget; a second signal stops
       at once and removes the unfinished output; decrypt stops at the first signal and
       removes the plaintext it wrote";

/// milmed: deterministic synthetic casualties for military medical exercises.
///
/// Generates patients injured in a NATO scenario and carried through the evacuation chain
/// (POI, Role 1-4). The output is a pure function of the scenario, the seed and the milmed
/// version: the same command always writes the same bytes, whatever the number of threads.
#[derive(Debug, Parser)]
#[command(name = "milmed", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate patients in any format, optionally compressed and encrypted.
    #[command(after_help = EXIT_CODES)]
    Generate(GenerateArgs),
    /// Decrypt a file written by `generate --encrypt`.
    #[command(after_help = EXIT_CODES)]
    Decrypt(DecryptArgs),
    /// List the named presets: name, patients, days, description.
    Presets,
    /// Work with scenario files.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Check a scenario file (JSON, or TOML when the name ends in .toml) and report every
    /// problem with its path.
    #[command(after_help = EXIT_CODES)]
    Validate {
        /// The scenario file.
        file: PathBuf,
    },
    /// Generate patients and check them against named clinical rules (triage, vital signs,
    /// care, disposition, mortality); print one line per rule.
    #[command(after_help = AUDIT_EXIT_CODES)]
    Audit(AuditArgs),
}

/// Exit codes of `milmed audit`, shown after its `--help`.
pub const AUDIT_EXIT_CODES: &str = "\
Exit codes:
  0    every rule passed (also when a reader closes the pipe early)
  1    a rule failed (the table marks it FAIL), or the table could not be written
  2    bad input or usage: unknown flag or value, unreadable or invalid scenario, unknown preset";

/// Arguments of `milmed audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Named preset (see `milmed presets`). Default: the default scenario.
    #[arg(long, value_name = "NAME", conflicts_with = "scenario")]
    pub preset: Option<String>,

    /// Scenario file: JSON, or TOML when the name ends in .toml.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// Number of patients to generate and audit, overriding the scenario's `patients`.
    #[arg(short = 'n', long = "patients", value_name = "N", default_value_t = 100_000, value_parser = parse_patients)]
    pub patients: u64,

    /// Random seed, as for `generate`.
    #[arg(long, value_name = "S", default_value_t = 0, value_parser = parse_seed)]
    pub seed: u64,

    /// Worker threads (1-1024). Default: the available parallelism. Never changes the table.
    #[arg(long, value_name = "T", value_parser = parse_threads)]
    pub threads: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Print a preset as pretty JSON, ready to edit and pass to `generate --scenario`.
    Show {
        /// Preset name (see `milmed presets`); without it, the default scenario.
        preset: Option<String>,
    },
}

/// Arguments of `milmed generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Named preset (see `milmed presets`). Default: the default scenario.
    #[arg(long, value_name = "NAME", conflicts_with = "scenario")]
    pub preset: Option<String>,

    /// Scenario file: JSON, or TOML when the name ends in .toml.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// Number of patients, overriding the scenario's `patients`.
    #[arg(short = 'n', long = "patients", value_name = "N", value_parser = parse_patients)]
    pub patients: Option<u64>,

    /// Random seed; the same scenario and seed always give the same output.
    #[arg(long, value_name = "S", default_value_t = 0, value_parser = parse_seed)]
    pub seed: u64,

    /// Output format: ndjson (one patient per line), json (one array), csv (one row per
    /// patient), events-csv (one row per timeline event), xml (one document), viewer (the
    /// timeline viewer's JSON), fhir or fhir-transaction (one FHIR R4 Bundle per line), ndef
    /// (one NFC NDEF file per patient, into the directory given by -o).
    #[arg(long, value_name = "FORMAT", default_value = "ndjson", value_parser = parse_format)]
    pub format: Format,

    /// Compression: none or gzip. For ndef, each tag's payload is compressed.
    #[arg(long, value_name = "C", default_value = "none", value_parser = parse_compression)]
    pub compress: Compression,

    /// Encrypt with AES-256-GCM under a password taken from MILMED_PASSWORD, --password-file
    /// or a terminal prompt (never from the command line). For ndef, each tag's payload.
    #[arg(long)]
    pub encrypt: bool,

    /// File whose first line is the password (with --encrypt).
    #[arg(long, value_name = "FILE", requires = "encrypt")]
    pub password_file: Option<PathBuf>,

    /// Output file; `-` or absent for standard output. A file is written as FILE.partial
    /// and renamed to FILE only when complete; a device or pipe (/dev/null) is written in
    /// place; a symbolic link is followed.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Worker threads (1-1024). Default: the available parallelism. Never changes the output.
    #[arg(long, value_name = "T", value_parser = parse_threads)]
    pub threads: Option<usize>,

    /// Stop after N patients (exit 3; the output is a complete document).
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_patients: Option<u64>,

    /// Stop once the output holds this many bytes, e.g. 500M, 2GiB (exit 3).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_bytes: Option<u64>,

    /// Stop after this many seconds of wall time, e.g. 30 or 0.5 (exit 3).
    #[arg(long, value_name = "S", value_parser = parse_seconds)]
    pub max_seconds: Option<Duration>,

    /// Stop after this many seconds of CPU time of the job's threads (exit 3).
    #[arg(long, value_name = "S", value_parser = parse_seconds)]
    pub max_cpu_seconds: Option<Duration>,

    /// Stop if the job's accounted buffers would exceed this many bytes, e.g. 64M (exit 3).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_memory: Option<u64>,

    /// Patients per batch, the unit of work and of budget checks (1-1048576). Never
    /// changes the output.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CHUNK, value_parser = parse_chunk)]
    pub chunk: usize,
}

/// Arguments of `milmed decrypt`.
#[derive(Debug, Args)]
pub struct DecryptArgs {
    /// The encrypted file; `-` for standard input.
    pub input: PathBuf,

    /// Where the plaintext goes; `-` or absent for standard output. A file is written as
    /// FILE.partial (mode 600) and renamed to FILE only when every chunk has been verified.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// File whose first line is the password (else MILMED_PASSWORD, else a prompt).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

impl GenerateArgs {
    /// The budget the `--max-*` flags give.
    pub fn budget(&self) -> Budget {
        Budget {
            max_patients: self.max_patients,
            max_bytes: self.max_bytes,
            max_wall_time: self.max_seconds,
            max_cpu_time: self.max_cpu_seconds,
            max_memory: self.max_memory,
        }
    }
}

fn parse_count(text: &str) -> Result<u64, String> {
    whole_number(text, 0, u64::MAX)
}

/// Bytes: a whole number with an optional binary suffix K, M, G, T (or KiB, MiB, …).
fn parse_bytes(text: &str) -> Result<u64, String> {
    let expected =
        || format!("expected a number of bytes such as 1048576, 512K, 64M or 2GiB, got `{text}`");
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '_'))
        .unwrap_or(trimmed.len());
    let (digits, suffix) = trimmed.split_at(split);
    let shift = match suffix.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => return Err(expected()),
    };
    let n = whole_number(digits, 0, u64::MAX).map_err(|_| expected())?;
    n.checked_mul(1u64 << shift).ok_or_else(expected)
}

/// Seconds: a non-negative decimal number.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e12)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("expected a number of seconds such as 30 or 0.5, got `{text}`"))
}

fn parse_compression(text: &str) -> Result<Compression, String> {
    text.parse::<Compression>().map_err(|e| e.to_string())
}

fn parse_format(text: &str) -> Result<Format, String> {
    text.parse::<Format>().map_err(|e| e.to_string())
}

fn parse_patients(text: &str) -> Result<u64, String> {
    whole_number(text, 1, milmed_core::scenario::MAX_PATIENTS)
}

fn parse_seed(text: &str) -> Result<u64, String> {
    whole_number(text, 0, u64::MAX)
}

fn parse_threads(text: &str) -> Result<usize, String> {
    whole_number(text, 1, MAX_THREADS as u64).map(|n| n as usize)
}

fn parse_chunk(text: &str) -> Result<usize, String> {
    whole_number(text, 1, MAX_BATCH as u64).map(|n| n as usize)
}

/// Default `--chunk`: the library's batch, about a millisecond of work, so budgets and
/// Ctrl-C act within a millisecond and memory stays flat.
pub const DEFAULT_CHUNK: usize = milmed_core::job::DEFAULT_BATCH;

/// A decimal integer inside `min..=max` (underscores allowed as separators).
fn whole_number(text: &str, min: u64, max: u64) -> Result<u64, String> {
    let digits: String = text.chars().filter(|&c| c != '_').collect();
    match digits.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from {min} to {max}")),
    }
}
